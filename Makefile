# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTEST_ARGS ?=
# pytest-xdist workers of `make pytest` (2 cores: the tests wait on databases and subprocesses much of the time;
# docs/decisions.md "Test time"); PYTEST_WORKERS=0 runs in one process. Tests on one started platform share a
# worker (tests/conftest.py, --dist loadgroup).
PYTEST_WORKERS ?= 3
PY_PACKAGES := kernel gateway services/plans services/training services/evaluation services/hall
PY_SOURCES := kernel gateway services tests scripts bench ops
# This machine kind's environment sets PYTHONDONTWRITEBYTECODE=1: every test process (pytest's main and workers,
# each platform's five services, schemathesis, the CLIs the tests start) compiled our sources again, and pytest
# re-wrote every test module's assertions again (a collection: 12.7 CPU s without cached bytecode, 5.7 with;
# docs/benchmarks.md "Test time: bytecode"). Bytecode is written (__pycache__/, ignored by git).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test install lock frontend lint typecheck schema schema-check pytest frontend-test e2e bench-gateway load-test fuzz fault-test clean

# Every third-party package comes from requirements-dev.lock (exact versions with hashes, pip's hash-checking
# mode; it includes requirements.lock's runtime set); the local packages are installed editable on top, built with
# the locked setuptools. An existing .venv is updated in place.
$(VENV)/.installed: requirements.lock requirements-dev.lock kernel/pyproject.toml gateway/pyproject.toml \
		services/plans/pyproject.toml services/training/pyproject.toml services/evaluation/pyproject.toml \
		services/hall/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --require-hashes -r requirements-dev.lock
	$(PIP) install -q --no-deps --no-build-isolation $(foreach p,$(PY_PACKAGES),-e $(p))
	touch $@

install: $(VENV)/.installed

# `make lock`: requirements.txt -> requirements.lock, requirements-dev.txt -> requirements-dev.lock (pip-tools,
# hashes of every file on the index for each pinned version; resolved for Python 3.11 on Linux). Versions already
# in a lock file are kept unless the .txt asks otherwise; `make lock LOCK_ARGS=--upgrade` moves everything to the
# newest allowed. Resolved against PyPI whatever pip.conf says: the lock lists the hashes of every file PyPI has for
# each version (wheels of every platform and the sdist), which a partial mirror may not have.
LOCK_INDEX ?= https://pypi.org/simple
LOCK_ARGS ?=
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_CONSTRAINT= $(VENV)/bin/pip-compile -q --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --index-url $(LOCK_INDEX) $(LOCK_ARGS)

lock: install
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -o requirements-dev.lock requirements-dev.txt
	$(PY) scripts/check_locks.py
	$(MAKE) install

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

# The OpenID Connect provider the gateway's SSO tests start (tests/oidc: panva's oidc-provider, locked; #20).
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build

frontend: $(if $(wildcard frontend/package.json),frontend/dist/index.html,)

run: install frontend
	$(PY) scripts/run.py

lint: install
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)

typecheck: install
	$(VENV)/bin/mypy kernel/src gateway/src services/plans/src services/training/src services/evaluation/src \
		services/hall/src

pytest: install tests/oidc/node_modules/.installed
	$(PY) -m pytest -q -p no:logging -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

frontend-test: $(if $(wildcard frontend/package.json),frontend/node_modules/.installed,)
	@if [ -f frontend/package.json ]; then cd frontend && npm run lint && npm run type-check && npm run test:unit; fi

e2e: install frontend
	@if [ -f frontend/package.json ]; then $(PY) tests/e2e/run_e2e.py; fi

# The SPA's types come from the servers' OpenAPI (frontend/src/api/schema.d.ts, built in-process, no server):
# `make schema` regenerates it, `make schema-check` (part of `make test`) fails when the committed file is stale.
schema: install frontend/node_modules/.installed
	$(PY) scripts/gen_openapi.py --write

schema-check: install frontend/node_modules/.installed
	$(PY) scripts/gen_openapi.py --check

# `make test` runs pytest beside the cheap stages (lint, typecheck, schema-check, frontend-test), TEST_JOBS at a
# time, then the browser journeys on their own (they run E2E_JOBS files at once themselves). The journeys beside
# pytest gained nothing on 2 cores (pytest 286 s alone, 888 s beside them; the whole make test 14:53 either way) and
# made timing tests flaky (a proxied connect timed out at load 16); docs/decisions.md "make test's stages". Each
# stage's output is printed in one piece when it ends (--output-sync); a failing stage fails make test.
# Every stage stays a target of its own (`make pytest`, `make e2e`, ...).
TEST_JOBS ?= 2
TEST_STAGES := pytest lint typecheck schema-check frontend-test

test:
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target $(TEST_STAGES)
	@$(MAKE) --no-print-directory e2e

bench-gateway: install
	$(PY) bench/gateway_proxy.py

# The load test of issue #8 (5 minutes on PostgreSQL, loopback only); not part of `make test`.
load-test: install
	$(PY) bench/load_mix.py --backend postgresql --rate 300 --seconds 300

# Issue #8: schemathesis with every phase (stateful too) against each OpenAPI document as five roles, and the
# long fault run (services stopped and killed under load, a private PostgreSQL restarted, imports killed).
fuzz: install
	$(PY) -m tests.fuzz.run --backend postgresql --max-examples 50

fault-test: install
	$(PY) -m tests.faults.run_faults --rounds 3

clean:
	rm -rf $(VENV) var frontend/node_modules frontend/dist

# Operations targets (backup, restore, images, ...) live beside the deployment files.
-include ops/make.mk
