//! One running task as a kameo actor (Java's `WorkerTask`, the common part of
//! `WorkerSourceTask` and `WorkerSinkTask`).
//!
//! The task's poll/put loop is a long-running future, so it never sits inside
//! a handler: the actor spawns it on start and talks to it through a target
//! state channel and a cancellation token. The actor itself only answers
//! small messages (change the target state, stop), so a pause or stop is
//! never stuck behind a slow `poll`. A panic in connector code ends the loop
//! future only; the actor turns it into a FAILED status with the panic as the
//! trace, and the worker and every other task keep running.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use kameo::actor::{ActorRef, WeakActorRef};
use kameo::error::{ActorStopReason, Infallible};
use kameo::message::{Context, Message};
use kameo::Actor;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::status::{ConnectorTaskId, State, StatusStore, TargetState};

/// The task loop: runs until its cancellation token fires or it fails, and
/// reports its own RUNNING / PAUSED / FAILED statuses.
pub type TaskLoop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the loop is handed by the actor that runs it.
pub struct TaskControl {
    /// The state the task should be in; PAUSED stops polling / putting.
    pub target: watch::Receiver<TargetState>,
    /// Fired to stop the loop: it stops polling, flushes and commits.
    pub cancel: CancellationToken,
}

/// Arguments of a task actor.
pub struct WorkerTaskArgs {
    pub id: ConnectorTaskId,
    pub statuses: StatusStore,
    pub initial: TargetState,
    /// Builds the loop from its controls (a source or a sink loop).
    pub task_loop: Box<dyn FnOnce(TaskControl) -> TaskLoop + Send>,
}

/// A task actor.
pub struct WorkerTask {
    id: ConnectorTaskId,
    /// The loop's target state: pause / resume without stopping it.
    target: watch::Sender<TargetState>,
    /// Stops the loop (on `StopTask` and when the actor stops).
    cancel: CancellationToken,
    /// Becomes true once the loop ended (normally, failed or panicked).
    finished: watch::Receiver<bool>,
}

impl Actor for WorkerTask {
    type Args = WorkerTaskArgs;
    type Error = Infallible;

    async fn on_start(args: Self::Args, _me: ActorRef<Self>) -> Result<Self, Self::Error> {
        let WorkerTaskArgs {
            id,
            statuses,
            initial,
            task_loop,
        } = args;
        let (target, target_rx) = watch::channel(initial);
        let cancel = CancellationToken::new();
        let (finished_tx, finished) = watch::channel(false);
        let running = tokio::spawn(task_loop(TaskControl {
            target: target_rx,
            cancel: cancel.clone(),
        }));
        let task_id = id.clone();
        tokio::spawn(async move {
            if let Err(e) = running.await {
                if e.is_panic() {
                    let message = panic_message(e.into_panic());
                    tracing::error!(task = %task_id, "task panicked: {message}");
                    statuses.put_task(
                        &task_id,
                        State::Failed,
                        Some(format!(
                            "org.apache.kafka.connect.errors.ConnectException: task panicked: {message}"
                        )),
                    );
                }
            }
            let _ = finished_tx.send(true);
        });
        Ok(WorkerTask {
            id,
            target,
            cancel,
            finished,
        })
    }

    async fn on_stop(
        &mut self,
        _me: WeakActorRef<Self>,
        _reason: ActorStopReason,
    ) -> Result<(), Self::Error> {
        // Whatever stopped the actor, the loop must not outlive it.
        self.cancel.cancel();
        Ok(())
    }
}

/// The text of a panic payload.
pub fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".to_string())
}

/// Changes the task's target state (pause / resume).
pub struct SetTaskTarget(pub TargetState);

impl Message<SetTaskTarget> for WorkerTask {
    type Reply = ();

    async fn handle(&mut self, msg: SetTaskTarget, _ctx: &mut Context<Self, Self::Reply>) {
        let _ = self.target.send(msg.0);
    }
}

/// Stops the task: its loop stops polling, flushes and commits what was
/// acknowledged. Answers once the loop ended or `timeout` passed; the actor
/// stops either way.
pub struct StopTask {
    pub timeout: Duration,
}

impl Message<StopTask> for WorkerTask {
    type Reply = ();

    async fn handle(&mut self, msg: StopTask, ctx: &mut Context<Self, Self::Reply>) {
        self.cancel.cancel();
        let mut finished = self.finished.clone();
        let ended = tokio::time::timeout(msg.timeout, finished.wait_for(|done| *done)).await;
        if ended.is_err() {
            tracing::warn!(
                task = %self.id,
                "task did not stop within task.shutdown.graceful.timeout.ms"
            );
        }
        ctx.stop();
    }
}
