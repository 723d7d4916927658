//! The leader's assignor for the "compatible" and "sessioned" protocols
//! (KIP-415; Java's `IncrementalCooperativeAssignor`): only what moves is
//! revoked, and a departed worker's connectors and tasks are held back for
//! `scheduled.rebalance.max.delay.ms` in case it returns.
//!
//! Each round, from the members' current allocations, the configuration and
//! what the leader assigned last round:
//! - deleted (assigned last round, no longer configured) and duplicated
//!   (running on two workers) connectors and tasks are revoked;
//! - lost ones (assigned last round, now on nobody) wait: the first round
//!   that sees them schedules a rebalance `delay` ms later and tells every
//!   member to rejoin then; if they are still lost when it comes, they go to
//!   the workers that joined empty in the meantime (the departed worker back
//!   under a new member id), or else to the least loaded;
//! - workers above their balanced share give up the excess (revoked this
//!   round, handed to the least loaded in the next one, which the members
//!   trigger by rejoining after a revocation); two revoking rounds in a row
//!   back off exponentially up to the max delay;
//! - new ones go to the least loaded workers.
//!
//! The state kept between rounds is Java's; it only lives while the same
//! worker leads (a new leader starts without it, as in Java). Orders follow
//! Java's too (sorted sets where Java uses tree sets, insertion order where
//! it uses linked hash sets, members in id order), so that for the same
//! rounds both assignors decide the same (checked against Java's own class
//! in `tests/incremental_assignor_compat.rs`).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexSet;

use super::assignor::{AssignmentContext, ConfigSnapshot, ConnectAssignor, GroupAssignment};
use super::protocol::{ConnectorsAndTasks, NO_ERROR};
use crate::runtime::status::ConnectorTaskId;

/// One worker's load while a round is computed (Java's `WorkerLoad`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct WorkerLoad {
    worker: String,
    load: OrderedLoad,
}

/// Connectors and tasks in the order a worker got them (its allocation's
/// order, then what this round adds), as Java's `LinkedHashSet`s keep
/// them: load-balancing revokes the first ones, so what was just handed
/// out (e.g. lost work to a returning worker) is not taken back at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct OrderedLoad {
    connectors: IndexSet<String>,
    tasks: IndexSet<ConnectorTaskId>,
}

impl OrderedLoad {
    fn from_set(set: &ConnectorsAndTasks) -> OrderedLoad {
        OrderedLoad {
            connectors: set.connectors.iter().cloned().collect(),
            tasks: set.tasks.iter().cloned().collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.connectors.is_empty() && self.tasks.is_empty()
    }

    fn remove_all(&mut self, other: &ConnectorsAndTasks) {
        self.connectors.retain(|c| !other.connectors.contains(c));
        self.tasks.retain(|t| !other.tasks.contains(t));
    }

    fn to_set(&self) -> ConnectorsAndTasks {
        ConnectorsAndTasks {
            connectors: self.connectors.iter().cloned().collect(),
            tasks: self.tasks.iter().cloned().collect(),
        }
    }
}

/// The outcome of one round, per worker (Java's `ClusterAssignment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterAssignment {
    /// What each worker starts now.
    pub newly_assigned: BTreeMap<String, ConnectorsAndTasks>,
    /// What each worker stops now.
    pub newly_revoked: BTreeMap<String, ConnectorsAndTasks>,
    /// What each worker runs once the round is applied.
    pub all_assigned: BTreeMap<String, ConnectorsAndTasks>,
}

/// The incremental cooperative assignor with the state it keeps between
/// rounds.
#[derive(Debug)]
pub struct IncrementalCooperativeAssignor {
    /// `scheduled.rebalance.max.delay.ms`.
    max_delay: i32,
    /// What the leader assigned last round (minus revocations, plus what it
    /// holds back as lost): the base for spotting deleted and lost work.
    previous_assignment: ConnectorsAndTasks,
    /// What was revoked last round: if members still run any of it, the
    /// round did not take effect and `previous_assignment` is reset.
    previous_revocation: ConnectorsAndTasks,
    /// Whether the previous round revoked for load balancing (two in a row
    /// start the backoff).
    revoked_in_previous: bool,
    /// Workers that were empty while lost work was held: first in line for
    /// it when the delay expires, in the order they were found (as Java's
    /// `LinkedHashSet`).
    candidate_workers_for_reassignment: IndexSet<String>,
    /// When held-back lost work is reassigned (ms, `now_ms` clock); 0 for
    /// none, as in Java.
    scheduled_rebalance: i64,
    /// The delay sent to members this round (ms); 0 for none.
    delay: i32,
    /// The generation of the last round, to notice that a round never
    /// completed (then `previous_assignment` cannot be trusted).
    previous_generation_id: i32,
    /// The members of the last round, to tell a departure from a member
    /// that missed an assignment.
    previous_members: BTreeSet<String>,
    /// Consecutive revoking rounds, for the backoff.
    num_successive_revoking_rebalances: u32,
}

impl IncrementalCooperativeAssignor {
    pub fn new(max_delay_ms: i32) -> IncrementalCooperativeAssignor {
        IncrementalCooperativeAssignor {
            max_delay: max_delay_ms.max(0),
            previous_assignment: ConnectorsAndTasks::default(),
            previous_revocation: ConnectorsAndTasks::default(),
            revoked_in_previous: false,
            candidate_workers_for_reassignment: IndexSet::new(),
            scheduled_rebalance: 0,
            delay: 0,
            previous_generation_id: -1,
            previous_members: BTreeSet::new(),
            num_successive_revoking_rebalances: 0,
        }
    }

    /// The delay of the last round (ms).
    pub fn delay(&self) -> i32 {
        self.delay
    }

    /// Java's `ExponentialBackoff(maxDelay == 0 ? 0 : 1, 40, maxDelay, 0)`.
    fn revoking_backoff(&self, attempts: u32) -> i32 {
        let max = self.max_delay as f64;
        let initial: f64 = if self.max_delay == 0 { 0.0 } else { 1.0 };
        let initial = initial.min(max);
        let exp_max = if max > initial {
            (max / initial.max(1.0)).ln() / 40f64.ln()
        } else {
            0.0
        };
        if exp_max == 0.0 {
            return initial as i32;
        }
        let exp = (attempts as f64).min(exp_max);
        let term = initial * 40f64.powf(exp);
        (term as i64).min(self.max_delay as i64) as i32
    }

    /// One round (Java's `performTaskAssignment` after the config check).
    pub fn perform_task_assignment(
        &mut self,
        snapshot: &ConfigSnapshot,
        last_completed_generation: i32,
        current_generation: i32,
        member_assignments: &BTreeMap<String, ConnectorsAndTasks>,
        now_ms: i64,
    ) -> ClusterAssignment {
        if self.previous_generation_id != last_completed_generation {
            tracing::debug!(
                previous = self.previous_generation_id,
                last_completed = last_completed_generation,
                "the last round did not complete; forgetting the previous assignment"
            );
            self.previous_assignment = ConnectorsAndTasks::default();
        }
        let configured = snapshot.configured();
        let mut active = ConnectorsAndTasks::default();
        for a in member_assignments.values() {
            active.add_all(a);
        }
        if !self.previous_revocation.is_empty() {
            let still_running = self
                .previous_revocation
                .connectors
                .iter()
                .any(|c| active.connectors.contains(c))
                || self
                    .previous_revocation
                    .tasks
                    .iter()
                    .any(|t| active.tasks.contains(t));
            if still_running {
                self.previous_assignment = active.clone();
            }
            self.previous_revocation = ConnectorsAndTasks::default();
        }

        let deleted = diff(&self.previous_assignment, &[&configured]);
        let duplicated = duplicated_assignments(member_assignments);
        let lost = diff(&self.previous_assignment, &[&active, &deleted]);
        let created = diff(&configured, &[&self.previous_assignment, &active]);
        tracing::debug!(
            ?deleted,
            ?duplicated,
            ?lost,
            ?created,
            "incremental assignment"
        );

        let current: BTreeMap<String, ConnectorsAndTasks> = member_assignments
            .iter()
            .map(|(w, a)| (w.clone(), diff(a, &[&deleted])))
            .collect();

        let mut to_revoke: BTreeMap<String, ConnectorsAndTasks> = BTreeMap::new();
        let deleted_to_revoke = intersection(&deleted, member_assignments);
        add_all(&mut to_revoke, &deleted_to_revoke);
        let duplicated_to_revoke = intersection(&duplicated, member_assignments);
        add_all(&mut to_revoke, &duplicated_to_revoke);

        let mut next: Vec<WorkerLoad> = member_assignments
            .iter()
            .map(|(w, a)| WorkerLoad {
                worker: w.clone(),
                load: OrderedLoad::from_set(a),
            })
            .collect();
        remove_all(&mut next, &deleted_to_revoke);
        remove_all(&mut next, &duplicated_to_revoke);

        let mut lost_to_reassign = ConnectorsAndTasks::default();
        self.handle_lost_assignments(&lost, &mut lost_to_reassign, &mut next, now_ms);

        // No load-balancing revocations while a delayed rebalance is active.
        if self.delay == 0 {
            let balancing = load_balancing_revocations(&configured, &next);
            if self.revoked_in_previous && !balancing.is_empty() {
                self.num_successive_revoking_rebalances += 1;
                self.delay = self.revoking_backoff(self.num_successive_revoking_rebalances);
                if self.delay != 0 {
                    self.scheduled_rebalance = now_ms + self.delay as i64;
                    tracing::debug!(
                        delay = self.delay,
                        "consecutive revoking rebalances; delaying revocations"
                    );
                } else {
                    add_all(&mut to_revoke, &balancing);
                    remove_all(&mut next, &balancing);
                }
            } else if !balancing.is_empty() {
                add_all(&mut to_revoke, &balancing);
                remove_all(&mut next, &balancing);
                self.revoked_in_previous = true;
            } else if self.revoked_in_previous {
                // Converged: reset the backoff.
                self.revoked_in_previous = false;
                self.num_successive_revoking_rebalances = 0;
            }
        } else {
            self.revoked_in_previous = false;
        }

        // New work first, then lost work, each in order (as Java's builder
        // of both).
        let mut to_assign = OrderedLoad::from_set(&created);
        to_assign
            .connectors
            .extend(lost_to_reassign.connectors.iter().cloned());
        to_assign
            .tasks
            .extend(lost_to_reassign.tasks.iter().cloned());
        assign_connectors(&mut next, &to_assign.connectors);
        assign_tasks(&mut next, &to_assign.tasks);

        let next: BTreeMap<String, ConnectorsAndTasks> = next
            .into_iter()
            .map(|w| (w.worker, w.load.to_set()))
            .collect();
        let newly_assigned: BTreeMap<String, ConnectorsAndTasks> = next
            .iter()
            .map(|(w, a)| {
                let before = current.get(w).cloned().unwrap_or_default();
                (w.clone(), diff(a, &[&before]))
            })
            .collect();

        self.previous_assignment = self.compute_previous_assignment(&to_revoke, &next, &lost);
        self.previous_generation_id = current_generation;
        self.previous_members = member_assignments.keys().cloned().collect();

        let all_assigned = next
            .iter()
            .map(|(w, a)| {
                let revoked = to_revoke.get(w).cloned().unwrap_or_default();
                (w.clone(), diff(a, &[&revoked]))
            })
            .collect();
        ClusterAssignment {
            newly_assigned,
            newly_revoked: to_revoke,
            all_assigned,
        }
    }

    fn compute_previous_assignment(
        &mut self,
        revoked: &BTreeMap<String, ConnectorsAndTasks>,
        next: &BTreeMap<String, ConnectorsAndTasks>,
        lost: &ConnectorsAndTasks,
    ) -> ConnectorsAndTasks {
        let mut previous = ConnectorsAndTasks::default();
        for a in next.values() {
            previous.add_all(a);
        }
        for r in revoked.values() {
            previous.remove_all(r);
            self.previous_revocation.add_all(r);
        }
        previous.add_all(lost);
        previous
    }

    fn handle_lost_assignments(
        &mut self,
        lost: &ConnectorsAndTasks,
        lost_to_reassign: &mut ConnectorsAndTasks,
        workers: &mut [WorkerLoad],
        now: i64,
    ) {
        if lost.is_empty() && !self.revoked_in_previous {
            self.reset_delay();
            return;
        }
        let active: BTreeSet<&String> = workers.iter().map(|w| &w.worker).collect();
        let none_departed = self.previous_members.iter().all(|m| active.contains(m));
        if self.scheduled_rebalance <= 0 && none_departed {
            // Nobody left: a member probably missed its last assignment.
            // Reassign at once, as new work.
            lost_to_reassign.add_all(lost);
            return;
        } else if self.max_delay == 0 {
            lost_to_reassign.add_all(lost);
            return;
        }

        if self.scheduled_rebalance > 0 && now >= self.scheduled_rebalance {
            tracing::debug!("delayed rebalance expired; reassigning lost connectors and tasks");
            let candidates: Vec<usize> = self
                .candidate_workers_for_reassignment
                .iter()
                .filter_map(|c| workers.iter().position(|w| &w.worker == c))
                .collect();
            if candidates.is_empty() {
                lost_to_reassign.add_all(lost);
            } else {
                for (connector, i) in lost.connectors.iter().zip(candidates.iter().cycle()) {
                    workers[*i].load.connectors.insert(connector.clone());
                }
                for (task, i) in lost.tasks.iter().zip(candidates.iter().cycle()) {
                    workers[*i].load.tasks.insert(task.clone());
                }
            }
            self.reset_delay();
            self.revoked_in_previous = false;
        } else {
            self.candidate_workers_for_reassignment.extend(
                workers
                    .iter()
                    .filter(|w| w.load.is_empty())
                    .map(|w| w.worker.clone()),
            );
            if now < self.scheduled_rebalance {
                let diff = self.scheduled_rebalance - now;
                self.delay = if diff > 0 {
                    diff.min(self.max_delay as i64) as i32
                } else {
                    0
                };
            } else {
                self.delay = self.max_delay;
            }
            self.scheduled_rebalance = now + self.delay as i64;
            tracing::debug!(
                delay = self.delay,
                "holding back lost connectors and tasks until the delayed rebalance"
            );
        }
    }

    fn reset_delay(&mut self) {
        self.candidate_workers_for_reassignment.clear();
        self.scheduled_rebalance = 0;
        self.delay = 0;
    }
}

impl ConnectAssignor for IncrementalCooperativeAssignor {
    fn perform_assignment(&mut self, ctx: &AssignmentContext<'_>) -> GroupAssignment {
        let Some(offset) = ctx.leader_offset() else {
            return ctx.config_mismatch();
        };
        let member_assignments: BTreeMap<String, ConnectorsAndTasks> = ctx
            .members
            .iter()
            .map(|(m, s)| {
                let a = s
                    .allocation
                    .as_ref()
                    .map(|a| a.assigned.clone())
                    .unwrap_or_default();
                (m.clone(), a)
            })
            .collect();
        let cluster = self.perform_task_assignment(
            ctx.snapshot,
            ctx.last_completed_generation,
            ctx.generation,
            &member_assignments,
            ctx.now_ms,
        );
        let mut out = ctx
            .fill(NO_ERROR, offset, |m| {
                (
                    cluster.newly_assigned.get(m).cloned().unwrap_or_default(),
                    cluster.newly_revoked.get(m).cloned().unwrap_or_default(),
                )
            })
            .with_delay(self.delay);
        out.all_assigned = cluster.all_assigned;
        out
    }
}

/// `base` minus each of `subtract`.
fn diff(base: &ConnectorsAndTasks, subtract: &[&ConnectorsAndTasks]) -> ConnectorsAndTasks {
    let mut out = base.clone();
    for s in subtract {
        out.remove_all(s);
    }
    out
}

/// What runs on more than one worker.
fn duplicated_assignments(members: &BTreeMap<String, ConnectorsAndTasks>) -> ConnectorsAndTasks {
    let mut seen = ConnectorsAndTasks::default();
    let mut duplicated = ConnectorsAndTasks::default();
    for a in members.values() {
        for c in &a.connectors {
            if !seen.connectors.insert(c.clone()) {
                duplicated.connectors.insert(c.clone());
            }
        }
        for t in &a.tasks {
            if !seen.tasks.insert(t.clone()) {
                duplicated.tasks.insert(t.clone());
            }
        }
    }
    duplicated
}

/// Per worker, the part of its assignment that is in `set`.
fn intersection(
    set: &ConnectorsAndTasks,
    members: &BTreeMap<String, ConnectorsAndTasks>,
) -> BTreeMap<String, ConnectorsAndTasks> {
    members
        .iter()
        .map(|(w, a)| {
            let both = ConnectorsAndTasks {
                connectors: a
                    .connectors
                    .intersection(&set.connectors)
                    .cloned()
                    .collect(),
                tasks: a.tasks.intersection(&set.tasks).cloned().collect(),
            };
            (w.clone(), both)
        })
        .collect()
}

fn add_all(
    base: &mut BTreeMap<String, ConnectorsAndTasks>,
    add: &BTreeMap<String, ConnectorsAndTasks>,
) {
    for (w, a) in add {
        base.entry(w.clone()).or_default().add_all(a);
    }
}

fn remove_all(workers: &mut [WorkerLoad], remove: &BTreeMap<String, ConnectorsAndTasks>) {
    for w in workers {
        if let Some(r) = remove.get(&w.worker) {
            w.load.remove_all(r);
        }
    }
}

/// What each worker above its balanced share must give up (Java's
/// `performLoadBalancingRevocations`).
fn load_balancing_revocations(
    configured: &ConnectorsAndTasks,
    workers: &[WorkerLoad],
) -> BTreeMap<String, ConnectorsAndTasks> {
    if workers.iter().all(|w| w.load.is_empty()) || configured.is_empty() {
        return BTreeMap::new();
    }
    let mut out: BTreeMap<String, ConnectorsAndTasks> = BTreeMap::new();
    for (w, revoked) in excess(configured.connectors.len(), workers, |w| &w.load.connectors) {
        out.entry(w).or_default().connectors.extend(revoked);
    }
    for (w, revoked) in excess(configured.tasks.len(), workers, |w| &w.load.tasks) {
        out.entry(w).or_default().tasks.extend(revoked);
    }
    out
}

/// For one kind of resource, which of each worker's to revoke so that
/// nobody holds more than `total / workers` (plus one, for as many workers
/// as the remainder).
fn excess<E: Clone + Eq + std::hash::Hash>(
    total: usize,
    workers: &[WorkerLoad],
    allocation: impl Fn(&WorkerLoad) -> &IndexSet<E>,
) -> BTreeMap<String, Vec<E>> {
    let n = workers.len();
    let mut out = BTreeMap::new();
    if n == 0 {
        return out;
    }
    let min = total / n;
    let extra = total % n;
    let at_min = workers
        .iter()
        .filter(|w| allocation(w).len() == min)
        .count();
    let at_extra = workers
        .iter()
        .filter(|w| allocation(w).len() == min + 1)
        .count();
    if at_extra == extra && at_min + at_extra == n {
        return out;
    }
    let mut allocated_extras = 0;
    for w in workers {
        let size = allocation(w).len();
        if size <= min {
            continue;
        }
        let max_for_worker = if allocated_extras < extra {
            allocated_extras += 1;
            if size == min + 1 {
                continue;
            }
            min + 1
        } else {
            min
        };
        let revoked: Vec<E> = allocation(w)
            .iter()
            .take(size - max_for_worker)
            .cloned()
            .collect();
        out.insert(w.worker.clone(), revoked);
    }
    out
}

/// Hands `connectors` out round-robin over the workers with the fewest,
/// starting with the least loaded (Java's `assignConnectors`).
fn assign_connectors(workers: &mut [WorkerLoad], connectors: &IndexSet<String>) {
    workers.sort_by(|a, b| {
        (a.load.connectors.len(), &a.worker).cmp(&(b.load.connectors.len(), &b.worker))
    });
    let mut load = connectors.iter().peekable();
    while load.peek().is_some() && !workers.is_empty() {
        let first = workers[0].load.connectors.len();
        let up_to = workers
            .iter()
            .position(|w| w.load.connectors.len() > first)
            .unwrap_or(workers.len());
        for w in &mut workers[..up_to] {
            let Some(c) = load.next() else { break };
            w.load.connectors.insert(c.clone());
        }
    }
}

/// The same for tasks (Java's `assignTasks`).
fn assign_tasks(workers: &mut [WorkerLoad], tasks: &IndexSet<ConnectorTaskId>) {
    workers.sort_by(|a, b| (a.load.tasks.len(), &a.worker).cmp(&(b.load.tasks.len(), &b.worker)));
    let mut load = tasks.iter().peekable();
    while load.peek().is_some() && !workers.is_empty() {
        let first = workers[0].load.tasks.len();
        let up_to = workers
            .iter()
            .position(|w| w.load.tasks.len() > first)
            .unwrap_or(workers.len());
        for w in &mut workers[..up_to] {
            let Some(t) = load.next() else { break };
            w.load.tasks.insert(t.clone());
        }
    }
}

#[cfg(test)]
#[path = "incremental_cooperative_assignor_tests.rs"]
mod tests;
