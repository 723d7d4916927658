//! The transformation chain of one task (Java's `TransformationChain` and
//! `TransformationStage`): the connector's SMTs in `transforms` order, each
//! optionally guarded by a predicate (`transforms.<alias>.predicate`, with
//! `negate`). A record dropped by one stage is not seen by the next; a
//! failure names the stage's alias so that the task trace says where a
//! record went wrong.

use crate::api::connector::Props;
use crate::api::error::{ConnectError, ConnectResult};
use crate::api::transform::{ConnectRecord, Predicate, Transformation};
use crate::kafka::config::split_list;
use crate::transforms::{predicate_by_class, transformation_by_class};

/// One configured transformation, with the alias it was configured under.
pub struct TransformationStage<R> {
    pub alias: String,
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
            if !stage.applies_to(&current) {
                continue;
            }
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
            if let Some((p, _)) = &stage.predicate {
                p.close();
            }
        }
    }
}

/// `<prefix>*` settings with the prefix stripped.
fn with_prefix(config: &Props, prefix: &str) -> Props {
    config
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect()
}

fn invalid(key: &str, value: &str, why: &str) -> ConnectError {
    ConnectError::fatal(format!(
        "Invalid value {value} for configuration {key}: {why}"
    ))
}

/// Builds the chain from a connector's `transforms` and `predicates`
/// (Java's `ConnectorConfig.transformationStages`). Every problem is a
/// config error naming the key.
pub fn build_chain<R: ConnectRecord>(config: &Props) -> ConnectResult<TransformationChain<R>> {
    let aliases: Vec<String> = config
        .get("transforms")
        .map(|t| split_list(t))
        .unwrap_or_default();
    let mut stages = Vec::with_capacity(aliases.len());
    for alias in aliases {
        let prefix = format!("transforms.{alias}.");
        let type_key = format!("{prefix}type");
        let class = config
            .get(&type_key)
            .map(|c| c.trim().to_string())
            .ok_or_else(|| {
                ConnectError::fatal(format!(
                    "Missing required configuration \"{type_key}\" which has no default value."
                ))
            })?;
        let mut transformation = transformation_by_class::<R>(&class).ok_or_else(|| {
            invalid(
                &type_key,
                &class,
                &format!("Class {class} could not be found."),
            )
        })?;
        transformation
            .configure(&with_prefix(config, &prefix))
            .map_err(|e| e.context(format!("configuring transformation '{alias}' ({class})")))?;
        let predicate = match config.get(&format!("{prefix}predicate")) {
            None => None,
            Some(p) if p.trim().is_empty() => None,
            Some(p) => {
                let p = p.trim();
                let p_prefix = format!("predicates.{p}.");
                let p_type_key = format!("{p_prefix}type");
                let p_class = config.get(&p_type_key).map(|c| c.trim().to_string()).ok_or_else(|| {
                    ConnectError::fatal(format!(
                        "Missing required configuration \"{p_type_key}\" which has no default value."
                    ))
                })?;
                let mut predicate = predicate_by_class::<R>(&p_class).ok_or_else(|| {
                    invalid(
                        &p_type_key,
                        &p_class,
                        &format!("Class {p_class} could not be found."),
                    )
                })?;
                predicate
                    .configure(&with_prefix(config, &p_prefix))
                    .map_err(|e| e.context(format!("configuring predicate '{p}' ({p_class})")))?;
                let negate_key = format!("{prefix}negate");
                let negate = match config
                    .get(&negate_key)
                    .map(|n| n.trim().to_ascii_lowercase())
                {
                    None => false,
                    Some(n) if n == "true" => true,
                    Some(n) if n == "false" => false,
                    Some(n) => {
                        return Err(invalid(
                            &negate_key,
                            &n,
                            "Expected value to be either true or false",
                        ))
                    }
                };
                Some((predicate, negate))
            }
        };
        stages.push(TransformationStage {
            alias,
            transformation,
            predicate,
        });
    }
    Ok(TransformationChain::new(stages))
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
    struct IsBig;
    impl Predicate<i32> for IsBig {
        fn test(&self, r: &i32) -> bool {
            *r > 10
        }
    }

    fn stage(alias: &str, t: impl Transformation<i32> + 'static) -> TransformationStage<i32> {
        TransformationStage {
            alias: alias.to_string(),
            transformation: Box::new(t),
            predicate: None,
        }
    }

    #[test]
    fn stages_run_in_order_and_drop_records() {
        let chain = TransformationChain::new(vec![stage("inc", AddOne), stage("even", DropOdd)]);
        assert_eq!(chain.apply_batch(vec![1, 2, 3, 4]).ok(), Some(vec![2, 4]));
    }

    #[test]
    fn a_predicate_guards_its_stage_and_negate_inverts_it() {
        let guarded = |negate| {
            TransformationChain::new(vec![TransformationStage {
                alias: "inc".to_string(),
                transformation: Box::new(AddOne),
                predicate: Some((Box::new(IsBig) as Box<dyn Predicate<i32>>, negate)),
            }])
        };
        assert_eq!(
            guarded(false).apply_batch(vec![1, 20]).ok(),
            Some(vec![1, 21])
        );
        assert_eq!(
            guarded(true).apply_batch(vec![1, 20]).ok(),
            Some(vec![2, 20])
        );
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
    fn unknown_classes_and_missing_types_name_the_key() {
        use crate::api::record::SourceRecord;
        let mut config = Props::new();
        config.insert("transforms".into(), "route".into());
        let err = build_chain::<SourceRecord>(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("\"transforms.route.type\""), "{err}");
        config.insert("transforms.route.type".into(), "org.example.Route".into());
        let err = build_chain::<SourceRecord>(&config)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("Invalid value org.example.Route for configuration transforms.route.type"),
            "{err}"
        );
        assert!(build_chain::<SourceRecord>(&Props::new()).is_ok_and(|c| c.is_identity()));
    }
}
