//! Scenario tests of the incremental cooperative assignor: a simulated
//! group whose members apply each round's assignment (drop the revoked,
//! add the assigned) and send their allocation in the next round, as the
//! WorkerCoordinator does.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::runtime::herder::distributed::assignor::tests::snapshot;
use crate::runtime::herder::distributed::protocol::{
    ExtendedAssignment, WorkerState, CONFIG_MISMATCH, CONNECT_PROTOCOL_V2,
};
use crate::runtime::status::ConnectorTaskId;

const MAX_DELAY: i32 = 10_000;

/// A group led by one leader through successive rounds.
struct Group {
    assignor: IncrementalCooperativeAssignor,
    config: ConfigSnapshot,
    /// Member id -> what it runs.
    members: BTreeMap<String, ConnectorsAndTasks>,
    generation: i32,
    /// Everything ever revoked, per member, to check that only what moved
    /// was revoked.
    revoked_total: BTreeMap<String, ConnectorsAndTasks>,
}

impl Group {
    fn new(config: ConfigSnapshot, members: &[&str]) -> Group {
        Group {
            assignor: IncrementalCooperativeAssignor::new(MAX_DELAY),
            config,
            members: members
                .iter()
                .map(|m| (m.to_string(), ConnectorsAndTasks::default()))
                .collect(),
            generation: 0,
            revoked_total: BTreeMap::new(),
        }
    }

    fn join(&mut self, member: &str) {
        self.members
            .insert(member.to_string(), ConnectorsAndTasks::default());
    }

    fn leave(&mut self, member: &str) -> ConnectorsAndTasks {
        self.members.remove(member).unwrap_or_default()
    }

    /// One rebalance at `now`; applies and returns each member's assignment.
    fn round(&mut self, now: i64) -> BTreeMap<String, ExtendedAssignment> {
        let states: BTreeMap<String, WorkerState> = self
            .members
            .iter()
            .map(|(m, a)| {
                let allocation = ExtendedAssignment {
                    version: CONNECT_PROTOCOL_V2,
                    error: 0,
                    leader: "w1".into(),
                    leader_url: "http://w1/".into(),
                    config_offset: self.config.offset,
                    assigned: a.clone(),
                    revoked: ConnectorsAndTasks::default(),
                    delay: 0,
                };
                let state = WorkerState {
                    url: format!("http://{m}/"),
                    config_offset: self.config.offset,
                    allocation: Some(allocation),
                };
                (m.clone(), state)
            })
            .collect();
        let last_completed = self.generation;
        self.generation += 1;
        let leader = self.members.keys().next().cloned().unwrap_or_default();
        let out = self.assignor.perform_assignment(&AssignmentContext {
            leader_id: &leader,
            protocol_version: CONNECT_PROTOCOL_V2,
            members: &states,
            snapshot: &self.config,
            generation: self.generation,
            last_completed_generation: last_completed,
            now_ms: now,
        });
        for (m, a) in &out.assignments {
            assert_eq!(a.version, CONNECT_PROTOCOL_V2);
            assert_eq!(a.config_offset, self.config.offset);
            let current = self.members.get_mut(m).expect("assignment for a member");
            // Nobody is told to start what it runs, nor to stop what it
            // does not run.
            assert!(
                a.assigned.connectors.is_disjoint(&current.connectors)
                    && a.assigned.tasks.is_disjoint(&current.tasks),
                "{m} assigned what it runs: {a:?}"
            );
            assert!(
                a.revoked.connectors.is_subset(&current.connectors)
                    && a.revoked.tasks.is_subset(&current.tasks),
                "{m} revoked what it does not run: {a:?}"
            );
            current.remove_all(&a.revoked);
            current.add_all(&a.assigned);
            self.revoked_total
                .entry(m.clone())
                .or_default()
                .add_all(&a.revoked);
        }
        out.assignments
    }

    /// Rounds while members rejoin: at once after a revocation, or when
    /// told to by a delay (at most 8 rounds).
    fn converge(&mut self, mut now: i64) -> Vec<BTreeMap<String, ExtendedAssignment>> {
        let mut rounds = Vec::new();
        for _ in 0..8 {
            let out = self.round(now);
            let revoked = out.values().any(|a| !a.revoked.is_empty());
            let delay = out.values().map(|a| a.delay).max().unwrap_or(0);
            rounds.push(out);
            if !revoked && delay == 0 {
                return rounds;
            }
            now += delay as i64;
        }
        panic!("no convergence in 8 rounds: {rounds:?}");
    }

    /// Every configured connector and task on exactly one member, and
    /// counts balanced (max - min <= 1) per kind.
    fn assert_complete_and_balanced(&self) {
        let configured = self.config.configured();
        let mut seen = ConnectorsAndTasks::default();
        for (m, a) in &self.members {
            for c in &a.connectors {
                assert!(seen.connectors.insert(c.clone()), "{c} twice ({m})");
            }
            for t in &a.tasks {
                assert!(seen.tasks.insert(t.clone()), "{t} twice ({m})");
            }
        }
        assert_eq!(seen, configured, "assigned != configured");
        let spread = |f: &dyn Fn(&ConnectorsAndTasks) -> usize| {
            let counts: Vec<usize> = self.members.values().map(f).collect();
            counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0)
        };
        assert!(
            spread(&|a| a.connectors.len()) <= 1,
            "connectors unbalanced: {:?}",
            self.members
        );
        assert!(
            spread(&|a| a.tasks.len()) <= 1,
            "tasks unbalanced: {:?}",
            self.members
        );
    }

    fn total_revoked(&self) -> usize {
        self.revoked_total.values().map(|r| r.len()).sum()
    }
}

fn task(c: &str, t: i32) -> ConnectorTaskId {
    ConnectorTaskId {
        connector: c.to_string(),
        task: t,
    }
}

/// Items that a member held before and not after.
fn moved_away(
    before: &BTreeMap<String, ConnectorsAndTasks>,
    after: &BTreeMap<String, ConnectorsAndTasks>,
) -> usize {
    before
        .iter()
        .map(|(m, b)| {
            let a = after.get(m).cloned().unwrap_or_default();
            b.connectors.difference(&a.connectors).count() + b.tasks.difference(&a.tasks).count()
        })
        .sum()
}

fn config() -> ConfigSnapshot {
    snapshot(10, &[("c1", 4), ("c2", 4), ("c3", 4)])
}

#[test]
fn first_round_assigns_everything_to_the_only_worker() {
    let mut g = Group::new(config(), &["w1"]);
    let rounds = g.converge(1);
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["w1"].assigned, config().configured());
    assert_eq!(rounds[0]["w1"].delay, 0);
    g.assert_complete_and_balanced();
}

#[test]
fn joining_workers_get_a_balanced_share_and_only_what_moves_is_revoked() {
    let mut g = Group::new(config(), &["w1"]);
    g.converge(1);
    for (i, joiner) in ["w2", "w3"].into_iter().enumerate() {
        let before = g.members.clone();
        let revoked_before = g.total_revoked();
        g.join(joiner);
        let rounds = g.converge(100 * (i as i64 + 1));
        // One round revokes the excess, the next hands it to the joiner.
        assert_eq!(rounds.len(), 2, "{rounds:?}");
        assert!(rounds[0][joiner].assigned.is_empty());
        assert!(rounds[1].values().all(|a| a.revoked.is_empty()));
        g.assert_complete_and_balanced();
        // Only what moved was revoked.
        assert_eq!(
            g.total_revoked() - revoked_before,
            moved_away(&before, &g.members)
        );
        assert!(g.members[joiner].len() >= 4);
    }
    assert_eq!(g.members["w3"].tasks.len(), 4);
    assert_eq!(g.members["w3"].connectors.len(), 1);
}

#[test]
fn a_worker_that_returns_within_the_delay_gets_its_work_back_and_nothing_else_moves() {
    let mut g = Group::new(config(), &["w1", "w2", "w3"]);
    g.converge(1);
    g.assert_complete_and_balanced();
    let before = g.members.clone();
    let w3_work = g.leave("w3");

    // w3 is gone: its work is held back, everyone is told to rejoin later.
    let out = g.round(1_000);
    assert!(out
        .values()
        .all(|a| a.assigned.is_empty() && a.revoked.is_empty()));
    assert!(out.values().all(|a| a.delay == MAX_DELAY));

    // It comes back under a new member id, empty, before the delay ends.
    g.join("w3-again");
    let out = g.round(6_000);
    assert!(out
        .values()
        .all(|a| a.assigned.is_empty() && a.revoked.is_empty()));
    assert!(out.values().all(|a| a.delay == 5_000), "{out:?}");

    // The delay expires: its old work goes to it, nothing else moves.
    let out = g.round(11_000);
    assert!(out.values().all(|a| a.delay == 0));
    assert_eq!(out["w3-again"].assigned, w3_work);
    assert!(out["w1"].assigned.is_empty() && out["w2"].assigned.is_empty());
    assert_eq!(g.members["w1"], before["w1"]);
    assert_eq!(g.members["w2"], before["w2"]);
    assert_eq!(g.total_revoked(), 0);
    g.assert_complete_and_balanced();
}

#[test]
fn a_worker_that_rejoins_with_its_allocation_before_the_delay_keeps_it() {
    let mut g = Group::new(config(), &["w1", "w2", "w3"]);
    g.converge(1);
    let before = g.members.clone();
    let w3_work = g.leave("w3");
    let out = g.round(1_000);
    assert!(out.values().all(|a| a.delay == MAX_DELAY));
    // Back with the same allocation: nothing is lost any more, the delay
    // is cancelled, nothing moves.
    g.members.insert("w3".into(), w3_work);
    let out = g.round(2_000);
    assert!(out
        .values()
        .all(|a| a.delay == 0 && a.assigned.is_empty() && a.revoked.is_empty()));
    assert_eq!(g.members, before);
}

#[test]
fn work_of_a_worker_that_does_not_return_is_reassigned_after_the_delay() {
    let mut g = Group::new(config(), &["w1", "w2", "w3"]);
    g.converge(1);
    let w3_work = g.leave("w3");
    let out = g.round(1_000);
    assert!(out
        .values()
        .all(|a| a.delay == MAX_DELAY && a.assigned.is_empty()));
    // Rejoining early (e.g. another rebalance) does not reassign yet.
    let out = g.round(4_000);
    assert!(out
        .values()
        .all(|a| a.delay == 7_000 && a.assigned.is_empty()));
    // After the delay, the lost work goes to the survivors.
    let out = g.round(11_000);
    let mut reassigned = ConnectorsAndTasks::default();
    for a in out.values() {
        assert_eq!(a.delay, 0);
        reassigned.add_all(&a.assigned);
    }
    assert_eq!(reassigned, w3_work);
    g.converge(11_001);
    g.assert_complete_and_balanced();
}

#[test]
fn with_no_delay_lost_work_is_reassigned_at_once() {
    let mut g = Group::new(config(), &["w1", "w2", "w3"]);
    g.assignor = IncrementalCooperativeAssignor::new(0);
    g.converge(1);
    g.leave("w2");
    let out = g.round(5);
    assert!(out.values().all(|a| a.delay == 0));
    g.converge(6);
    g.assert_complete_and_balanced();
}

#[test]
fn a_new_connector_goes_to_the_least_loaded_without_revocations() {
    let mut g = Group::new(snapshot(10, &[("c1", 3), ("c2", 2)]), &["w1", "w2"]);
    g.converge(1);
    g.assert_complete_and_balanced();
    g.config = snapshot(12, &[("c1", 3), ("c2", 2), ("c3", 2)]);
    let rounds = g.converge(10);
    assert_eq!(rounds.len(), 1);
    let mut assigned = ConnectorsAndTasks::default();
    for a in rounds[0].values() {
        assert!(a.revoked.is_empty());
        assigned.add_all(&a.assigned);
    }
    assert_eq!(
        assigned,
        ConnectorsAndTasks {
            connectors: ["c3".to_string()].into(),
            tasks: [task("c3", 0), task("c3", 1)].into(),
        }
    );
    g.assert_complete_and_balanced();
}

#[test]
fn a_deleted_connector_is_revoked_from_whoever_runs_it() {
    let mut g = Group::new(config(), &["w1", "w2", "w3"]);
    g.converge(1);
    let holders: BTreeSet<String> = g
        .members
        .iter()
        .filter(|(_, a)| a.connectors.contains("c2") || a.tasks.iter().any(|t| t.connector == "c2"))
        .map(|(m, _)| m.clone())
        .collect();
    g.config = snapshot(11, &[("c1", 4), ("c3", 4)]);
    let rounds = g.converge(10);
    for (m, a) in &rounds[0] {
        let c2_revoked = a.revoked.connectors.contains("c2")
            || a.revoked.tasks.iter().any(|t| t.connector == "c2");
        assert_eq!(c2_revoked, holders.contains(m), "{m}: {a:?}");
    }
    for round in &rounds {
        for a in round.values() {
            assert!(!a.assigned.connectors.contains("c2"));
            assert!(a.assigned.tasks.iter().all(|t| t.connector != "c2"));
        }
    }
    g.assert_complete_and_balanced();
}

#[test]
fn tasks_max_changes_add_or_revoke_only_the_changed_tasks() {
    let mut g = Group::new(snapshot(10, &[("c1", 4)]), &["w1", "w2"]);
    g.converge(1);
    // More tasks: the new ones are assigned, nothing is revoked.
    g.config = snapshot(11, &[("c1", 6)]);
    let rounds = g.converge(10);
    assert_eq!(rounds.len(), 1);
    let added: BTreeSet<ConnectorTaskId> = rounds[0]
        .values()
        .flat_map(|a| a.assigned.tasks.iter().cloned())
        .collect();
    assert_eq!(added, [task("c1", 4), task("c1", 5)].into());
    g.assert_complete_and_balanced();
    // Fewer tasks: exactly the removed ones are revoked.
    g.config = snapshot(12, &[("c1", 2)]);
    let rounds = g.converge(20);
    let revoked: BTreeSet<ConnectorTaskId> = rounds[0]
        .values()
        .flat_map(|a| a.revoked.tasks.iter().cloned())
        .collect();
    assert!(
        revoked.is_superset(&[task("c1", 2), task("c1", 3), task("c1", 4), task("c1", 5)].into())
    );
    g.assert_complete_and_balanced();
}

#[test]
fn duplicated_work_is_revoked_and_reassigned_once() {
    let mut g = Group::new(snapshot(10, &[("c1", 2)]), &["w1", "w2"]);
    g.converge(1);
    // Both claim c1-0 (e.g. a member that missed a revocation).
    g.members
        .get_mut("w1")
        .map(|a| a.tasks.insert(task("c1", 0)));
    g.members
        .get_mut("w2")
        .map(|a| a.tasks.insert(task("c1", 0)));
    g.converge(10);
    g.assert_complete_and_balanced();
}

#[test]
fn config_mismatch_when_the_leader_is_behind() {
    let mut assignor = IncrementalCooperativeAssignor::new(MAX_DELAY);
    let members: BTreeMap<String, WorkerState> = [("w1", 5), ("w2", 9)]
        .into_iter()
        .map(|(m, offset)| {
            (
                m.to_string(),
                WorkerState {
                    url: format!("http://{m}/"),
                    config_offset: offset,
                    allocation: None,
                },
            )
        })
        .collect();
    let snap = snapshot(5, &[("c1", 1)]);
    let out = assignor.perform_assignment(&AssignmentContext {
        leader_id: "w1",
        protocol_version: 1,
        members: &members,
        snapshot: &snap,
        generation: 1,
        last_completed_generation: -1,
        now_ms: 1,
    });
    assert_eq!(out.assignments.len(), 2);
    for a in out.assignments.values() {
        assert_eq!(a.error, CONFIG_MISMATCH);
        assert_eq!(a.config_offset, 9);
        assert_eq!(a.leader, "w1");
        assert_eq!(a.leader_url, "http://w1/");
        assert_eq!(a.version, 1);
        assert!(a.assigned.is_empty() && a.revoked.is_empty());
    }
}

#[test]
fn backoff_matches_javas_exponential_backoff() {
    let a = IncrementalCooperativeAssignor::new(300_000);
    assert_eq!(a.revoking_backoff(1), 40);
    assert_eq!(a.revoking_backoff(2), 1_600);
    assert_eq!(a.revoking_backoff(3), 64_000);
    assert_eq!(a.revoking_backoff(4), 300_000);
    assert_eq!(
        IncrementalCooperativeAssignor::new(0).revoking_backoff(3),
        0
    );
}

#[test]
fn balanced_over_many_shapes() {
    for workers in 1..=5usize {
        for (connectors, tasks) in [(1u32, 1u32), (3, 4), (7, 2), (2, 9)] {
            let conf: Vec<(String, u32)> =
                (0..connectors).map(|i| (format!("c{i}"), tasks)).collect();
            let conf_ref: Vec<(&str, u32)> = conf.iter().map(|(c, n)| (c.as_str(), *n)).collect();
            let names: Vec<String> = (0..workers).map(|i| format!("w{i}")).collect();
            let mut g = Group::new(snapshot(1, &conf_ref), &["w0"]);
            g.converge(1);
            for (i, n) in names.iter().enumerate().skip(1) {
                g.join(n);
                g.converge(10 * i as i64);
                g.assert_complete_and_balanced();
            }
        }
    }
}

#[test]
fn consecutive_revoking_rounds_back_off() {
    let mut g = Group::new(snapshot(10, &[("c1", 12)]), &["w1"]);
    g.converge(1);
    // w2 joins: w1 gives up half at once.
    g.join("w2");
    let out = g.round(100);
    assert!(!out["w1"].revoked.is_empty());
    assert!(out.values().all(|a| a.delay == 0));
    // w3 joins before that settled: another revoking round would follow
    // at once, so the leader holds revocations back for 40 ms (Java's
    // ExponentialBackoff(1, 40, max) at attempt 1) and only hands out
    // what is free.
    g.join("w3");
    let out = g.round(101);
    assert!(out.values().all(|a| a.revoked.is_empty()), "{out:?}");
    assert!(out.values().all(|a| a.delay == 40), "{out:?}");
    // After the delay, revocations resume and the group settles.
    g.converge(141);
    g.assert_complete_and_balanced();
}
