//! The group coordinator actor: one kameo actor per group owns its
//! [`ClassicGroup`], so requests to one group are serialised and different
//! groups never wait for each other.
//!
//! Every message carries a oneshot sender and the handler returns at once: a
//! JoinGroup or SyncGroup that must wait for a rebalance leaves its sender in
//! the group and is answered by a later message (another member's join, the
//! leader's sync, a timer). Timers are spawned tasks that sleep and then send
//! [`TimerFired`] back; they hold a weak reference and a cancellation token
//! that `on_stop` cancels, so they never outlive the actor.

use kafka_protocol::messages::describe_groups_response::DescribedGroup;
use kafka_protocol::messages::{
    HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest,
    LeaveGroupResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest,
    OffsetDeleteResponse, SyncGroupRequest, SyncGroupResponse,
};
use kameo::actor::{ActorRef, WeakActorRef};
use kameo::error::{ActorStopReason, Infallible};
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::classic::{ClassicGroup, TimerKind};
use super::describe::Listing;
use super::member::ClientInfo;
use super::offset_apis::{FetchTopics, FetchedOffset};

/// The actor owning one group.
pub(super) struct GroupCoordinator {
    group: ClassicGroup,
    /// Cancels this group's pending timers when the actor stops.
    cancel: CancellationToken,
}

impl GroupCoordinator {
    pub fn new(group: ClassicGroup, cancel: CancellationToken) -> GroupCoordinator {
        GroupCoordinator { group, cancel }
    }

    /// Starts the timers the last operation asked for.
    fn schedule(&mut self, me: &ActorRef<Self>) {
        for timer in self.group.take_timers() {
            let weak = me.downgrade();
            let cancel = self.cancel.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = cancel.cancelled() => {}
                    _ = tokio::time::sleep_until(timer.at) => fire(weak, timer.kind).await,
                }
            });
        }
    }
}

async fn fire(weak: WeakActorRef<GroupCoordinator>, kind: TimerKind) {
    if let Some(actor) = weak.upgrade() {
        // A stopped actor no longer needs its timers.
        let _ = actor.tell(TimerFired(kind)).await;
    }
}

impl Actor for GroupCoordinator {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self::Args, _actor_ref: ActorRef<Self>) -> Result<Self, Self::Error> {
        Ok(state)
    }

    async fn on_stop(
        &mut self,
        _actor_ref: WeakActorRef<Self>,
        _reason: ActorStopReason,
    ) -> Result<(), Self::Error> {
        // Waiting requests are dropped with the group: their callers answer
        // COORDINATOR_NOT_AVAILABLE, and the clients look for the coordinator
        // again.
        self.cancel.cancel();
        Ok(())
    }
}

/// Declares a message that carries a reply sender, and its handler: the
/// body gets the group, the message and the current time, and the timers it
/// requested are started afterwards.
macro_rules! group_message {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? },
     |$group:ident, $msg:ident, $now:ident| $body:block) => {
        $(#[$doc])*
        pub(super) struct $name {
            $(pub $field: $ty,)*
        }

        impl Message<$name> for GroupCoordinator {
            type Reply = ();

            async fn handle(&mut self, $msg: $name, ctx: &mut Context<Self, Self::Reply>) {
                let $now = Instant::now();
                {
                    let $group = &mut self.group;
                    $body
                }
                self.schedule(ctx.actor_ref());
            }
        }
    };
}

group_message!(
    /// A JoinGroup; answered when the rebalance completes (or at once).
    Join {
        req: JoinGroupRequest,
        version: i16,
        client: ClientInfo,
        tx: oneshot::Sender<JoinGroupResponse>,
    },
    |group, msg, now| {
        group.join(msg.req, msg.version, msg.client, msg.tx, now);
    }
);

group_message!(
    /// A SyncGroup; a follower's waits for the leader's assignment.
    Sync {
        req: SyncGroupRequest,
        version: i16,
        tx: oneshot::Sender<SyncGroupResponse>,
    },
    |group, msg, now| {
        group.sync(msg.req, msg.version, msg.tx, now);
    }
);

group_message!(
    /// A Heartbeat.
    Heartbeat {
        req: HeartbeatRequest,
        version: i16,
        tx: oneshot::Sender<HeartbeatResponse>,
    },
    |group, msg, now| {
        let _ = msg.tx.send(group.heartbeat(msg.req, msg.version, now));
    }
);

group_message!(
    /// A LeaveGroup.
    Leave {
        req: LeaveGroupRequest,
        version: i16,
        tx: oneshot::Sender<LeaveGroupResponse>,
    },
    |group, msg, now| {
        let _ = msg.tx.send(group.leave(msg.req, msg.version, now));
    }
);

group_message!(
    /// An OffsetCommit.
    CommitOffsets {
        req: OffsetCommitRequest,
        version: i16,
        tx: oneshot::Sender<OffsetCommitResponse>,
    },
    |group, msg, now| {
        let _ = msg.tx.send(group.commit(&msg.req, msg.version, now));
    }
);

group_message!(
    /// The committed offsets for OffsetFetch (all of them for `None`).
    FetchOffsets {
        topics: FetchTopics,
        tx: oneshot::Sender<Result<Vec<(String, Vec<FetchedOffset>)>, i16>>,
    },
    |group, msg, _now| {
        let _ = msg.tx.send(group.fetch_offsets(msg.topics));
    }
);

group_message!(
    /// An OffsetDelete.
    DeleteOffsets {
        req: OffsetDeleteRequest,
        tx: oneshot::Sender<OffsetDeleteResponse>,
    },
    |group, msg, _now| {
        let _ = msg.tx.send(group.delete_offsets(&msg.req));
    }
);

group_message!(
    /// The group as DescribeGroups shows it.
    Describe {
        version: i16,
        include_operations: bool,
        tx: oneshot::Sender<DescribedGroup>,
    },
    |group, msg, _now| {
        let _ = msg.tx.send(group.describe(msg.version, msg.include_operations));
    }
);

group_message!(
    /// The group as ListGroups shows it.
    List {
        tx: oneshot::Sender<Listing>,
    },
    |group, msg, _now| {
        let _ = msg.tx.send(group.listing());
    }
);

group_message!(
    /// DeleteGroups for this group: the error code (NONE: it is now dead).
    Delete {
        tx: oneshot::Sender<i16>,
    },
    |group, msg, _now| {
        let _ = msg.tx.send(group.delete());
    }
);

group_message!(
    /// Offset expiry; answers whether the group died (empty, no offsets).
    Cleanup {
        tx: oneshot::Sender<bool>,
    },
    |group, msg, now| {
        let _ = msg.tx.send(group.cleanup(now));
    }
);

/// A timer the group asked for has run out.
pub(super) struct TimerFired(pub TimerKind);

impl Message<TimerFired> for GroupCoordinator {
    type Reply = ();

    async fn handle(&mut self, msg: TimerFired, ctx: &mut Context<Self, Self::Reply>) {
        self.group.on_timer(msg.0, Instant::now());
        self.schedule(ctx.actor_ref());
    }
}
