//! What the group leader runs to hand connectors and tasks to the workers:
//! the inputs every Connect assignor shares (Java's `ConnectAssignor`, with
//! `ClusterConfigState` reduced to what assignment needs) and the
//! `EagerAssignor` (protocol "default"). The incremental cooperative one
//! lives in [`super::incremental_cooperative_assignor`].
//!
//! Assignors are plain functions of their input (plus, for the incremental
//! one, the state it keeps between rounds): no clock, no I/O, so every
//! scenario is a unit test.

use std::collections::BTreeMap;

use super::protocol::{
    ConnectorsAndTasks, ExtendedAssignment, WorkerState, CONFIG_MISMATCH, NO_ERROR,
};
use crate::runtime::status::ConnectorTaskId;

/// The part of the cluster's configuration that assignment needs (Java's
/// `ClusterConfigState`): the config topic offset it reflects and every
/// connector with its number of task configs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSnapshot {
    /// The config topic offset this snapshot reflects (-1 before anything
    /// was read).
    pub offset: i64,
    /// Connector name -> number of tasks (0 until its task configs are
    /// committed).
    pub connectors: BTreeMap<String, u32>,
}

impl ConfigSnapshot {
    /// The task ids of `connector`, in order.
    pub fn tasks(&self, connector: &str) -> Vec<ConnectorTaskId> {
        let n = self.connectors.get(connector).copied().unwrap_or(0);
        (0..n as i32)
            .map(|task| ConnectorTaskId {
                connector: connector.to_string(),
                task,
            })
            .collect()
    }

    /// Every connector and task this snapshot configures.
    pub fn configured(&self) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: self.connectors.keys().cloned().collect(),
            tasks: self.connectors.keys().flat_map(|c| self.tasks(c)).collect(),
        }
    }
}

/// Everything the leader knows when it assigns.
#[derive(Debug, Clone, Copy)]
pub struct AssignmentContext<'a> {
    pub leader_id: &'a str,
    /// The version of the protocol the group chose; assignments are
    /// written with it.
    pub protocol_version: i16,
    /// Every member's JoinGroup metadata, by member id.
    pub members: &'a BTreeMap<String, WorkerState>,
    /// The leader's config, already refreshed by the caller if the one taken
    /// at join time was behind a member's (Java's `ensureLeaderConfig`).
    pub snapshot: &'a ConfigSnapshot,
    /// The generation being assigned.
    pub generation: i32,
    /// The generation of this leader's last completed join (-1 if none).
    pub last_completed_generation: i32,
    /// Milliseconds on a clock that only moves forward; positive.
    pub now_ms: i64,
}

impl AssignmentContext<'_> {
    /// The newest config offset any member has read: the assignment is made
    /// at it, and members behind it catch up before they act on it.
    pub fn max_offset(&self) -> i64 {
        self.members
            .values()
            .map(|m| m.config_offset)
            .max()
            .unwrap_or(self.snapshot.offset)
    }

    /// The config offset to assign at, or `None` when the leader is behind
    /// a member even after refreshing (then everyone gets CONFIG_MISMATCH).
    pub fn leader_offset(&self) -> Option<i64> {
        (self.snapshot.offset >= self.max_offset()).then_some(self.snapshot.offset)
    }

    pub fn leader_url(&self) -> String {
        self.members
            .get(self.leader_id)
            .map(|m| m.url.clone())
            .unwrap_or_default()
    }

    /// The assignment every member gets when the leader is behind: error
    /// CONFIG_MISMATCH at the members' newest offset, nothing assigned.
    pub fn config_mismatch(&self) -> GroupAssignment {
        tracing::info!(
            leader_offset = self.snapshot.offset,
            max_offset = self.max_offset(),
            "selected to assign but behind the newest config a member has read; \
             returning CONFIG_MISMATCH to trigger a re-sync"
        );
        self.fill(CONFIG_MISMATCH, self.max_offset(), |_| {
            (ConnectorsAndTasks::default(), ConnectorsAndTasks::default())
        })
        .with_delay(0)
    }

    /// One assignment per member; `of` gives (assigned, revoked).
    pub fn fill(
        &self,
        error: i16,
        offset: i64,
        mut of: impl FnMut(&str) -> (ConnectorsAndTasks, ConnectorsAndTasks),
    ) -> GroupAssignment {
        let leader_url = self.leader_url();
        let assignments = self
            .members
            .keys()
            .map(|member| {
                let (assigned, revoked) = of(member);
                let a = ExtendedAssignment {
                    version: self.protocol_version,
                    error,
                    leader: self.leader_id.to_string(),
                    leader_url: leader_url.clone(),
                    config_offset: offset,
                    assigned,
                    revoked,
                    delay: 0,
                };
                (member.clone(), a)
            })
            .collect();
        GroupAssignment {
            assignments,
            all_assigned: BTreeMap::new(),
        }
    }
}

/// The leader's answer for one round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupAssignment {
    /// What goes to each member in SyncGroup.
    pub assignments: BTreeMap<String, ExtendedAssignment>,
    /// What each member runs once this round is applied (Java's
    /// `LeaderState`, used to find where a connector or task runs); empty
    /// on CONFIG_MISMATCH.
    pub all_assigned: BTreeMap<String, ConnectorsAndTasks>,
}

impl GroupAssignment {
    /// Tells every member to rejoin after `delay` ms.
    pub(crate) fn with_delay(mut self, delay: i32) -> GroupAssignment {
        for a in self.assignments.values_mut() {
            a.delay = delay;
        }
        self
    }
}

/// A leader's assignment strategy (Java's `ConnectAssignor`).
pub trait ConnectAssignor {
    fn perform_assignment(&mut self, ctx: &AssignmentContext<'_>) -> GroupAssignment;
}

/// Round-robin of all connectors, then all tasks, over the members in id
/// order; every rebalance hands out everything anew (Java's `EagerAssignor`).
#[derive(Debug, Default)]
pub struct EagerAssignor;

impl ConnectAssignor for EagerAssignor {
    fn perform_assignment(&mut self, ctx: &AssignmentContext<'_>) -> GroupAssignment {
        let Some(offset) = ctx.leader_offset() else {
            return ctx.config_mismatch();
        };
        let members: Vec<&String> = ctx.members.keys().collect();
        let mut all: BTreeMap<String, ConnectorsAndTasks> = members
            .iter()
            .map(|m| ((*m).clone(), ConnectorsAndTasks::default()))
            .collect();
        if !members.is_empty() {
            // One iterator for connectors and tasks alike: assigning a
            // connector with its tasks would put, with 1-task connectors on
            // an even number of workers, every connector on one half and
            // every task on the other.
            let mut next = members.iter().cycle();
            for connector in ctx.snapshot.connectors.keys() {
                if let Some(m) = next.next() {
                    if let Some(set) = all.get_mut(*m) {
                        set.connectors.insert(connector.clone());
                    }
                }
            }
            for connector in ctx.snapshot.connectors.keys() {
                for task in ctx.snapshot.tasks(connector) {
                    if let Some(m) = next.next() {
                        if let Some(set) = all.get_mut(*m) {
                            set.tasks.insert(task);
                        }
                    }
                }
            }
        }
        let mut out = ctx.fill(NO_ERROR, offset, |m| {
            (all.get(m).cloned().unwrap_or_default(), Default::default())
        });
        out.all_assigned = all;
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::protocol::CONNECT_PROTOCOL_V0;
    use super::*;

    pub(crate) fn member(url: &str, offset: i64) -> WorkerState {
        WorkerState {
            url: url.to_string(),
            config_offset: offset,
            allocation: None,
        }
    }

    pub(crate) fn snapshot(offset: i64, connectors: &[(&str, u32)]) -> ConfigSnapshot {
        ConfigSnapshot {
            offset,
            connectors: connectors
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect(),
        }
    }

    fn run(members: &BTreeMap<String, WorkerState>, snap: &ConfigSnapshot) -> GroupAssignment {
        EagerAssignor.perform_assignment(&AssignmentContext {
            leader_id: "m1",
            protocol_version: CONNECT_PROTOCOL_V0,
            members,
            snapshot: snap,
            generation: 1,
            last_completed_generation: -1,
            now_ms: 1,
        })
    }

    fn names(set: &ConnectorsAndTasks) -> (Vec<String>, Vec<String>) {
        (
            set.connectors.iter().cloned().collect(),
            set.tasks.iter().map(|t| t.to_string()).collect(),
        )
    }

    #[test]
    fn round_robin_connectors_then_tasks() {
        let members: BTreeMap<String, WorkerState> = [
            ("m2".to_string(), member("http://b/", 5)),
            ("m1".to_string(), member("http://a/", 5)),
        ]
        .into_iter()
        .collect();
        let snap = snapshot(5, &[("c1", 2), ("c2", 1), ("c3", 2)]);
        let out = run(&members, &snap);
        let a1 = &out.assignments["m1"];
        let a2 = &out.assignments["m2"];
        // Connectors c1 -> m1, c2 -> m2, c3 -> m1; the same iterator goes on
        // with the tasks: c1-0 -> m2, c1-1 -> m1, c2-0 -> m2, c3-0 -> m1,
        // c3-1 -> m2.
        assert_eq!(
            names(&a1.assigned),
            (
                vec!["c1".into(), "c3".into()],
                vec!["c1-1".into(), "c3-0".into()]
            )
        );
        assert_eq!(
            names(&a2.assigned),
            (
                vec!["c2".into()],
                vec!["c1-0".into(), "c2-0".into(), "c3-1".into()]
            )
        );
        for a in [a1, a2] {
            assert_eq!(a.error, NO_ERROR);
            assert_eq!(a.leader, "m1");
            assert_eq!(a.leader_url, "http://a/");
            assert_eq!(a.config_offset, 5);
            assert_eq!(a.version, 0);
        }
        assert_eq!(out.all_assigned["m1"], a1.assigned);
    }

    #[test]
    fn config_mismatch_when_leader_is_behind() {
        let members: BTreeMap<String, WorkerState> = [
            ("m1".to_string(), member("http://a/", 3)),
            ("m2".to_string(), member("http://b/", 8)),
        ]
        .into_iter()
        .collect();
        let out = run(&members, &snapshot(3, &[("c1", 1)]));
        for a in out.assignments.values() {
            assert_eq!(a.error, CONFIG_MISMATCH);
            assert_eq!(a.config_offset, 8);
            assert!(a.assigned.is_empty());
        }
        // A leader that caught up (refreshed snapshot) assigns at its offset.
        let out = run(&members, &snapshot(9, &[("c1", 1)]));
        assert!(out.assignments.values().all(|a| a.error == NO_ERROR));
        assert!(out.assignments.values().all(|a| a.config_offset == 9));
    }
}
