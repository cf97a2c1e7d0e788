"""How the project's tools prepare a config before building a runner.

Shared by ``tools/train.py`` and ``tools/test.py`` so that every config kind
(pre-training, classification, detection, segmentation) gets the same
treatment and bad input fails before anything is built.
"""
import difflib
import importlib
import inspect
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from mmengine.config import Config
from mmengine.registry import Registry
from torch import nn

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _datasets(cfg: dict, where: str) -> Iterator[Tuple[str, dict]]:
    """Yield every dataset config, wrappers' inner datasets included."""
    yield where, cfg
    inner = cfg.get('dataset')
    if isinstance(inner, dict):
        yield from _datasets(inner, f'{where}.dataset')
    for i, item in enumerate(cfg.get('datasets') or []):
        if isinstance(item, dict):
            yield from _datasets(item, f'{where}.datasets[{i}]')


def check_data_roots(cfg: Config,
                     dataloaders: Sequence[str] = _DATALOADERS) -> None:
    """Refuse a config whose dataset ``data_root`` does not exist.

    Without this, a missing root surfaces as an empty dataset or a
    ``FileNotFoundError`` deep inside the dataloader, after the model has
    been built. Only the ``dataloaders`` the run uses are checked
    (evaluation needs no training data), and only local paths (URIs such as
    ``s3://`` are left to their backends).

    Raises:
        FileNotFoundError: naming the config key, the path and the fix.
    """
    for loader in dataloaders:
        dataloader = cfg.get(loader)
        if not dataloader or not isinstance(dataloader.get('dataset'), dict):
            continue
        for where, dataset in _datasets(dataloader['dataset'],
                                        f'{loader}.dataset'):
            root = dataset.get('data_root')
            if not root or '://' in str(root) or osp.isdir(root):
                continue
            raise FileNotFoundError(
                f'{where}.data_root={root!r} does not exist (resolved from '
                f'{osp.abspath(".")}). Put the dataset there in its standard '
                f'layout or point the config at it, e.g. --cfg-options '
                f'{where}.data_root=/path/to/data')


def add_metrics_file(cfg: Config, out_file: str) -> None:
    """Make the run write its evaluation metrics to ``out_file`` (JSON).

    Appends a :class:`mimae.engine.MetricsFileHook` to ``custom_hooks``; the
    last validation (training) or the test (evaluation) wins.
    """
    cfg.custom_hooks = [
        *(cfg.get('custom_hooks') or []),
        dict(type='MetricsFileHook', out_file=osp.abspath(out_file))
    ]


# mmengine's visualization backends, by the name the tools take.
VIS_BACKENDS = {
    'tensorboard': 'TensorboardVisBackend',  # pip install tensorboard
    'wandb': 'WandbVisBackend',  # pip install wandb; wandb login
    'mlflow': 'MLflowVisBackend',  # pip install mlflow
}


def add_vis_backends(cfg: Config, names: Sequence[str]) -> None:
    """Log scalars (losses, lr, the MI diagnostics) to more backends.

    Appends mmengine's TensorBoard, W&B or MLflow backend to the config's
    visualizer, after the local files it already writes; the config keeps
    its own visualizer type (MMPretrain's, MMDet's or MMSeg's). TensorBoard
    writes to ``<work_dir>/<timestamp>/vis_data``.

    Raises:
        ValueError: for a name that is not in :data:`VIS_BACKENDS`.
    """
    unknown = sorted(set(names) - set(VIS_BACKENDS))
    if unknown:
        raise ValueError(f'unknown visualization backend(s) {unknown}; '
                         f'known: {sorted(VIS_BACKENDS)}')
    visualizer = cfg.get('visualizer') or dict(type='Visualizer')
    backends = list(
        visualizer.get('vis_backends') or [dict(type='LocalVisBackend')])
    backends += [dict(type=VIS_BACKENDS[name]) for name in names]
    visualizer['vis_backends'] = backends
    cfg.visualizer = visualizer


class UnknownOptionError(KeyError):
    """A ``--cfg-options`` key that would create a key no base defines."""

    def __str__(self) -> str:
        return str(self.args[0])


def _constructor_keys(cls: type) -> Optional[Set[str]]:
    """The keyword arguments ``cls(...)`` takes, following ``**kwargs`` up
    the MRO (mmengine's classes pass them to their base); None when that
    ends in a class that takes anything."""
    keys: Set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        if klass in (object, nn.Module):
            return keys
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        keys |= {
            p.name
            for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                          p.KEYWORD_ONLY) and p.name != 'self'
        }
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return keys
    return None


def _registered(type_name: Any, scope: str) -> Optional[type]:
    """The class a config's ``type`` names, looked up in every registry of
    ``scope`` (its package's registries reach mmengine's), or None."""
    if isinstance(type_name, type):
        return type_name
    if not isinstance(type_name, str):
        return None
    try:
        registries = importlib.import_module(f'{scope}.registry')
    except ImportError:
        return None
    for name, registry in vars(registries).items():
        if isinstance(registry, Registry) and not name.startswith('MMENGINE'):
            try:
                found = registry.get(type_name)
            except Exception:  # a registry that cannot import its modules
                found = None
            if isinstance(found, type):
                return found
    return None


def checked_cfg_options(cfg: Config,
                        options: Dict[str, Any],
                        source: str = '--cfg-options') -> dict:
    """``--cfg-options`` with every key checked against ``cfg``.

    mmengine merges a misspelt key silently, as a new key that nothing
    reads (``trian_cfg.max_epochs=1`` trains the config's epochs). Here a
    key must exist in the config, or be a keyword argument of the class the
    enclosing dict's ``type`` names (``default_hooks.checkpoint.by_epoch``:
    a ``CheckpointHook`` argument the config leaves at its default), or a
    ``Runner`` argument at the top level (``work_dir``). A key written as
    ``+key`` is taken as a deliberate new key. List items are addressed by
    index (``custom_hooks.1.skip``); a key below a ``None`` replaces it.

    Args:
        cfg (Config): The config the options are merged into.
        options (dict): Dotted keys to values, as ``DictAction`` parses them.
        source (str): What the options are, for the message.

    Returns:
        dict: the options to merge (``+`` removed).

    Raises:
        UnknownOptionError: naming each unknown key with the closest keys
            the config has there.
    """
    from mmengine.runner import Runner
    scope = cfg.get('default_scope') or 'mmengine'
    top_level = _constructor_keys(Runner) or set()  # work_dir, resume, ...
    checked, problems = {}, []
    for key, value in options.items():
        if key.startswith('+'):
            checked[key[1:]] = value
            continue
        checked[key] = value
        node: Any = cfg._cfg_dict if isinstance(cfg, Config) else cfg
        path: List[str] = []
        for part in key.split('.'):
            if node is None:
                break  # a new subtree in place of None
            if isinstance(node, (list, tuple)):
                if part.isdigit() and int(part) < len(node):
                    node, path = node[int(part)], path + [part]
                    continue
                problems.append(f'{key}: {".".join(path)} is a list of '
                                f'{len(node)} items, {part!r} is no index')
                break
            if not isinstance(node, dict):
                problems.append(f'{key}: {".".join(path)} is '
                                f'{type(node).__name__} {node!r}, which has '
                                f'no key {part!r}')
                break
            if part in node or part in ('_delete_', '_scope_'):
                node, path = node.get(part), path + [part]
                continue
            if 'type' in node:
                cls = _registered(node['type'], node.get('_scope_', scope))
                # A type this process cannot resolve: its arguments are
                # unknown here, so any key may be one.
                accepted = _constructor_keys(cls) if cls else None
            else:
                accepted = top_level if not path else set()
            if accepted is None or part in accepted:
                break  # an argument the config leaves at its default
            where = '.'.join(path)
            close = difflib.get_close_matches(
                part,
                sorted({str(k)
                        for k in node} | accepted),
                n=3,
                cutoff=0.5)
            hint = (f'closest: {[".".join(path + [c]) for c in close]}'
                    if close else f'{where or "the config"} has '
                    f'{sorted(map(str, node))[:12]}')
            problems.append(f'{key}: no key {part!r} in '
                            f'{where or "the config"} ({hint})')
            break
    if problems:
        raise UnknownOptionError(
            f'{source} would create keys that nothing reads:\n  ' +
            '\n  '.join(problems) + '\nFix the spelling, or write +KEY=VALUE '
            'for a key you mean to add.')
    return checked


def add_show_dir(cfg: Config, out_dir: str) -> None:
    """Draw every test prediction into ``out_dir``, as the ``--show-dir`` of
    MMPretrain's, MMDet's and MMSeg's ``tools/test.py`` does for the
    config's scope (each turns on its own visualization hook).

    Raises:
        ValueError: the config has no ``default_hooks.visualization``.
    """
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise ValueError(
            '--show-dir needs default_hooks.visualization in the config (e.g. '
            "dict(type='VisualizationHook') in MMPretrain's default runtime)")
    scope = cfg.get('default_scope')
    if scope == 'mmdet':
        hook.update(draw=True, test_out_dir=out_dir)
    elif scope == 'mmseg':
        hook.update(draw=True)
        cfg.visualizer.save_dir = out_dir
    else:
        hook.update(enable=True, out_dir=out_dir)


def use_tta(cfg: Config) -> None:
    """Test with the config's test-time augmentation (``tta_model`` wrapping
    the model, ``tta_pipeline`` for the test data), as ``--tta`` of the
    OpenMMLab test tools does.

    Raises:
        ValueError: the config defines no ``tta_model`` and
            ``tta_pipeline`` (the MMSeg bases do; add both to a
            classification or detection config to use ``--tta``).
    """
    missing = [key for key in ('tta_model', 'tta_pipeline') if key not in cfg]
    if missing:
        raise ValueError(
            f'--tta: the config defines no {" or ".join(missing)}. Add them '
            "(e.g. tta_model=dict(type='DetTTAModel', ...) and a "
            "tta_pipeline ending in TestTimeAug, as MMDet's and MMSeg's "
            'dataset configs do) to test with augmentation.')
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
