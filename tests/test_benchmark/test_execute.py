"""Which ready cells the suite starts first."""
from mimae.benchmark.execute import longest_first


def test_untimed_kinds_first_then_longest_expected():
    expected = {
        'knn/a': 6.0,
        'det/a': None,
        'linear/a': 33.0,
        'seg/a': None,
        'knn/b': 6.0,
        'det/b': 165.0
    }
    order = longest_first(list(expected), expected.get)
    # Not timed yet, in suite order; then 165 s, 33 s, and the two 6 s
    # cells in suite order.
    assert order == ['det/a', 'seg/a', 'det/b', 'linear/a', 'knn/a', 'knn/b']


def test_nothing_timed_keeps_the_suite_order():
    cells = ['pretrain/mae', 'pretrain/mi-mae', 'task/knn/random']
    assert longest_first(cells, lambda cell: None) == cells
