#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, without Docker, from Debian's packages.
#
# Usage:
#   deploy/postgres.sh install             apt-get install postgresql if no initdb is found
#   deploy/postgres.sh start DIR [PORT]    new cluster in DIR (or start DIR's stopped one); prints the URL
#   deploy/postgres.sh stop DIR            pg_ctl stop -m fast (idempotent)
#   deploy/postgres.sh kill DIR            SIGKILL the postmaster (fault tests)
#   deploy/postgres.sh restart DIR         same port, same data; prints the URL
#   deploy/postgres.sh status DIR          exit 0 and print the URL when running, else exit 1
#
# Contract for callers (test fixtures, .ci/run): the LAST line on stdout of start/restart is
# postgresql://postgres@127.0.0.1:PORT/postgres (trust auth, no password); everything else
# goes to stderr. DIR/url holds the same URL, DIR/data the cluster, DIR/postgres.log its log,
# and DIR itself is the unix-socket directory.
#
# Environment:
#   PG_START_TIMEOUT   seconds to wait for the server to accept connections (default 60)
#   PG_STOP_TIMEOUT    seconds for a fast shutdown before giving up (default 30)
# shellcheck disable=SC2012  # `ls | wc -l` only counts files this script itself created
set -euo pipefail

# Keep the caller's stdout on fd 3, send everything else to stderr, so the URL is reliably the
# last stdout line. The postmaster must not inherit fd 3 (`3>&-`): it would hold the caller's
# pipe open and subprocess.run(capture_output=True) would hang until the server exits.
exec 3>&1 1>&2

START_TIMEOUT=${PG_START_TIMEOUT:-60}
STOP_TIMEOUT=${PG_STOP_TIMEOUT:-30}

# Seconds since a ${EPOCHREALTIME/./} stamp (microseconds), with 3 decimals.
elapsed() {
    local us=$((${EPOCHREALTIME/./} - $1))
    printf '%d.%03d' $((us / 1000000)) $((us % 1000000 / 1000))
}

log() { printf '[postgres.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Highest installed major version, e.g. /usr/lib/postgresql/15/bin (Debian's layout).
pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n $d && -x $d/initdb ]] || return 1
    echo "$d"
}

# initdb and postgres refuse to run as root, so as root everything runs as the `postgres`
# user that Debian's package creates. As an ordinary user, run as oneself.
as_pg() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------- install
cmd_install() {
    local t0=${EPOCHREALTIME/./}
    if pg_bin >/dev/null; then
        log "already installed: $(pg_bin) (checked in $(elapsed "$t0") s)"
        return 0
    fi
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "PostgreSQL is not installed and installing it needs root"
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "PostgreSQL not found: apt-get update && apt-get install postgresql"
    "${sudo[@]}" apt-get update -q 3>&-
    # Like the official postgres Docker image: install postgresql-common first and turn off
    # its automatic "main" cluster, otherwise installing the server creates a cluster in
    # /var/lib/postgresql and may start it on port 5432, which nobody here uses.
    "${sudo[@]}" apt-get install -y -q --no-install-recommends postgresql-common 3>&-
    if [[ -f /etc/postgresql-common/createcluster.conf ]]; then
        "${sudo[@]}" sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
            /etc/postgresql-common/createcluster.conf
    fi
    "${sudo[@]}" apt-get install -y -q --no-install-recommends postgresql 3>&-
    pg_bin >/dev/null || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
    log "installed $(pg_bin) in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- helpers
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_in_use() {
    (exec 4<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Port recorded in DIR/data/postgresql.conf by `start`.
cluster_port() {
    sed -n 's/^port = \([0-9]*\).*/\1/p' "$1/data/postgresql.conf" | tail -n 1
}

url_of() {
    echo "postgresql://postgres@127.0.0.1:$(cluster_port "$1")/postgres"
}

# Pid of DIR's postmaster if it runs (first line of postmaster.pid, checked to be alive and
# to be a postgres process, since a stale file survives a kill).
postmaster_pid() {
    local dir=$1 pid cmdline
    [[ -f $dir/data/postmaster.pid ]] || return 1
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$dir/data"* ]] || return 1
    echo "$pid"
}

abs_dir() {
    mkdir -p "$1"
    (cd "$1" && pwd)
}

# Start DIR's (initialised) cluster and wait until it accepts connections on TCP.
launch() {
    local dir=$1 bin port t0=$SECONDS
    bin=$(pg_bin)
    port=$(cluster_port "$dir")
    [[ $port =~ ^[0-9]+$ ]] || die "no port in $dir/data/postgresql.conf"
    port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
    # After a SIGKILL the postmaster.pid lock stays behind. The server ignores it when that pid
    # is gone, but refuses while the pid still exists, and a killed postmaster lingers as a
    # zombie until init reaps it (up to ~2 s on these sandboxed machines, whose init reaps
    # lazily). A zombie holds no memory or sockets, and the server still checks its shared
    # memory segment for live backends, so dropping a lock file whose pid is not our running
    # postmaster is safe.
    # The unix socket's lock file (DIR/.s.PGSQL.PORT.lock) holds the same pid: same story.
    if ! postmaster_pid "$dir" >/dev/null; then
        local lock
        for lock in "$dir/data/postmaster.pid" "$dir/.s.PGSQL.$port.lock"; do
            if [[ -f $lock ]]; then
                log "removing stale $(basename "$lock") (pid $(head -n 1 "$lock") is not running)"
                rm -f "$lock"
            fi
        done
    fi
    # pg_ctl -w waits for the server itself; -l sends the server's output to the log (and
    # its stdin from /dev/null), so it never writes to the caller's terminal or pipes.
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$START_TIMEOUT" start 3>&- >/dev/null \
        || { log "pg_ctl start failed; last lines of $dir/postgres.log:"; tail -n 15 "$dir/postgres.log" >&2; exit 1; }
    # Double-check over TCP on 127.0.0.1, the way clients will connect.
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; do
        ((SECONDS < deadline)) || { tail -n 15 "$dir/postgres.log" >&2; die "not ready after ${START_TIMEOUT}s"; }
        sleep 0.1
    done
    url_of "$dir" >"$dir/url"
    log "ready on 127.0.0.1:$port in $((SECONDS - t0)) s (log: $dir/postgres.log)"
    url_of "$dir" >&3
}

# ---------------------------------------------------------------- subcommands
cmd_start() {
    local dir port bin pid
    [[ $# -ge 1 && $# -le 2 ]] || die "usage: postgres.sh start DIR [PORT]"
    cmd_install
    bin=$(pg_bin)
    dir=$(abs_dir "$1")
    if pid=$(postmaster_pid "$dir"); then
        log "already running (pid $pid)"
        url_of "$dir" >&3
        return 0
    fi
    if [[ -f $dir/data/PG_VERSION ]]; then
        # A stopped cluster: keep its data and port rather than silently re-creating it.
        if [[ $# -eq 2 && $2 != "$(cluster_port "$dir")" ]]; then
            die "$dir already holds a cluster on port $(cluster_port "$dir"); use a fresh DIR for port $2"
        fi
        log "$dir already initialised: starting it"
        launch "$dir"
        return 0
    fi
    if [[ $# -eq 2 ]]; then
        port=$2
        [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number"
        port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
    else
        port=$(free_port)
    fi
    # The unix socket lives in DIR, and its path must fit in sun_path (107 bytes).
    ((${#dir} + 20 < 107)) || die "DIR path too long for a unix socket: $dir (use a shorter one, e.g. mktemp -d)"

    if ((EUID == 0)); then
        chown postgres:postgres "$dir"
        # The postgres user must reach DIR: pytest's /tmp/pytest-of-root is mode 0700, for one.
        runuser -u postgres -- test -w "$dir" \
            || die "user postgres cannot write $dir (a parent directory is not traversable, e.g. mode 0700); use a DIR outside it, e.g. mktemp -d"
    fi

    local t0=$SECONDS
    # trust: throwaway cluster bound to 127.0.0.1 only; C locale: identical sorting everywhere.
    # --no-sync: initdb's final fsync of ~40 MB is pointless for a throwaway cluster.
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
        3>&- >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<EOF

# ---- written by deploy/postgres.sh: a throwaway cluster for tests and local runs ----
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Six services with pools plus tests: the default 100 is too tight.
max_connections = 200
shared_buffers = 256MB
# fsync and synchronous_commit stay on: fault tests SIGKILL the server and expect every
# committed event to survive. The settings below only trade disk use for fewer checkpoints.
max_wal_size = 1GB
checkpoint_timeout = 15min
# Deterministic timestamps in logs and test output.
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
log_connections = off
log_disconnections = off
EOF
    log "initialised $dir/data in $((SECONDS - t0)) s"
    launch "$dir"
}

cmd_stop() {
    local dir bin
    [[ $# -eq 1 ]] || die "usage: postgres.sh stop DIR"
    [[ -d $1/data ]] || { log "no cluster in $1: nothing to stop"; return 0; }
    dir=$(abs_dir "$1")
    postmaster_pid "$dir" >/dev/null || { log "not running"; return 0; }
    bin=$(pg_bin)
    # fast: roll back open transactions and disconnect clients instead of waiting for them.
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t "$STOP_TIMEOUT" stop 3>&- >/dev/null \
        || die "pg_ctl stop failed"
    log "stopped"
}

cmd_kill() {
    local dir pid port children c deadline
    [[ $# -eq 1 ]] || die "usage: postgres.sh kill DIR"
    [[ -d $1/data ]] || { log "no cluster in $1: nothing to kill"; return 0; }
    dir=$(abs_dir "$1")
    pid=$(postmaster_pid "$dir") || { log "not running"; return 0; }
    port=$(cluster_port "$dir")
    # Note the backends first: once the postmaster is dead they are re-parented and their
    # titles ("postgres: checkpointer") no longer name the cluster.
    children=$(pgrep -P "$pid" || true)
    kill -KILL "$pid"
    # Like a crash: the backends notice the postmaster's death and exit on their own. Wait
    # for them, otherwise `restart` fails with "pre-existing shared memory block is still in use".
    deadline=$((SECONDS + 30))
    for c in $pid $children; do
        while kill -0 "$c" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$c/stat" 2>/dev/null) != Z ]]; do
            ((SECONDS < deadline)) || die "pid $c of $dir still alive 30 s after SIGKILL"
            sleep 0.05
        done
    done
    while port_in_use "$port"; do
        ((SECONDS < deadline)) || die "port $port still answers after SIGKILL"
        sleep 0.05
    done
    log "killed postmaster pid $pid"
}

cmd_restart() {
    local dir
    [[ $# -eq 1 ]] || die "usage: postgres.sh restart DIR"
    dir=$(abs_dir "$1")
    [[ -f $dir/data/PG_VERSION ]] || die "$dir holds no cluster: use 'postgres.sh start DIR' first"
    if postmaster_pid "$dir" >/dev/null; then cmd_stop "$dir"; fi
    cmd_install
    launch "$dir"
}

cmd_status() {
    local dir pid
    [[ $# -eq 1 ]] || die "usage: postgres.sh status DIR"
    [[ -d $1/data ]] || { log "not running"; return 1; }
    dir=$(abs_dir "$1")
    if pid=$(postmaster_pid "$dir"); then
        log "running, pid $pid"
        url_of "$dir" >&3
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
    install) [[ $# -eq 0 ]] || usage; cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status "$@" ;;
    -h|--help|help) usage ;;
    *) log "unknown subcommand '$sub'"; usage ;;
esac
