# ohti: the dependency graph of the project. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERIOD ?=
JOBS ?=
LANGUAGE ?= fi
BUILD_ARGS := $(if $(PERIOD),--period $(PERIOD)) $(if $(JOBS),--jobs $(JOBS)) --language $(LANGUAGE)

.PHONY: help install reports catalogue test bench clean lab

help: ## List every target
	@echo "ohti: indicator-based evaluation of Finland's employment areas"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: PERIOD=YYYY-MM (default: latest complete month), JOBS=N, LANGUAGE=fi|sv|en"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv (if missing) and install ohti with its dependencies

reports: $(STAMP) ## Build every area document (HTML, PDF), the index and the catalogue under outputs/
	$(BIN)/ohti build --areas all $(BUILD_ARGS)

catalogue: $(STAMP) ## Publish the HTML indicator catalogue (outputs/catalogue/index.html)
	$(BIN)/ohti catalogue

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest

bench: $(STAMP) ## Measure load, compute and build times
	$(BIN)/python benchmarks/bench.py

lab: $(STAMP) ## Install JupyterLab into .venv and open the notebooks
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

clean: ## Remove generated outputs (keeps outputs/README.md)
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
