#!/usr/bin/env bash
# Side by side: Kafka's Java Connect standalone worker and kconnect's, on one
# broker, each running Kafka's quickstart pipeline (FileStreamSource -> topic
# -> FileStreamSink, JsonConverter with schemas, one task each) over the same
# input file. Prints, for each worker: start to REST-ready, time for every
# line to reach the output file, records/s end to end, and peak resident
# memory; then the ratios.
#
#   benches/compare-connect.sh [--lines N] [--bootstrap H:P]
#
# Without --bootstrap it starts its own broker (tests/kafka/broker.sh) and
# stops it at the end. Needs Java 17+ and Maven: the Java worker runs from
# the Kafka jars the tests use, plus connect-file (fetched once into
# ~/.cache/kconnect/connect-file).
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
FILE_LIB="$HOME/.cache/kconnect/connect-file"
if ! ls "$FILE_LIB"/connect-file-"$KAFKA_VERSION".jar >/dev/null 2>&1; then
    mkdir -p "$FILE_LIB"
    mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="org.apache.kafka:connect-file:$KAFKA_VERSION" \
        -DoutputDirectory="$FILE_LIB" >&2
fi

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

now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run WHO: starts a worker, waits for REST, then for every line in the
# output; prints "start_ms total_ms peak_kb".
run() {
    local who=$1 dir="$WORK/$1" port
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/worker.properties" <<EOF
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
offset.storage.file.filename=$dir/connect.offsets
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:$port
EOF
    cat >"$dir/source.properties" <<EOF
name=local-file-source
connector.class=FileStreamSource
tasks.max=1
file=$WORK/input.txt
topic=bench-$who-$RANDOM
EOF
    local topic
    topic=$(sed -n 's/^topic=//p' "$dir/source.properties")
    cat >"$dir/sink.properties" <<EOF
name=local-file-sink
connector.class=FileStreamSink
tasks.max=1
file=$dir/output.txt
topics=$topic
EOF
    local start
    start=$(now_ms)
    if [ "$who" = java ]; then
        # Java's connect-standalone.sh heap and GC settings.
        java -Xms256M -Xmx2G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
            -Djava.awt.headless=true -Dlog4j2.level=WARN \
            -cp "$KAFKA_LIB/*:$FILE_LIB/*" org.apache.kafka.connect.cli.ConnectStandalone \
            "$dir/worker.properties" "$dir/source.properties" "$dir/sink.properties" \
            >"$dir/worker.log" 2>&1 &
    else
        KCONNECT_LOG=warn "$KCONNECT" standalone \
            "$dir/worker.properties" "$dir/source.properties" "$dir/sink.properties" \
            >"$dir/worker.log" 2>&1 &
    fi
    WORKER_PID=$!
    local ready=""
    until [ -n "$ready" ]; do
        if curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1; then ready=$(now_ms); fi
        kill -0 "$WORKER_PID" 2>/dev/null || { echo "$who worker died; see $dir/worker.log" >&2; tail -20 "$dir/worker.log" >&2; exit 1; }
        [ -n "$ready" ] || sleep 0.01
    done
    local peak=0 lines=0 rss
    while [ "$lines" -lt "$LINES" ]; do
        sleep 0.1
        if [ -f "$dir/output.txt" ]; then lines=$(wc -l <"$dir/output.txt"); fi
        rss=$(awk '/VmHWM/ {print $2}' "/proc/$WORKER_PID/status" 2>/dev/null || echo 0)
        [ "$rss" -gt "$peak" ] && peak=$rss
        kill -0 "$WORKER_PID" 2>/dev/null || { echo "$who worker died; see $dir/worker.log" >&2; exit 1; }
    done
    local done_ms
    done_ms=$(now_ms)
    cmp -s "$WORK/input.txt" "$dir/output.txt" || { echo "$who: output differs from input" >&2; exit 1; }
    kill -TERM "$WORKER_PID"
    wait "$WORKER_PID" 2>/dev/null || true
    WORKER_PID=""
    echo "$((ready - start)) $((done_ms - start)) $peak"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Warm the broker's JIT with a short run of each, unmeasured.
saved=$LINES
LINES=$((saved / 10))
head -n "$LINES" "$WORK/input.txt" >"$WORK/warm.txt"
mv "$WORK/input.txt" "$WORK/full.txt"
mv "$WORK/warm.txt" "$WORK/input.txt"
run java >/dev/null
run kconnect >/dev/null
rm -rf "$WORK/java" "$WORK/kconnect"
mv "$WORK/full.txt" "$WORK/input.txt"
LINES=$saved

read -r j_ready j_total j_peak < <(run java)
read -r k_ready k_total k_peak < <(run kconnect)
j_rate=$(awk -v n="$LINES" -v t="$((j_total - j_ready))" 'BEGIN { printf "%.0f", n / (t / 1000) }')
k_rate=$(awk -v n="$LINES" -v t="$((k_total - k_ready))" 'BEGIN { printf "%.0f", n / (t / 1000) }')
printf '\n%-10s %14s %14s %14s %14s\n' worker "REST ready ms" "all lines ms" "records/s" "peak RSS MB"
printf '%-10s %14s %14s %14s %14s\n' java "$j_ready" "$j_total" "$j_rate" "$((j_peak / 1024))"
printf '%-10s %14s %14s %14s %14s\n' kconnect "$k_ready" "$k_total" "$k_rate" "$((k_peak / 1024))"
echo
echo "records/s kconnect/java: $(ratio "$k_rate" "$j_rate")"
echo "peak memory java/kconnect: $(ratio "$j_peak" "$k_peak")"
echo "start to REST-ready java/kconnect: $(ratio "$j_ready" "$k_ready")"
