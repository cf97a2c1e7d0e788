from setuptools import find_packages, setup


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


setup(
    name='mimae',
    version=read_version(),
    description='MI-MAE (Learning Mask Invariant Mutual Information for '
    'Masked Image Modeling, ICLR 2025) for MMPretrain, MMDetection and '
    'MMSegmentation',
    packages=find_packages(include=['mimae', 'mimae.*']),
    python_requires='>=3.8',
    # torch is left out on purpose, as in OpenMMLab packages: users pick the
    # build for their CUDA; requirements/constraints.txt pins the tested one.
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require=dict(tests=read_requirements('requirements/tests.txt')),
    license='Apache License 2.0',
)
