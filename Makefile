# The two commands a new machine needs (see README):
#   make demo   install everything, then MAE vs MI-MAE on CPU: pre-training on
#               MNIST, 10-shot linear probe and segmentation, one table
#   make test   install everything, lint, then run the test suite
# and the project's evidence:
#   make bench  the mini-benchmark: a budget curve, 3 seeds, 4 tasks (< 75 min)
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: env data demo bench lint test

# OpenMMLab's lint set; settings in setup.cfg, same versions as pre-commit.
LINTED := mimae tools tests configs setup.py

env:
	tools/setup_env.sh $(VENV)

data: env
	$(PY) tools/dataset_converters/mnist_to_imagenet.py data/mnist
	$(PY) tools/dataset_converters/digit_scenes.py data/mnist_scenes \
		--objects mnist --num-train 100 --num-val 200

demo: data
	$(PY) tools/benchmark.py configs/benchmark/demo_mnist.py

bench: data
	$(PY) tools/benchmark.py configs/benchmark/mini_mnist.py

lint: env
	$(PY) -m flake8 $(LINTED)
	$(PY) -m isort --check-only --diff $(LINTED)
	$(PY) -m yapf --recursive --diff $(LINTED)

test: lint
	$(PY) -m pytest tests
