#!/usr/bin/env bash
# A private Prometheus (Debian's `prometheus` package) scraping every service of the mesh, with the hub's alert rules.
#
#   deploy/prometheus.sh start|stop|status|url
#
# Environment:
#   RUN_DIR                     where state lives (default: <repo>/.run)
#   PROMETHEUS_PORT             HTTP port (web UI and /api/v1) on 127.0.0.1 (default 59090)
#   PROMETHEUS_DIR              config, data, log and pid of this server (default $RUN_DIR/prometheus)
#   PROMETHEUS_TARGETS          what to scrape, "name=host:port,name=host:port…" (default: every service of
#                               services/mesh.toml at its declared port on 127.0.0.1)
#   PROMETHEUS_REPLICAS         instances of every service to scrape without PROMETHEUS_TARGETS (default 1;
#                               make up REPLICAS=N passes N)
#   PROMETHEUS_SCRAPE_INTERVAL  how often to scrape and evaluate the rules (default 15s)
#   PROMETHEUS_RETENTION        how long samples are kept (default 7d)
#   PROMETHEUS_BIN              the server binary (default: prometheus on PATH)
#   PROMETHEUS_START_TIMEOUT    seconds to wait for the server to be ready (default 30)
#   PROMETHEUS_ARGS             more flags for the server (tests: --scrape.discovery-reload-interval=500ms, so
#                               the first scrape comes at once rather than after the default 5 s)
#   PY                          a Python with the hub's libs (default <repo>/.venv/bin/python): writes the config
#
# The configuration is written on every start to $PROMETHEUS_DIR/prometheus.yml by `python -m hub.metrics_scrape`,
# the generator of deploy/prometheus/prometheus.yml, with the rules of deploy/prometheus/rules.yml. Different
# PROMETHEUS_DIR/PROMETHEUS_PORT give independent servers. start on a running server and stop on a stopped one do
# nothing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"
RUN_DIR="${RUN_DIR:-$REPO_DIR/.run}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-59090}"
PROMETHEUS_DIR="${PROMETHEUS_DIR:-$RUN_DIR/prometheus}"
PROMETHEUS_TARGETS="${PROMETHEUS_TARGETS:-}"
PROMETHEUS_REPLICAS="${PROMETHEUS_REPLICAS:-1}"
PROMETHEUS_SCRAPE_INTERVAL="${PROMETHEUS_SCRAPE_INTERVAL:-15s}"
PROMETHEUS_RETENTION="${PROMETHEUS_RETENTION:-7d}"
PROMETHEUS_BIN="${PROMETHEUS_BIN:-prometheus}"
PROMETHEUS_START_TIMEOUT="${PROMETHEUS_START_TIMEOUT:-30}"
PROMETHEUS_ARGS="${PROMETHEUS_ARGS:-}"
PY="${PY:-$REPO_DIR/.venv/bin/python}"
RULES="$SCRIPT_DIR/prometheus/rules.yml"

CONFIG="$PROMETHEUS_DIR/prometheus.yml"
PID_FILE="$PROMETHEUS_DIR/prometheus.pid"
LOG="$PROMETHEUS_DIR/prometheus.log"
DATA_DIR="$PROMETHEUS_DIR/data"

SCRIPT_NAME=prometheus.sh
# shellcheck source=deploy/lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
}

cmd_url() { echo "http://127.0.0.1:$PROMETHEUS_PORT"; }

# The server's pid, if it runs with our configuration.
prometheus_pid() { server_pid "$PID_FILE" "--config.file=$CONFIG"; }

# Python (a prerequisite) rather than curl, which the machine may not have.
ready() {
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$(cmd_url)/-/ready" \
        >/dev/null 2>&1
}

show_logs() { tail -n 20 "$LOG" >&2 || true; }

write_config() {
    local args=(--rules "$RULES" --scrape-interval "$PROMETHEUS_SCRAPE_INTERVAL" --replicas "$PROMETHEUS_REPLICAS") target
    local -a targets
    if [[ -n "$PROMETHEUS_TARGETS" ]]; then
        IFS=',' read -ra targets <<<"$PROMETHEUS_TARGETS"
        for target in "${targets[@]}"; do args+=(--target "$target"); done
    fi
    [[ -x "$PY" ]] || die "$PY not found: run make install first"
    "$PY" -m hub.metrics_scrape "${args[@]}" >"$CONFIG.tmp" || die "could not write the configuration"
    mv -f "$CONFIG.tmp" "$CONFIG"
}

cmd_start() {
    local pid
    mkdir -p "$PROMETHEUS_DIR"
    take_lock "$PROMETHEUS_DIR"
    if pid="$(prometheus_pid)"; then
        echo "$pid" >"$PID_FILE"
        log "already running (pid $pid) on $(cmd_url)"
        return
    fi
    command -v "$PROMETHEUS_BIN" >/dev/null || die "$PROMETHEUS_BIN not found: apt-get install prometheus (make prometheus)"
    if ready; then die "port $PROMETHEUS_PORT is taken by another server"; fi
    write_config
    log "starting on $(cmd_url) (dir: $PROMETHEUS_DIR)"
    # Word splitting of PROMETHEUS_ARGS is intended: it holds several flags.
    # shellcheck disable=SC2206
    local extra=($PROMETHEUS_ARGS)
    launch "$PID_FILE" "$LOG" "$PROMETHEUS_BIN" --config.file="$CONFIG" --storage.tsdb.path="$DATA_DIR" \
        --storage.tsdb.retention.time="$PROMETHEUS_RETENTION" \
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" "${extra[@]}"
    pid="$(<"$PID_FILE")"
    if await_ready "$pid" "$PROMETHEUS_START_TIMEOUT" ready; then
        log "ready (pid $pid) on $(cmd_url)"
        return
    fi
    show_logs
    stop_pid "$pid" 10
    rm -f "$PID_FILE"
    die "server not ready after ${PROMETHEUS_START_TIMEOUT} s"
}

cmd_stop() {
    local pid
    if [[ -d "$PROMETHEUS_DIR" ]]; then take_lock "$PROMETHEUS_DIR"; fi
    if ! pid="$(prometheus_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return
    fi
    stop_pid "$pid" 10
    rm -f "$PID_FILE"
    log "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(prometheus_pid)"; then
        log "running (pid $pid) on $(cmd_url)"
        return 0
    fi
    log "not running"
    return 3
}

[[ $# -eq 1 ]] || usage
case "$1" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
*) usage ;;
esac
