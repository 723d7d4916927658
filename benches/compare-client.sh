#!/usr/bin/env bash
# Side-by-side throughput of kconnect's native client and Kafka's Java client
# on one broker in one run: `kconnect perf produce|consume` against Kafka's
# ProducerPerformance / ConsumerPerformance, same settings (acks=all, the
# producer defaults otherwise), for 100- and 1024-byte records. Prints each
# tool's summary and the ratio of records/s, ours over theirs.
#
#   benches/compare-client.sh [--records N] [--sizes "100 1024"] [--bootstrap H:P]
#
# Without --bootstrap it starts its own broker (tests/kafka/broker.sh) and
# stops it at the end. Needs Java 17+ and Maven (for the Kafka jars).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BROKER_SH="$ROOT/tests/kafka/broker.sh"
RECORDS=1000000
SIZES="100 1024"
BOOTSTRAP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --records) RECORDS=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        --bootstrap) BOOTSTRAP=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
KCONNECT="$ROOT/target/release/kconnect"

OWNER_PID=""
BROKER_DIR=""
cleanup() {
    if [ -n "$BROKER_DIR" ]; then
        bash "$BROKER_SH" stop --dir "$BROKER_DIR" >/dev/null 2>&1 || true
        bash "$BROKER_SH" clean --dir "$BROKER_DIR" >/dev/null 2>&1 || true
    fi
    if [ -n "$OWNER_PID" ]; then kill "$OWNER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [ -z "$BOOTSTRAP" ]; then
    # The watchdog owner: this script's own pid would do, but a child we kill
    # ourselves makes the broker's lifetime explicit.
    sleep 86400 &
    OWNER_PID=$!
    out=$(bash "$BROKER_SH" start --owner-pid "$OWNER_PID")
    BOOTSTRAP=$(echo "$out" | sed -n 's/^BOOTSTRAP=//p')
    BROKER_DIR=$(echo "$out" | sed -n 's/^DIR=//p')
fi
echo "broker: $BOOTSTRAP (Kafka $(bash "$BROKER_SH" version))"

# records/s out of each tool's summary line.
ours_produce_rate() { sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p' | tail -1; }
java_produce_rate() { sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p' | tail -1; }
# ConsumerPerformance: the 6th CSV column is nMsg.sec; ours prints the same
# column order for its first five.
consume_rate() { tail -1 | awk -F', ' '{print $4}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
java_consume_rate() { tail -1 | awk -F', ' '{print $6}'; }

# A fresh broker is a cold JVM: whoever ran first would pay for its JIT
# warm-up. Warm it with both clients before anything is measured.
warm=$((RECORDS / 5))
"$KCONNECT" perf produce --bootstrap-server "$BOOTSTRAP" --topic "warmup-$RANDOM" \
    --num-records "$warm" --record-size 512 >/dev/null
bash "$BROKER_SH" tool org.apache.kafka.tools.ProducerPerformance --topic "warmup-$RANDOM" \
    --num-records "$warm" --record-size 512 --throughput -1 \
    --producer-props bootstrap.servers="$BOOTSTRAP" >/dev/null 2>&1

summary=()
for size in $SIZES; do
    ours_topic="perf-ours-$size-$RANDOM"
    java_topic="perf-java-$size-$RANDOM"
    echo
    echo "== $RECORDS records of $size bytes, acks=all"
    ours=$("$KCONNECT" perf produce --bootstrap-server "$BOOTSTRAP" --topic "$ours_topic" \
        --num-records "$RECORDS" --record-size "$size" --acks all)
    echo "kconnect produce: $ours"
    java=$(bash "$BROKER_SH" tool org.apache.kafka.tools.ProducerPerformance --topic "$java_topic" \
        --num-records "$RECORDS" --record-size "$size" --throughput -1 \
        --producer-props bootstrap.servers="$BOOTSTRAP" acks=all 2>/dev/null | tail -1)
    echo "java     produce: $java"
    po=$(echo "$ours" | ours_produce_rate)
    pj=$(echo "$java" | java_produce_rate)

    ours_c=$("$KCONNECT" perf consume --bootstrap-server "$BOOTSTRAP" --topic "$ours_topic" \
        --num-records "$RECORDS")
    echo "kconnect consume: $(echo "$ours_c" | tail -1)"
    java_c=$(bash "$BROKER_SH" tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" \
        --topic "$java_topic" --messages "$RECORDS" --timeout 60000 2>/dev/null | tail -1)
    echo "java     consume: $java_c"
    co=$(echo "$ours_c" | consume_rate)
    cj=$(echo "$java_c" | java_consume_rate)
    summary+=("size=$size produce ours=$po java=$pj ratio=$(ratio "$po" "$pj") | consume ours=$co java=$cj ratio=$(ratio "$co" "$cj")")
done

echo
echo "== records/s, kconnect over Java (target >= 1.0)"
for line in "${summary[@]}"; do echo "$line"; done
