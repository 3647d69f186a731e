# vaxcert: `make run` starts the whole system locally; `make test` runs every test. Both set up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 (the Lambda runtime): on PATH, or through pyenv; fall back to python3 (>= 3.11).
PYTHON312 := $(shell if command -v python3.12 >/dev/null 2>&1 && python3.12 -c 'import sys' >/dev/null 2>&1; then echo python3.12; \
	elif PYENV_VERSION=3.12.1 python3.12 -c 'import sys' >/dev/null 2>&1; then echo "env PYENV_VERSION=3.12.1 python3.12"; \
	else echo python3; fi)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PYTHONDONTWRITEBYTECODE := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: help setup browser run test test-fast lint format synth bench clean

help:
	@echo "make run    - set up and start the local stack with demo data (prints URLs)"
	@echo "make test   - set up and run every test (unit, integration, infra, e2e, browser)"
	@echo "make lint   - ruff + mypy"
	@echo "make synth  - CDK synth to cdk.out (offline), cdk-nag, cfn-lint"
	@echo "make bench  - benchmarks (JSON)"

$(STAMP): pyproject.toml
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing: install Debian's chromium package" >&2; exit 1; fi; }

run: setup
	$(PY) -m local_stack

test: setup browser
	$(PY) -m pytest -q -n 2 --dist loadgroup

test-fast: setup
	$(PY) -m pytest -q -n 2 -m "not e2e and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers functions local_stack infra tests bench

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

synth: setup
	$(PY) infra/app.py
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

bench: setup
	@$(PY) -m bench

clean:
	rm -rf $(VENV) cdk.out .local build .pytest_cache .mypy_cache .ruff_cache
