"""tools/misc/results_page.py: which published files belong to a suite."""
from tests_support import load_tool


def test_a_suite_s_pages_leave_out_those_of_a_longer_suite_name(tmp_path):
    results = tmp_path / 'results'
    results.mkdir()
    for name in ('mini_mnist_lambda1.md', 'mini_mnist_ablations.md',
                 'mini_mnist_ablations_ranking.md', 'mini_mnist_tasks.png',
                 'mini_mnist_ablations_tasks.png'):
        (results / name).write_text('x')
    page = load_tool('tools/misc/results_page.py')
    suites = ['mini_mnist', 'mini_mnist_ablations']

    def names(suite, ext):
        return [
            p.rsplit('/', 1)[-1]
            for p in page.published_with(suite, ext, suites, str(tmp_path))
        ]

    assert names('mini_mnist', 'md') == ['mini_mnist_lambda1.md']
    assert names('mini_mnist', 'png') == ['mini_mnist_tasks.png']
    assert names('mini_mnist_ablations',
                 'md') == ['mini_mnist_ablations_ranking.md']
    assert names('mini_mnist_ablations',
                 'png') == ['mini_mnist_ablations_tasks.png']
