# hypotheses — developer entry points. `make help` lists them.
#
#   make run          set up .venv, create/migrate the DB (demo team on first run), serve, and
#                     run the notification worker beside the server
#   make test         system test deps + SQLite run (all tests) + PostgreSQL run (no browser)
#   make test-sqlite  only the SQLite run
#   make test-pg      only the PostgreSQL run (no browser tests, no stats-engine tests)
#   make bench        run every bench/*.py
#   make clean        remove the venv, caches and the throwaway PostgreSQL server
#
# Variables: HOST, PORT (make run), PYTEST_ARGS (extra pytest args), PYTHON (to create .venv).
# Environment: HYPOTHESES_TEST_WORKERS (pytest-xdist workers per test run; default the CPU
# count, at most 4; 0 runs in one process).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
VPY  := $(VENV)/bin/python
# Python used to create the venv: python3.11, else python3 (must be >= 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
# Reinstall only when pyproject.toml changes.
PYPROJECT_HASH := $(shell sha256sum pyproject.toml 2>/dev/null | cut -c1-16)
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)

HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
export PYTEST_ARGS
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv install run test test-sqlite test-pg test-deps bench clean

help:
	@echo "make run          install into $(VENV), init the DB (demo data on first run), serve on http://$(HOST):$(PORT)"
	@echo "make test         install test deps (chromium, postgresql, fonts, npm; axe-core by npm ci) and run the suite on SQLite and PostgreSQL"
	@echo "make test-sqlite  run all tests on SQLite (browser tests included)"
	@echo "make test-pg      run all but browser and stats-engine tests on PostgreSQL (throwaway server, or HYPOTHESES_TEST_DATABASE_URL)"
	@echo "make bench        run every bench/*.py"
	@echo "make install      create $(VENV) and pip install -e '.[test]'"
	@echo "make clean        remove $(VENV), build files, caches and the test PostgreSQL server"
	@echo "variables: HOST=$(HOST) PORT=$(PORT) PYTEST_ARGS='$(PYTEST_ARGS)' PYTHON=$(PYTHON)"

# --- virtualenv -------------------------------------------------------------

$(VPY):
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then echo "error: neither python3.11 nor python3 is on PATH (Python >= 3.11 is required)" >&2; exit 1; fi; \
	if ! "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	    echo "error: $$py is $$("$$py" -V 2>&1); Python >= 3.11 is required (make PYTHON=/path/to/python3.11)" >&2; exit 1; fi; \
	echo ">> creating $(VENV) with $$py ($$("$$py" -V 2>&1))"; \
	rm -rf $(VENV); \
	"$$py" -m venv $(VENV) || { echo "error: '$$py -m venv' failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }

venv: $(VPY)

$(STAMP): pyproject.toml stats/_scan.c | $(VPY)
	@$(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	    echo "error: $(VENV) uses $$($(VPY) -V 2>&1); Python >= 3.11 is required: rm -rf $(VENV) and retry" >&2; exit 1; }
	@echo ">> installing hypotheses[test] into $(VENV) (first run, pyproject.toml or stats/_scan.c changed)"
	$(VPY) -m pip install -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# --- run --------------------------------------------------------------------

# The notification worker runs beside the server in the same process group: Ctrl-C stops
# both, and the worker is stopped when the server exits.
run: install
	$(VENV)/bin/flask --app hypotheses init-db --demo-if-empty
	@$(VENV)/bin/flask --app hypotheses sources ensure-key >/dev/null  # data-source key (instance/sources_key) unless SOURCES_ENCRYPTION_KEYS is set
	@$(VENV)/bin/flask --app hypotheses worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/flask --app hypotheses run --host $(HOST) --port $(PORT)

# --- tests ------------------------------------------------------------------

# axe-core (package.json, pinned in package-lock.json) for the browser tests' accessibility
# checks: `npm ci` into node_modules/ when it is missing or the lock file changed.
test-deps:
	bash scripts/ensure_test_deps.sh
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	    echo ">> npm ci (axe-core for the browser tests)"; \
	    npm ci --no-audit --no-fund; \
	fi

test: install test-deps
	bash scripts/run_tests.sh all

test-sqlite: install test-deps
	bash scripts/run_tests.sh sqlite

test-pg: install test-deps
	bash scripts/run_tests.sh pg

# --- bench ------------------------------------------------------------------

BENCH_FILES := $(sort $(wildcard bench/*.py))

bench: install
	@if [ -z "$(BENCH_FILES)" ]; then echo "no bench/*.py files"; exit 0; fi
	@for f in $(BENCH_FILES); do echo ">> $(VPY) $$f"; $(VPY) "$$f"; done

# --- clean ------------------------------------------------------------------

# Leaves instance/ (your database and config) alone.
clean:
	-bash scripts/pg_test_server.sh stop
	rm -rf $(VENV) *.egg-info build dist .pytest_cache .hypothesis test-artifacts .pgdata
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
