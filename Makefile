# The two commands of the README: `make demo` and `make test`.
# Both create .venv from requirements/pinned.txt when it is missing or stale
# (and requirements/tests.txt: Selenium and TensorBoard, for the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_CONFIG ?= configs/demo/kga-net-wo-coherence_r18-half-synbusi-pre_1xb8-1x1x8-600it_synthetic.py
# The demo backbone's ImageNet stand-in (trained on the demo data's BUSI
# images), which DEMO_CONFIG starts from.
PRETRAIN_CONFIG := configs/pretrain/resnet18-half_1xb32-400it_synthetic-busi-96px.py
PRETRAIN_WORK_DIR := work_dirs/pretrain/resnet18-half_1xb32-400it_synthetic-busi-96px
DEMO_WORK_DIR ?= work_dirs/demo
DEMO_DATA ?= data/busv-like
MAKE_DATA = test -d $(DEMO_DATA) || $(PY) tools/data/make_synthetic.py --preset busv-like --out $(DEMO_DATA)

.PHONY: install test demo figures gpu-check gpu-wheels tables premise-sweep clean

install: $(STAMP)

$(STAMP): requirements/pinned.txt requirements/tests.txt requirements/runtime.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/pinned.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/tests.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(MAKE_DATA)
	test -f $(PRETRAIN_WORK_DIR)/iter_400.pth || $(PY) tools/train.py $(PRETRAIN_CONFIG) --work-dir $(PRETRAIN_WORK_DIR)
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" --work-dir $(DEMO_WORK_DIR)

# Every figure and number the docs show (docs/figures/, its metrics.json),
# from the make demo checkpoint; tools/check_docs.py (in make test) checks
# the quoted numbers against them.
figures: $(STAMP)
	$(PY) tools/analysis/make_figures.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" --out docs/figures

# On a CUDA machine: KGA-Net and the five baselines trained and tested
# through tools/train.py and tools/test.py (benchmarks/gpu-<device>.md);
# about 8 minutes on one H100.
gpu-check: $(STAMP)
	$(PY) tools/gpu_check.py

# Tables 1 and 2 on the synthetic data at CPU demo sizes (results/*.md), by
# 3-fold cross-validation of the BUSV videos (BUSI in training for every
# fold), with pooled out-of-fold AUC CIs and DeLong p-values against KGA-Net:
# 27 trainings and 54 tests (KGA-Net's runs serve both tables), two at a
# time; finished runs are skipped.
D := configs/demo
TABLE := $(PY) tools/analysis/run_table.py --jobs 2 --work-root work_dirs/tables-cv
tables: $(STAMP)
	$(MAKE_DATA)
	$(TABLE) --title "Table 2 on the synthetic data (CPU demo sizes)" \
	  --out results/table2_synthetic.md --folds 3 \
	  --configs $(D)/kga-net-wo-image-guidance_r18-half_1xb8-1x1x8-600it_synthetic-busv.py \
	    $(D)/kga-net-wo-coherence-attention_r18-half_1xb8-1x1x8-600it_synthetic.py \
	    $(D)/kga-net-wo-coherence_r18-half_1xb8-1x1x8-600it_synthetic.py \
	    $(D)/kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py \
	  --names "w/o image guidance" "w/o coherence loss & attention" "w/o coherence loss" "KGA-Net"
	$(TABLE) --title "Table 1 on the synthetic data (CPU demo sizes)" \
	  --out results/table1_synthetic.md --folds 3 \
	  --configs $(D)/i3d_r50-quarter-1block_1xb8-8x2x1-600it_synthetic.py \
	    $(D)/slowfast_r50-quarter-1block_1xb8-2x8x1-600it_synthetic.py \
	    $(D)/r2plus1d_r34-quarter-1block_1xb8-8x2x1-600it_synthetic.py \
	    $(D)/ircsn_r50-quarter-1block_1xb8-8x2x1-600it_synthetic.py \
	    $(D)/mvit-small-p244_quarter-1block_1xb8-8x2x1-600it_synthetic.py \
	    $(D)/kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py \
	  --names I3D SlowFast "R(2+1)D" CSN MViT KGA-Net

# The premise sweep (results/premise_sweep.md): KGA-Net, w/o coherence,
# frame averaging and the lesion-area oracle by
# 3-fold CV at keyframe fractions 0.1, 0.25, 0.5 and 1.0, every backbone
# from the ResNet-18 stand-in of configs/pretrain (trained first on the demo
# data's BUSI images); 36 trainings, two at a time (hours on 2 cores);
# finished runs are skipped.
premise-sweep: $(STAMP)
	$(MAKE_DATA)
	$(PY) tools/analysis/premise_sweep.py

# The wheels a CUDA machine without a package registry lacks (Python 3.12,
# x86-64; see tools/gpu_wheels.py), into .whl/, and the line that installs
# them there.
gpu-wheels: $(STAMP)
	$(PY) tools/gpu_wheels.py --out .whl

clean:
	rm -rf $(VENV) work_dirs kga_mmaction/.mim *.egg-info
