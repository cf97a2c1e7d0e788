"""Models by name: mimae's model index through MMPretrain's, MMDet's and
MMSeg's own builders.

Importing :mod:`mimae.apis` also registers the index's pre-training and
classification rows in MMPretrain's ``ModelHub`` (its public
``register_model_index``), so ``mmpretrain.get_model('<mimae name>')``
works too; rows MMPretrain already has (its MAE checkpoints) keep
MMPretrain's entry, and their downloads are hash-checked either way because
every URL load goes through :mod:`mimae.zoo.loaders`.
"""
import os.path as osp
import tempfile
from typing import List, Optional, Union

import yaml
from mmengine.config import Config

from ..zoo.index import ZooModel, find_model
from ..zoo.index import list_models as _list_models


def list_models(pattern: str = '*') -> List[str]:
    """Names in the model index matching a shell pattern, e.g.
    ``list_models('mimae_*')``."""
    return _list_models(pattern)


def get_config(model: Union[str, ZooModel]) -> Config:
    """The config of a zoo name (``PKG::`` references included)."""
    row = find_model(model) if isinstance(model, str) else model
    if not row.config:
        raise ValueError(f'{row.name} has no config in mimae ({row.source})')
    if '::' in row.config:
        from mmengine.hub import get_config as get_package_config
        return get_package_config(row.config)
    return Config.fromfile(row.config)


def get_model(name: str,
              pretrained: Union[bool, str] = False,
              device: Optional[str] = None,
              **kwargs):
    """Build a model of the index by name (as MMPretrain's ``get_model``:
    without weights unless asked for).

    Args:
        name (str): A name of :func:`list_models`.
        pretrained (bool | str): True for the row's weights (downloaded once,
            hash-checked, loaded safely, converted from the MAE / timm
            format if need be), a path / URL / zoo name for other weights,
            False (the default, as MMPretrain's) for none.
        device (str, optional): Where to put the model.
        **kwargs: Overrides of the config's ``model``.

    Returns:
        The model (eval mode) from MMPretrain's ``get_model``, MMDet's
        ``init_detector`` or MMSeg's ``init_model``, by the config's scope.

    Raises:
        KeyError: for an unknown name, with the closest ones.
        ValueError: ``pretrained=True`` for a row without weights.
    """
    row = find_model(name)
    if pretrained is True:
        if not row.weights:
            raise ValueError(
                f'{row.name} has no published weights ({row.source}); pass '
                'pretrained=False, or a checkpoint path, URL or zoo name.')
        pretrained = row.weights
    checkpoint = pretrained or None
    config = get_config(row)
    if kwargs:
        config.merge_from_dict({'model': kwargs})
    scope = config.get('default_scope', 'mmpretrain')
    if scope == 'mmdet':
        from mmdet.apis import init_detector
        return init_detector(config, checkpoint, device=device or 'cpu')
    if scope == 'mmseg':
        from mmseg.apis import init_model
        return init_model(config, checkpoint, device=device or 'cpu')
    import mmpretrain
    return mmpretrain.get_model(
        config, pretrained=checkpoint or False, device=device)


def register_in_mmpretrain() -> List[str]:
    """Add the pre-training and classification rows that MMPretrain does
    not have to its ``ModelHub``.

    Returns:
        List[str]: the names added.
    """
    import mmpretrain
    from mmengine.utils import get_installed_path
    from mmpretrain.apis.model import ModelHub

    from ..zoo.index import load_index
    mmpretrain.list_models()  # MMPretrain registers its own index first
    rows = []
    for row in load_index().values():
        if ModelHub.has(row.name.lower()) or not row.config:
            continue
        config = row.config
        if '::' in config:
            package, path = config.split('::')
            config = osp.join(
                get_installed_path(package), '.mim', 'configs', path)
        if not osp.isfile(config) or osp.basename(
                osp.dirname(config)) in ('det', 'seg'):
            continue  # mmpretrain.get_model builds MMPretrain models only
        rows.append(
            dict(
                Name=row.name,
                Metadata=row.metadata,
                Results=row.results or None,
                Weights=row.weights,
                Config=config))
    if rows:
        with tempfile.TemporaryDirectory() as folder:
            index = osp.join(folder, 'mimae-model-index.yml')
            with open(index, 'w') as f:
                yaml.safe_dump(dict(Models=rows), f)
            ModelHub.register_model_index(index)
    return [r['Name'] for r in rows]
