#!/usr/bin/env bash
# The whole test suite, as CI runs it: checks the prerequisites (installing
# Java and Maven from Debian's packages when they are missing and we may),
# fetches the Kafka jars once, then lints and runs every test against a real
# Kafka broker that the tests start and stop themselves.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_java=0
command -v java >/dev/null 2>&1 || need_java=1
command -v mvn >/dev/null 2>&1 || need_java=1
if [ "$need_java" = 1 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Java 17 and Maven (apt-get)" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
    else
        echo "tests/run.sh: the tests need Java 17+ and Maven on PATH (e.g. apt-get install openjdk-17-jdk-headless maven)" >&2
        exit 1
    fi
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "tests/run.sh: the tests need Rust (https://rustup.rs)" >&2
    exit 1
fi

# The Kafka jars, from Maven Central into ~/.cache/kconnect/kafka (once).
bash tests/kafka/broker.sh jars >/dev/null

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked 2>&1 | tee "$log"
# The client and Connect suites once more, against kconnect's embedded
# broker instead of Apache Kafka: it must behave like Kafka for them all.
KCONNECT_TEST_BROKER=embedded cargo test --locked \
    --test client_roundtrip --test client_group --test client_admin --test client_consumer \
    --test standalone_lifecycle --test standalone_runtime --test rest_api --test error_handling \
    2>&1 | tee -a "$log"
# A Connect cluster on the embedded broker too (the bounce tests only on Kafka).
KCONNECT_TEST_BROKER=embedded cargo test --locked --test distributed_cluster -- \
    three_workers pause_persists stop_alter incremental 2>&1 | tee -a "$log"
# One closing line for the whole run (cargo prints one per test binary, the
# last of which is the doc tests').
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
