//! The transformation chain of one task (Java's `TransformationChain` and
//! `TransformationStage`): the connector's SMTs in `transforms` order, each
//! optionally guarded by a predicate (`transforms.<alias>.predicate`, with
//! `negate`). A record dropped by one stage is not seen by the next; a
//! failure names the stage's alias so that the task trace says where a
//! record went wrong.

use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Predicate, Transformation};
use crate::transforms::{predicate_by_class, transformation_by_class};

use super::config::connector::ConnectorConfig;

/// One configured transformation, with the alias it was configured under.
pub struct TransformationStage<R> {
    pub alias: String,
    /// The class as configured (for error reports).
    pub class: String,
    pub transformation: Box<dyn Transformation<R>>,
    /// Applies the transformation only to records it accepts (or, negated,
    /// rejects).
    pub predicate: Option<(Box<dyn Predicate<R>>, bool)>,
}

impl<R> TransformationStage<R> {
    fn applies_to(&self, record: &R) -> bool {
        match &self.predicate {
            None => true,
            Some((predicate, negate)) => predicate.test(record) != *negate,
        }
    }
}

/// A stage that failed, and why.
#[derive(Debug)]
pub struct StageFailure {
    pub alias: String,
    pub class: String,
    pub error: ConnectError,
}

impl StageFailure {
    /// The error with the stage named, as a task trace shows it.
    pub fn into_error(self) -> ConnectError {
        self.error.context(format!(
            "Executing stage 'TRANSFORMATION' with transformation '{}' ({})",
            self.alias, self.class
        ))
    }
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
    pub fn apply(&self, record: R) -> Result<Option<R>, StageFailure> {
        let mut current = record;
        for stage in &self.stages {
            if !stage.applies_to(&current) {
                continue;
            }
            match stage.transformation.apply(current) {
                Ok(Some(next)) => current = next,
                Ok(None) => return Ok(None),
                Err(error) => {
                    return Err(StageFailure {
                        alias: stage.alias.clone(),
                        class: stage.class.clone(),
                        error,
                    })
                }
            }
        }
        Ok(Some(current))
    }
}

impl<R> Drop for TransformationChain<R> {
    fn drop(&mut self) {
        for stage in &self.stages {
            stage.transformation.close();
            if let Some((p, _)) = &stage.predicate {
                p.close();
            }
        }
    }
}

fn class_not_found(key: &str, class: &str) -> ConnectError {
    ConnectError::fatal(format!(
        "Invalid value {class} for configuration {key}: Class {class} could not be found."
    ))
}

/// Builds the chain from a connector's `transforms` and `predicates`
/// (Java's `ConnectorConfig.transformationStages`). Every problem is a
/// config error naming the key or the alias.
pub fn build_chain<R: ConnectRecord>(
    config: &ConnectorConfig,
) -> ConnectResult<TransformationChain<R>> {
    let specs = config
        .transformation_specs()
        .map_err(|e| ConnectError::fatal(e.to_string()))?;
    let mut stages = Vec::with_capacity(specs.len());
    for spec in specs {
        let type_key = format!("transforms.{}.type", spec.alias);
        let mut transformation = transformation_by_class::<R>(&spec.class)
            .ok_or_else(|| class_not_found(&type_key, &spec.class))?;
        transformation.configure(&spec.props).map_err(|e| {
            e.context(format!(
                "configuring transformation '{}' ({})",
                spec.alias, spec.class
            ))
        })?;
        let predicate = match spec.predicate {
            None => None,
            Some(p) => {
                let p_type_key = format!("predicates.{}.type", p.alias);
                let mut predicate = predicate_by_class::<R>(&p.class)
                    .ok_or_else(|| class_not_found(&p_type_key, &p.class))?;
                predicate.configure(&p.props).map_err(|e| {
                    e.context(format!("configuring predicate '{}' ({})", p.alias, p.class))
                })?;
                Some((predicate, spec.negate))
            }
        };
        stages.push(TransformationStage {
            alias: spec.alias,
            class: spec.class,
            transformation,
            predicate,
        });
    }
    Ok(TransformationChain::new(stages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::connector::Props;

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
    struct IsBig;
    impl Predicate<i32> for IsBig {
        fn test(&self, r: &i32) -> bool {
            *r > 10
        }
    }

    fn stage(alias: &str, t: impl Transformation<i32> + 'static) -> TransformationStage<i32> {
        TransformationStage {
            alias: alias.to_string(),
            class: format!("org.example.{alias}"),
            transformation: Box::new(t),
            predicate: None,
        }
    }

    fn run(chain: &TransformationChain<i32>, input: &[i32]) -> Vec<i32> {
        input
            .iter()
            .filter_map(|r| chain.apply(*r).ok().flatten())
            .collect()
    }

    #[test]
    fn stages_run_in_order_and_drop_records() {
        let chain = TransformationChain::new(vec![stage("inc", AddOne), stage("even", DropOdd)]);
        assert_eq!(run(&chain, &[1, 2, 3, 4]), [2, 4]);
    }

    #[test]
    fn a_predicate_guards_its_stage_and_negate_inverts_it() {
        let guarded = |negate| {
            TransformationChain::new(vec![TransformationStage {
                alias: "inc".to_string(),
                class: "AddOne".to_string(),
                transformation: Box::new(AddOne),
                predicate: Some((Box::new(IsBig) as Box<dyn Predicate<i32>>, negate)),
            }])
        };
        assert_eq!(run(&guarded(false), &[1, 20]), [1, 21]);
        assert_eq!(run(&guarded(true), &[1, 20]), [2, 20]);
    }

    #[test]
    fn a_failure_names_the_stage() {
        let chain = TransformationChain::new(vec![stage("inc", AddOne), stage("broken", Fail)]);
        let failure = chain.apply(1).err();
        assert_eq!(failure.as_ref().map(|f| f.alias.as_str()), Some("broken"));
        let err = failure
            .map(|f| f.into_error().to_string())
            .unwrap_or_default();
        assert!(err.contains("'broken' (org.example.broken)"), "{err}");
        assert!(err.contains("bad record"), "{err}");
    }

    #[test]
    fn unknown_classes_and_missing_types_name_the_key() {
        use crate::api::record::SourceRecord;
        let build = |pairs: &[(&str, &str)]| {
            let mut props: Props = [("name", "c"), ("connector.class", "FileStreamSource")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            props.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            let config =
                ConnectorConfig::new(props).map_err(|e| ConnectError::fatal(e.to_string()))?;
            build_chain::<SourceRecord>(&config).map(|c| c.is_identity())
        };
        let err = build(&[("transforms", "route")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("transforms.route.type"), "{err}");
        let err = build(&[
            ("transforms", "route"),
            ("transforms.route.type", "org.example.Route"),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            err.contains("Class org.example.Route could not be found"),
            "{err}"
        );
        assert_eq!(build(&[]).ok(), Some(true));
    }
}
