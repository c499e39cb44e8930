# Shared set-up for scripts/demo and scripts/test: system packages, services, the venv.
# Sourced, not run. Everything here is idempotent: a second run only checks.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
    else
        log "needs root for: $*  (run as root or with passwordless sudo)"; return 1
    fi
}

APT_UPDATED=0
apt_install() {
    # Installs only the packages that are missing.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

python_for_venv() {
    for py in python3.11 python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
            echo "$py"; return 0
        fi
    done
    log "Python 3.11 is needed (Debian 12: apt-get install python3)"; return 1
}

TOOLS="$ROOT/.tools"
UV="$TOOLS/bin/uv"
# Python comes from the machine, never downloaded; packages only from uv.lock.
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$VENV"

ensure_uv() {
    # uv, pinned with hashes in scripts/uv-requirements.txt, in a venv of its own.
    local stamp="$TOOLS/.installed"
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null && ! command -v python3.11 >/dev/null; then
        apt_install python3 python3-venv python3-dev
    fi
    if [ ! -x "$UV" ] || [ "$ROOT/scripts/uv-requirements.txt" -nt "$stamp" ]; then
        log "installing uv into $TOOLS"
        "$(python_for_venv)" -m venv "$TOOLS"
        "$TOOLS/bin/pip" install -q --require-hashes -r "$ROOT/scripts/uv-requirements.txt"
        touch "$stamp"
    fi
    export UV_PYTHON="$(python_for_venv)"
}

ensure_venv() {
    # The venv holds exactly the lock's runtime packages plus the given extras.
    # --frozen: install what uv.lock says, never re-resolve (scripts/lock does that).
    ensure_uv
    local args=(sync --frozen --quiet)
    for extra in "$@"; do args+=(--extra "$extra"); done
    log "installing Python packages from uv.lock (${*:-runtime only})"
    (cd "$ROOT" && "$UV" "${args[@]}")
}

export_requirements() {
    # The lock's runtime packages for pip, with hashes: what the Dockerfile and a
    # systemd install use (`pip install --require-hashes -r deploy/requirements.txt`).
    (cd "$ROOT" && "$UV" export --frozen --quiet --no-emit-project --no-header \
        --format requirements-txt)
}

start_postgres() {
    if ! command -v pg_ctlcluster >/dev/null; then
        apt_install postgresql
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    apt_install "postgresql-$version-postgis-3" "postgresql-$version-pgrouting"
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        log "starting PostgreSQL $version"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
}

postgres_url() {
    # The machine's trust login on loopback when there is one, else our own role over the socket.
    if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        echo "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"; return
    fi
    local me; me="$(id -un)"
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        as_root runuser -u postgres -- psql -qc "CREATE ROLE \"$me\" SUPERUSER LOGIN" >/dev/null 2>&1 || true
    fi
    echo "postgresql+psycopg:///postgres?host=/var/run/postgresql"
}

start_redis() {
    command -v redis-server >/dev/null || apt_install redis-server
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        log "starting Redis"
        mkdir -p /tmp/gis-outage-redis
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            --dir /tmp/gis-outage-redis --logfile /tmp/gis-outage-redis/redis.log
    fi
}

start_rabbitmq() {
    command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
    if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        log "starting RabbitMQ"
        as_root rabbitmq-server -detached
        for _ in $(seq 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
    fi
}
