#!/usr/bin/env bash
# Private PostgreSQL 15 cluster for development, tests and CI.
#
#   deploy/postgres.sh start|stop|status|url
#
# Environment:
#   RUN_DIR       where state lives (default: <repo>/.run); the cluster is $RUN_DIR/pg
#   PG_PORT       TCP port on 127.0.0.1 (default 55432)
#   PG_SHARED_BUFFERS, PG_MAX_WAL_SIZE   memory and WAL sizing (default 1GB, 4GB: see write_config)
#   PG_TUNING     "test" trades durability for speed (fsync/synchronous_commit/full_page_writes off);
#                 never the default, because a crash could then corrupt the cluster
#   DATABASE_URL  if set, an existing server is used and this script manages nothing
#
# Every command is idempotent: start on a running cluster and stop on a stopped one do nothing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"
RUN_DIR="${RUN_DIR:-$REPO_DIR/.run}"
PG_PORT="${PG_PORT:-55432}"
PG_TUNING="${PG_TUNING:-}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_USER=postgres # initdb and postgres refuse to run as root

PG_DIR="$RUN_DIR/pg"
DATA_DIR="$PG_DIR/data"
SOCKET_DIR="$PG_DIR/socket"
LOG_FILE="$PG_DIR/postgres.log"

SCRIPT_NAME=postgres.sh
# shellcheck source=deploy/lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
}

# Run a command as the postgres user. cd / first: pg_ctl fails if it cannot read the caller's cwd.
as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }

# pg_ctl status: 0 running, 3 not running, 4 no data folder.
is_running() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] || return 1
    as_pg "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1
}

# RUN_DIR may be root-owned under a path the postgres user cannot traverse; add o+x only where missing.
ensure_traversable() {
    local path="" part parts
    IFS=/ read -ra parts <<<"$1"
    # Top-down, so each test runs with every parent already traversable.
    for part in "${parts[@]}"; do
        [[ -n "$part" ]] || continue
        path+="/$part"
        if ! as_pg test -x "$path"; then
            log "granting o+x on $path so the $PG_USER user can reach the cluster"
            chmod o+x "$path"
        fi
    done
}

pick_locale() {
    # C.UTF-8 keeps sorting byte-wise yet stores UTF-8; fall back to C where glibc lacks it.
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then echo C.UTF-8; else echo C; fi
}

init_cluster() {
    mkdir -p "$PG_DIR"
    ensure_traversable "$RUN_DIR"
    chown "$PG_USER:" "$PG_DIR"
    chmod 755 "$PG_DIR" # the data folder inside stays 700; the socket folder must be reachable
    as_pg mkdir -p "$SOCKET_DIR"
    if [[ -f "$DATA_DIR/PG_VERSION" ]]; then
        return
    fi
    # A folder without PG_VERSION is the leftover of a failed initdb: start over rather than fail forever.
    rm -rf "$DATA_DIR"
    log "initialising cluster in $DATA_DIR"
    as_pg "$PG_BIN/initdb" -D "$DATA_DIR" --auth=trust --username=hub --encoding=UTF8 \
        --locale="$(pick_locale)" >"$PG_DIR/initdb.log" 2>&1 ||
        die "initdb failed; see $PG_DIR/initdb.log"
    # Our settings live in one file that start rewrites, so PG_PORT/PG_TUNING changes take effect.
    echo "include_if_exists = 'hub.conf'" >>"$DATA_DIR/postgresql.conf"
}

write_config() {
    local conf
    conf="listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 300
# Sized for bulk loads into the big data centre: at the 128 MB default a load of a million records evicts and
# writes back its own pages as it goes (bench/aggregation_ingest.py ran at two thirds of its speed), and 4 GB of
# WAL between checkpoints keeps such a load from forcing one.
shared_buffers = ${PG_SHARED_BUFFERS:-1GB}
max_wal_size = ${PG_MAX_WAL_SIZE:-4GB}
"
    if [[ "$PG_TUNING" == "test" ]]; then
        # Throwaway test data only: a crash may lose or corrupt it.
        conf+="fsync = off
synchronous_commit = off
full_page_writes = off
"
    fi
    printf '%s' "$conf" | as_pg tee "$DATA_DIR/hub.conf" >/dev/null
}

cmd_start() {
    [[ -z "$PG_TUNING" || "$PG_TUNING" == test ]] || die "unknown PG_TUNING '$PG_TUNING' (only 'test' is known)"
    mkdir -p "$PG_DIR"
    take_lock "$PG_DIR"
    if is_running; then
        local port
        port="$(sed -n 4p "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
        if [[ -n "$port" && "$port" != "$PG_PORT" ]]; then
            die "running cluster listens on $port, not PG_PORT=$PG_PORT: stop it first"
        fi
        # pg_ctl only checks the pid; make sure it answers (it may be starting, or dying after a crash).
        wait_ready || die "cluster process exists but 127.0.0.1:$PG_PORT does not answer; see $LOG_FILE"
        log "already running on 127.0.0.1:$PG_PORT"
        return
    fi
    # The socket path (+ "/.s.PGSQL.<port>") must fit the 107-byte sun_path limit.
    if ((${#SOCKET_DIR} > 90)); then
        die "socket folder path too long for a unix socket: $SOCKET_DIR (use a shorter RUN_DIR)"
    fi
    init_cluster
    write_config
    log "starting on 127.0.0.1:$PG_PORT (log: $LOG_FILE)"
    touch "$LOG_FILE"
    chown "$PG_USER:" "$LOG_FILE"
    # 9>&-: the server must not inherit (and so hold) the start/stop lock.
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 >/dev/null 9>&-; then
        tail -n 30 "$LOG_FILE" >&2 || true
        die "pg_ctl start failed"
    fi
    # pg_ctl -w checks the socket; also wait for TCP, which is what clients use.
    if ! wait_ready; then
        tail -n 30 "$LOG_FILE" >&2 || true
        die "server started but 127.0.0.1:$PG_PORT is not accepting connections"
    fi
    log "ready: $(cmd_url)"
}

# Up to 30 s for the server to accept TCP connections. -U hub: a role that exists, so no FATAL in the log.
wait_ready() {
    local i
    for ((i = 0; i < 60; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U hub -d postgres && return 0
        sleep 0.5
    done
    return 1
}

cmd_stop() {
    if [[ -d "$PG_DIR" ]]; then take_lock "$PG_DIR"; fi
    if ! is_running; then
        log "not running"
        return
    fi
    as_pg "$PG_BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 >/dev/null
    log "stopped"
}

cmd_status() {
    if is_running; then
        log "running on 127.0.0.1:$PG_PORT (data: $DATA_DIR)"
        return 0
    fi
    log "not running"
    return 3
}

cmd_url() { echo "postgresql://hub@127.0.0.1:${PG_PORT}/postgres"; }

[[ $# -eq 1 ]] || usage

# An externally provided server (e.g. CI service container) wins: never start or stop anything then.
if [[ -n "${DATABASE_URL:-}" ]]; then
    case "$1" in
    start | stop)
        log "DATABASE_URL is set: using the existing server, nothing to $1"
        exit 0
        ;;
    status)
        if "$PG_BIN/pg_isready" -q -d "$DATABASE_URL"; then
            log "DATABASE_URL is set: existing server is accepting connections"
            exit 0
        fi
        log "DATABASE_URL is set: existing server is not accepting connections"
        exit 3
        ;;
    url)
        echo "$DATABASE_URL"
        exit 0
        ;;
    *) usage ;;
    esac
fi

case "$1" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*) usage ;;
esac
