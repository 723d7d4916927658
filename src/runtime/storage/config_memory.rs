//! A config store without Kafka (Java's `MemoryConfigBackingStore`, here
//! built on the same record rules as the Kafka store): every write is
//! encoded exactly as it would go to the config topic and applied to the
//! state at once, in order, so herder tests see the same snapshots and
//! updates as with a real topic.

use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;

use crate::api::connector::Props;
use crate::runtime::status::{ConnectorTaskId, TargetState};

use super::config::ConfigBackingStore;
use super::config_records::*;
use super::config_state::{ClusterConfigState, ConfigLogState, ConfigUpdate};
use super::error::Result;

/// Records applied in memory, reported on a channel like the Kafka store.
pub struct MemoryConfigBackingStore {
    /// The state and the offset of the next record.
    log: Mutex<(ConfigLogState, i64)>,
    /// Where updates go (unbounded: a write never waits for the reader).
    updates: mpsc::UnboundedSender<ConfigUpdate>,
}

impl MemoryConfigBackingStore {
    /// An empty, started store and its update channel.
    pub fn new() -> (
        MemoryConfigBackingStore,
        mpsc::UnboundedReceiver<ConfigUpdate>,
    ) {
        let (updates, rx) = mpsc::unbounded_channel();
        let mut state = ConfigLogState::new();
        state.started = true;
        (
            MemoryConfigBackingStore {
                log: Mutex::new((state, 0)),
                updates,
            },
            rx,
        )
    }

    fn append(&self, records: Vec<(String, Option<Vec<u8>>)>) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        for (key, value) in records {
            let offset = log.1;
            log.1 += 1;
            if let Some(update) = log.0.apply(&key, value.as_deref(), offset) {
                let _ = self.updates.send(update);
            }
        }
    }

    fn done<'a>(&self, records: Vec<(String, Option<Vec<u8>>)>) -> BoxFuture<'a, Result<()>> {
        self.append(records);
        Box::pin(std::future::ready(Ok(())))
    }
}

impl ConfigBackingStore for MemoryConfigBackingStore {
    fn snapshot(&self) -> ClusterConfigState {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .state
            .clone()
    }

    fn contains(&self, connector: &str) -> bool {
        self.snapshot().contains(connector)
    }

    fn put_connector_config<'a>(
        &'a self,
        connector: &'a str,
        config: &'a Props,
        target_state: Option<TargetState>,
    ) -> BoxFuture<'a, Result<()>> {
        let mut records = Vec::new();
        if let Some(state) = target_state {
            records.push((target_state_key(connector), Some(target_state_value(state))));
        }
        records.push((connector_key(connector), Some(properties_value(config))));
        self.done(records)
    }

    fn remove_connector_config<'a>(&'a self, connector: &'a str) -> BoxFuture<'a, Result<()>> {
        self.done(vec![
            (connector_key(connector), None),
            (target_state_key(connector), None),
        ])
    }

    fn put_task_configs<'a>(
        &'a self,
        connector: &'a str,
        configs: &'a [Props],
    ) -> BoxFuture<'a, Result<()>> {
        let mut records: Vec<(String, Option<Vec<u8>>)> = configs
            .iter()
            .enumerate()
            .map(|(task, props)| {
                let id = ConnectorTaskId {
                    connector: connector.to_string(),
                    task: task as i32,
                };
                (task_key(&id), Some(properties_value(props)))
            })
            .collect();
        records.push((
            commit_tasks_key(connector),
            Some(commit_value(configs.len() as i32)),
        ));
        self.done(records)
    }

    fn put_target_state<'a>(
        &'a self,
        connector: &'a str,
        state: TargetState,
    ) -> BoxFuture<'a, Result<()>> {
        self.done(vec![(
            target_state_key(connector),
            Some(target_state_value(state)),
        )])
    }

    fn put_task_count_record<'a>(
        &'a self,
        connector: &'a str,
        task_count: i32,
    ) -> BoxFuture<'a, Result<()>> {
        self.done(vec![(
            task_count_record_key(connector),
            Some(task_count_value(task_count)),
        )])
    }

    fn put_session_key<'a>(&'a self, key: &'a SessionKey) -> BoxFuture<'a, Result<()>> {
        self.done(vec![(
            SESSION_KEY_KEY.to_string(),
            Some(session_key_value(key)),
        )])
    }

    fn put_restart_request<'a>(&'a self, request: &'a RestartRequest) -> BoxFuture<'a, Result<()>> {
        self.done(vec![(
            restart_key(&request.connector),
            Some(restart_value(request)),
        )])
    }

    fn put_logger_level<'a>(
        &'a self,
        namespace: &'a str,
        level: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        self.done(vec![(
            logger_cluster_key(namespace),
            Some(logger_level_value(level)),
        )])
    }

    fn refresh(&self, _timeout: Duration) -> BoxFuture<'_, Result<()>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn writes_apply_in_order_and_report_like_the_topic() {
        let (store, mut updates) = MemoryConfigBackingStore::new();
        let config: Props = [("name".to_string(), "c".to_string())].into();
        block_on(store.put_connector_config("c", &config, Some(TargetState::Paused))).unwrap();
        block_on(store.put_task_configs("c", &[Props::new(), Props::new()])).unwrap();
        block_on(store.put_target_state("c", TargetState::Stopped)).unwrap();
        let s = store.snapshot();
        assert_eq!(s.connector_config("c"), Some(&config));
        assert_eq!(s.tasks("c").len(), 2);
        assert_eq!(s.target_state("c"), Some(TargetState::Stopped));
        assert_eq!(s.offset, 6);
        let mut seen = Vec::new();
        while let Ok(u) = updates.try_recv() {
            seen.push(u);
        }
        assert_eq!(
            seen,
            vec![
                ConfigUpdate::ConnectorConfigUpdated("c".to_string()),
                ConfigUpdate::TasksCommitted(vec![
                    ConnectorTaskId {
                        connector: "c".to_string(),
                        task: 0
                    },
                    ConnectorTaskId {
                        connector: "c".to_string(),
                        task: 1
                    },
                ]),
                ConfigUpdate::TargetStateChanged("c".to_string()),
            ]
        );
        block_on(store.remove_connector_config("c")).unwrap();
        assert!(!store.contains("c"));
        assert_eq!(
            updates.try_recv().ok(),
            Some(ConfigUpdate::ConnectorConfigRemoved("c".to_string()))
        );
    }
}
