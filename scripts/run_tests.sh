#!/usr/bin/env bash
# Run the test suite with the project virtualenv (.venv; `make install` creates it).
#
#   scripts/run_tests.sh lint     only the lint gate (ruff check, ruff format --check)
#   scripts/run_tests.sh sqlite   all tests (browser tests included) on SQLite
#   scripts/run_tests.sh pg       all but the browser tests and the stats engine's own tests
#                                 (marked `stats`: no database, they ran on SQLite) on PostgreSQL
#   scripts/run_tests.sh all      both; fails if either fails (default)
#
# Every mode runs the lint gate first; a lint failure stops the run.
#
# PostgreSQL: if HYPOTHESES_TEST_DATABASE_URL is set, that server is used. Otherwise
# scripts/pg_test_server.sh starts a throwaway server and always stops it afterwards,
# even when the tests fail or the run is interrupted.
#
# Each run uses pytest-xdist: -n <workers> --dist loadgroup (the browser tests share one worker
# and one Chromium; each worker has its own PostgreSQL database, see tests/conftest.py).
#
# Environment:
#   PYTEST_ARGS               extra pytest arguments for every run (shell-quoted string)
#   HYPOTHESES_TEST_WORKERS   xdist workers per run (default: the CPU count, at most 4;
#                             0 runs in a single process)
#   HYPOTHESES_TEST_TIMEOUT   time limit per pytest run in seconds (default 2100 = 35 min)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
MODE=${1:-all}
TIMEOUT=${HYPOTHESES_TEST_TIMEOUT:-2100}
CPUS=$(nproc 2>/dev/null || echo 1)
# Let Python cache compiled modules, including pytest's assertion-rewritten ones (schemathesis
# and hypothesis are rewritten whole, being pytest plugins): collecting costs half as much
# from the second run on, in every xdist worker and every server process a test starts.
unset PYTHONDONTWRITEBYTECODE
WORKERS=${HYPOTHESES_TEST_WORKERS:-$((CPUS < 4 ? CPUS : 4))}
[[ "$WORKERS" =~ ^[0-9]+$ ]] || { echo "run_tests: ERROR: HYPOTHESES_TEST_WORKERS must be a number" >&2; exit 2; }

log() { echo "run_tests: $*"; }

[[ -x "$PY" ]] || { echo "run_tests: ERROR: $PY not found; run 'make install' first" >&2; exit 1; }

# Split PYTEST_ARGS like a shell would (quotes respected), without eval. They come after the
# xdist options, so PYTEST_ARGS='-n 0' wins (or set HYPOTHESES_TEST_WORKERS=0).
extra=()
if [[ -n "${PYTEST_ARGS:-}" ]]; then
    mapfile -t extra < <("$PY" -c 'import shlex, sys; print("\n".join(shlex.split(sys.argv[1])))' "$PYTEST_ARGS")
fi
if ((WORKERS > 0)); then
    extra=(-n "$WORKERS" --dist loadgroup "${extra[@]}")
fi

# Explain a pytest exit status. 5 = no tests collected, which counts as a failure here.
describe() {
    case "$1" in
        0) echo "passed" ;;
        1) echo "FAILED (test failures)" ;;
        2) echo "FAILED (interrupted)" ;;
        3) echo "FAILED (internal error)" ;;
        4) echo "FAILED (usage error)" ;;
        5) echo "FAILED (no tests collected)" ;;
        124) echo "FAILED (timed out after ${TIMEOUT}s)" ;;
        *) echo "FAILED (exit status $1)" ;;
    esac
}

# Wall time since a phase began (set START=$SECONDS first).
took() { echo "in $((SECONDS - START)) s"; }

pytest_cmd() {
    timeout --foreground -k 30 "$TIMEOUT" "$PY" -m pytest "$@"
}

run_sqlite() {
    log "=== SQLite run: $PY -m pytest ${extra[*]@Q} ==="
    local rc=0 START=$SECONDS
    # Never let an outer PostgreSQL URL leak into the SQLite run.
    env -u HYPOTHESES_TEST_DATABASE_URL \
        timeout --foreground -k 30 "$TIMEOUT" "$PY" -m pytest "${extra[@]}" || rc=$?
    log "SQLite run: $(describe "$rc") $(took)"
    return "$rc"
}

PG_STARTED=0
stop_pg() {
    if ((PG_STARTED)); then
        PG_STARTED=0
        log "stopping the throwaway PostgreSQL server"
        bash scripts/pg_test_server.sh stop || log "warning: stopping the PostgreSQL server failed"
    fi
}

run_pg() {
    local url rc=0 START=$SECONDS
    if [[ -n "${HYPOTHESES_TEST_DATABASE_URL:-}" ]]; then
        url=$HYPOTHESES_TEST_DATABASE_URL
        log "using the PostgreSQL server from HYPOTHESES_TEST_DATABASE_URL"
    else
        PG_STARTED=1    # stop_pg also cleans up after a half-finished start
        url=$(bash scripts/pg_test_server.sh start) || { log "PostgreSQL run: FAILED (server did not start)"; return 1; }
    fi
    log "=== PostgreSQL run: HYPOTHESES_TEST_DATABASE_URL=$url $PY -m pytest -m 'not browser and not stats' ${extra[*]@Q} ==="
    HYPOTHESES_TEST_DATABASE_URL=$url pytest_cmd -m "not browser and not stats" "${extra[@]}" || rc=$?
    stop_pg
    log "PostgreSQL run: $(describe "$rc") $(took) (server start and stop included)"
    return "$rc"
}

trap stop_pg EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The lint gate: ruff with the project's configuration (pyproject.toml) must be clean
# before any test runs; a finding fails the run with its file and line.
lint() {
    local START=$SECONDS
    log "=== lint: ruff check . && ruff format --check . ==="
    if ! .venv/bin/ruff check --output-format concise .; then
        log "lint: FAILED (ruff check; fix the findings above, 'ruff check --fix' fixes some)"
        return 1
    fi
    if ! .venv/bin/ruff format --check .; then
        log "lint: FAILED (files above are not formatted; run '.venv/bin/ruff format .')"
        return 1
    fi
    log "lint: passed $(took)"
}

case "$MODE" in
    lint) lint ;;
    sqlite) lint && run_sqlite ;;
    pg) lint && run_pg ;;
    all)
        lint || exit 1
        sqlite_rc=0 pg_rc=0
        run_sqlite || sqlite_rc=$?
        run_pg || pg_rc=$?
        log "=== summary: SQLite $(describe "$sqlite_rc"); PostgreSQL $(describe "$pg_rc") ==="
        ((sqlite_rc == 0 && pg_rc == 0)) || exit 1
        ;;
    *)
        echo "usage: $0 lint|sqlite|pg|all" >&2
        exit 2
        ;;
esac
