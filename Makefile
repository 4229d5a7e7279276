# Teamspace: `make run` serves the suite locally, `make test` runs every test and check,
# `make test-fast` the inner loop. Each sets up what it needs on a fresh machine (virtual
# environments, packages).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 is the Lambda runtime. A pyenv shim called python3.12 may exist without
# answering, so each candidate is asked for its version before it is used.
PYTHON312 ?= $(shell for c in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	/root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; assert sys.version_info[:2] == (3, 12)' \
	>/dev/null 2>&1; then $$c -c 'import sys; print(sys.executable)'; break; fi; done)

VENV := .venv
TOOLS := .venv-tools
# checkov pins a boto3 that aws-sam-cli's cannot live with: a third environment.
CHECKOV := .venv-checkov
# The checkov rules skipped, each with its reason in docs/security.md ("checkov").
CHECKOV_SKIP := CKV_AWS_27,CKV_AWS_115,CKV_AWS_116,CKV_AWS_117,CKV_AWS_119,CKV_AWS_158,CKV_AWS_173
PY := $(VENV)/bin/python
PIP_FLAGS := --quiet --disable-pip-version-check
export PYTHONPATH := shared:.
export SAM_CLI_TELEMETRY := 0
# sam build looks for python3.12 on PATH.
SAM_PATH := $(dir $(PYTHON312)):$(PATH)

# pytest over every core, each unit of work (a test file; the end-to-end modules sharing
# a runtime) whole on one worker, the longest first: tests/support/schedule.py.
XDIST := -n auto --dist loadscope
# More pytest options for make pytest / test / test-fast, e.g. PYTEST_ARGS=--durations=15
PYTEST_ARGS ?=

.PHONY: help python run test test-fast lint lint-openapi fmt check template pytest docs openapi \
	bench clean browser screenshots readme-tools

help:
	@echo "make run    serve the API on http://127.0.0.1:$${PORT:-3000} (PORT=3100 make run; TEAMSPACE_FAULTS=conflict=0.2,throttle=0.05 make run injects DynamoDB's faults, README)"
	@echo "make test   lint, template checks (cfn-lint, sam validate --lint, sam build, checkov), all tests"
	@echo "make test-fast  lint, unit and function tests (no template tools, no end-to-end, no fuzzing)"
	@echo "make lint   ruff check, ruff format --check, the layers' import contracts, the OpenAPI lint"
	@echo "make lint-openapi  Spectral (spectral:oas) over docs/openapi.json: no error, no warning"
	@echo "make pytest  every test, without lint and template checks (prints its time)"
	@echo "make fmt    format and fix with ruff"
	@echo "make docs   regenerate docs/events.md, docs/permissions.md and the hot items of docs/performance.md from the code"
	@echo "make openapi  regenerate docs/openapi.json from the HTTP functions"
	@echo "make screenshots  a PNG of each page (invitation, branded, sign-in, success, declined, expired, /docs) into docs/images"
	@echo "make browser  install Debian's chromium for the browser tests, if it is missing"
	@echo "make bench  measure round trips, scaling, cold start, latency, cost and a soak of the local runtime into docs/performance.md, and a contention run into docs/reliability.md"
	@echo "make check  lint and template checks, no tests"
	@echo "make template  cfn-lint, sam validate --lint, sam build, checkov"
	@echo "make clean  remove build output and caches"
	@echo "make python  check that a Python 3.12 (the Lambda runtime) is found"
	@echo "make readme-tools  install curl and jq (Debian's) when missing: the README's snippets use them"
	@echo "make help   this list"

python:
	@if [ -z "$(PYTHON312)" ]; then \
		echo "error: Python 3.12 (the Lambda runtime) was not found." >&2; \
		echo "       Install it (e.g. 'pyenv install 3.12') or run: make PYTHON312=/path/to/python3.12 ..." >&2; \
		exit 1; fi

# `make run` installs only what the local runtime needs (requirements-run.txt); the test
# and lint tools come with the first target that needs them. Both go into .venv, each
# with its own stamp; the full install covers the runtime's too.
$(VENV)/.installed-run: requirements-run.txt shared/requirements.txt | python
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-run.txt
	@touch $@

$(VENV)/.installed: requirements-dev.txt requirements-run.txt shared/requirements.txt | python
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

$(TOOLS)/.installed: requirements-tools.txt | python
	@test -x $(TOOLS)/bin/python || $(PYTHON312) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(TOOLS)/bin/python -m pip install $(PIP_FLAGS) -r requirements-tools.txt
	@touch $@

$(CHECKOV)/.installed: requirements-checkov.txt | python
	@test -x $(CHECKOV)/bin/python || $(PYTHON312) -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(CHECKOV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-checkov.txt
	@touch $@

run: $(VENV)/.installed-run
	@$(PY) -m local_runtime

# ruff, then the layers' import contracts (pyproject.toml, CONTRIBUTING.md), then the
# OpenAPI document through a linter no one here wrote.
lint: $(VENV)/.installed lint-openapi
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Spectral, from the npm registry with the machine's Node.js (20), pinned by
# tools/openapi-lint/package-lock.json into that folder (node_modules is not committed).
OPENAPI_LINT := tools/openapi-lint
$(OPENAPI_LINT)/node_modules/.installed: $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm (Node.js 20) is needed for the OpenAPI lint" >&2; exit 1; }
	cd $(OPENAPI_LINT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Every error and every warning fails (the ruleset: tools/openapi-lint/.spectral.yaml).
lint-openapi: $(OPENAPI_LINT)/node_modules/.installed
	$(OPENAPI_LINT)/node_modules/.bin/spectral lint docs/openapi.json \
		--ruleset $(OPENAPI_LINT)/.spectral.yaml --fail-severity=warn --format text

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The template must validate and build for real.
# The example stacks the docs show (docs/examples/) get the same two linters.
EXAMPLE_STACKS := $(wildcard docs/examples/*.yaml)
template: $(TOOLS)/.installed $(CHECKOV)/.installed
	$(TOOLS)/bin/cfn-lint template.yaml $(EXAMPLE_STACKS)
	PATH="$(SAM_PATH)" $(TOOLS)/bin/sam validate --lint --region us-east-1
	$(foreach stack,$(EXAMPLE_STACKS),PATH="$(SAM_PATH)" $(TOOLS)/bin/sam validate --lint \
		--region us-east-1 -t $(stack) &&) true
	PATH="$(SAM_PATH)" $(TOOLS)/bin/sam build --region us-east-1 --build-dir .aws-sam/build
	$(CHECKOV)/bin/checkov -f template.yaml --framework cloudformation --skip-download \
		--compact --quiet --skip-check $(CHECKOV_SKIP)

check: lint template

# The browser tests drive Debian's chromium (tests/support/browser.py); nothing is
# downloaded from anywhere but the distribution's packages.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The pages as the README shows them: the browser tests, each writing its page's state.
screenshots: $(VENV)/.installed browser
	TEAMSPACE_SCREENSHOTS=docs/images $(PY) -m pytest -q tests/e2e/test_browser_pages.py

# The README's snippets (tests/e2e/test_readme.py runs them) call curl and read JSON with
# jq: Debian's packages, installed when missing.
readme-tools:
	@if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq curl jq; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq curl jq; fi; fi

# Every test, with its wall time printed after pytest's own summary.
pytest: $(VENV)/.installed browser readme-tools
	@start=$$(date +%s); status=0; $(PY) -m pytest $(XDIST) $(PYTEST_ARGS) || status=$$?; \
		echo "pytest wall time: $$(( $$(date +%s) - start )) s"; exit $$status

test: check pytest

# The inner loop: ruff, the import contracts, unit and function tests.
test-fast: lint
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS) tests/unit tests/functions

docs: $(VENV)/.installed
	$(PY) -m tools.gen_docs
	$(PY) -m bench.hot_items --write docs/performance.md

# The benchmarks (issue 8), written into docs/performance.md; about 11 minutes. Not part
# of `make test` (its smoke run is: tests/unit/test_bench_smoke.py). sam build first: the
# cold-start table reports the built artifacts' sizes. Then the local runtime's soak
# (issue 14): 10,000 requests over HTTP with bursts of concurrent writers, about 15
# minutes; `make test` runs 1,000 of them (tests/e2e/test_runtime_soak.py). Then the
# contention run (issue 19): 20 writers on one workspace with DynamoDB's conflicts and
# throttles injected, into docs/reliability.md; `make test` runs a smaller one
# (tests/e2e/test_contention.py).
bench: $(VENV)/.installed $(TOOLS)/.installed
	PATH="$(SAM_PATH)" $(TOOLS)/bin/sam build --region us-east-1 --build-dir .aws-sam/build
	$(PY) -m bench --write docs/performance.md
	$(PY) -m bench.soak --requests 10000 --write docs/performance.md
	$(PY) -m bench.contention --write docs/reliability.md
	$(PY) -m bench.audit_throughput --write docs/performance.md

# The OpenAPI document, merged from the HTTP functions' resolvers (a test keeps it current).
openapi: $(VENV)/.installed
	$(PY) -m tools.openapi

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache
