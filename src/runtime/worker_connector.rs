//! One started connector as a kameo actor (Java's `WorkerConnector`): owns
//! the connector instance, asks it for task configs and stops it. Every call
//! into connector code is guarded, so a panic there is an error for this
//! connector only, never a dead worker.

use kameo::error::Infallible;
use kameo::message::{Context, Message};
use kameo::Actor;

use crate::api::connector::{Props, SinkConnector, SourceConnector};
use crate::api::error::ConnectError;

use super::worker_task::panic_message;

/// A started connector instance.
pub enum ConnectorInstance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

/// A connector actor.
pub struct WorkerConnector {
    name: String,
    /// Taken on stop, so that `stop` runs once.
    instance: Option<ConnectorInstance>,
}

impl WorkerConnector {
    /// Wraps a connector whose `start` succeeded.
    pub fn new(name: &str, instance: ConnectorInstance) -> WorkerConnector {
        WorkerConnector {
            name: name.to_string(),
            instance: Some(instance),
        }
    }
}

impl Actor for WorkerConnector {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(
        args: Self::Args,
        _me: kameo::actor::ActorRef<Self>,
    ) -> Result<Self, Self::Error> {
        Ok(args)
    }

    async fn on_stop(
        &mut self,
        _me: kameo::actor::WeakActorRef<Self>,
        _reason: kameo::error::ActorStopReason,
    ) -> Result<(), Self::Error> {
        self.stop_instance();
        Ok(())
    }
}

impl WorkerConnector {
    fn stop_instance(&mut self) {
        let result = match self.instance.take() {
            Some(ConnectorInstance::Source(mut c)) => run_connector_code(|| c.stop()),
            Some(ConnectorInstance::Sink(mut c)) => run_connector_code(|| c.stop()),
            None => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(connector = %self.name, error = %e, "connector stop failed");
        }
    }
}

/// The task configs the connector wants, at most `max_tasks` of them.
pub struct GenerateTaskConfigs {
    pub max_tasks: usize,
    /// `tasks.max.enforce`: more configs than `max_tasks` is an error.
    pub enforce: bool,
}

impl Message<GenerateTaskConfigs> for WorkerConnector {
    type Reply = Result<Vec<Props>, ConnectError>;

    async fn handle(
        &mut self,
        msg: GenerateTaskConfigs,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        let configs = match &self.instance {
            Some(ConnectorInstance::Source(c)) => {
                run_connector_code(|| c.task_configs(msg.max_tasks))
            }
            Some(ConnectorInstance::Sink(c)) => {
                run_connector_code(|| c.task_configs(msg.max_tasks))
            }
            None => Err(ConnectError::fatal(format!(
                "connector {} is not running",
                self.name
            ))),
        }?;
        // Java's `Worker.connectorTaskConfigs`: more than tasks.max is an error.
        if configs.len() > msg.max_tasks && !msg.enforce {
            tracing::warn!(
                connector = %self.name,
                "The connector has generated {} tasks, which is greater than {}, the maximum number of tasks it is configured to create; tasks.max.enforce is false, so they all run.",
                configs.len(),
                msg.max_tasks
            );
        } else if configs.len() > msg.max_tasks {
            return Err(ConnectError::fatal(format!(
                "The connector {} has generated {} tasks, which is greater than {}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is disallowed. If necessary, it can be permitted by reconfiguring the connector with 'tasks.max.enforce' set to false; however, this option will be removed in a future release of Kafka.",
                self.name,
                configs.len(),
                msg.max_tasks
            )));
        }
        Ok(configs)
    }
}

/// Creates a task of this connector (the connector's `task_class`).
pub struct CreateTask;

/// A new, unstarted task of either kind.
pub enum TaskInstance {
    Source(Box<dyn crate::api::source::SourceTask>),
    Sink(Box<dyn crate::api::sink::SinkTask>),
}

impl Message<CreateTask> for WorkerConnector {
    type Reply = Result<TaskInstance, ConnectError>;

    async fn handle(
        &mut self,
        _msg: CreateTask,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Self::Reply {
        match &self.instance {
            Some(ConnectorInstance::Source(c)) => {
                run_connector_code(|| Ok(TaskInstance::Source(c.create_task())))
            }
            Some(ConnectorInstance::Sink(c)) => {
                run_connector_code(|| Ok(TaskInstance::Sink(c.create_task())))
            }
            None => Err(ConnectError::fatal(format!(
                "connector {} is not running",
                self.name
            ))),
        }
    }
}

/// Stops the connector instance and the actor.
pub struct StopConnector;

impl Message<StopConnector> for WorkerConnector {
    type Reply = ();

    async fn handle(&mut self, _msg: StopConnector, ctx: &mut Context<Self, Self::Reply>) {
        self.stop_instance();
        ctx.stop();
    }
}

/// Runs a synchronous call into connector code, turning a panic into an error.
pub fn run_connector_code<T>(
    f: impl FnOnce() -> Result<T, ConnectError>,
) -> Result<T, ConnectError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => Err(ConnectError::fatal(format!(
            "connector code panicked: {}",
            panic_message(panic)
        ))),
    }
}
