# ohti: the dependency graph of the project. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERIOD ?=
JOBS ?=
LANGUAGE ?=
BUILD_ARGS := $(if $(PERIOD),--period $(PERIOD)) $(if $(JOBS),--jobs $(JOBS)) $(if $(LANGUAGE),--language $(LANGUAGE))

.PHONY: help install reports catalogue test bench clean lab

help: ## List every target
	@echo "ohti: indicator-based evaluation of Finland's employment areas"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: PERIOD=YYYY-MM (default: latest complete month), JOBS=N, GROUPING=ely|maakunta|evk,"
	@echo "           LANGUAGE=fi|sv|en (default: each area's language status, bilingual areas in both)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv (if missing) and install ohti with its dependencies

GROUPING ?= ely

reports: $(STAMP) ## Build the area, regional (GROUPING=ely|maakunta|evk) and national documents, index, catalogue (EXTRACT=path|demo)
	$(BIN)/ohti build --areas all --grouping $(GROUPING) $(if $(EXTRACT),--extract $(EXTRACT)) $(BUILD_ARGS)
	$(BIN)/ohti audit "$$($(BIN)/python -c 'from ohti.paths import OUTPUTS_DIR; from ohti.publish import default_period as latest; print(OUTPUTS_DIR / ("$(PERIOD)" or latest()))')"

catalogue: $(STAMP) ## Publish the HTML indicator catalogue (outputs/catalogue/index.html)
	$(BIN)/ohti catalogue

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest

bench: $(STAMP) ## Measure load, compute and build times (naive loop, ohti build, floor; N=areas)
	$(BIN)/python benchmarks/bench.py $(if $(N),--n $(N)) $(if $(JOBS),--jobs $(JOBS))

lab: $(STAMP) ## Install JupyterLab into .venv and open the notebooks
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

clean: ## Remove generated outputs (keeps outputs/README.md)
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
