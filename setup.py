import os
import os.path as osp
import shutil

from setuptools import find_packages, setup

# What mim and mmengine's ``mimae::`` config references look for inside the
# package (MMPretrain's ``.mim`` layout).
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_requirements(path: str) -> list:
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


def read_version() -> str:
    scope: dict = {}
    with open('mimae/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension() -> None:
    """Link ``configs``, ``tools`` and ``model-index.yml`` into
    ``mimae/.mim``, so ``mim download/train/test mimae ...`` and mmengine's
    ``mimae::`` config references find them. An editable install reads the
    repository through the links; building a wheel copies the files they
    point to (setuptools follows links), and the links stay in place, so the
    working tree never holds stale copies."""
    root = osp.dirname(osp.abspath(__file__))
    mim = osp.join(root, 'mimae', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(root, name), osp.join(mim, name)
        if not osp.exists(src):  # building from an unpacked wheel or sdist
            continue
        if osp.islink(dst):
            continue
        if osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)  # copies left by an older setup.py
        os.symlink(osp.relpath(src, mim), dst)


add_mim_extension()
setup(
    name='mimae',
    version=read_version(),
    description='MI-MAE (Learning Mask Invariant Mutual Information for '
    'Masked Image Modeling, ICLR 2025) for MMPretrain, MMDetection and '
    'MMSegmentation',
    packages=find_packages(include=['mimae', 'mimae.*']),
    include_package_data=True,
    package_data={
        'mimae':
        ['.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*']
    },
    python_requires='>=3.8',
    # torch is left out on purpose, as in OpenMMLab packages: users pick the
    # build for their CUDA; requirements/constraints.txt pins the tested one.
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require=dict(tests=read_requirements('requirements/tests.txt')),
    license='Apache License 2.0',
)
