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
# Lock files with hashes (`make lock` writes them from pyproject.toml): dev.lock for this venv (runtime,
# cli and dev extras), layer.lock for the Lambda layer (runtime dependencies only, same versions).
DEV_LOCK := requirements/dev.lock
LAYER_LOCK := requirements/layer.lock
UV_VERSION := 0.13.8
export PYTHONDONTWRITEBYTECODE := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1

.PHONY: help setup lock cdk-cli deploy browser run test test-fast lint format synth bench clean

help:
	@echo "make run    - set up and start the local stack with demo data (prints URLs)"
	@echo "make test   - set up and run every test (unit, integration, infra, e2e, browser)"
	@echo "make lint   - ruff + mypy + import-linter (layers)"
	@echo "make synth  - CDK synth to cdk.out (offline), cdk-nag, cfn-lint"
	@echo "make bench  - benchmarks (JSON)"
	@echo "make lock   - re-resolve requirements/*.lock (with hashes) after editing pyproject.toml"
	@echo "make deploy - npm ci (the CDK CLI pinned in package.json) and npx cdk deploy"

# Exactly the locked versions, each file checked against its hash; then our own package (no deps).
$(STAMP): pyproject.toml $(DEV_LOCK)
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP)

# Needs only a venv with uv (bootstrapped here), so it also works when the lock is stale or missing.
lock:
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	@$(PY) -m uv --version >/dev/null 2>&1 || $(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(PY) -m uv pip compile pyproject.toml --quiet --extra dev --extra cli --generate-hashes --universal \
		--python-version 3.11 -o $(DEV_LOCK)
	$(PY) -m uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.12 \
		-c $(DEV_LOCK) -o $(LAYER_LOCK)

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing: install Debian's chromium package" >&2; exit 1; fi; }

run: setup
	$(PY) -m local_stack

# A browser test whose Chromium renderer crashed ("Page crashed": seen in the PDF viewer of the print frame
# on a loaded machine) runs again, at most twice; any other failure fails at once.
test: setup browser
	$(PY) -m pytest -q -n 2 --dist loadgroup --reruns 2 --only-rerun 'Page crashed' --only-rerun 'Target crashed'

test-fast: setup
	$(PY) -m pytest -q -n 2 -m "not e2e and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy layers functions local_stack infra tests bench

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The CDK CLI from package.json/package-lock.json (npm registry). Not part of `setup`: tests and
# `make synth` run the app directly, offline; only deploying needs the CLI.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

cdk-cli: node_modules/.installed

deploy: setup cdk-cli
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy

synth: setup
	$(PY) infra/app.py
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

bench: setup
	@$(PY) -m bench

clean:
	rm -rf $(VENV) cdk.out .local build .pytest_cache .mypy_cache .ruff_cache
