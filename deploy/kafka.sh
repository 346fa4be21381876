#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, no ZooKeeper) on 127.0.0.1, without Docker.
#
# No Debian/PyPI/npm package ships a Kafka broker, but Maven Central ships every jar it needs
# and the project's machines have a JDK and Maven. So `fetch` copies the jars listed in
# deploy/kafka/pom.xml into a git-ignored cache once, and `start` runs `java -cp ... kafka.Kafka`.
#
# Usage:
#   deploy/kafka.sh fetch                 download the broker jars once (idempotent)
#   deploy/kafka.sh start DIR [PORT]      new broker with its state in DIR; prints 127.0.0.1:PORT
#   deploy/kafka.sh stop DIR              SIGTERM, up to KAFKA_STOP_TIMEOUT (30) s, then SIGKILL
#   deploy/kafka.sh kill DIR              SIGKILL at once (fault tests)
#   deploy/kafka.sh restart DIR           same port, same data, no reformat; prints the address
#   deploy/kafka.sh status DIR            exit 0 and print the address when running, else exit 1
#
# Contract for callers (test fixtures, .ci/run): the LAST line on stdout of start/restart is
# the bootstrap address, everything else goes to stderr. DIR/bootstrap holds the same address,
# DIR/kafka.pid the broker's pid, DIR/logs/server.log the broker's log (appended across runs).
#
# Environment:
#   ONEWINDOW_CACHE        cache root (default <repo>/.cache, git-ignored)
#   KAFKA_START_TIMEOUT    seconds to wait for "Kafka Server started" (default 120)
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   KAFKA_JVM_OPTS         default: see JVM_OPTS below (measured in deploy/README.md)
# shellcheck disable=SC2012  # `ls | wc -l` only counts files this script itself created
set -euo pipefail

# Keep the caller's stdout on fd 3 and send everything else (ours, mvn's, java's) to stderr,
# so the address is reliably the last stdout line. Daemons must get `3>&-`: a broker that
# inherits fd 3 would hold the caller's pipe open (subprocess.run(capture_output=True) would
# then hang until the broker exits).
exec 3>&1 1>&2

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# One source of truth for the version: <kafka.version> in the POM (3.9.1).
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$DEPLOY_DIR/kafka/pom.xml")
REPO_ROOT=$(dirname "$DEPLOY_DIR")
CACHE=${ONEWINDOW_CACHE:-$REPO_ROOT/.cache}
KAFKA_HOME=$CACHE/kafka-$KAFKA_VERSION
LIBS=$KAFKA_HOME/libs
MARKER=$KAFKA_HOME/COMPLETE
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1   # pinned: Maven 3.8.7 defaults to 2.8

START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
# 512m is plenty for one test broker on a 2-core machine (Kafka's script default is 1G).
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
# C1 only (TieredStopAtLevel=1) and SerialGC: a short-lived test broker gains little from C2
# and pays for its compile threads on 2 cores; see deploy/README.md for the measurements.
JVM_OPTS=${KAFKA_JVM_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ -n $KAFKA_VERSION ]] || die "no <kafka.version> in $DEPLOY_DIR/kafka/pom.xml"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found; $2"
}

# ---------------------------------------------------------------- fetch
fetch() {
    [[ -f $MARKER ]] && return 0
    need "$JAVA" "install a JDK 17 (apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME"
    need mvn "install Maven (apt-get install -y maven)"
    mkdir -p "$CACHE"
    # Several test workers may start brokers at once: one downloads, the others wait here.
    exec 9>"$CACHE/kafka-$KAFKA_VERSION.lock"
    flock -w 900 9 || die "timed out waiting for another fetch ($CACHE/kafka-$KAFKA_VERSION.lock)"
    if [[ -f $MARKER ]]; then exec 9>&-; return 0; fi
    # Holding the lock, no other fetch is running: temp dirs left here were interrupted.
    rm -rf "$CACHE/kafka-$KAFKA_VERSION.tmp."*

    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
    local tmp t0=$SECONDS
    tmp=$(mktemp -d "$CACHE/kafka-$KAFKA_VERSION.tmp.XXXXXX")
    # Download into a temp dir and rename it into place at the end, so an interrupted fetch
    # never leaves a half-filled libs/ that looks usable.
    # (sed: Maven 3.8's -q still prints bare ANSI resets "ESC[0m".)
    if ! mvn -B -q -f "$DEPLOY_DIR/kafka/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
            -DincludeScope=runtime -DoutputDirectory="$tmp/libs" 3>&- 2>&1 \
            | sed 's/\x1b\[0m//g'; then
        rm -rf "$tmp"
        die "mvn copy-dependencies failed (needs Maven Central)"
    fi
    ls "$tmp"/libs/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13 jar missing after mvn"; }
    ls "$tmp"/libs/reload4j-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "reload4j missing: the broker would log nothing"; }
    echo "kafka $KAFKA_VERSION: $(ls "$tmp/libs" | wc -l) jars, fetched $(date -u +%FT%TZ)" >"$tmp/COMPLETE"
    rm -rf "$KAFKA_HOME"          # a leftover without marker is an old failed attempt
    mv "$tmp" "$KAFKA_HOME"
    exec 9>&-
    log "fetched $(ls "$LIBS" | wc -l) jars in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- helpers
# Absolute path, created if missing, so the broker works whatever the caller's cwd.
abs_dir() {
    mkdir -p "$1"
    (cd "$1" && pwd)
}

# N distinct free TCP ports on 127.0.0.1. All sockets stay bound until all are picked, so
# the ports differ; the kernel may hand them out again later, but that race is small.
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

port_in_use() {
    # bash's /dev/tcp connect: succeeds only if something listens there.
    (exec 4<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# KRaft cluster id: 16 random bytes, url-safe base64 without padding. An id starting with
# '-' is parsed by StorageTool as an option, so draw again in that case.
cluster_id() {
    python3 -c '
import base64, uuid
while True:
    c = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    if not c.startswith("-"):
        print(c); break'
}

prop() {   # prop FILE KEY -> value of KEY in a .properties file
    sed -n "s/^$2=//p" "$1" | tail -n 1
}

# Pid of the broker of DIR if it runs. The cmdline check guards against a recycled pid
# (e.g. after a reboot) belonging to some unrelated process.
running_pid() {
    local dir=$1 pid cmdline
    [[ -f $dir/kafka.pid ]] || return 1
    pid=$(<"$dir/kafka.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$dir/server.properties"* ]] || return 1
    echo "$pid"
}

wait_gone() {   # wait_gone PID SECONDS -> 0 if it exited in time
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        # A zombie counts as gone (the broker is setsid'd and reaped by init, not by us), but
        # only once all its threads have exited: a SIGKILLed JVM's main thread turns Z while
        # the other threads are still tearing down and its sockets are still open.
        if [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] \
                && (($(ls "/proc/$pid/task" 2>/dev/null | wc -l) <= 1)); then
            return 0
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# The broker's port as written in DIR/server.properties.
broker_port() {
    prop "$1/server.properties" listeners | sed 's/^PLAINTEXT:\/\/127.0.0.1:\([0-9]*\),.*/\1/'
}

# After the process is gone, make sure nothing still answers on its port, so that a
# `restart` right after `kill`/`stop` can bind it again.
wait_port_free() {
    local port=$1 deadline=$((SECONDS + 10))
    while port_in_use "$port"; do
        ((SECONDS < deadline)) || die "port $port still answers after the broker exited"
        sleep 0.1
    done
}

java_cmd() {   # the java command line shared by StorageTool and the broker
    local dir=$1
    # shellcheck disable=SC2206  # the option strings are meant to split on spaces
    JAVA_ARGS=("$JAVA" $HEAP_OPTS $JVM_OPTS
        "-Dkafka.logs.dir=$dir/logs"
        "-Dlog4j.configuration=file:$dir/log4j.properties"
        -cp "$LIBS/*")
}

write_config() {   # write_config DIR PORT CONTROLLER_PORT
    local dir=$1 port=$2 cport=$3
    cat >"$dir/server.properties" <<EOF
# Written by deploy/kafka.sh: a throwaway single-node KRaft broker for tests and local runs.
# Combined broker+controller with a static voter list: works on Kafka 3.7 through 4.x.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data

# Topics are created explicitly by the services and tests (a typo must not create a topic).
auto.create.topics.enable=false
num.partitions=1
# 2 cores: Kafka's defaults (3 network, 8 io threads) only add contention.
num.network.threads=2
num.io.threads=2

# One broker: internal topics cannot have more than one replica. One partition each, since
# creating the default 50 __consumer_offsets partitions slows the first group join.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1

# Fast consumer-group joins in tests: no 3 s wait for more members, and allow the short
# session timeouts (about 2 s) that test consumers use.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=500

# After a SIGKILL, the restarted broker's registration is refused (DUPLICATE_BROKER_REGISTRATION)
# until the old incarnation's session expires: with the defaults (9 s session, 2 s heartbeat)
# and the registration back-off, a kill+restart took ~15 s instead of ~3 s. 6 heartbeats per
# session still leave room for GC pauses and a busy 2-core machine.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
    cp "$DEPLOY_DIR/kafka/log4j.properties" "$dir/log4j.properties"
}

# Start the broker of an already formatted DIR in the background and wait until it serves.
launch() {
    local dir=$1 port cport pid offset t0=$SECONDS
    port=$(broker_port "$dir")
    [[ $port =~ ^[0-9]+$ ]] || die "cannot read the port from $dir/server.properties"
    cport=$(prop "$dir/server.properties" controller.quorum.voters | sed 's/.*://')
    # Fail fast with a clear message instead of a BindException deep in the broker log
    # (on restart, something else may have taken a port since the broker last ran).
    port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
    port_in_use "$cport" && die "controller port $cport on 127.0.0.1 is already in use"
    mkdir -p "$dir/logs"
    touch "$dir/logs/server.log"
    # The log is appended across restarts: only look for the readiness line after this offset.
    offset=$(stat -c %s "$dir/logs/server.log")
    java_cmd "$dir"
    # setsid: the broker gets its own session, so a Ctrl-C or SIGHUP aimed at the caller's
    # terminal/process group does not take it down mid-test; `stop` is the way to end it.
    # Run from a non-interactive shell, the child is no process-group leader, so setsid
    # execs in place and $! is the java pid itself (checked by running_pid below).
    setsid "${JAVA_ARGS[@]}" kafka.Kafka "$dir/server.properties" \
        </dev/null >>"$dir/logs/server.log" 2>&1 3>&- &
    pid=$!
    echo "$pid" >"$dir/kafka.pid"
    echo "127.0.0.1:$port" >"$dir/bootstrap"
    log "broker pid $pid starting on 127.0.0.1:$port (log: $dir/logs/server.log)"

    local deadline=$((SECONDS + START_TIMEOUT))
    # (Process substitution, not a pipe: under pipefail, `tail | grep -q` can fail with
    # SIGPIPE once grep stops reading a long log.)
    until grep -q 'Kafka Server started' < <(tail -c +"$((offset + 1))" "$dir/logs/server.log"); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            log "broker exited during startup; last lines of $dir/logs/server.log:"
            tail -n 40 "$dir/logs/server.log" >&2
            rm -f "$dir/kafka.pid"
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "broker not ready after ${START_TIMEOUT}s; last lines of $dir/logs/server.log:"
            tail -n 40 "$dir/logs/server.log" >&2
            kill -KILL "$pid" 2>/dev/null || true
            rm -f "$dir/kafka.pid"
            exit 1
        fi
        sleep 0.2
    done
    running_pid "$dir" >/dev/null || die "pid $pid is not the broker (setsid forked?)"
    log "broker ready in $((SECONDS - t0)) s"
    echo "127.0.0.1:$port" >&3
}

# ---------------------------------------------------------------- subcommands
cmd_start() {
    local dir port cport pid
    [[ $# -ge 1 && $# -le 2 ]] || die "usage: kafka.sh start DIR [PORT]"
    dir=$(abs_dir "$1")
    if pid=$(running_pid "$dir"); then
        # Idempotent: asking again for a running broker just reports it.
        log "already running (pid $pid)"
        echo "127.0.0.1:$(broker_port "$dir")" >&3
        return 0
    fi
    if [[ -f $dir/server.properties && -f $dir/data/meta.properties ]]; then
        # A stopped broker's DIR: keep its data and port rather than silently reformatting.
        if [[ $# -eq 2 && $2 != "$(broker_port "$dir")" ]]; then
            die "$dir already holds a broker on port $(broker_port "$dir"); use a fresh DIR for port $2"
        fi
        log "$dir already formatted: restarting it"
        fetch
        launch "$dir"
        return 0
    fi
    fetch
    need python3 "python3 is needed to pick free ports"
    if [[ $# -eq 2 ]]; then
        port=$2
        [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number"
        port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
        cport=$(free_ports 1)
        [[ $cport != "$port" ]] || cport=$(free_ports 2 | awk '{print $2}')
    else
        read -r port cport < <(free_ports 2)
    fi
    write_config "$dir" "$port" "$cport"
    java_cmd "$dir"
    local cid t0=$SECONDS
    cid=$(cluster_id)
    # Formatting writes meta.properties (cluster id, node id) into log.dirs: once per DIR.
    "${JAVA_ARGS[@]}" kafka.tools.StorageTool format -t "$cid" \
        -c "$dir/server.properties" --ignore-formatted 3>&- >"$dir/format.log" 2>&1 \
        || { cat "$dir/format.log" >&2; die "kafka-storage format failed"; }
    log "formatted $dir/data (cluster id $cid) in $((SECONDS - t0)) s"
    launch "$dir"
}

cmd_stop() {
    local dir pid
    [[ $# -eq 1 ]] || die "usage: kafka.sh stop DIR"
    [[ -d $1 ]] || { log "no such dir $1: nothing to stop"; return 0; }
    dir=$(abs_dir "$1")
    if ! pid=$(running_pid "$dir"); then
        log "not running"
        rm -f "$dir/kafka.pid"
        return 0
    fi
    log "stopping broker pid $pid (SIGTERM, up to ${STOP_TIMEOUT}s)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
        log "still alive after ${STOP_TIMEOUT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
    fi
    wait_port_free "$(broker_port "$dir")"
    rm -f "$dir/kafka.pid"
    log "stopped"
}

cmd_kill() {
    local dir pid
    [[ $# -eq 1 ]] || die "usage: kafka.sh kill DIR"
    [[ -d $1 ]] || { log "no such dir $1: nothing to kill"; return 0; }
    dir=$(abs_dir "$1")
    if ! pid=$(running_pid "$dir"); then
        log "not running"
        rm -f "$dir/kafka.pid"
        return 0
    fi
    kill -KILL "$pid" 2>/dev/null || true
    # Return only once the process is gone and its ports are released, so a following
    # `restart` can bind the same port.
    wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
    wait_port_free "$(broker_port "$dir")"
    rm -f "$dir/kafka.pid"
    log "killed pid $pid"
}

cmd_restart() {
    local dir
    [[ $# -eq 1 ]] || die "usage: kafka.sh restart DIR"
    dir=$(abs_dir "$1")
    [[ -f $dir/server.properties && -f $dir/data/meta.properties ]] \
        || die "$dir holds no formatted broker: use 'kafka.sh start DIR' first"
    running_pid "$dir" >/dev/null && cmd_stop "$dir"
    fetch
    launch "$dir"
}

cmd_status() {
    local dir pid
    [[ $# -eq 1 ]] || die "usage: kafka.sh status DIR"
    [[ -d $1 ]] || { log "not running"; return 1; }
    dir=$(abs_dir "$1")
    if pid=$(running_pid "$dir"); then
        log "running, pid $pid"
        echo "127.0.0.1:$(broker_port "$dir")" >&3
    else
        log "not running"
        return 1
    fi
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep -v '^# shellcheck\|^set ' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
sub=$1; shift
case $sub in
    fetch) [[ $# -eq 0 ]] || usage; fetch; log "jars in $LIBS" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status "$@" ;;
    -h|--help|help) usage ;;
    *) log "unknown subcommand '$sub'"; usage ;;
esac
