#!/usr/bin/env bash
# Side by side: Kafka's Java Connect distributed worker and kconnect's, each a
# one-worker cluster on the same broker, running one FileStreamSource task
# (JsonConverter with schemas) over the same input file: the per-task source
# rate. Prints, for each worker: start to REST-ready, time from creating the
# connector until its committed source offset covers the whole file,
# records/s, and peak resident memory; then the ratios.
#
#   benches/compare-distributed.sh [--lines N] [--bootstrap H:P]
#
# Without --bootstrap it starts its own broker (tests/kafka/broker.sh) and
# stops it at the end. Needs Java 17+ and Maven (the Kafka jars the tests
# use, with connect-file).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BROKER_SH="$ROOT/tests/kafka/broker.sh"
LINES=1000000
BOOTSTRAP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --lines) LINES=$2; shift 2 ;;
        --bootstrap) BOOTSTRAP=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
KCONNECT="$ROOT/target/release/kconnect"
bash "$BROKER_SH" jars >/dev/null
KAFKA_VERSION=$(bash "$BROKER_SH" version)
KAFKA_LIB="$HOME/.cache/kconnect/kafka/lib"

WORK=$(mktemp -d)
OWNER_PID=""
BROKER_DIR=""
WORKER_PID=""
cleanup() {
    if [ -n "$WORKER_PID" ]; then kill -KILL "$WORKER_PID" 2>/dev/null || true; fi
    if [ -n "$BROKER_DIR" ]; then
        bash "$BROKER_SH" stop --dir "$BROKER_DIR" >/dev/null 2>&1 || true
        bash "$BROKER_SH" clean --dir "$BROKER_DIR" >/dev/null 2>&1 || true
    fi
    if [ -n "$OWNER_PID" ]; then kill "$OWNER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$BOOTSTRAP" ]; then
    sleep 86400 &
    OWNER_PID=$!
    out=$(bash "$BROKER_SH" start --owner-pid "$OWNER_PID")
    BOOTSTRAP=$(echo "$out" | sed -n 's/^BOOTSTRAP=//p')
    BROKER_DIR=$(echo "$out" | sed -n 's/^DIR=//p')
fi
echo "broker: $BOOTSTRAP (Kafka $KAFKA_VERSION); $LINES lines of ~100 bytes"

awk -v n="$LINES" 'BEGIN { for (i = 1; i <= n; i++) printf "line %09d of the side-by-side Connect benchmark, padded to about a hundred bytes.\n", i }' \
    >"$WORK/input.txt"
SIZE=$(stat -c %s "$WORK/input.txt")

now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run WHO: starts a one-worker cluster, waits for REST, creates the source,
# waits until its committed offset is the file's size; prints
# "ready_ms run_ms peak_kb".
run() {
    local who=$1 dir="$WORK/$1" port id
    mkdir -p "$dir"
    port=$(free_port)
    id="bench-$who-$RANDOM$RANDOM"
    cat >"$dir/worker.properties" <<EOF
bootstrap.servers=$BOOTSTRAP
group.id=$id
config.storage.topic=$id-configs
offset.storage.topic=$id-offsets
status.storage.topic=$id-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.flush.interval.ms=200
listeners=http://127.0.0.1:$port
EOF
    local start
    start=$(now_ms)
    if [ "$who" = java ]; then
        # Java's connect-distributed.sh heap and GC settings.
        java -Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
            -Djava.awt.headless=true -Dlog4j2.level=WARN \
            -cp "$KAFKA_LIB/*" org.apache.kafka.connect.cli.ConnectDistributed \
            "$dir/worker.properties" >"$dir/worker.log" 2>&1 &
    else
        KCONNECT_LOG=warn "$KCONNECT" distributed "$dir/worker.properties" >"$dir/worker.log" 2>&1 &
    fi
    WORKER_PID=$!
    local ready=""
    until [ -n "$ready" ]; do
        if curl -sf "http://127.0.0.1:$port/connectors" >/dev/null 2>&1; then ready=$(now_ms); fi
        kill -0 "$WORKER_PID" 2>/dev/null || { echo "$who worker died; see $dir/worker.log" >&2; tail -20 "$dir/worker.log" >&2; exit 1; }
        [ -n "$ready" ] || sleep 0.01
    done
    local body created=""
    body="{\"name\":\"bench-source\",\"config\":{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSourceConnector\",\"tasks.max\":\"1\",\"file\":\"$WORK/input.txt\",\"topic\":\"$id-data\"}}"
    # 409 while the first rebalance is underway (no leader yet).
    until [ -n "$created" ]; do
        if curl -sf -XPOST -H 'Content-Type: application/json' -d "$body" \
            "http://127.0.0.1:$port/connectors" >/dev/null 2>&1; then created=$(now_ms); else sleep 0.05; fi
    done
    local peak=0 position=0 rss
    while [ "$position" -lt "$SIZE" ]; do
        sleep 0.1
        position=$(curl -sf "http://127.0.0.1:$port/connectors/bench-source/offsets" 2>/dev/null \
            | python3 -c 'import json,sys
try: print(max([o["offset"]["position"] for o in json.load(sys.stdin)["offsets"]] or [0]))
except Exception: print(0)')
        rss=$(awk '/VmHWM/ {print $2}' "/proc/$WORKER_PID/status" 2>/dev/null || echo 0)
        [ "$rss" -gt "$peak" ] && peak=$rss
        kill -0 "$WORKER_PID" 2>/dev/null || { echo "$who worker died; see $dir/worker.log" >&2; exit 1; }
    done
    local done_ms
    done_ms=$(now_ms)
    kill -TERM "$WORKER_PID"
    wait "$WORKER_PID" 2>/dev/null || true
    WORKER_PID=""
    echo "$((ready - start)) $((done_ms - created)) $peak"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

read -r j_ready j_run j_peak < <(run java)
read -r k_ready k_run k_peak < <(run kconnect)
j_rate=$(awk -v n="$LINES" -v t="$j_run" 'BEGIN { printf "%.0f", n / (t / 1000) }')
k_rate=$(awk -v n="$LINES" -v t="$k_run" 'BEGIN { printf "%.0f", n / (t / 1000) }')
printf '\n%-10s %14s %14s %14s %14s\n' worker "REST ready ms" "source ms" "records/s" "peak RSS MB"
printf '%-10s %14s %14s %14s %14s\n' java "$j_ready" "$j_run" "$j_rate" "$((j_peak / 1024))"
printf '%-10s %14s %14s %14s %14s\n' kconnect "$k_ready" "$k_run" "$k_rate" "$((k_peak / 1024))"
echo
echo "records/s per task kconnect/java: $(ratio "$k_rate" "$j_rate")"
echo "peak memory java/kconnect: $(ratio "$j_peak" "$k_peak")"
echo "start to REST-ready java/kconnect: $(ratio "$j_ready" "$k_ready")"
