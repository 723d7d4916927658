//! The config-topic rules of Java's `KafkaConfigBackingStoreTest`, on the
//! in-memory state.

use super::*;

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn id(connector: &str, task: i32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: connector.to_string(),
        task,
    }
}

/// Applies records in order, numbering offsets from 0; returns the updates.
fn feed(state: &mut ConfigLogState, records: &[(String, Option<Vec<u8>>)]) -> Vec<ConfigUpdate> {
    let start = state.state.offset.max(0);
    records
        .iter()
        .enumerate()
        .filter_map(|(i, (k, v))| state.apply(k, v.as_deref(), start + i as i64))
        .collect()
}

fn connector(name: &str) -> (String, Option<Vec<u8>>) {
    (
        connector_key(name),
        Some(properties_value(&props(&[("name", name)]))),
    )
}

fn task(name: &str, n: i32) -> (String, Option<Vec<u8>>) {
    (
        task_key(&id(name, n)),
        Some(properties_value(&props(&[("task", &n.to_string())]))),
    )
}

fn commit(name: &str, n: i32) -> (String, Option<Vec<u8>>) {
    (commit_tasks_key(name), Some(commit_value(n)))
}

fn started() -> ConfigLogState {
    let mut s = ConfigLogState::new();
    s.started = true;
    s
}

#[test]
fn tasks_apply_only_when_their_commit_arrives() {
    let mut s = started();
    feed(&mut s, &[connector("c"), task("c", 0), task("c", 1)]);
    assert_eq!(s.state.task_count("c"), 0);
    assert!(s.state.task_configs.is_empty());
    assert_eq!(s.deferred_tasks("c"), vec![0, 1]);
    let updates = feed(&mut s, &[commit("c", 2)]);
    assert_eq!(
        updates,
        vec![ConfigUpdate::TasksCommitted(vec![id("c", 0), id("c", 1)])]
    );
    assert_eq!(s.state.tasks("c"), vec![id("c", 0), id("c", 1)]);
    assert_eq!(
        s.state.task_config(&id("c", 1)),
        Some(&props(&[("task", "1")]))
    );
    assert_eq!(s.state.task_config_generations.get("c"), Some(&0));
    assert!(s.state.pending_fencing("c"));
    assert!(s.deferred_tasks("c").is_empty());
    assert_eq!(s.state.offset, 4);
}

#[test]
fn an_incomplete_commit_marks_the_connector_inconsistent_until_a_complete_one() {
    let mut s = started();
    // Task 0 was compacted away: the commit for 2 tasks finds only task 1.
    feed(&mut s, &[connector("c"), task("c", 1), commit("c", 2)]);
    assert!(s.state.is_inconsistent("c"));
    assert_eq!(s.state.task_count("c"), 2);
    assert!(s.state.tasks("c").is_empty());
    assert!(s.state.task_configs.is_empty());
    // The deferred configs were dropped: a fresh complete set is needed.
    assert!(s.deferred_tasks("c").is_empty());
    feed(&mut s, &[task("c", 0), commit("c", 2)]);
    assert!(s.state.is_inconsistent("c"), "task 1 must be rewritten too");
    feed(&mut s, &[task("c", 0), task("c", 1), commit("c", 2)]);
    assert!(!s.state.is_inconsistent("c"));
    assert_eq!(s.state.tasks("c").len(), 2);
}

#[test]
fn leftover_higher_task_configs_do_not_make_a_commit_incomplete() {
    let mut s = started();
    // 2 tasks, then reduced to 1; compaction kept the old task 1 config.
    feed(
        &mut s,
        &[connector("c"), task("c", 1), task("c", 0), commit("c", 1)],
    );
    assert!(!s.state.is_inconsistent("c"));
    assert_eq!(s.state.tasks("c"), vec![id("c", 0)]);
}

#[test]
fn a_commit_for_an_unknown_connector_is_ignored() {
    let mut s = started();
    let updates = feed(&mut s, &[task("gone", 0), commit("gone", 1)]);
    assert!(updates.is_empty());
    assert!(s.state.task_configs.is_empty());
    assert_eq!(s.state.task_count("gone"), 0);
    assert!(s.deferred_tasks("gone").is_empty());
}

#[test]
fn zero_task_commit_is_complete() {
    let mut s = started();
    let updates = feed(&mut s, &[connector("c"), commit("c", 0)]);
    assert_eq!(updates.last(), Some(&ConfigUpdate::TasksCommitted(vec![])));
    assert!(!s.state.is_inconsistent("c"));
    assert_eq!(s.state.task_config_generations.get("c"), None);
}

#[test]
fn connector_tombstone_removes_config_tasks_and_reports() {
    let mut s = started();
    feed(&mut s, &[connector("c"), task("c", 0), commit("c", 1)]);
    let updates = feed(
        &mut s,
        &[(connector_key("c"), None), (target_state_key("c"), None)],
    );
    assert_eq!(
        updates,
        vec![ConfigUpdate::ConnectorConfigRemoved("c".to_string())]
    );
    assert!(!s.state.contains("c"));
    assert!(s.state.task_configs.is_empty());
    assert_eq!(s.state.target_state("c"), None);
}

#[test]
fn target_state_reads_v2_first_and_falls_back_to_state() {
    let mut s = started();
    feed(&mut s, &[connector("c")]);
    assert_eq!(s.state.target_state("c"), Some(TargetState::Started));
    let updates = feed(
        &mut s,
        &[(
            target_state_key("c"),
            Some(target_state_value(TargetState::Stopped)),
        )],
    );
    assert_eq!(
        updates,
        vec![ConfigUpdate::TargetStateChanged("c".to_string())]
    );
    assert_eq!(s.state.target_state("c"), Some(TargetState::Stopped));
    // Written by an older worker: only "state".
    feed(
        &mut s,
        &[(
            target_state_key("c"),
            Some(br#"{"state":"PAUSED"}"#.to_vec()),
        )],
    );
    assert_eq!(s.state.target_state("c"), Some(TargetState::Paused));
    // A malformed state.v2 falls back on state.
    feed(
        &mut s,
        &[(
            target_state_key("c"),
            Some(br#"{"state":"STARTED","state.v2":5}"#.to_vec()),
        )],
    );
    assert_eq!(s.state.target_state("c"), Some(TargetState::Started));
    // The same state again is not a change.
    let updates = feed(
        &mut s,
        &[(
            target_state_key("c"),
            Some(target_state_value(TargetState::Started)),
        )],
    );
    assert!(updates.is_empty());
}

#[test]
fn a_target_state_before_the_connector_is_kept_but_not_reported() {
    let mut s = started();
    let updates = feed(
        &mut s,
        &[
            (
                target_state_key("c"),
                Some(target_state_value(TargetState::Paused)),
            ),
            connector("c"),
        ],
    );
    assert_eq!(
        updates,
        vec![ConfigUpdate::ConnectorConfigUpdated("c".to_string())]
    );
    assert_eq!(s.state.target_state("c"), Some(TargetState::Paused));
}

#[test]
fn nothing_is_reported_before_start_but_state_is_built() {
    let mut s = ConfigLogState::new();
    let updates = feed(
        &mut s,
        &[
            connector("c"),
            (
                restart_key("c"),
                Some(restart_value(&RestartRequest {
                    connector: "c".to_string(),
                    only_failed: true,
                    include_tasks: true,
                })),
            ),
            (logger_cluster_key("org"), Some(logger_level_value("DEBUG"))),
        ],
    );
    assert!(updates.is_empty());
    assert!(s.state.contains("c"));
}

#[test]
fn restart_session_key_logger_and_fencing_records() {
    let mut s = started();
    let key = SessionKey {
        key: vec![1, 2, 3],
        algorithm: "HmacSHA256".to_string(),
        creation_timestamp: 42,
    };
    let updates = feed(
        &mut s,
        &[
            connector("c"),
            (
                restart_key("c"),
                Some(br#"{"include-tasks":true,"only-failed":"yes"}"#.to_vec()),
            ),
            (SESSION_KEY_KEY.to_string(), Some(session_key_value(&key))),
            (
                logger_cluster_key("org.x"),
                Some(logger_level_value("WARN")),
            ),
            task("c", 0),
            commit("c", 1),
            (task_count_record_key("c"), Some(task_count_value(1))),
        ],
    );
    assert_eq!(
        updates[1],
        ConfigUpdate::RestartRequested(RestartRequest {
            connector: "c".to_string(),
            only_failed: false,
            include_tasks: true,
        })
    );
    assert_eq!(updates[2], ConfigUpdate::SessionKeyChanged(key.clone()));
    assert_eq!(
        updates[3],
        ConfigUpdate::LoggerLevel {
            namespace: "org.x".to_string(),
            level: "WARN".to_string()
        }
    );
    assert_eq!(s.state.session_key, Some(key));
    assert_eq!(s.state.task_count_records.get("c"), Some(&1));
    assert!(!s.state.pending_fencing("c"));
}

#[test]
fn bad_values_and_keys_are_skipped() {
    let mut s = started();
    let updates = feed(
        &mut s,
        &[
            (connector_key("c"), Some(b"not json".to_vec())),
            (connector_key("d"), Some(br#"{"properties":"x"}"#.to_vec())),
            ("task-x".to_string(), Some(properties_value(&Props::new()))),
            ("unknown-key".to_string(), Some(b"{}".to_vec())),
        ],
    );
    assert!(updates.is_empty());
    assert!(s.state.connector_configs.is_empty());
    // The unparseable value did not move the offset; the others did.
    assert_eq!(s.state.offset, 4);
}

#[test]
fn properties_round_trip_through_java_bytes() {
    let mut s = started();
    let p = props(&[
        ("connector.class", "FileStreamSource"),
        ("file", "/tmp/\"in\"\n"),
        ("tasks.max", "1"),
    ]);
    s.apply(&connector_key("c"), Some(&properties_value(&p)), 0);
    assert_eq!(s.state.connector_config("c"), Some(&p));
    // Java writes an optional-string map value as null; it is dropped.
    s.apply(
        &connector_key("d"),
        Some(br#"{"properties":{"a":"1","b":null}}"#),
        1,
    );
    assert_eq!(s.state.connector_config("d"), Some(&props(&[("a", "1")])));
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn properties_read_back_as_written(
            p in proptest::collection::hash_map(".{0,12}", ".{0,20}", 0..8),
            name in "[a-zA-Z0-9._-]{1,12}",
        ) {
            let mut s = started();
            s.apply(&connector_key(&name), Some(&properties_value(&p)), 0);
            prop_assert_eq!(s.state.connector_config(&name), Some(&p));
        }

        #[test]
        fn session_keys_read_back_as_written(
            key in proptest::collection::vec(any::<u8>(), 0..64),
            ts in any::<i64>(),
        ) {
            let mut s = started();
            let k = SessionKey { key, algorithm: "HmacSHA256".to_string(), creation_timestamp: ts };
            s.apply(SESSION_KEY_KEY, Some(&session_key_value(&k)), 0);
            prop_assert_eq!(s.state.session_key, Some(k));
        }

        #[test]
        fn restart_requests_read_back_as_written(only_failed: bool, include_tasks: bool) {
            let mut s = started();
            let r = RestartRequest { connector: "c".to_string(), only_failed, include_tasks };
            let update = s.apply(&restart_key("c"), Some(&restart_value(&r)), 0);
            prop_assert_eq!(update, Some(ConfigUpdate::RestartRequested(r)));
        }
    }
}

#[test]
fn a_target_state_tombstone_for_a_live_connector_falls_back_to_started() {
    let mut s = started();
    feed(
        &mut s,
        &[
            connector("c"),
            (
                target_state_key("c"),
                Some(target_state_value(TargetState::Paused)),
            ),
        ],
    );
    let updates = feed(&mut s, &[(target_state_key("c"), None)]);
    assert!(updates.is_empty(), "removals are not reported: {updates:?}");
    assert_eq!(s.state.target_state("c"), Some(TargetState::Started));
    // Without the connector the state is simply gone.
    feed(&mut s, &[(target_state_key("x"), None)]);
    assert_eq!(s.state.target_state("x"), None);
}

#[test]
fn rewritten_task_configs_bump_the_generation_and_replace_the_old_ones() {
    let mut s = started();
    feed(
        &mut s,
        &[connector("c"), task("c", 0), task("c", 1), commit("c", 2)],
    );
    // Reconfigured to one task with a new config.
    let updates = feed(
        &mut s,
        &[
            (
                task_key(&id("c", 0)),
                Some(properties_value(&props(&[("new", "yes")]))),
            ),
            commit("c", 1),
        ],
    );
    assert_eq!(
        updates,
        vec![ConfigUpdate::TasksCommitted(vec![id("c", 0)])]
    );
    assert_eq!(s.state.task_config_generations.get("c"), Some(&1));
    assert_eq!(s.state.tasks("c"), vec![id("c", 0)]);
    assert_eq!(
        s.state.all_task_configs("c"),
        vec![props(&[("new", "yes")])]
    );
}
