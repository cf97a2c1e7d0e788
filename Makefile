# The two commands a new machine needs (see README):
#   make demo   install everything, then pre-train a tiny MI-MAE on CPU
#   make test   install everything, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_CONFIG := configs/pretrain/mimae_vit-tiny-p4_1xb64-coslr-20e_digits.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: env demo test

env:
	tools/setup_env.sh $(VENV)

demo: env
	$(PY) tools/dataset_converters/digits_to_imagenet.py data/digits
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)

test: env
	$(PY) -m pytest tests
