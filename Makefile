# Every target creates .venv from the requirements files when it is missing, so each works on a
# fresh clone. Node.js (for jsii, which aws-cdk-lib runs on) must be on PATH.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST := $(BIN)/python -m pytest
# jsii warns on every synth that Node 20 (this machine's) is past its end of life; it still works.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: setup synth cdk-synth deploy up down status demo test test-unit test-integration test-infrastructure \
        test-agent test-e2e lint format bench clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

synth: setup
	$(BIN)/python app.py

# The CDK CLI (npm package aws-cdk, pinned in package-lock.json) is only needed for `cdk deploy`.
node_modules/.bin/cdk: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

cdk-synth: setup node_modules/.bin/cdk
	PATH="$(CURDIR)/$(BIN):$$PATH" node_modules/.bin/cdk synth --quiet

deploy: setup node_modules/.bin/cdk
	PATH="$(CURDIR)/$(BIN):$$PATH" node_modules/.bin/cdk deploy Rollwright

up: synth
	$(BIN)/python -m devstack up

down: setup
	$(BIN)/python -m devstack down

status: setup
	$(BIN)/python -m devstack status

demo: up
	$(BIN)/python -m devstack demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test-unit: setup
	$(PYTEST) tests/unit

test-integration: setup
	$(PYTEST) tests/integration

test-infrastructure: synth
	$(PYTEST) tests/infrastructure

test-agent: setup
	$(PYTEST) tests/agent

test-e2e: synth
	$(PYTEST) tests/e2e

# One pytest run for every suite keeps a single closing summary line for CI. It runs on
# $(TEST_WORKERS) pytest-xdist workers, a test module (or a package sharing a session fixture)
# per unit of work, e2e modules first (tests/conftest.py); CI's log names the slowest tests.
TEST_WORKERS ?= 2
test: lint synth
	$(PYTEST) tests -n $(TEST_WORKERS) --dist loadfile --durations=25

# `make bench SCENARIOS=inplace_deployment` runs the named scenarios only.
bench: synth
	$(BIN)/python -m bench $(SCENARIOS)

clean:
	rm -rf cdk.out .devstack .pytest_cache .mypy_cache .ruff_cache
