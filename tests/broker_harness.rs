//! Proves the test harness: the shared Kafka broker serves, and Kafka's own
//! console producer and consumer round-trip records through it.

mod support;

use support::{shared_broker, unique_topic, CONSOLE_CONSUMER, CONSOLE_PRODUCER};

#[test]
fn console_producer_and_consumer_round_trip() {
    let broker = shared_broker();
    let topic = unique_topic("harness");

    let produced = support::java_tool_stdin(
        CONSOLE_PRODUCER,
        &["--bootstrap-server", &broker.bootstrap, "--topic", &topic],
        b"one\ntwo\nthree\n",
    );
    support::assert_tool_ok(&produced, "console producer");

    let consumed = support::java_tool(
        CONSOLE_CONSUMER,
        &[
            "--bootstrap-server",
            &broker.bootstrap,
            "--topic",
            &topic,
            "--from-beginning",
            "--max-messages",
            "3",
            "--timeout-ms",
            "30000",
        ],
    );
    support::assert_tool_ok(&consumed, "console consumer");
    let lines: Vec<&str> = std::str::from_utf8(&consumed.stdout)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(lines, ["one", "two", "three"]);
}

#[test]
fn dedicated_broker_keeps_its_data_across_kill_and_restart() {
    let broker = support::Broker::start_dedicated();
    let topic = unique_topic("harness-restart");
    support::console_produce(&broker.bootstrap, &topic, &["a", "b"]);

    broker.kill();
    broker.restart();
    assert_eq!(
        support::console_consume(&broker.bootstrap, &topic, 2, &[]),
        ["a", "b"]
    );
    support::console_produce(&broker.bootstrap, &topic, &["c"]);

    broker.stop();
    broker.restart();
    assert_eq!(
        support::console_consume(&broker.bootstrap, &topic, 3, &[]),
        ["a", "b", "c"]
    );
}
