#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (loopback only, trust auth,
# fsync off). Never use it for real data: `stop` deletes it.
#
#   scripts/pg_test_server.sh start    (re)start a fresh server and create the test
#                                      database; prints its SQLAlchemy URL on stdout,
#                                      progress goes to stderr:
#                                        URL=$(scripts/pg_test_server.sh start)
#   scripts/pg_test_server.sh stop     stop the server and delete its data (idempotent)
#   scripts/pg_test_server.sh status   say whether it runs, and its URL
#   scripts/pg_test_server.sh url      print the URL of the running server
#   scripts/pg_test_server.sh env      print `export HYPOTHESES_TEST_DATABASE_URL=...`
#
# Environment (all optional):
#   HYPOTHESES_PG_PORT     first port to try (default 54329; the next free one is used if busy)
#   HYPOTHESES_PG_DB       database name (default hypotheses_test)
#   HYPOTHESES_PG_BASEDIR  where data, socket and log live
#                          (default /tmp/hypotheses-pg-<uid>-<hash of repo path>)
#   PG_BINDIR              PostgreSQL bin directory (default: newest /usr/lib/postgresql/*/bin
#                          that has a server)
#
# As root, initdb/pg_ctl run as the `postgres` OS user (the server refuses to run as
# root); as a normal user they run as that user. The superuser is always `postgres`.
set -euo pipefail

log() { echo "pg_test_server: $*" >&2; }
die() { echo "pg_test_server: ERROR: $*" >&2; exit 1; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE_DIR="$REPO/.pgdata"              # git-ignored; holds the URL of the running server
URL_FILE="$STATE_DIR/url"
DB_NAME=${HYPOTHESES_PG_DB:-hypotheses_test}
FIRST_PORT=${HYPOTHESES_PG_PORT:-54329}
KEY=$(printf '%s' "$REPO" | sha256sum | cut -c1-10)
BASE=${HYPOTHESES_PG_BASEDIR:-/tmp/hypotheses-pg-$(id -u)-$KEY}
DATA="$BASE/data"
LOG="$BASE/postgres.log"

[[ -n "$BASE" && "$BASE" != "/" ]] || die "refusing to use base directory '$BASE'"

IS_ROOT=0
[[ "$(id -u)" -eq 0 ]] && IS_ROOT=1

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/postgres" ]] || die "PG_BINDIR=$PG_BINDIR has no postgres binary"
        echo "$PG_BINDIR"
        return
    fi
    local server
    # A client-only install also has /usr/lib/postgresql/N/bin, so look for the server binary.
    server=$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -1 || true)
    [[ -n "$server" ]] \
        || die "no PostgreSQL server under /usr/lib/postgresql/*/bin (run scripts/ensure_test_deps.sh)"
    dirname "$server"
}

# Run a command as the OS user that owns the cluster, from a directory it can read.
as_pg() {
    if ((IS_ROOT)); then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            (cd / && su -s /bin/bash postgres -c "$(printf '%q ' "$@")")
        fi
    else
        "$@"
    fi
}

server_running() {
    [[ -f "$DATA/postmaster.pid" ]] || return 1
    local bindir
    bindir=$(find_bindir 2>/dev/null) || return 1
    as_pg "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

port_busy() {
    # Something accepts connections on 127.0.0.1:$1 (or the probe hangs).
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    [[ $? -eq 124 ]]
}

pick_port() {
    local p
    for ((p = FIRST_PORT; p < FIRST_PORT + 100; p++)); do
        if ! port_busy "$p"; then
            echo "$p"
            return
        fi
        log "port $p is busy, trying the next one"
    done
    die "no free port in $FIRST_PORT..$((FIRST_PORT + 99))"
}

make_url() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/$DB_NAME"; }

cmd_stop() {
    if [[ -d "$DATA" ]]; then
        local bindir=""
        bindir=$(find_bindir 2>/dev/null) || true
        if [[ -f "$DATA/postmaster.pid" ]]; then
            if [[ -n "$bindir" ]] && as_pg "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
                log "stopping the server in $DATA"
                as_pg "$bindir/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2 || {
                    log "fast shutdown failed; trying immediate shutdown"
                    as_pg "$bindir/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >&2 || true
                }
            elif [[ -z "$bindir" ]]; then
                local pid
                pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null || true)
                if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
                    log "no pg_ctl found; sending SIGINT to postmaster $pid"
                    kill -INT "$pid" || true
                    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
                fi
            else
                log "stale postmaster.pid in $DATA (server not running)"
            fi
        fi
        log "deleting $DATA"
        rm -rf "$DATA"
    else
        log "no test server data in $BASE; nothing to stop"
    fi
    rm -f "$LOG" "$URL_FILE"
    rmdir "$BASE" 2>/dev/null || true
    rmdir "$STATE_DIR" 2>/dev/null || true
}

cmd_start() {
    local bindir port url
    bindir=$(find_bindir)
    log "using PostgreSQL binaries in $bindir ($("$bindir/postgres" --version))"

    if [[ -d "$DATA" ]]; then
        if server_running; then
            log "a server from a previous start is still running; restarting it cleanly"
        else
            log "leftover data from a previous start; removing it"
        fi
        cmd_stop
    fi

    if ((IS_ROOT)); then
        id postgres >/dev/null 2>&1 \
            || die "running as root, but there is no 'postgres' OS user (install the postgresql package)"
    fi

    mkdir -p "$BASE"
    chmod 700 "$BASE"
    ((IS_ROOT)) && chown postgres:postgres "$BASE"

    port=$(pick_port)
    log "initdb into $DATA"
    as_pg "$bindir/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        --no-sync >"$LOG" 2>&1 || { cat "$LOG" >&2; die "initdb failed"; }
    # pg_ctl (running as postgres) appends the server log to the same file.
    ((IS_ROOT)) && chown postgres:postgres "$LOG"

    # Test-only settings: loopback only, private socket dir, no durability.
    cat >>"$DATA/postgresql.conf" <<EOF

# --- added by scripts/pg_test_server.sh (throwaway test server) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$BASE'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    log "starting the server on 127.0.0.1:$port (log: $LOG)"
    if ! as_pg "$bindir/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >&2; then
        tail -n 30 "$LOG" >&2 || true
        cmd_stop
        die "the server did not start"
    fi

    local i
    for ((i = 0; i < 60; i++)); do
        "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres && break
        sleep 0.5
    done
    "$bindir/pg_isready" -h 127.0.0.1 -p "$port" -U postgres >&2 \
        || { tail -n 30 "$LOG" >&2 || true; die "the server does not accept connections"; }

    log "creating database $DB_NAME"
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" >&2

    url=$(make_url "$port")
    mkdir -p "$STATE_DIR"
    echo "$url" >"$URL_FILE"
    log "ready: HYPOTHESES_TEST_DATABASE_URL=$url"
    echo "$url"
}

cmd_url() {
    if server_running && [[ -f "$URL_FILE" ]]; then
        cat "$URL_FILE"
    else
        die "no test server is running (scripts/pg_test_server.sh start)"
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start ;;
    url) cmd_url ;;
    env) echo "export HYPOTHESES_TEST_DATABASE_URL=$(cmd_url)" ;;
    status)
        if server_running; then
            echo "running: $(cat "$URL_FILE" 2>/dev/null || echo "(url unknown)") data=$DATA"
        else
            echo "not running (data dir: $DATA)"
            exit 3
        fi
        ;;
    *)
        echo "usage: $0 start|stop|restart|status|url|env" >&2
        exit 2
        ;;
esac
