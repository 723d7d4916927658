//! The transformation chain of one task (Java's `TransformationChain`): the
//! connector's SMTs in `transforms` order. A record dropped by one stage is
//! not seen by the next; a failure names the stage's alias so that the task
//! trace says where a record went wrong.

use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::Transformation;

/// One configured transformation, with the alias it was configured under.
pub struct TransformationStage<R> {
    pub alias: String,
    pub transformation: Box<dyn Transformation<R>>,
}

/// The SMTs of a task, applied in order.
pub struct TransformationChain<R> {
    stages: Vec<TransformationStage<R>>,
}

impl<R> TransformationChain<R> {
    pub fn new(stages: Vec<TransformationStage<R>>) -> TransformationChain<R> {
        TransformationChain { stages }
    }

    /// The chain that changes nothing.
    pub fn identity() -> TransformationChain<R> {
        TransformationChain { stages: Vec::new() }
    }

    pub fn is_identity(&self) -> bool {
        self.stages.is_empty()
    }

    /// The record after every stage, or `None` when a stage dropped it.
    pub fn apply(&self, record: R) -> ConnectResult<Option<R>> {
        let mut current = record;
        for stage in &self.stages {
            match stage.transformation.apply(current) {
                Ok(Some(next)) => current = next,
                Ok(None) => return Ok(None),
                Err(e) => {
                    return Err(e.context(format!(
                        "Executing stage 'TRANSFORMATION' with transformation '{}'",
                        stage.alias
                    )))
                }
            }
        }
        Ok(Some(current))
    }

    /// Applies the chain to a whole batch, keeping the records that remain.
    pub fn apply_batch(&self, records: Vec<R>) -> ConnectResult<Vec<R>> {
        if self.is_identity() {
            return Ok(records);
        }
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            if let Some(r) = self.apply(r)? {
                out.push(r);
            }
        }
        Ok(out)
    }
}

impl<R> Drop for TransformationChain<R> {
    fn drop(&mut self) {
        for stage in &self.stages {
            stage.transformation.close();
        }
    }
}

/// Builds the chain from a connector's `transforms` list. No SMT is built in
/// yet, so a configured alias is an error that names it, never a silently
/// skipped step.
pub fn build_chain<R>(
    config: &crate::api::connector::Props,
) -> ConnectResult<TransformationChain<R>> {
    let aliases: Vec<String> = config
        .get("transforms")
        .map(|t| crate::kafka::config::split_list(t))
        .unwrap_or_default();
    if let Some(alias) = aliases.first() {
        let class = config
            .get(&format!("transforms.{alias}.type"))
            .cloned()
            .unwrap_or_default();
        return Err(ConnectError::fatal(format!(
            "Invalid value {class} for configuration transforms.{alias}.type: Class {class} could not be found."
        )));
    }
    Ok(TransformationChain::identity())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct AddOne;
    impl Transformation<i32> for AddOne {
        fn apply(&self, r: i32) -> ConnectResult<Option<i32>> {
            Ok(Some(r + 1))
        }
    }
    struct DropOdd;
    impl Transformation<i32> for DropOdd {
        fn apply(&self, r: i32) -> ConnectResult<Option<i32>> {
            Ok((r % 2 == 0).then_some(r))
        }
    }
    struct Fail;
    impl Transformation<i32> for Fail {
        fn apply(&self, _r: i32) -> ConnectResult<Option<i32>> {
            Err(ConnectError::data("bad record"))
        }
    }

    fn stage(alias: &str, t: impl Transformation<i32> + 'static) -> TransformationStage<i32> {
        TransformationStage {
            alias: alias.to_string(),
            transformation: Box::new(t),
        }
    }

    #[test]
    fn stages_run_in_order_and_drop_records() {
        let chain = TransformationChain::new(vec![stage("inc", AddOne), stage("even", DropOdd)]);
        assert_eq!(chain.apply_batch(vec![1, 2, 3, 4]).ok(), Some(vec![2, 4]));
    }

    #[test]
    fn a_failure_names_the_stage() {
        let chain = TransformationChain::new(vec![stage("inc", AddOne), stage("broken", Fail)]);
        let err = chain
            .apply(1)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("'broken'"), "{err}");
        assert!(err.contains("bad record"), "{err}");
    }

    #[test]
    fn configured_transforms_without_a_registry_are_refused() {
        let mut config = crate::api::connector::Props::new();
        config.insert("transforms".into(), "route".into());
        config.insert("transforms.route.type".into(), "org.example.Route".into());
        let err = build_chain::<i32>(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("transforms.route.type"), "{err}");
        assert!(build_chain::<i32>(&crate::api::connector::Props::new()).is_ok());
    }
}
