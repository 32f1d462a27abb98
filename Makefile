# The book's build. `make book` and `make test` set up everything they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV      := .venv
PY        := $(VENV)/bin/python
LAB_VENV  := .venv-lab
NPROC     := $(shell nproc 2>/dev/null || echo 2)
MATHJAX_VERSION := 3.2.2
# The venv's own kernelspec wins over any user-level "python3" kernel.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1

CHAPTERS  := $(sort $(basename $(notdir $(wildcard notebooks/*.ipynb))))
EXECUTED  := $(CHAPTERS:%=executed/%.ipynb)
# What a chapter's result depends on is defined once, in scalinglab/book/deps.py (standard library only,
# so the system python3 can answer before .venv exists): notebook, data files, package code, requirements.
CHAPTER_DEPS = $(shell python3 -m scalinglab.book.deps $(1))
SITE_DEPS := $(EXECUTED) $(shell find book -type f 2>/dev/null) _config.yml _toc.yml $(shell find scalinglab/charts -name "*.py") requirements.txt
ENV_STAMP := $(VENV)/.installed

.PHONY: help book notebooks test test-fast lint lab clean env lock chromium run

help:
	@echo "make book   build the HTML book into _build/html (sets up .venv on first use)"
	@echo "make test   lint, then run the whole test suite (installs Debian's Chromium if missing)"
	@echo "make test-fast   package and schema tests only: no kernel, no browser (under a minute)"
	@echo "make lint   ruff check and ruff format --check (configured in pyproject.toml)"
	@echo "make lab    JupyterLab on notebooks/ (its own environment, .venv-lab)"
	@echo "make run CHAPTER=slug ARGS='-p name value ...'   rerun one chapter with new parameters"
	@echo "make clean  remove built and executed outputs (keeps .venv and runs/)"
	@echo "make lock   regenerate requirements*.txt from requirements*.in"

env: $(ENV_STAMP)

$(ENV_STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt 2> >(grep -v "^WARNING: Location" >&2)
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (scalinglab)" > /dev/null
	npm install --prefix $(VENV)/npm --no-audit --no-fund --silent mathjax@$(MATHJAX_VERSION)
	@touch $@

VEGA_RUNTIME := _build/generated/static/vega-runtime.js

book: $(ENV_STAMP)
	@$(MAKE) --no-print-directory -j$(NPROC) notebooks $(VEGA_RUNTIME)
	@$(MAKE) --no-print-directory _build/html/index.html

notebooks: $(EXECUTED)

.SECONDEXPANSION:
executed/%.ipynb: $$(call CHAPTER_DEPS,$$*) | $(ENV_STAMP)
	@echo "executing $*"
	@$(PY) -m scalinglab.book.build execute $*

# Generated once per pinned altair / vl-convert, concurrently with the notebooks.
$(VEGA_RUNTIME): requirements.txt $(shell find scalinglab/charts -name "*.py") | $(ENV_STAMP)
	@$(PY) -c "from scalinglab import charts; charts.write_vega_runtime('$@')"

_build/html/index.html: $(SITE_DEPS) | $(ENV_STAMP)
	@echo "building the site"
	@$(PY) -m scalinglab.book.build site
	@touch $@

chromium:
	@command -v chromium > /dev/null || (apt-get update -qq && apt-get install -y -qq chromium > /dev/null)

test: lint book chromium
	$(VENV)/bin/pytest -q

# The inner loop: every test not marked notebook (starts a kernel) or browser (drives Chromium);
# tests/conftest.py applies both markers automatically.
test-fast: $(ENV_STAMP)
	$(VENV)/bin/pytest -q -m "not notebook and not browser"

lint: $(ENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

run: $(ENV_STAMP)
	@test -n "$(CHAPTER)" || (echo "usage: make run CHAPTER=slug ARGS='-p name value ...'" >&2; exit 2)
	$(VENV)/bin/scalinglab run $(CHAPTER) $(ARGS)

$(LAB_VENV)/.installed: requirements-lab.txt pyproject.toml
	@test -x $(LAB_VENV)/bin/python || python3 -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt 2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

lab: $(LAB_VENV)/.installed
	JUPYTER_PATH= $(LAB_VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

lock:
	uv pip compile requirements.in -o requirements.txt --python-version 3.11 -q
	uv pip compile requirements-lab.in -o requirements-lab.txt --python-version 3.11 -q

clean:
	rm -rf _build executed
