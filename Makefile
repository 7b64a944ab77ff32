# Two commands set up a fresh machine: `make demo` runs the main job, `make test` the tests.
# Both create (or reuse) .venv, install torch==2.13.0 unless a torch is importable there
# (a plain `torch` requirement resolved first would pull a multi-GB CUDA build), then the
# package with its extras.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.harmonybench-installed
DEMO_OUT ?= demo-output
PYTEST_WORKERS ?= 2

.PHONY: install demo demo-quick examples test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The main job: generated data, offline models, leaderboard, HTML page and a comparison.
demo: install
	$(VENV)/bin/harmonybench demo --output $(DEMO_OUT)

demo-quick: install
	$(VENV)/bin/harmonybench demo --quick --output $(DEMO_OUT)

# Score the shipped examples (no model, no torch needed).
examples: install
	$(VENV)/bin/harmonybench score --task textvqa --data examples/textvqa/TextVQA_0.5.1_val.json --predictions examples/textvqa/predictions.jsonl
	$(VENV)/bin/harmonybench score --task docvqa --data examples/docvqa/val_v1.0.json --predictions examples/docvqa/predictions.json --protocol anls --protocol anls-monkey --protocol contains

lint: install
	$(PY) -m ruff check .
	PYTHON=$(PY) .ci/lint-imports

typecheck: install
	PYTHON=$(PY) .ci/typecheck

unit: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q

test: lint typecheck unit

bench: install
	$(PY) benchmarks/bench_textvqa.py
	$(PY) benchmarks/bench_anls.py
	$(PY) benchmarks/bench_iou.py
	$(PY) benchmarks/bench_harness.py
	$(PY) benchmarks/bench_ocr_scoring.py
	$(PY) benchmarks/bench_background.py
	$(PY) benchmarks/bench_demo.py
	$(PY) benchmarks/bench_startup.py
	$(PY) benchmarks/bench_serve.py

clean:
	rm -rf $(DEMO_OUT) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
