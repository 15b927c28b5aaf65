#!/usr/bin/env bash
# Private Zipkin server (3.6, its UI and HTTP API, spans kept in memory) for development and tests: the trace UI
# operators open to follow a request from the gateway through the services and Kafka.
#
#   deploy/zipkin.sh start|stop|status|url|spans-endpoint|jars
#
# Environment:
#   RUN_DIR                where state lives (default: <repo>/.run)
#   ZIPKIN_PORT            HTTP port on 127.0.0.1: UI under /zipkin/, API under /api/v2/ (default 59411)
#   ZIPKIN_DIR             logs and pid of this server (default $RUN_DIR/zipkin)
#   ZIPKIN_JARS            the server's executable jar, resolved by Maven from deploy/zipkin/pom.xml
#                          (default $RUN_DIR/zipkin-jars)
#   ZIPKIN_HEAP            JVM heap flags (default "-Xms64m -Xmx512m")
#   ZIPKIN_MAX_SPANS       spans kept in memory before the oldest traces are dropped (default 200000)
#   ZIPKIN_START_TIMEOUT   seconds to wait for the server to be ready (default 90)
#   ZIPKIN_URL             if set (e.g. http://zipkin.example:9411), an existing Zipkin is used and this script
#                          manages nothing
#
# The services send spans with OpenTelemetry's Zipkin exporter (OTEL_EXPORTER_ZIPKIN_ENDPOINT=`spans-endpoint`):
# Zipkin takes OTLP only through its OpenTelemetry module, which is not published on Maven Central (README,
# "Traces"). Different ZIPKIN_DIR/ZIPKIN_PORT give independent servers that can run side by side. Every command is
# idempotent: start on a running server and stop on a stopped one do nothing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"
RUN_DIR="${RUN_DIR:-$REPO_DIR/.run}"
ZIPKIN_PORT="${ZIPKIN_PORT:-59411}"
ZIPKIN_DIR="${ZIPKIN_DIR:-$RUN_DIR/zipkin}"
ZIPKIN_JARS="${ZIPKIN_JARS:-$RUN_DIR/zipkin-jars}"
ZIPKIN_HEAP="${ZIPKIN_HEAP:--Xms64m -Xmx512m}"
ZIPKIN_MAX_SPANS="${ZIPKIN_MAX_SPANS:-200000}"
ZIPKIN_START_TIMEOUT="${ZIPKIN_START_TIMEOUT:-90}"
POM="$SCRIPT_DIR/zipkin/pom.xml"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

PID_FILE="$ZIPKIN_DIR/zipkin.pid"
LOG_FILE="$ZIPKIN_DIR/zipkin.log"
# On the command line so that this server's process can be told from any other Zipkin (pids get reused).
MARKER="-Dhub.zipkin.dir=$ZIPKIN_DIR"

SCRIPT_NAME=zipkin.sh
# shellcheck source=deploy/lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    echo "usage: $0 start|stop|status|url|spans-endpoint|jars" >&2
    exit 2
}

# The server's pid, if it runs: its command line holds the marker.
zipkin_pid() { server_pid "$PID_FILE" "$MARKER"; }

server_jar() { compgen -G "$ZIPKIN_JARS/zipkin-server-*-exec.jar" | head -n 1; }
ensure_jars() { resolve_jars "$POM" "$ZIPKIN_JARS" 'zipkin-server-*-exec.jar'; }

base_url() { echo "${ZIPKIN_URL:-http://127.0.0.1:$ZIPKIN_PORT}"; }

# Ready = the health endpoint answers UP (the in-memory storage is then ready to take and serve spans).
# Python (a prerequisite) rather than curl, which the machine may not have.
healthy() {
    python3 - "$(base_url)/health" <<'PY' 2>/dev/null
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
    sys.exit(0 if json.load(answer).get("status") == "UP" else 1)
PY
}

show_logs() {
    echo "--- tail of $LOG_FILE" >&2
    tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
}

wait_ready() { await_ready "$1" "$ZIPKIN_START_TIMEOUT" healthy; }

cmd_start() {
    local pid jar
    mkdir -p "$ZIPKIN_DIR"
    take_lock "$ZIPKIN_DIR"
    if pid="$(zipkin_pid)"; then
        if healthy || wait_ready "$pid"; then
            echo "$pid" >"$PID_FILE"
            log "already running (pid $pid) on $(base_url)"
            return
        fi
        show_logs
        die "server (pid $pid) is running but $(base_url) does not answer"
    fi
    rm -f "$PID_FILE"
    if port_open "$ZIPKIN_PORT"; then
        die "port $ZIPKIN_PORT is taken by another process"
    fi

    command -v "$JAVA" >/dev/null || die "java not found"
    ensure_jars
    jar="$(server_jar)"
    if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.prev"; fi

    # Word splitting of ZIPKIN_HEAP is intended: it holds several JVM flags.
    # shellcheck disable=SC2206
    local heap=($ZIPKIN_HEAP)
    log "starting Zipkin on $(base_url) (dir: $ZIPKIN_DIR)"
    # Loopback only: its API takes and shows every span without a password.
    launch "$PID_FILE" "$LOG_FILE" env QUERY_PORT="$ZIPKIN_PORT" STORAGE_TYPE=mem MEM_MAX_SPANS="$ZIPKIN_MAX_SPANS" \
        SELF_TRACING_ENABLED=false \
        "$JAVA" "${heap[@]}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "$MARKER" -jar "$jar" \
        "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$ZIPKIN_PORT" "--armeria.ports[0].protocols=http"
    pid="$(<"$PID_FILE")"

    if wait_ready "$pid"; then
        log "ready (pid $pid): UI $(cmd_url)"
        return
    fi
    show_logs
    stop_pid "$pid" 30
    rm -f "$PID_FILE"
    die "server not ready after ${ZIPKIN_START_TIMEOUT} s"
}

cmd_stop() {
    local pid
    if [[ -d "$ZIPKIN_DIR" ]]; then take_lock "$ZIPKIN_DIR"; fi
    if ! pid="$(zipkin_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return
    fi
    stop_pid "$pid" 30
    rm -f "$PID_FILE"
    log "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(zipkin_pid)"; then
        log "running (pid $pid): UI $(cmd_url)"
        return 0
    fi
    log "not running"
    return 3
}

cmd_url() { echo "$(base_url)/zipkin/"; }
cmd_spans_endpoint() { echo "$(base_url)/api/v2/spans"; }

[[ $# -eq 1 ]] || usage

# An existing Zipkin wins: never start or stop anything then.
if [[ -n "${ZIPKIN_URL:-}" ]]; then
    case "$1" in
    start | stop)
        log "ZIPKIN_URL is set: using $(base_url), nothing to $1"
        exit 0
        ;;
    status)
        if healthy; then
            log "ZIPKIN_URL is set: $(base_url) is UP"
            exit 0
        fi
        log "ZIPKIN_URL is set: $(base_url) does not answer"
        exit 3
        ;;
    url) cmd_url ;;
    spans-endpoint) cmd_spans_endpoint ;;
    jars) exit 0 ;;
    *) usage ;;
    esac
    exit 0
fi

case "$1" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) cmd_url ;;
spans-endpoint) cmd_spans_endpoint ;;
jars) ensure_jars ;;
*) usage ;;
esac
