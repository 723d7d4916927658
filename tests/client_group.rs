//! Consumer groups against a real broker: two kconnect members split a
//! topic's partitions and hand them back when one leaves (eager and
//! cooperative); a kconnect member shares a group with Kafka's Java console
//! consumer, either side leading; committed offsets carry a group across a
//! member restart; and the leader rebalances when the metadata it assigned
//! from changes (a topic appears, partitions are added).
//!
//! Members poll concurrently, each on its own task, and publish what they see
//! (assignment, records, errors) through shared state that the test observes
//! with deadline-bounded polling.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kconnect::kafka::admin::{Admin, NewTopic};
use kconnect::kafka::config::{ClientConfig, ConsumerConfig, OffsetReset, ProducerConfig};
use kconnect::kafka::fetcher::{Consumer, TopicPartition};
use kconnect::kafka::producer::{Producer, ProducerRecord};
use support::{shared_broker, unique_topic, CONSOLE_CONSUMER};
use tokio::task::JoinHandle;

const PARTITIONS: i32 = 4;

/// How long anything a test waits for may take: a rebalance, records to
/// arrive, a Java tool to join.
const DEADLINE: Duration = Duration::from_secs(60);

/// A member's session timeout, short to keep the tests quick.
const SESSION: Duration = Duration::from_secs(10);

/// The session timeout of the member that leaves in the split test, and how
/// soon the survivor must own its partitions: well before the coordinator
/// would expire the session of a member that vanished without LeaveGroup.
const LEAVER_SESSION: Duration = Duration::from_secs(60);
const LEAVE_DEADLINE: Duration = Duration::from_secs(40);

/// A record as a consumer saw it: (partition, offset, value).
type Seen = (i32, i64, String);

async fn create_topic(bootstrap: &str, topic: &str) {
    create_topic_with(bootstrap, topic, PARTITIONS).await;
}

async fn create_topic_with(bootstrap: &str, topic: &str, partitions: i32) {
    let admin = Admin::connect(ClientConfig::new(bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new(topic, partitions, 1)])
        .await
        .unwrap();
}

/// Writes `per_partition` records to every partition of `topic`, values
/// tagged with `tag`, and returns them as the broker placed them.
async fn produce(bootstrap: &str, topic: &str, per_partition: usize, tag: &str) -> BTreeSet<Seen> {
    let producer = Producer::connect(ProducerConfig::new(bootstrap))
        .await
        .unwrap();
    let mut pending = Vec::new();
    for partition in 0..PARTITIONS {
        for i in 0..per_partition {
            let value = format!("{tag}-p{partition}-{i}");
            let record = ProducerRecord {
                topic: topic.to_string(),
                partition: Some(partition),
                value: Some(Bytes::from(value.clone())),
                ..ProducerRecord::default()
            };
            pending.push((value, producer.send(record).await.unwrap()));
        }
    }
    let mut written = BTreeSet::new();
    for (value, delivery) in pending {
        let md = delivery.wait().await.unwrap();
        assert!(md.offset >= 0, "no offset for {value}");
        written.insert((md.partition, md.offset, value));
    }
    producer.close().await;
    written
}

fn group_config(bootstrap: &str, group: &str) -> ConsumerConfig {
    let mut config = ConsumerConfig::new(bootstrap);
    config.group_id = Some(group.to_string());
    config.auto_offset_reset = OffsetReset::Earliest;
    config.session_timeout = SESSION;
    config.heartbeat_interval = Duration::from_secs(1);
    // Also the rebalance timeout: how long the coordinator waits for every
    // member to rejoin.
    config.max_poll_interval = Duration::from_secs(30);
    config
}

/// What a member task publishes.
#[derive(Default)]
struct Observed {
    assignment: BTreeSet<i32>,
    /// The group generation, once joined.
    generation: Option<i32>,
    records: Vec<Seen>,
    /// The first poll error; the member stops polling after it.
    error: Option<String>,
}

/// A kconnect group member polling on its own task.
struct Member {
    name: &'static str,
    observed: Arc<Mutex<Observed>>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<Consumer>,
}

impl Member {
    async fn start(name: &'static str, bootstrap: &str, group: &str, topic: &str) -> Member {
        Member::start_with(name, group_config(bootstrap, group), topic).await
    }

    async fn start_with(name: &'static str, config: ConsumerConfig, topic: &str) -> Member {
        // RUST_LOG=kconnect=debug shows the client's side of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.subscribe(vec![topic.to_string()]).unwrap();
        let observed = Arc::new(Mutex::new(Observed::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let observed = observed.clone();
            let stop = stop.clone();
            async move {
                while !stop.load(Ordering::Acquire) {
                    let polled = consumer.poll(Duration::from_millis(100)).await;
                    let mut o = observed.lock().unwrap();
                    match polled {
                        Ok(batches) => {
                            for batch in batches {
                                for r in &batch.records {
                                    let value = r
                                        .value
                                        .as_ref()
                                        .map(|v| String::from_utf8_lossy(v).into_owned())
                                        .unwrap_or_default();
                                    o.records.push((batch.partition, r.offset, value));
                                }
                            }
                            o.generation = consumer.group_generation().map(|(_, g)| g);
                            o.assignment = consumer
                                .assignment()
                                .iter()
                                .map(|tp| tp.partition)
                                .collect();
                        }
                        Err(e) => {
                            o.error = Some(format!("{name}: poll failed: {e}"));
                            break;
                        }
                    }
                }
                consumer
            }
        });
        Member {
            name,
            observed,
            stop,
            task,
        }
    }

    fn assignment(&self) -> BTreeSet<i32> {
        self.observed.lock().unwrap().assignment.clone()
    }

    fn generation(&self) -> Option<i32> {
        self.observed.lock().unwrap().generation
    }

    fn records(&self) -> Vec<Seen> {
        self.observed.lock().unwrap().records.clone()
    }

    fn describe(&self) -> String {
        let o = self.observed.lock().unwrap();
        format!(
            "{}: generation {:?}, assignment {:?}, {} records, error {:?}",
            self.name,
            o.generation,
            o.assignment,
            o.records.len(),
            o.error
        )
    }

    /// Stops polling and hands back the consumer, still in the group, with
    /// every record it read.
    async fn stop(self) -> (Consumer, Vec<Seen>) {
        self.stop.store(true, Ordering::Release);
        let consumer = self.task.await.expect("member task panicked");
        let o = self.observed.lock().unwrap();
        if let Some(e) = &o.error {
            panic!("{e}");
        }
        (consumer, o.records.clone())
    }
}

/// Polls `cond` every 50 ms until it holds; panics when `deadline` passes
/// first, or as soon as a member reports a poll error.
async fn eventually(
    deadline: Duration,
    what: &str,
    members: &[&Member],
    mut cond: impl FnMut() -> bool,
) {
    let end = Instant::now() + deadline;
    loop {
        for m in members {
            if let Some(e) = &m.observed.lock().unwrap().error {
                panic!("while waiting for {what}: {e}");
            }
        }
        if cond() {
            return;
        }
        if Instant::now() >= end {
            let states: Vec<String> = members.iter().map(|m| m.describe()).collect();
            panic!(
                "timed out after {deadline:?} waiting for {what}; {}",
                states.join("; ")
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_partitions() -> BTreeSet<i32> {
    (0..PARTITIONS).collect()
}

fn on(records: &BTreeSet<Seen>, partitions: &BTreeSet<i32>) -> BTreeSet<Seen> {
    records
        .iter()
        .filter(|(p, _, _)| partitions.contains(p))
        .cloned()
        .collect()
}

/// Asserts every record in `seen` arrived once.
fn assert_no_repeats(seen: &[Seen], who: &str) {
    let unique: BTreeSet<&Seen> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "{who} saw records twice: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_split_the_partitions_and_the_survivor_takes_them_back() {
    // The default strategies, range first: an eager rebalance.
    split_and_take_back(&["range", "cooperative-sticky"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_cooperative_members_split_the_partitions_and_the_survivor_takes_them_back() {
    // KIP-429: members keep what they own across rebalances and give up only
    // what moves, in a second rebalance.
    split_and_take_back(&["cooperative-sticky"]).await;
}

async fn split_and_take_back(strategies: &[&str]) {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-split");
    let group = unique_topic("group-split-g");
    create_topic(&bootstrap, &topic).await;
    let config = |session: Duration| {
        let mut config = group_config(&bootstrap, &group);
        config.assignment_strategy = strategies.iter().map(|s| s.to_string()).collect();
        config.session_timeout = session;
        config
    };

    // a joins first, so it leads the group; its session is long, so only its
    // LeaveGroup on close can hand its partitions over within LEAVE_DEADLINE.
    let a = Member::start_with("a", config(LEAVER_SESSION), &topic).await;
    eventually(DEADLINE, "a alone to own all 4 partitions", &[&a], || {
        a.assignment() == all_partitions()
    })
    .await;

    let b = Member::start_with("b", config(SESSION), &topic).await;
    eventually(
        DEADLINE,
        "a and b to split the partitions 2 + 2",
        &[&a, &b],
        || {
            let (pa, pb) = (a.assignment(), b.assignment());
            pa.len() == 2 && pb.len() == 2 && pa.is_disjoint(&pb) && pa.union(&pb).count() == 4
        },
    )
    .await;
    let (pa, pb) = (a.assignment(), b.assignment());

    // Each member reads exactly the records of its own partitions.
    let first = produce(&bootstrap, &topic, 5, "split").await;
    let (want_a, want_b) = (on(&first, &pa), on(&first, &pb));
    eventually(
        DEADLINE,
        "a and b to read their partitions' records",
        &[&a, &b],
        || a.records().len() >= want_a.len() && b.records().len() >= want_b.len(),
    )
    .await;
    // The split held while they read.
    assert_eq!((a.assignment(), b.assignment()), (pa.clone(), pb.clone()));
    let (got_a, got_b) = (a.records(), b.records());
    assert_no_repeats(&got_a, "a");
    assert_no_repeats(&got_b, "b");
    assert_eq!(
        got_a.into_iter().collect::<BTreeSet<_>>(),
        want_a,
        "a owns {pa:?}"
    );
    assert_eq!(
        got_b.into_iter().collect::<BTreeSet<_>>(),
        want_b,
        "b owns {pb:?}"
    );

    // The leader leaves: b, now leading, takes all four and reads new records
    // from each.
    let (mut a_consumer, _) = a.stop().await;
    a_consumer.close().await;
    eventually(
        LEAVE_DEADLINE,
        "b to own all 4 partitions after a left",
        &[&b],
        || b.assignment() == all_partitions(),
    )
    .await;
    let second = produce(&bootstrap, &topic, 5, "after-leave").await;
    eventually(
        DEADLINE,
        "b to read the records written after a left",
        &[&b],
        || {
            let got: BTreeSet<Seen> = b.records().into_iter().collect();
            second.is_subset(&got)
        },
    )
    .await;
    assert_eq!(b.assignment(), all_partitions());
    let (mut b_consumer, got_b) = b.stop().await;
    b_consumer.close().await;
    if strategies == ["cooperative-sticky"] {
        // b kept its own partitions through the takeover, so it never went
        // back to read them again (nothing was committed: an eager member
        // restarts them from the earliest offset).
        let own: Vec<Seen> = got_b
            .into_iter()
            .filter(|(p, _, _)| pb.contains(p))
            .collect();
        assert_no_repeats(&own, "b on its own partitions");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_shares_its_group_with_the_java_console_consumer() {
    // We lead the group: Java reads our subscription and our assignment.
    share_group_with_java(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_a_group_led_by_the_java_console_consumer() {
    // Java leads: its assignor reads our subscription, we read its assignment.
    share_group_with_java(true, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooperative_member_shares_its_group_with_the_java_console_consumer() {
    share_group_with_java(false, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooperative_member_joins_a_group_led_by_the_java_console_consumer() {
    share_group_with_java(true, true).await;
}

/// The Java console consumer as a group member: reads exactly `max_messages`
/// records (from the earliest offset), then exits, leaving the group.
/// `--timeout-ms` bounds its wait for the first record, which covers joining,
/// the rebalance and the produce that follows.
fn spawn_java_member(
    bootstrap: &str,
    topic: &str,
    group: &str,
    max_messages: usize,
    cooperative: bool,
) -> std::thread::JoinHandle<Output> {
    let (bootstrap, topic, group) = (bootstrap.to_string(), topic.to_string(), group.to_string());
    std::thread::spawn(move || {
        support::java_tool_timeout(
            CONSOLE_CONSUMER,
            &[
                "--bootstrap-server",
                &bootstrap,
                "--topic",
                &topic,
                "--group",
                &group,
                "--from-beginning",
                "--max-messages",
                &max_messages.to_string(),
                "--timeout-ms",
                "60000",
                "--command-property",
                "group.protocol=classic",
                "--command-property",
                "heartbeat.interval.ms=1000",
                "--command-property",
                if cooperative {
                    "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
                } else {
                    "partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
                },
                "--formatter-property",
                "print.partition=true",
            ],
            None,
            Duration::from_secs(120),
        )
    })
}

async fn start_ours(bootstrap: &str, group: &str, topic: &str, cooperative: bool) -> Member {
    let mut config = group_config(bootstrap, group);
    if cooperative {
        config.assignment_strategy = vec!["cooperative-sticky".to_string()];
    }
    Member::start_with("ours", config, topic).await
}

/// The members of `group` with their partition counts, as Kafka's
/// ConsumerGroupCommand describes them.
fn describe_members(bootstrap: &str, group: &str) -> Vec<(String, usize)> {
    let out = support::java_tool_timeout(
        support::CONSUMER_GROUP_COMMAND,
        &[
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--group",
            group,
            "--members",
        ],
        None,
        Duration::from_secs(60),
    );
    support::assert_tool_ok(&out, "describing the group");
    // GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(group))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let partitions = fields.last()?.parse().ok()?;
            Some((fields.get(3)?.to_string(), partitions))
        })
        .collect()
}

/// `java_first`: the Java consumer creates the group and leads it.
/// `cooperative`: both sides speak only cooperative-sticky (else both prefer
/// range, the eager default).
async fn share_group_with_java(java_first: bool, cooperative: bool) {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-java");
    let group = unique_topic("group-java-g");
    create_topic(&bootstrap, &topic).await;
    const PER_PARTITION: usize = 10;
    // Each side ends up with two partitions of PER_PARTITION records.
    let java_expects = 2 * PER_PARTITION;

    let (ours, java) = if java_first {
        let java = spawn_java_member(&bootstrap, &topic, &group, java_expects, cooperative);
        let started = Instant::now();
        loop {
            let members = tokio::task::spawn_blocking({
                let (bootstrap, group) = (bootstrap.clone(), group.clone());
                move || describe_members(&bootstrap, &group)
            })
            .await
            .unwrap();
            if members.len() == 1 && members[0].1 == 4 {
                break;
            }
            assert!(
                !java.is_finished(),
                "the Java consumer exited before joining the group"
            );
            assert!(
                started.elapsed() < DEADLINE,
                "the Java consumer did not own all 4 partitions in {DEADLINE:?}: {members:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        (
            start_ours(&bootstrap, &group, &topic, cooperative).await,
            java,
        )
    } else {
        let ours = start_ours(&bootstrap, &group, &topic, cooperative).await;
        eventually(
            DEADLINE,
            "our member alone to own all 4 partitions",
            &[&ours],
            || ours.assignment() == all_partitions(),
        )
        .await;
        (
            ours,
            spawn_java_member(&bootstrap, &topic, &group, java_expects, cooperative),
        )
    };

    eventually(
        DEADLINE,
        "our member and the Java consumer to own 2 partitions each",
        &[&ours],
        || ours.assignment().len() == 2 || java.is_finished(),
    )
    .await;
    assert!(!java.is_finished(), "the Java consumer exited early");
    let mine = ours.assignment();
    let theirs: BTreeSet<i32> = all_partitions().difference(&mine).cloned().collect();

    let written = produce(&bootstrap, &topic, PER_PARTITION, "shared").await;
    let want_ours = on(&written, &mine);
    eventually(
        DEADLINE,
        "our member to read its partitions' records",
        &[&ours],
        || ours.records().len() >= want_ours.len(),
    )
    .await;
    // Stop polling (staying in the group) before the Java consumer leaves, so
    // the partitions it gives back cannot reach us.
    let (mut consumer, got_ours) = ours.stop().await;
    let out = tokio::task::spawn_blocking(move || java.join().expect("java thread panicked"))
        .await
        .unwrap();
    consumer.close().await;
    support::assert_tool_ok(&out, "Java console consumer in the group");

    assert_no_repeats(&got_ours, "our member");
    assert_eq!(
        got_ours.into_iter().collect::<BTreeSet<_>>(),
        want_ours,
        "our member owns {mine:?}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let java_seen: Vec<(i32, String)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Partition:"))
        .map(|l| {
            let (p, v) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("unexpected console line {l:?}"));
            (
                p.parse()
                    .unwrap_or_else(|_| panic!("bad partition in {l:?}")),
                v.to_string(),
            )
        })
        .collect();
    let java_unique: BTreeSet<(i32, String)> = java_seen.iter().cloned().collect();
    assert_eq!(
        java_unique.len(),
        java_seen.len(),
        "the Java consumer saw records twice: {stdout}"
    );
    let want_java: BTreeSet<(i32, String)> = on(&written, &theirs)
        .into_iter()
        .map(|(p, _, v)| (p, v))
        .collect();
    assert_eq!(java_unique, want_java, "the Java consumer owns {theirs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_offsets_survive_a_member_restart() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-commit");
    let group = unique_topic("group-commit-g");
    create_topic(&bootstrap, &topic).await;
    let tps: Vec<TopicPartition> = (0..PARTITIONS)
        .map(|p| TopicPartition::new(&topic, p))
        .collect();

    // The first member reads the first five records of every partition...
    let before = produce(&bootstrap, &topic, 5, "before").await;
    let first = Member::start("first", &bootstrap, &group, &topic).await;
    eventually(
        DEADLINE,
        "the first member to read every record",
        &[&first],
        || first.records().len() >= before.len(),
    )
    .await;
    let (mut consumer, got) = first.stop().await;
    assert_no_repeats(&got, "the first member");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), before);

    // ...commits its positions, then moves partition 2 back to offset 3 with
    // an explicit commit, and leaves.
    consumer.commit_positions().await.unwrap();
    let at_five: BTreeMap<TopicPartition, i64> = tps.iter().map(|tp| (tp.clone(), 5)).collect();
    assert_eq!(consumer.committed(&tps).await.unwrap(), at_five);
    let rewind = BTreeMap::from([(tps[2].clone(), 3)]);
    consumer.commit_sync(&rewind).await.unwrap();
    let mut committed = at_five.clone();
    committed.insert(tps[2].clone(), 3);
    assert_eq!(consumer.committed(&tps).await.unwrap(), committed);
    consumer.close().await;

    // A new member continues exactly at the committed offsets: nothing
    // before them again, nothing after them missed.
    let after = produce(&bootstrap, &topic, 5, "after").await;
    let all: BTreeSet<Seen> = before.union(&after).cloned().collect();
    let want: BTreeSet<Seen> = all
        .into_iter()
        .filter(|(p, offset, _)| *offset >= committed[&TopicPartition::new(&topic, *p)])
        .collect();
    assert_eq!(want.len(), 3 * 5 + 7);
    let second = Member::start("second", &bootstrap, &group, &topic).await;
    eventually(
        DEADLINE,
        "the second member to read from the committed offsets on",
        &[&second],
        || second.records().len() >= want.len(),
    )
    .await;
    let (mut consumer, got) = second.stop().await;
    assert_no_repeats(&got, "the second member");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    for tp in &tps {
        assert_eq!(consumer.position(tp), Some(10), "position of {tp}");
    }
    consumer.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_rebalances_when_partitions_are_added() {
    // The leader notices that the metadata it assigned from changed (here new
    // partitions; also a topic that was not yet in the broker's metadata when
    // the group first formed) and rebalances, as Java's leader does.
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-grow");
    let group = unique_topic("group-grow-g");
    create_topic_with(&bootstrap, &topic, 2).await;
    let mut config = group_config(&bootstrap, &group);
    // How soon the client sees the new partitions at all (default 5 min).
    config.client.metadata_max_age = Duration::from_secs(1);
    let member = Member::start_with("member", config, &topic).await;
    eventually(
        DEADLINE,
        "the member to own both partitions",
        &[&member],
        || member.assignment() == BTreeSet::from([0, 1]),
    )
    .await;

    let out = tokio::task::spawn_blocking({
        let (bootstrap, topic) = (bootstrap.clone(), topic.clone());
        move || {
            support::java_tool(
                support::TOPIC_COMMAND,
                &[
                    "--bootstrap-server",
                    &bootstrap,
                    "--alter",
                    "--topic",
                    &topic,
                    "--partitions",
                    &PARTITIONS.to_string(),
                ],
            )
        }
    })
    .await
    .unwrap();
    support::assert_tool_ok(&out, "adding partitions");

    eventually(
        DEADLINE,
        "the member to own the added partitions too",
        &[&member],
        || member.assignment() == all_partitions(),
    )
    .await;
    let written = produce(&bootstrap, &topic, 3, "grown").await;
    eventually(
        DEADLINE,
        "the member to read every partition",
        &[&member],
        || member.records().len() >= written.len(),
    )
    .await;
    let (mut consumer, got) = member.stop().await;
    consumer.close().await;
    assert_no_repeats(&got, "the member");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_subscribed_before_its_topic_exists_gets_it_once_it_does() {
    // The group forms while the topic is unknown: the leader assigns nothing
    // and must rebalance once the topic shows up in the metadata. (The same
    // happens when a topic was just created and the broker's metadata lags.)
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-late");
    let group = unique_topic("group-late-g");
    let member = Member::start("member", &bootstrap, &group, &topic).await;
    eventually(DEADLINE, "the member to join the group", &[&member], || {
        member.generation().is_some()
    })
    .await;
    // The leader's metadata request may itself have made the broker
    // auto-create the topic (with its num.partitions); else we create it now.
    let admin = Admin::connect(ClientConfig::new(&bootstrap)).await.unwrap();
    admin
        .create_topics(&[NewTopic::new(&topic, PARTITIONS, 1)])
        .await
        .unwrap();
    eventually(
        DEADLINE,
        "the member to get partitions of the new topic",
        &[&member],
        || !member.assignment().is_empty(),
    )
    .await;
    let partitions = admin.cluster().partition_count(&topic).await.unwrap();
    let want: BTreeSet<i32> = (0..partitions).collect();
    eventually(
        DEADLINE,
        "the member to own every partition of the new topic",
        &[&member],
        || member.assignment() == want,
    )
    .await;
    member.stop().await.0.close().await;
}

/// What a Java console consumer printed: (partition, value) per record.
fn java_records(out: &Output) -> Vec<(i32, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Partition:"))
        .filter_map(|l| {
            let (p, v) = l.split_once('\t')?;
            Some((p.parse().ok()?, v.to_string()))
        })
        .collect()
}

/// Two Java consumers in one group: the second one's join rebalances the
/// group, each ends up with two of the four partitions and reads exactly
/// their records (what Kafka's group coordinator does; the same test runs
/// against the embedded broker).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_java_consumers_split_the_partitions() {
    let bootstrap = shared_broker().bootstrap.clone();
    let topic = unique_topic("group-java-pair");
    let group = unique_topic("group-java-pair-g");
    create_topic(&bootstrap, &topic).await;
    const PER_PARTITION: usize = 10;
    let first = spawn_java_member(&bootstrap, &topic, &group, 2 * PER_PARTITION, false);
    let second = spawn_java_member(&bootstrap, &topic, &group, 2 * PER_PARTITION, false);
    let started = Instant::now();
    loop {
        let members = tokio::task::spawn_blocking({
            let (bootstrap, group) = (bootstrap.clone(), group.clone());
            move || describe_members(&bootstrap, &group)
        })
        .await
        .unwrap();
        if members.len() == 2 && members.iter().all(|(_, n)| *n == 2) {
            break;
        }
        assert!(
            !first.is_finished() && !second.is_finished(),
            "a Java consumer exited before the group settled"
        );
        assert!(
            started.elapsed() < DEADLINE,
            "the group did not settle on 2 partitions each in {DEADLINE:?}: {members:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let written = produce(&bootstrap, &topic, PER_PARTITION, "pair").await;
    let mut seen = Vec::new();
    for member in [first, second] {
        let out = tokio::task::spawn_blocking(move || member.join().expect("java thread"))
            .await
            .unwrap();
        support::assert_tool_ok(&out, "Java console consumer in the group");
        let records = java_records(&out);
        let partitions: BTreeSet<i32> = records.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            partitions.len(),
            2,
            "each member reads two partitions: {records:?}"
        );
        seen.extend(records);
    }
    let unique: BTreeSet<(i32, String)> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a record was read twice");
    let want: BTreeSet<(i32, String)> = written.into_iter().map(|(p, _, v)| (p, v)).collect();
    assert_eq!(unique, want);
}
