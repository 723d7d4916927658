//! The loop that keeps a distributed worker in its group (the group half of
//! Java's `DistributedHerder.tick`): waits until a rebalance is needed (the
//! heartbeat saw one, the herder asked for one, the leader scheduled one),
//! has the herder stop what must stop before joining, joins, and hands the
//! herder the outcome. It owns the [`WorkerCoordinator`]; the herder never
//! waits for it, so REST requests are answered while a join is underway.

use std::sync::Arc;
use std::time::Duration;

use kameo::actor::ActorRef;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::assignor::ConfigSnapshot;
use super::coordinator::WorkerCoordinator;
use super::herder::{DistributedHerder, Rebalanced, Revoke};
use crate::runtime::storage::config::{ConfigBackingStore, KafkaConfigBackingStore};

/// How long to wait before joining again after a failed join.
const JOIN_RETRY_BACKOFF: Duration = Duration::from_secs(1);

/// What the assignors see of the config topic: each connector with the
/// number of tasks it committed (none while inconsistent).
pub fn config_snapshot(store: &KafkaConfigBackingStore) -> ConfigSnapshot {
    let state = store.snapshot();
    ConfigSnapshot {
        offset: state.offset,
        connectors: state
            .connectors()
            .into_iter()
            .map(|c| {
                let tasks = state.tasks(&c).len() as u32;
                (c, tasks)
            })
            .collect(),
    }
}

/// Runs until `shutdown`, then leaves the group (LeaveGroup, so the others
/// rebalance at once rather than after the session timeout).
pub async fn run(
    mut coordinator: WorkerCoordinator,
    herder: ActorRef<DistributedHerder>,
    config: Arc<KafkaConfigBackingStore>,
    mut rejoin: mpsc::UnboundedReceiver<()>,
    shutdown: CancellationToken,
) {
    let snapshot = move || config_snapshot(&config);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = coordinator.wait_for_rejoin() => {}
            asked = rejoin.recv() => {
                if asked.is_none() {
                    break;
                }
                while rejoin.try_recv().is_ok() {}
                coordinator.request_rejoin();
            }
        }
        if let Some(revoked) = coordinator.ensure_coordinator().await {
            let _ = herder.ask(Revoke(revoked)).await;
        }
        let revoked = coordinator.revoke_for_rejoin();
        if !revoked.is_empty() {
            let _ = herder.ask(Revoke(revoked)).await;
        }
        let joined = tokio::select! {
            _ = shutdown.cancelled() => break,
            joined = coordinator.ensure_active(&snapshot) => joined,
        };
        match joined {
            Ok(change) => {
                let rebalanced = Rebalanced {
                    is_leader: coordinator.is_leader(),
                    leader_url: coordinator.leader_url().map(String::from),
                    owners: coordinator.owner_urls(),
                    change,
                };
                if herder.ask(rebalanced).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "joining the Connect group failed; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(JOIN_RETRY_BACKOFF) => {}
                }
            }
        }
    }
    coordinator.leave().await;
    tracing::info!("left the Connect group");
}
