"""The model index: checkpoints by name, in MMPretrain's metafile format.

``model-index.yml`` (next to ``configs/``) imports ``configs/*/metafile.yml``;
each lists ``Models`` with ``Name``, ``Metadata`` (epochs, ``License``),
``Results``, ``Weights`` (a URL; its hash is ``Metadata: Weights Hash``,
``sha256=<hex>`` or ``md5=<hex>``, unless the file name carries it, see
:mod:`mimae.zoo.download`) and ``Config`` (relative to the index file; for
an index served over HTTP, to this project's folder).
``MIMAE_MODEL_INDEX`` adds other indexes (a file, or an ``http(s)`` URL of
one; several separated by ``,``): a team that publishes
its own checkpoints (``tools/model_converters/publish_model.py``) points it
at its index, and the same names then resolve to its files. A name defined
twice is refused, naming both places.
"""
import difflib
import fnmatch
import os
import os.path as osp
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml

INDEX_ENV = 'MIMAE_MODEL_INDEX'


@dataclass
class ZooModel:
    """One row of the index."""
    name: str
    weights: Optional[str]
    config: Optional[str]
    metadata: dict = field(default_factory=dict)
    results: list = field(default_factory=list)
    collection: Optional[str] = None
    source: str = ''  # the metafile that defines it

    @property
    def license(self) -> Optional[str]:
        return self.metadata.get('License')

    @property
    def weights_hash(self) -> Optional[str]:
        """``sha256=<hex>`` / ``md5=<hex>`` where the file name does not
        carry the hash (or carries only 8 digits of it)."""
        return self.metadata.get('Weights Hash')


def project_root() -> str:
    """The folder holding ``model-index.yml`` and ``configs/``: the package's
    ``.mim`` folder when installed with it, else the repository."""
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    mim = osp.join(package, '.mim')
    if osp.isfile(osp.join(mim, 'model-index.yml')):
        return mim
    return osp.dirname(package)


def _read_yaml(location: str) -> dict:
    if location.startswith(('http://', 'https://')):
        with urllib.request.urlopen(location, timeout=60) as response:
            return yaml.safe_load(response.read()) or {}
    with open(location) as f:
        return yaml.safe_load(f) or {}


def _join(base: str, relative: str) -> str:
    if base.startswith(('http://', 'https://')):
        return urllib.parse.urljoin(base, relative)
    return osp.join(osp.dirname(base), relative)


def _models_of(location: str, root: str,
               collections: Dict[str, dict]) -> List[ZooModel]:
    """The rows of a model index or metafile, following ``Import``;
    ``collections`` gathers the ``Collections`` of every file read."""
    data = _read_yaml(location)
    models = []
    for sub in data.get('Import') or []:
        models += _models_of(_join(location, sub), root, collections)
    for collection in data.get('Collections') or []:
        collections[collection['Name']] = collection
    for row in data.get('Models') or []:
        config = row.get('Config')
        if config and '::' not in config and not osp.isabs(config):
            # A remote index names configs of this project.
            config = osp.join(
                project_root() if root.startswith(
                    ('http://', 'https://')) else osp.dirname(root), config)
        models.append(
            ZooModel(
                name=row['Name'],
                weights=row.get('Weights'),
                config=config,
                metadata=dict(row.get('Metadata') or {}),
                results=row.get('Results') or [],
                collection=row.get('In Collection'),
                source=location))
    return models


def index_locations() -> List[str]:
    """mimae's own index, then those ``MIMAE_MODEL_INDEX`` adds."""
    extra = [
        p.strip() for p in os.environ.get(INDEX_ENV, '').split(',')
        if p.strip()
    ]
    return [osp.join(project_root(), 'model-index.yml')] + extra


_loaded: Dict[tuple, Dict[str, ZooModel]] = {}


def load_index() -> Dict[str, ZooModel]:
    """Every model of every index, by lower-case name (read once per set of
    index locations)."""
    locations = tuple(index_locations())
    if locations not in _loaded:
        for location in locations[1:]:
            if not location.startswith(('http://', 'https://')) and \
                    not osp.isfile(location):
                raise FileNotFoundError(
                    f'{INDEX_ENV}={os.environ[INDEX_ENV]!r} names the model '
                    f'index {location}, which does not exist')
        models: Dict[str, ZooModel] = {}
        for location in locations:
            collections: Dict[str, dict] = {}
            found = _models_of(location, location, collections)
            for model in found:
                # A row's own metadata wins over its collection's.
                inherited = collections.get(model.collection, {})
                model.metadata = {
                    **(inherited.get('Metadata') or {}),
                    **model.metadata
                }
                key = model.name.lower()
                if key in models:
                    raise ValueError(
                        f'model {model.name!r} is defined in both '
                        f'{models[key].source} and {model.source}')
                models[key] = model
        _loaded[locations] = models
    return _loaded[locations]


def list_models(pattern: str = '*') -> List[str]:
    """Names matching a shell pattern (case-insensitive), sorted."""
    return sorted(m.name for key, m in load_index().items()
                  if fnmatch.fnmatch(key, pattern.lower()))


def find_model(name: str) -> ZooModel:
    """The row called ``name``.

    Raises:
        KeyError: with the closest names in the index.
    """
    models = load_index()
    if name.lower() in models:
        return models[name.lower()]
    close = difflib.get_close_matches(
        name.lower(), list(models), n=5, cutoff=0.5)
    hint = (f' Closest: {[models[c].name for c in close]}.' if close else '')
    raise KeyError(f'{name!r} is not a model in the index '
                   f'({", ".join(index_locations())}).{hint} '
                   'mimae.zoo.list_models() lists them all.')


def find_weights(url: str) -> Optional[ZooModel]:
    """The row whose ``Weights`` is ``url`` (fragments aside), if any.

    Raises:
        ValueError: rows with this URL promise different hashes (name the
            row instead of the URL).
    """
    url = urllib.parse.urldefrag(url).url
    rows = [
        model for model in load_index().values()
        if model.weights and urllib.parse.urldefrag(model.weights).url == url
    ]
    if len({row.weights_hash for row in rows}) > 1:
        raise ValueError(
            f'{url} is the weights of rows with different hashes: ' +
            ', '.join(f'{row.name} ({row.weights_hash}, {row.source})'
                      for row in rows) + '; give the row\'s name instead')
    return rows[0] if rows else None


def is_model_name(text: str) -> bool:
    """Whether ``text`` could be a zoo name rather than a path or URL."""
    return bool(text) and '/' not in text and '\\' not in text and \
        not text.endswith(('.pth', '.pt', '.bin', '.safetensors'))
