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

.PHONY: help install notebooks reports catalogue test bench clean lab browser-tools

help: ## List every target
	@echo "ohti: indicator-based evaluation of Finland's employment areas"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: PERIOD=YYYY-MM (default: latest complete month), JOBS=N, GROUPING=auto|ely|maakunta|evk,"
	@echo "           LANGUAGE=fi|sv|en (default: each area's language status, bilingual areas in both)"

# WeasyPrint subsets the fonts of each PDF with HarfBuzz when its subsetting library is
# installed (else with fontTools, which takes about a fifth of each PDF's time more). As root
# on Debian the library is installed; otherwise a line says how.
$(STAMP): pyproject.toml
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's libharfbuzz-subset0 (PDFs print faster with it)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0 >/dev/null; } || \
	      echo "could not install libharfbuzz-subset0: PDFs will print more slowly"; \
	  else \
	    echo "note: libharfbuzz-subset0 is missing; PDFs print faster with it (apt-get install libharfbuzz-subset0)"; \
	  fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv (if missing) and install ohti with its dependencies

# Each notebook's source is notebooks/<name>.py (jupytext percent format); the .ipynb that
# Papermill runs is written from it, without outputs and with the cell ids of the source.
# tests/test_notebook.py fails while the two differ. Not a rule on timestamps: JupyterLab saves
# a paired .ipynb (with outputs) after its source, so the script compares contents and rewrites
# only the notebooks that differ.
notebooks: $(STAMP) ## Write each notebooks/*.ipynb from its source notebooks/*.py (after editing one)
	$(BIN)/python scripts/make_notebooks.py

GROUPING ?= auto

reports: $(STAMP) ## Build the area, regional (GROUPING=auto|ely|maakunta|evk) and national documents, index, catalogue (EXTRACT=path|demo)
	$(BIN)/ohti build --areas all --grouping $(GROUPING) --validity --audit $(if $(EXTRACT),--extract $(EXTRACT)) $(BUILD_ARGS)

catalogue: $(STAMP) ## Publish the HTML indicator catalogue (outputs/catalogue/index.html)
	$(BIN)/ohti catalogue

# The browser tests (tests/test_browser.py, tests/test_accessibility.py) drive Debian's chromium
# through its chromedriver and check pages with axe-core from npm (package.json, pinned in
# package-lock.json, installed into node_modules/). No tool downloads a browser. Installing
# chromium needs root; without it the browser tests skip and say why.
BROWSER_STAMP := node_modules/.ohti-browser-tools

$(BROWSER_STAMP): package.json package-lock.json
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium and chromium-driver for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "chromium is missing and installing it needs root: the browser tests will skip"; \
	  fi; \
	fi
	if command -v npm >/dev/null; then PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the accessibility tests will skip"; fi
	touch $(BROWSER_STAMP)

browser-tools: $(BROWSER_STAMP) ## Install what the browser tests need (chromium as root, axe-core)

# The suite runs in TEST_WORKERS processes (pytest-xdist), each test file in one of them (its
# module fixtures are made once); 0 runs it in this process. On two cores, two workers take
# about half the time of one. `pytest -m "not slow"` is the quick part (under a minute).
TEST_WORKERS ?= 2

test: $(STAMP) $(BROWSER_STAMP) ## Run the test suite (TEST_WORKERS=N processes, 2 by default; 0: one)
	OHTI_REQUIRE_BROWSER=$$([ "$$(id -u)" = 0 ] && echo 1 || echo 0) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP) ## Measure load, compute and build times (N=areas, ROUNDS=runs, PROCESS_EVENTS=rows of the large extract, FULL=1: the full build)
	$(BIN)/python benchmarks/bench.py $(if $(N),--n $(N)) $(if $(JOBS),--jobs $(JOBS)) $(if $(ROUNDS),--rounds $(ROUNDS)) $(if $(PROCESS_EVENTS),--process-events $(PROCESS_EVENTS)) $(if $(filter-out 0,$(FULL)),--full)

lab: $(STAMP) ## Install JupyterLab into .venv and open the notebooks
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

clean: ## Remove generated outputs (keeps outputs/README.md)
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
