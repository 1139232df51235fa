#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and tests.
#
#   scripts/dev-db.sh start|stop|status|url [--tcp]|psql [ARGS…]
#
# Data lives under .data/pg (DICOM_GW_DEV_DB_DIR overrides). PostgreSQL refuses to run
# as root, so as root the cluster runs as an unprivileged user (DICOM_GW_DEV_DB_USER,
# default "postgres", created when missing). The port is chosen once, free, and kept.
# DICOM_GW_DEV_DB_FAST=1 turns off durability (fsync) for test runs only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state_dir="$root/.data"
data=${DICOM_GW_DEV_DB_DIR:-$state_dir/pg}
# Absolute, so walking up its parents (ensure_user) ends at / and the socket key is stable.
case "$data" in /*) ;; *) data="$PWD/$data" ;; esac
db_user=${DICOM_GW_DEV_DB_USER:-postgres}
superuser=dicom_gw
database=dicom_gw

find_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    fi
    while IFS= read -r d; do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
    echo "dev-db: no PostgreSQL server binaries found (install the 'postgresql' package)" >&2
    exit 1
}
bindir=$(find_bindir)

# Short socket directory: a unix socket path may not exceed ~107 bytes.
key=$(printf '%s' "$data" | cksum | cut -d' ' -f1)
sockdir=/tmp/dicom-gw-pg-$key
portfile="$data.port"

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$db_user" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    if ! id "$db_user" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$db_user"
    fi
    # The owner must reach the data directory through every parent.
    local p="$data"
    mkdir -p "$data"
    while [ "$p" != "/" ]; do
        p=$(dirname "$p")
        if ! runuser -u "$db_user" -- test -x "$p"; then
            chmod o+x "$p"
        fi
    done
    chown "$db_user" "$data"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

choose_port() {
    if [ -f "$portfile" ]; then cat "$portfile"; return; fi
    local p
    for p in $(seq 55432 55532); do
        if ! port_in_use "$p"; then echo "$p" > "$portfile"; echo "$p"; return; fi
    done
    echo "dev-db: no free port in 55432-55532" >&2
    exit 1
}

running() {
    [ -f "$data/PG_VERSION" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() {
    local port; port=$(cat "$portfile")
    if [ "${1:-}" = "--tcp" ]; then
        echo "postgresql://$superuser@127.0.0.1:$port/$database"
    else
        echo "postgresql://$superuser@/$database?host=$sockdir&port=$port"
    fi
}

start() {
    mkdir -p "$state_dir"
    ensure_user
    # A stopped cluster's saved port may have been taken meanwhile (another cluster on a
    # shared machine): choose again rather than fail to bind.
    if [ -f "$portfile" ] && ! running && port_in_use "$(cat "$portfile")"; then rm -f "$portfile"; fi
    local port; port=$(choose_port)
    mkdir -p "$sockdir"
    if [ "$(id -u)" -eq 0 ]; then chown "$db_user" "$sockdir"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$data" -U "$superuser" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    local fast="on"
    [ "${DICOM_GW_DEV_DB_FAST:-0}" = "1" ] && fast="off"
    cat > "$data.conf.tmp" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
max_connections = 300
shared_buffers = 256MB
fsync = $fast
synchronous_commit = $fast
full_page_writes = $fast
log_min_messages = warning
CONF
    if running; then
        echo "dev-db: already running on port $port"
    else
        # Settings go on the command line so the cluster's own files stay untouched.
        as_owner "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
            -o "$(sed -e 's/ *= */=/' -e "s/'//g" -e 's/^/-c /' "$data.conf.tmp" | tr '\n' ' ')" \
            start >/dev/null
        echo "dev-db: started on port $port (data $data)"
    fi
    rm -f "$data.conf.tmp"
    if ! as_owner "$bindir/psql" -h "$sockdir" -p "$port" -U "$superuser" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
        as_owner "$bindir/createdb" -h "$sockdir" -p "$port" -U "$superuser" "$database"
    fi
}

stop() {
    if running; then
        as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        echo "dev-db: stopped"
    else
        echo "dev-db: not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi ;;
    url) [ -f "$portfile" ] || { echo "dev-db: not set up (run start)" >&2; exit 1; }; url "${2:-}" ;;
    psql) shift; exec "$bindir/psql" "$(url)" "$@" ;;
    *) echo "usage: $0 start|stop|status|url [--tcp]|psql [ARGS…]" >&2; exit 2 ;;
esac
