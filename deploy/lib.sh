# Shared by the scripts that run the hub's private servers (deploy/kafka.sh, postgres.sh, prometheus.sh,
# zipkin.sh): messages, process checks, the start/stop lock, launching a detached server, waiting for it and
# stopping it. Sourced, never run: set SCRIPT_NAME (the prefix of every message) first. A script that calls
# await_ready defines show_logs, which prints what helps when its server did not come up.
# shellcheck shell=bash

log() { echo "$SCRIPT_NAME: $*"; }
die() {
    echo "$SCRIPT_NAME: $*" >&2
    exit 1
}

# True if something accepts TCP connections on host $1 port $2 (bash's /dev/tcp; no nc needed).
tcp_open() {
    # shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
port_open() { tcp_open 127.0.0.1 "$1"; }

# True if process $1 exists and is not a zombie (an init that is slow to reap must not look like a live server).
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    # read, not $(cat …): runs_with calls this for every process of a /proc scan, and a fork each is slow.
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat="${stat##*) }" # the state letter follows the "(comm) " field
    [[ "${stat:0:1}" != Z ]]
}

# True if $1 is a live process whose command line holds every later argument as a whole argument: pid files
# outlive reboots and pids get reused, so a pid is ours only if it runs our command.
runs_with() {
    local pid="$1" args wanted arg found
    shift
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    for wanted in "$@"; do
        found=""
        for arg in "${args[@]}"; do
            if [[ "$arg" == "$wanted" ]]; then
                found=1
                break
            fi
        done
        [[ -n "$found" ]] || return 1
    done
    alive "$pid"
}

# Prints the pid of the server whose command line holds the arguments after $1 (see runs_with): the one in the
# pid file $1, or, if that file was lost or is stale, any such process.
server_pid() {
    local pid_file="$1" pid proc
    shift
    if [[ -f "$pid_file" ]]; then
        pid="$(<"$pid_file")"
        if runs_with "$pid" "$@"; then
            echo "$pid"
            return 0
        fi
    fi
    for proc in /proc/[0-9]*; do
        pid="${proc#/proc/}"
        if runs_with "$pid" "$@"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Serialise start/stop of one server ($1, its folder): parallel test workers may call them at the same time.
# The lock is file descriptor 9, which a launched server must not inherit (launch closes it).
take_lock() {
    exec 9>"$1/.lock"
    flock -w 120 9 || die "timed out waiting for another $SCRIPT_NAME on $1"
}

# Starts the command after $1 and $2 detached from this script's session (setsid+nohup: it outlives the script
# and the terminal), its output appended to the log $2, and returns once the pid file $1 holds its pid. The
# wrapper records the pid of the process that execs the command, whatever setsid does; 9>&- keeps the start/stop
# lock from the server.
launch() {
    local pid_file="$1" log_file="$2" i
    shift 2
    # A pid file left by a server that died (kill -9, a reboot) would otherwise be taken for the new one's.
    rm -f "$pid_file"
    # shellcheck disable=SC2016 # $$ and $1 are the wrapper's
    setsid nohup bash -c 'echo "$$" >"$1"; shift; exec "$@"' "$SCRIPT_NAME-launch" "$pid_file" "$@" \
        </dev/null >>"$log_file" 2>&1 9>&- &
    for ((i = 0; i < 50; i++)); do
        [[ -s "$pid_file" ]] && break
        sleep 0.1
    done
    [[ -s "$pid_file" ]] || die "the launcher did not write $pid_file"
}

# Waits up to $2 seconds for the command after $1 and $2 to succeed while process $1 lives. Dies, showing the
# logs and removing the pid file $PID_FILE, if the process exits first; returns 1 if the time runs out.
await_ready() {
    local pid="$1" deadline=$((SECONDS + $2))
    shift 2
    while ((SECONDS < deadline)); do
        if ! alive "$pid"; then
            show_logs
            rm -f "$PID_FILE"
            die "the server exited during startup"
        fi
        if "$@"; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Stops process $1: SIGTERM, up to $2 seconds for it to exit (a broker's controlled shutdown takes a few), then
# SIGKILL.
stop_pid() {
    local pid="$1" grace="$2" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "process $pid did not exit after $grace s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    die "process $pid survived SIGKILL"
}

# Resolves the runtime dependencies of the Maven project $1 into the folder $2, unless a file matching the glob $3
# is there already. Into a temporary folder first, then renamed, so an interrupted or failed download leaves
# nothing half-made; if a concurrent resolution won the race, its copy is kept.
resolve_jars() {
    local pom="$1" dest="$2" glob="$3" tmp out
    if compgen -G "$dest/$glob" >/dev/null; then
        return
    fi
    command -v mvn >/dev/null || die "mvn not found: needed once to resolve the jars of $pom"
    mkdir -p "$(dirname "$dest")"
    tmp="$(mktemp -d "$dest.tmp.XXXXXX")"
    log "resolving the jars of $pom into $dest (Maven)"
    # Output is kept for failures only: even with -q -B, Debian's Maven 3.8 prints stray colour codes.
    if ! out="$(mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1)"; then
        rm -rf "$tmp"
        echo "$out" >&2
        die "mvn could not resolve the jars of $pom"
    fi
    chmod 755 "$tmp" # mktemp made it 700
    # rename(2) replaces a missing or empty folder.
    if ! mv -T "$tmp" "$dest" 2>/dev/null; then
        rm -rf "$tmp"
        compgen -G "$dest/$glob" >/dev/null || die "could not move the jars into $dest"
    fi
}
