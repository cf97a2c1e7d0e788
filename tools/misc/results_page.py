"""The benchmark-results section of docs/model_zoo.md, generated from the
suites' own output.

    python tools/misc/results_page.py                          # print it
    python tools/misc/results_page.py --update docs/model_zoo.md
    python tools/misc/results_page.py --check docs/model_zoo.md

A suite's results are published by copying what ``tools/benchmark.py``
wrote into ``docs/results/`` under the suite's name::

    cp work_dirs/benchmark/mini_digits/results.md docs/results/mini_digits.md
    cp work_dirs/benchmark/mini_digits/results_tasks.png \\
        docs/results/mini_digits_tasks.png

For every suite in ``configs/benchmark/`` with published results this
writes what the suite is (the comment that opens its config, with the
command), its results tables as the tool wrote them, any further tables
published under ``<suite>_*.md`` (e.g. ``rank_arms.py``'s ranking) and its
plots. Nothing in the section is typed by hand.
"""
import glob
import os.path as osp
import sys
from typing import List

from mimae.utils import generated_markdown

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'tools/misc/results_page.py'


def config_comment(path: str) -> List[str]:
    """The comment lines that open a config, without their ``#``."""
    lines = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.startswith('#'):
                break
            lines.append(line[1:].rstrip('\n')[1:])
    return lines


def describe(comment: List[str]) -> List[str]:
    """A config comment as Markdown: prose lines joined into a paragraph,
    indented lines (the commands) in a code block."""
    prose = [line.strip() for line in comment if not line.startswith('  ')]
    # A command's continuation lines keep their indentation.
    commands = [line[2:] for line in comment if line.startswith('  ')]
    out = [' '.join(prose)]
    if commands:
        out += ['', '```bash'] + commands + ['```']
    return out


def tables(path: str) -> List[str]:
    """A published results file with its title line dropped (the section
    heading names the suite)."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().rstrip('\n').split('\n')
    if lines and lines[0].startswith('# '):
        lines = lines[1:]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def published_with(name: str, ext: str, suites: List[str],
                   docs: str) -> List[str]:
    """The files ``<name>_*.<ext>`` of suite ``name``, without those of a
    suite whose name extends it (``mini_mnist_ablations`` of
    ``mini_mnist``)."""
    longer = [s for s in suites if s.startswith(name + '_')]
    return [
        path for path in sorted(
            glob.glob(osp.join(docs, 'results', f'{name}_*.{ext}')))
        if not any(
            osp.basename(path).startswith(s + '.')
            or osp.basename(path).startswith(s + '_') for s in longer)
    ]


def section(docs: str = osp.join(ROOT, 'docs')) -> str:
    out = []
    configs = sorted(glob.glob(osp.join(ROOT, 'configs', 'benchmark', '*.py')))
    suites = [osp.splitext(osp.basename(c))[0] for c in configs]
    for config, name in zip(configs, suites):
        published = osp.join(docs, 'results', f'{name}.md')
        if not osp.isfile(published):
            continue
        out += [f'### `{name}`', '']
        out += describe(config_comment(config)) + ['']
        suite = f'configs/benchmark/{name}.py'
        out += [
            f'[`{suite}`](../{suite}); results as `tools/benchmark.py` wrote '
            f'them: [`results/{name}.md`](results/{name}.md).', ''
        ]
        out += tables(published) + ['']
        for extra in published_with(name, 'md', suites, docs):
            label = osp.splitext(osp.basename(extra))[0][len(name) + 1:]
            out += [f'#### {label}', ''] + tables(extra) + ['']
        for plot in published_with(name, 'png', suites, docs):
            label = osp.splitext(osp.basename(plot))[0][len(name) + 1:]
            out += [f'![{name}: {label}](results/{osp.basename(plot)})', '']
    return '\n'.join(out)


if __name__ == '__main__':
    sys.exit(
        generated_markdown.main(__doc__.splitlines()[0], 'benchmark-results',
                                TOOL, section))
