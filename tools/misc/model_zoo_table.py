"""The model-zoo table of the README and docs/model_zoo.md, generated
from the model index.

    python tools/misc/model_zoo_table.py             # print it
    python tools/misc/model_zoo_table.py --update README.md docs/model_zoo.md
    python tools/misc/model_zoo_table.py --check README.md docs/model_zoo.md

Parameters are counted by building each config's model on torch's ``meta``
device (no memory, no weights). The hash is what the Weights URL promises
(see mimae.zoo.download); the table says which algorithm and how many hex
digits, since that is all some publishers give.
"""
import os.path as osp
import sys

import torch

from mimae.apis import get_config
from mimae.utils import generated_markdown
from mimae.zoo import expected_hash, load_index
from mimae.zoo.index import project_root


def parameters(row) -> str:
    if not row.config:
        return '-'
    config = get_config(row)
    scope = config.get('default_scope', 'mmpretrain')
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    from mmengine.registry import init_default_scope
    init_default_scope(scope)
    if scope == 'mmdet':
        import mimae.models.necks  # noqa: F401  (SimpleFPN)
    with torch.device('meta'):
        model = registry.build(config.model)
    return f'{sum(p.numel() for p in model.parameters()) / 1e6:.1f}'


def result(row) -> str:
    values = [
        f'{name} {value}' for entry in row.results
        for name, value in (entry.get('Metrics') or {}).items()
    ]
    return ', '.join(values) or '-'


def table() -> str:
    lines = [
        '| name | schedule | result | params (M) | weights hash | '
        'license | config |', '|' + ' --- |' * 7
    ]
    root = project_root() + osp.sep
    for row in load_index().values():  # in the index's order
        meta = row.metadata
        epochs = (f"{meta['Epochs']} ep" if 'Epochs' in meta else
                  f"{meta['Iterations']} it" if 'Iterations' in meta else '-')
        if row.weights:
            algorithm, digest = expected_hash(row.weights, row.weights_hash)
            weights = f'[{algorithm} {digest[:12]}]({row.weights})'
        else:
            weights = 'not published'
        config = (row.config or '-').replace(root, '')
        lines.append(
            f'| {row.name} | {epochs} | {result(row)} | {parameters(row)} | '
            f'{weights} | {row.license or "-"} | {config} |')
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(
        generated_markdown.main(__doc__.splitlines()[0], 'model-zoo-table',
                                'tools/misc/model_zoo_table.py', table))
