//! The actor that keeps a distributed worker in its group (Java's
//! `WorkerGroupMember`, and the group half of `DistributedHerder.tick`):
//! waits until a rebalance is needed (the heartbeat saw one, the herder
//! asked for one, the leader scheduled one), has the herder stop what must
//! stop before joining, joins, and hands the herder the outcome. It owns the
//! [`WorkerCoordinator`]; the herder never waits for it, so REST requests
//! are answered while a join is underway.

use std::sync::Arc;
use std::time::Duration;

use kameo::actor::ActorRef;
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::assignor::ConfigSnapshot;
use super::coordinator::{WorkerCoordinator, WorkerCoordinatorConfig};
use super::herder::{DistributedHerder, Rebalanced, Revoke};
use crate::kafka::cluster::Cluster;
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

/// Builds the group member, again after one died (the herder supervises
/// it): the cluster, the membership settings and the config store it
/// snapshots.
pub struct MemberFactory {
    pub cluster: Arc<Cluster>,
    pub config: WorkerCoordinatorConfig,
    pub store: Arc<KafkaConfigBackingStore>,
}

/// A member as built: the actor's state, the sender that asks it for a
/// rebalance, and the token that makes it leave.
pub struct NewMember {
    pub member: WorkerGroupMember,
    pub rejoin: mpsc::UnboundedSender<()>,
    pub shutdown: CancellationToken,
}

impl MemberFactory {
    pub fn create(&self, herder: ActorRef<DistributedHerder>) -> NewMember {
        let (rejoin_tx, rejoin) = mpsc::unbounded_channel();
        let shutdown = CancellationToken::new();
        NewMember {
            member: WorkerGroupMember {
                coordinator: Some(WorkerCoordinator::new(
                    self.cluster.clone(),
                    self.config.clone(),
                )),
                herder,
                store: self.store.clone(),
                rejoin,
                shutdown: shutdown.clone(),
            },
            rejoin: rejoin_tx,
            shutdown,
        }
    }
}

/// This worker's membership in the Connect group as a kameo actor, linked to
/// the herder (Java's `WorkerGroupMember`): it owns the
/// [`WorkerCoordinator`]. Its one message, [`Run`], keeps it in the group
/// until its shutdown token is cancelled; then it leaves and stops. A panic
/// inside kills only this actor: the herder sees it and starts a new one.
#[derive(Actor)]
pub struct WorkerGroupMember {
    /// `None` once `Run` took it.
    coordinator: Option<WorkerCoordinator>,
    herder: ActorRef<DistributedHerder>,
    store: Arc<KafkaConfigBackingStore>,
    rejoin: mpsc::UnboundedReceiver<()>,
    shutdown: CancellationToken,
}

/// Takes part in the group until shut down.
pub struct Run;

impl Message<Run> for WorkerGroupMember {
    type Reply = ();

    async fn handle(&mut self, _msg: Run, ctx: &mut Context<Self, ()>) {
        if let Some(coordinator) = self.coordinator.take() {
            run(
                coordinator,
                &self.herder,
                &self.store,
                &mut self.rejoin,
                &self.shutdown,
            )
            .await;
        }
        ctx.stop();
    }
}

/// Runs until `shutdown`, then leaves the group (LeaveGroup, so the others
/// rebalance at once rather than after the session timeout).
async fn run(
    mut coordinator: WorkerCoordinator,
    herder: &ActorRef<DistributedHerder>,
    config: &KafkaConfigBackingStore,
    rejoin: &mut mpsc::UnboundedReceiver<()>,
    shutdown: &CancellationToken,
) {
    let snapshot = || config_snapshot(config);
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
