# The two commands of the README: `make demo` and `make test`.
# Both create .venv from requirements/pinned.txt when it is missing or stale.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_CONFIG ?= configs/demo/kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py
DEMO_WORK_DIR ?= work_dirs/demo
DEMO_DATA ?= data/synthetic

.PHONY: install test demo clean

install: $(STAMP)

$(STAMP): requirements/pinned.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/pinned.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	test -d $(DEMO_DATA) || $(PY) tools/data/make_synthetic.py --out $(DEMO_DATA) --videos-per-class 40 --val-fraction 0.3
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" --work-dir $(DEMO_WORK_DIR)

clean:
	rm -rf $(VENV) work_dirs kga_mmaction/.mim *.egg-info
