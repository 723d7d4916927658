#!/usr/bin/env bash
# Provisions and runs a real Apache Kafka 4.x broker for kconnect's integration
# tests: a single node that is both KRaft controller and broker, on loopback.
#
#   broker.sh jars
#       Makes sure the Kafka jars (pom.xml next to this script) are in the cache
#       dir, ${KCONNECT_KAFKA_CACHE:-$HOME/.cache/kconnect/kafka}/lib, resolving
#       them with Maven only when the cache is missing or stale. Prints the dir.
#   broker.sh version
#       Prints the Kafka version of those jars.
#   broker.sh start [--dir DIR] [--port PORT] [--owner-pid PID] [--prop KEY=VALUE]...
#       Starts a broker whose storage, config and log live in DIR (a new temp
#       dir if not given; an already formatted DIR is reused, for restarts, on
#       the ports it had unless --port says otherwise). Waits until it serves,
#       then prints "BOOTSTRAP=127.0.0.1:PORT" and "DIR=DIR" and exits.
#       With --owner-pid, a detached watchdog stops the broker once PID exits.
#   broker.sh stop --dir DIR [--kill]
#       Stops the broker of DIR (SIGTERM, SIGKILL after 20 s; --kill: SIGKILL at
#       once) and its watchdog. DIR stays, so start --dir DIR restarts it.
#   broker.sh clean --dir DIR
#       Kills the broker of DIR (SIGKILL) if it runs and removes DIR.
#   broker.sh tool CLASS ARGS...
#       Runs a Java main class from the same jars, e.g.
#       org.apache.kafka.tools.consumer.ConsoleConsumer, with logging on stderr.
#       CLASS may also be a Foo.java file (Java's single-file source launch), to
#       drive classes without a main, e.g. org.apache.kafka.connect.json.JsonConverter.
#
# Environment: KCONNECT_KAFKA_CACHE (jar cache), KCONNECT_KAFKA_JVM_OPTS (broker
# JVM options, default a 512 MiB heap), KCONNECT_TOOL_JVM_OPTS (tool JVM
# options), KCONNECT_TOOL_LOG_LEVEL (default WARN), KCONNECT_KAFKA_START_TIMEOUT
# (seconds, default 90), KCONNECT_TOOL_OWNER_PID (tool: SIGKILL the JVM when
# that pid exits), KCONNECT_TEST_KEEP_BROKER_DIR=1 (the watchdog keeps a
# temp DIR it would remove, and stops the broker gracefully).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
POM="$SCRIPT_DIR/pom.xml"
LOG4J="$SCRIPT_DIR/log4j2.properties"
CACHE="${KCONNECT_KAFKA_CACHE:-$HOME/.cache/kconnect/kafka}"
LIB="$CACHE/lib"
MARKER="$LIB/.complete"

die() {
    echo "broker.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo/p' "$SCRIPT" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# --- prerequisites and jars ------------------------------------------------

require_java() {
    command -v java >/dev/null 2>&1 ||
        die "java not found on PATH: install a Java 17+ runtime (e.g. 'apt-get install openjdk-17-jre-headless' or a Temurin 17/21 JDK); Kafka 4.x needs Java 17 or newer"
    local version major
    version=$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')
    major=${version%%.*}
    [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$version")
    [[ $major =~ ^[0-9]+$ ]] || die "cannot tell the version of $(command -v java) ('$version'): install a Java 17+ runtime"
    ((major >= 17)) ||
        die "java $version at $(command -v java) is too old: install a Java 17+ runtime (Kafka 4.x needs Java 17 or newer)"
}

pom_hash() {
    sha256sum "$POM" | cut -d' ' -f1
}

jars_ready() {
    [[ -f $MARKER && "$(cat "$MARKER")" == "$(pom_hash)" ]]
}

ensure_jars() {
    jars_ready && return 0
    command -v mvn >/dev/null 2>&1 ||
        die "mvn not found on PATH: install Apache Maven 3.6+ (e.g. 'apt-get install maven'); it fetches the Kafka jars from Maven Central into $LIB once"
    mkdir -p "$CACHE"
    # One download at a time: concurrent test binaries wait for the first.
    (
        flock -w 1800 9 || die "timed out waiting for the lock $CACHE/.lock"
        jars_ready && exit 0
        echo "broker.sh: resolving the Kafka jars into $LIB (once)..." >&2
        rm -rf "$LIB" "$CACHE/lib.tmp"
        if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$CACHE/lib.tmp" >&2; then
            rm -rf "$CACHE/lib.tmp"
            die "mvn could not resolve the Kafka jars of $POM (see above); Maven Central must be reachable"
        fi
        compgen -G "$CACHE/lib.tmp/kafka_2.13-*.jar" >/dev/null || die "mvn ran, but no kafka_2.13 jar is in $CACHE/lib.tmp"
        pom_hash >"$CACHE/lib.tmp/.complete"
        mv "$CACHE/lib.tmp" "$LIB"
    ) 9>"$CACHE/.lock"
}

kafka_version() {
    local jar
    jar=$(compgen -G "$LIB/kafka_2.13-*.jar" | head -n1)
    jar=${jar##*/kafka_2.13-}
    echo "${jar%.jar}"
}

# --- processes ---------------------------------------------------------------

# True if PID is a live process (a zombie is not: PID 1 of a container may
# never reap it).
alive() {
    local stat
    [[ -n ${1:-} ]] || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# True if PID is alive and its command line contains NEEDLE: the pid files
# are checked before a signal, so a recycled pid is never killed.
alive_and_is() {
    alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

read_pid() {
    [[ -f $1 ]] && tr -dc '0-9' <"$1" || true
}

# kill_and_wait PID NEEDLE GRACE_SECONDS: SIGTERM (unless GRACE is 0), SIGKILL
# when GRACE passes, and wait until the process is gone.
kill_and_wait() {
    local pid=$1 needle=$2 grace=$3 deadline
    alive_and_is "$pid" "$needle" || return 0
    if ((grace > 0)); then
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + grace))
        while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    fi
    if alive_and_is "$pid" "$needle"; then
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
    fi
    ! alive "$pid" || die "process $pid survived SIGKILL"
}

# --- ports -------------------------------------------------------------------

port_in_use() {
    local port=$1
    if [[ -r /proc/net/tcp ]]; then
        # Any socket in any state on that local port (listening, TIME_WAIT, ...).
        awk -v p="$(printf '%04X' "$port")" \
            'FNR > 1 { split($2, a, ":"); if (a[2] == p) { found = 1; exit } } END { exit !found }' \
            /proc/net/tcp /proc/net/tcp6 2>/dev/null
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# A free loopback port below Linux's ephemeral range (32768+), so an outgoing
# connection cannot take it between now and the broker's bind.
pick_port() {
    local avoid=${1:-0} port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        [[ $port != "$avoid" ]] && ! port_in_use "$port" && { echo "$port"; return 0; }
    done
    die "found no free port in 20000-31999"
}

port_accepts() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- start -------------------------------------------------------------------

write_props() {
    local dir=$1 port=$2 cport=$3
    shift 3
    {
        cat <<EOF
# Written by broker.sh: a single combined KRaft controller + broker on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# A restart after SIGKILL waits for the old registration's session to expire
# (default 9 s) before the broker can register again.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
        local kv
        for kv in "$@"; do echo "$kv"; done
    } >"$dir/server.properties.tmp"
    mv "$dir/server.properties.tmp" "$dir/server.properties"
}

prop_port() { # prop_port FILE LISTENER_NAME
    sed -n "s|^listeners=.*$2://127\.0\.0\.1:\([0-9]*\).*|\1|p" "$1" | head -n1
}

random_cluster_id() {
    # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding.
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

cmd_start() {
    local dir="" port="" owner="" props=() created=0
    while (($#)); do
        case $1 in
        --dir) dir=${2:?--dir needs a value}; shift 2 ;;
        --port) port=${2:?--port needs a value}; shift 2 ;;
        --owner-pid) owner=${2:?--owner-pid needs a value}; shift 2 ;;
        --prop) props+=("${2:?--prop needs KEY=VALUE}"); shift 2 ;;
        *) die "start: unknown argument '$1'" ;;
        esac
    done
    [[ -z $port || $port =~ ^[0-9]+$ ]] || die "start: --port '$port' is not a number"
    [[ -z $owner || $owner =~ ^[0-9]+$ ]] || die "start: --owner-pid '$owner' is not a number"
    require_java
    ensure_jars

    if [[ -z $dir ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/kconnect-kafka.XXXXXX")
        created=1
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    ((created)) && : >"$dir/.created-by-broker-sh"
    : >>"$dir/.kconnect-broker"

    local conf="$dir/server.properties" log="$dir/broker.log" pidfile="$dir/broker.pid"
    local pid
    pid=$(read_pid "$pidfile")
    if alive_and_is "$pid" "$conf"; then
        die "a broker (pid $pid) already runs in $dir; stop it first"
    fi

    local formatted=0 cport="" auto_ports=0
    if [[ -f $dir/data/meta.properties && -f $conf ]]; then
        # Restart: same storage, same ports unless told otherwise.
        formatted=1
        cport=$(prop_port "$conf" CONTROLLER)
        [[ -n $port ]] || port=$(prop_port "$conf" PLAINTEXT)
        [[ -n $cport && -n $port ]] || die "cannot read the ports of $conf"
        if ((${#props[@]} == 0)); then
            # keep the --prop lines of the first start
            mapfile -t props < <(sed -n '/^# --prop/,$p' "$conf" | sed '1d')
        fi
    else
        [[ -n $port ]] || { port=$(pick_port); auto_ports=1; }
        cport=$(pick_port "$port")
    fi
    ((${#props[@]})) && props=("# --prop" "${props[@]}")
    write_props "$dir" "$port" "$cport" "${props[@]}"

    local cp="$LIB/*" log_opts=(-Dlog4j2.configurationFile="$LOG4J" -Dkconnect.log.level=INFO)
    if ((!formatted)); then
        rm -rf "$dir/data"
        if ! java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
            -Dlog4j2.configurationFile="$LOG4J" -Dkconnect.log.level=WARN -cp "$cp" \
            kafka.tools.StorageTool format -t "$(random_cluster_id)" -c "$conf" --ignore-formatted \
            >"$dir/format.log" 2>&1; then
            cat "$dir/format.log" >&2
            die "formatting the KRaft storage in $dir/data failed"
        fi
    fi

    local jvm_opts
    read -r -a jvm_opts <<<"${KCONNECT_KAFKA_JVM_OPTS:--Xms64m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError}"
    local timeout=${KCONNECT_KAFKA_START_TIMEOUT:-90} attempt
    for attempt in 1 2 3; do
        local offset=0
        [[ -f $log ]] && offset=$(stat -c %s "$log")
        echo "=== broker.sh start $(date -u +%FT%TZ) port $port controller $cport ===" >>"$log"
        offset=$((offset + 1))
        rm -f "$pidfile"
        # The broker in its own session, stdio detached from whoever called us
        # (a test harness capturing our output must not wait for the broker).
        setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" \
            java "${jvm_opts[@]}" -Djava.awt.headless=true "${log_opts[@]}" -cp "$cp" kafka.Kafka "$conf" \
            </dev/null >>"$log" 2>&1 &
        # No "Killed" job notice on our stderr should we kill it: written to
        # the pipe of a caller that died, it would kill us with SIGPIPE.
        disown $!
        local deadline=$((SECONDS + timeout)) ok=0
        while ((SECONDS < deadline)); do
            pid=$(read_pid "$pidfile")
            [[ -n $pid ]] && break
            sleep 0.05
        done
        while ((SECONDS < deadline)); do
            alive "$pid" || break
            if [[ -n $owner ]] && ! alive "$owner"; then
                # Whoever wanted this broker is gone: do what the watchdog would.
                # (Its end of our stdout/stderr may be gone too.)
                trap '' PIPE
                kill_and_wait "$pid" "$conf" 0
                rm -f "$pidfile"
                if [[ -f $dir/.created-by-broker-sh && ${KCONNECT_TEST_KEEP_BROKER_DIR:-} != 1 ]]; then
                    rm -rf "$dir"
                fi
                die "owner process $owner exited while its broker was starting; stopped it"
            fi
            if tail -c +"$offset" "$log" | grep -q 'Kafka Server started' && port_accepts "$port"; then
                ok=1
                break
            fi
            sleep 0.2
        done
        if ((ok)); then
            if [[ -n $owner ]]; then
                setsid nohup bash "$SCRIPT" _watchdog "$owner" "$dir" </dev/null >/dev/null 2>&1 &
                disown $!
            fi
            echo "BOOTSTRAP=127.0.0.1:$port"
            echo "DIR=$dir"
            return 0
        fi
        local why="did not serve within ${timeout}s"
        alive "$pid" || why="exited"
        kill_and_wait "$pid" "$conf" 0
        rm -f "$pidfile"
        if ((auto_ports)) && tail -c +"$offset" "$log" | grep -q 'Address already in use' && ((attempt < 3)); then
            echo "broker.sh: port clash on $port/$cport, retrying with other ports" >&2
            port=$(pick_port)
            cport=$(pick_port "$port")
            write_props "$dir" "$port" "$cport" "${props[@]}"
            continue
        fi
        {
            echo "broker.sh: the Kafka broker in $dir $why. Its errors:"
            tail -c +"$offset" "$log" | grep -E -A3 '^\[[^]]*\] (ERROR|FATAL)' | head -n 40 || true
            echo "broker.sh: the end of $log:"
            tail -c +"$offset" "$log" | tail -n 25
        } >&2
        exit 1
    done
}

# Detached (setsid nohup) by start --owner-pid: stops the broker of DIR when
# OWNER exits, and exits itself when the broker goes away first.
cmd_watchdog() {
    local owner=$1 dir=$2
    local conf="$dir/server.properties" pidfile="$dir/broker.pid" pid
    echo $$ >"$dir/watchdog.pid"
    pid=$(read_pid "$pidfile")
    while alive_and_is "$pid" "$conf"; do
        if ! alive "$owner"; then
            if [[ -f $dir/.created-by-broker-sh && ${KCONNECT_TEST_KEEP_BROKER_DIR:-} != 1 ]]; then
                # Its data goes away with it: no need for a graceful shutdown.
                kill_and_wait "$pid" "$conf" 0
                rm -rf "$dir"
            else
                kill_and_wait "$pid" "$conf" 5
                rm -f "$pidfile" "$dir/watchdog.pid"
            fi
            exit 0
        fi
        sleep 0.5
    done
    [[ "$(read_pid "$dir/watchdog.pid")" == "$$" ]] && rm -f "$dir/watchdog.pid"
    exit 0
}

# --- stop / clean --------------------------------------------------------------

parse_dir_args() {
    DIR_ARG="" HARD=0
    while (($#)); do
        case $1 in
        --dir) DIR_ARG=${2:?--dir needs a value}; shift 2 ;;
        --kill) HARD=1; shift ;;
        *) die "unknown argument '$1'" ;;
        esac
    done
    [[ -n $DIR_ARG ]] || die "--dir DIR is required"
}

stop_dir() {
    local dir=$1 hard=$2 wpid pid
    wpid=$(read_pid "$dir/watchdog.pid")
    kill_and_wait "$wpid" "_watchdog" 0
    rm -f "$dir/watchdog.pid"
    pid=$(read_pid "$dir/broker.pid")
    if ((hard)); then
        kill_and_wait "$pid" "$dir/server.properties" 0
    else
        kill_and_wait "$pid" "$dir/server.properties" 20
    fi
    rm -f "$dir/broker.pid"
}

cmd_stop() {
    parse_dir_args "$@"
    [[ -d $DIR_ARG ]] || die "stop: no such dir $DIR_ARG"
    stop_dir "$(cd "$DIR_ARG" && pwd)" "$HARD"
}

cmd_clean() {
    parse_dir_args "$@"
    [[ -d $DIR_ARG ]] || return 0
    local dir
    dir=$(cd "$DIR_ARG" && pwd)
    [[ -f $dir/.kconnect-broker ]] || die "clean: $dir was not made by broker.sh start; not removing it"
    stop_dir "$dir" 1 # SIGKILL: the data goes away anyway
    rm -rf "$dir"
}

# --- tools ---------------------------------------------------------------------

cmd_tool() {
    (($#)) || die "tool: CLASS required"
    local class=$1
    shift
    command -v java >/dev/null 2>&1 || require_java
    jars_ready || { require_java; ensure_jars; }
    local jvm_opts
    read -r -a jvm_opts <<<"${KCONNECT_TOOL_JVM_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
    local owner=${KCONNECT_TOOL_OWNER_PID:-}
    if [[ $owner =~ ^[0-9]+$ ]]; then
        # SIGKILL the tool (this pid, once exec'd) when OWNER dies first, so a
        # killed test leaves no JVM behind. Detached from our stdio: the caller
        # reads our stdout to its end.
        local me=$$
        (
            while alive "$owner" && alive "$me"; do sleep 0.5; done
            alive_and_is "$me" "$class" && kill -KILL "$me" 2>/dev/null
            exit 0
        ) </dev/null >/dev/null 2>&1 &
        disown $!
    fi
    # exec: the caller's child pid is the JVM's, so a timeout kills the JVM itself.
    exec java "${jvm_opts[@]}" -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$LOG4J" -Dkconnect.log.level="${KCONNECT_TOOL_LOG_LEVEL:-WARN}" \
        -cp "$LIB/*" "$class" "$@"
}

case ${1:-} in
jars)
    require_java
    ensure_jars
    echo "$LIB"
    ;;
version)
    ensure_jars
    kafka_version
    ;;
start) shift; cmd_start "$@" ;;
stop) shift; cmd_stop "$@" ;;
clean) shift; cmd_clean "$@" ;;
tool) shift; cmd_tool "$@" ;;
_watchdog) shift; cmd_watchdog "$@" ;;
*) usage ;;
esac
