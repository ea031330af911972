# Task runner. `make demo` and `make test` work on a fresh clone: they create .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml setup.py | cksum | cut -d' ' -f1)

.PHONY: help install demo test check lint typecheck unit bench clean

help:  ## list targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)  ## create .venv and install Menshen with the dev extras

demo: $(STAMP)  ## classify the bundled sample chat log with the embedded defaults
	$(BIN)/menshen demo

lint: $(STAMP)  ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)  ## mypy --strict on src/
	$(BIN)/mypy

unit: $(STAMP)  ## the test suite with coverage
	$(BIN)/python -m pytest --cov=menshen --cov-report=term --cov-fail-under=90

test: lint typecheck unit  ## lint, type check and tests (what CI runs)

bench: $(STAMP)  ## speed and quality benchmarks (reads ../shared/data)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py --out benchmarks/out/results.json

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
