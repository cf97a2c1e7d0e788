# The two commands a new machine needs (see README):
#   make demo   install everything, then MAE vs MI-MAE on CPU: pre-training,
#               k-NN, linear probe, detection and segmentation, one table
#   make test   install everything, lint, then run the test suite
# and the project's evidence:
#   make bench  the mini-benchmark: 6 arms x 3 seeds x 6 tasks (< 60 min)
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: env data demo bench lint test

# OpenMMLab's lint set; settings in setup.cfg, same versions as pre-commit.
LINTED := mimae tools tests configs setup.py

env:
	tools/setup_env.sh $(VENV)

data: env
	$(PY) tools/dataset_converters/digits_to_imagenet.py data/digits
	$(PY) tools/dataset_converters/digit_scenes.py data/digit_scenes

demo: data
	$(PY) tools/benchmark.py configs/benchmark/demo_digits.py

bench: data
	$(PY) tools/benchmark.py configs/benchmark/mini_digits.py

lint: env
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)
	$(PY) -m yapf --recursive --diff $(LINTED)

test: lint
	$(PY) -m pytest tests
