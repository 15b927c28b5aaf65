#!/usr/bin/env bash
# Private single-node Apache Kafka 3.9 broker (KRaft, combined broker+controller) for development, tests and CI.
#
#   deploy/kafka.sh start|stop|status|bootstrap
#
# Environment:
#   RUN_DIR                  where state lives (default: <repo>/.run)
#   KAFKA_PORT               client (PLAINTEXT) port on 127.0.0.1 (default 59092)
#   KAFKA_CONTROLLER_PORT    KRaft controller port on 127.0.0.1 (default 59093)
#   KAFKA_DIR                config, data, logs and pid of this broker (default $RUN_DIR/kafka)
#   KAFKA_JARS               broker classpath, resolved by Maven from deploy/kafka/pom.xml (default $RUN_DIR/kafka-jars)
#   KAFKA_HEAP               JVM heap flags (default "-Xms256m -Xmx768m")
#   KAFKA_START_TIMEOUT      seconds to wait for the broker to be ready (default 60)
#   KAFKA_FRESH              if 1, a stopped broker starts on empty storage (tests: their topics are disposable,
#                            and a broker reloading tens of thousands of old partitions is not ready in time)
#   KAFKA_BOOTSTRAP_SERVERS  if set, an existing cluster is used and this script manages nothing
#
# Different KAFKA_DIR/KAFKA_PORT/KAFKA_CONTROLLER_PORT give independent brokers that can run side by side.
# Every command is idempotent: start on a running broker and stop on a stopped one do nothing.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"
RUN_DIR="${RUN_DIR:-$REPO_DIR/.run}"
KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-59093}"
KAFKA_DIR="${KAFKA_DIR:-$RUN_DIR/kafka}"
KAFKA_JARS="${KAFKA_JARS:-$RUN_DIR/kafka-jars}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
POM="$SCRIPT_DIR/kafka/pom.xml"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

CONFIG="$KAFKA_DIR/server.properties"
LOG4J="$KAFKA_DIR/log4j.properties"
PID_FILE="$KAFKA_DIR/kafka.pid"
SERVER_LOG="$KAFKA_DIR/server.log"
STDOUT_LOG="$KAFKA_DIR/stdout.log"
DATA_DIR="$KAFKA_DIR/data"

SCRIPT_NAME=kafka.sh
# shellcheck source=deploy/lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
    echo "usage: $0 start|stop|status|bootstrap" >&2
    exit 2
}

# The broker's pid, if it runs: its command line names the main class and our config file.
broker_pid() { server_pid "$PID_FILE" kafka.Kafka "$CONFIG"; }

ensure_jars() { resolve_jars "$POM" "$KAFKA_JARS" 'kafka_2.13-*.jar'; }

write_config() {
    # Rewritten on every start so port changes take effect; the data under log.dirs is what persists.
    cat >"$CONFIG" <<EOF
# Written by deploy/kafka.sh; edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=3
# Services create their topics explicitly; a typo must fail, not create a topic.
auto.create.topics.enable=false
# Single node: internal topics can have only one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer than the default 50: the group coordinator topic is created faster.
offsets.topic.num.partitions=10
# No reason to delay the first consumer-group rebalance on a private broker.
group.initial.rebalance.delay.ms=0
# A broker restarted after a crash (kill -9) re-registers under a new incarnation, which the controller refuses
# (DUPLICATE_BROKER_REGISTRATION) until the dead incarnation's session expires: 9 s by default, 16 s seen in a drill
# (A29.1). A single node is its own controller, so its heartbeats cross no network: a 3 s session (heartbeats every
# 0.5 s) still tolerates a loaded machine's pauses, and a restarted broker serves within seconds.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF

    cat >"$LOG4J" <<'EOF'
# Written by deploy/kafka.sh. kafka.logs.dir is set on the java command line.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter drowns the useful lines.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients.NetworkClient=WARN
EOF
}

java_opts() {
    # Word splitting of KAFKA_HEAP is intended: it holds several JVM flags.
    # shellcheck disable=SC2206
    local heap=($KAFKA_HEAP)
    LOG_OPTS=("-Dlog4j.configuration=file:$LOG4J" "-Dkafka.logs.dir=$KAFKA_DIR")
    JAVA_OPTS=("${heap[@]}" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true "${LOG_OPTS[@]}")
}

format_storage() {
    # Formatting writes meta.properties; doing it again would need a new cluster id and lose the data.
    if [[ -f "$DATA_DIR/meta.properties" ]]; then
        return
    fi
    local cluster_id
    cluster_id="$("$JAVA" "${LOG_OPTS[@]}" -cp "$KAFKA_JARS/*" kafka.tools.StorageTool random-uuid | tail -n 1)" ||
        die "StorageTool random-uuid failed"
    [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing"
    log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
    # Static quorum (controller.quorum.voters): 3.9 must not be given --standalone/--initial-controllers.
    "$JAVA" "${LOG_OPTS[@]}" -cp "$KAFKA_JARS/*" kafka.tools.StorageTool format \
        -t "$cluster_id" -c "$CONFIG" >>"$STDOUT_LOG" 2>&1 ||
        {
            tail -n 20 "$STDOUT_LOG" >&2
            die "storage format failed"
        }
}

show_logs() {
    echo "--- tail of $SERVER_LOG" >&2
    tail -n 40 "$SERVER_LOG" >&2 2>/dev/null || true
    echo "--- tail of $STDOUT_LOG" >&2
    tail -n 20 "$STDOUT_LOG" >&2 2>/dev/null || true
}

# Ready = the client port accepts connections and the server logged that it finished starting
# (KRaft 3.9: "[KafkaRaftServer nodeId=1] Kafka Server started").
started() { port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$SERVER_LOG" 2>/dev/null; }
wait_ready() { await_ready "$1" "$KAFKA_START_TIMEOUT" started; }

# Controlled shutdown of a single node takes a few seconds; give it 30 before forcing.
stop_broker() { stop_pid "$1" 30; }

cmd_start() {
    local pid
    mkdir -p "$KAFKA_DIR"
    take_lock "$KAFKA_DIR"
    if pid="$(broker_pid)"; then
        # Alive: either ready, or a concurrent start is still bringing it up.
        if port_open "$KAFKA_PORT" || wait_ready "$pid"; then
            echo "$pid" >"$PID_FILE"
            log "already running (pid $pid) on $(cmd_bootstrap)"
            return
        fi
        show_logs
        die "broker (pid $pid) is running but 127.0.0.1:$KAFKA_PORT does not answer"
    fi
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
        die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by another process"
    fi

    command -v "$JAVA" >/dev/null || die "java not found"
    if [[ "${KAFKA_FRESH:-0}" == 1 ]]; then
        rm -rf "$DATA_DIR"
    fi
    ensure_jars
    write_config
    java_opts

    # Old logs would satisfy the readiness check before the new broker is up: keep them as *.prev.
    local f
    for f in "$SERVER_LOG" "$STDOUT_LOG"; do
        if [[ -f "$f" ]]; then mv -f "$f" "$f.prev"; fi
    done
    format_storage

    log "starting broker on $(cmd_bootstrap) (dir: $KAFKA_DIR)"
    launch "$PID_FILE" "$STDOUT_LOG" "$JAVA" "${JAVA_OPTS[@]}" -cp "$KAFKA_JARS/*" kafka.Kafka "$CONFIG"
    pid="$(<"$PID_FILE")"

    if wait_ready "$pid"; then
        log "ready (pid $pid) on $(cmd_bootstrap)"
        return
    fi
    show_logs
    # A half-started broker would only confuse the next start: stop it.
    stop_broker "$pid"
    rm -f "$PID_FILE"
    die "broker not ready after ${KAFKA_START_TIMEOUT} s"
}

cmd_stop() {
    local pid
    if [[ -d "$KAFKA_DIR" ]]; then take_lock "$KAFKA_DIR"; fi
    if ! pid="$(broker_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return
    fi
    stop_broker "$pid"
    rm -f "$PID_FILE"
    log "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(broker_pid)"; then
        log "running (pid $pid) on $(cmd_bootstrap)"
        return 0
    fi
    log "not running"
    return 3
}

cmd_bootstrap() { echo "127.0.0.1:$KAFKA_PORT"; }

[[ $# -eq 1 ]] || usage

# An externally provided cluster (e.g. CI service container) wins: never start or stop anything then.
if [[ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    case "$1" in
    start | stop)
        log "KAFKA_BOOTSTRAP_SERVERS is set: using the existing cluster, nothing to $1"
        exit 0
        ;;
    status)
        first="${KAFKA_BOOTSTRAP_SERVERS%%,*}"
        if tcp_open "${first%:*}" "${first##*:}"; then
            log "KAFKA_BOOTSTRAP_SERVERS is set: $first accepts connections"
            exit 0
        fi
        log "KAFKA_BOOTSTRAP_SERVERS is set: $first does not accept connections"
        exit 3
        ;;
    bootstrap)
        echo "$KAFKA_BOOTSTRAP_SERVERS"
        exit 0
        ;;
    *) usage ;;
    esac
fi

case "$1" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
bootstrap) cmd_bootstrap ;;
*) usage ;;
esac
