#!/usr/bin/env bash
# Install the system packages the test suite needs, ONLY when they are missing:
#   - chromium           Debian's browser for the Playwright tests (/usr/bin/chromium)
#   - postgresql         a PostgreSQL server for the PostgreSQL test run
#   - fonts-dejavu-core  so headless screenshots render text
#   - npm                `make test-deps` runs `npm ci` for axe-core (package-lock.json)
# Runs `apt-get update` only when something has to be installed.
# Needs root, or sudo when run as a normal user.
#
# Environment:
#   HYPOTHESES_SKIP_TEST_DEPS=1   skip all checks (you provide the packages yourself)
set -euo pipefail

log() { echo "ensure_test_deps: $*"; }
die() { echo "ensure_test_deps: ERROR: $*" >&2; exit 1; }

if [[ "${HYPOTHESES_SKIP_TEST_DEPS:-0}" == 1 ]]; then
    log "HYPOTHESES_SKIP_TEST_DEPS=1: not checking system packages"
    exit 0
fi

CHROMIUM=/usr/bin/chromium
DEJAVU=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

have_pg_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

need=()

if [[ -x "$CHROMIUM" ]]; then
    log "chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    log "chromium missing ($CHROMIUM not found)"
    need+=(chromium)
fi

if have_pg_server; then
    log "PostgreSQL server present: $(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -1)"
else
    log "PostgreSQL server missing (no /usr/lib/postgresql/*/bin/postgres)"
    need+=(postgresql)
fi

if command -v npm >/dev/null 2>&1; then
    log "npm present: $(npm --version 2>/dev/null) (node $(node --version 2>/dev/null))"
else
    log "npm missing (installs axe-core for the browser tests' accessibility checks)"
    need+=(npm)
fi

if [[ -e "$DEJAVU" ]]; then
    log "fonts present: $DEJAVU"
else
    log "fonts missing ($DEJAVU not found)"
    need+=(fonts-dejavu-core)
fi

if ((${#need[@]} == 0)); then
    log "all test dependencies are installed"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 \
    || die "apt-get not found; install these packages yourself: ${need[*]} (or set HYPOTHESES_SKIP_TEST_DEPS=1)"

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then
            sudo_cmd=(sudo)
        else
            # No terminal (e.g. CI): never hang on a password prompt.
            sudo_cmd=(sudo -n)
        fi
    else
        die "need root to install: ${need[*]}. Run as root, install sudo, or install them yourself:
    apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
    fi
fi

start=$SECONDS
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

log "running: ${sudo_cmd[*]:+${sudo_cmd[*]} }apt-get update"
"${sudo_cmd[@]}" apt-get "${apt_opts[@]}" update \
    || die "apt-get update failed"

log "running: ${sudo_cmd[*]:+${sudo_cmd[*]} }apt-get install -y --no-install-recommends ${need[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "${need[@]}" \
    || die "apt-get install ${need[*]} failed"

log "installed ${need[*]} in $((SECONDS - start)) s"

# Verify.
[[ -x "$CHROMIUM" ]] || die "$CHROMIUM still missing after install"
log "chromium: $("$CHROMIUM" --version)"
have_pg_server || die "no /usr/lib/postgresql/*/bin/postgres after installing postgresql"
[[ -e "$DEJAVU" ]] || die "$DEJAVU still missing after installing fonts-dejavu-core"
command -v npm >/dev/null 2>&1 || die "npm still missing after installing npm"
log "all test dependencies are installed"
