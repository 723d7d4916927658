//! The plugin registry: which connector classes exist and how to make one
//! (Java's `Plugins` / `DelegatingClassLoader`). Class names resolve as Java
//! resolves them: the full class name, the simple name, or the simple name
//! without its `Connector` suffix.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::api::connector::{Props, SinkConnector, SourceConnector};
use crate::api::converter::{Converter, HeaderConverter};
use crate::api::error::ConnectError;
use crate::connectors::file::{FileStreamSinkConnector, FileStreamSourceConnector};
use crate::connectors::verifiable::{VerifiableSinkConnector, VerifiableSourceConnector};

/// A constructor of a connector, by kind.
#[derive(Clone, Copy)]
pub enum ConnectorFactory {
    Source(fn() -> Box<dyn SourceConnector>),
    Sink(fn() -> Box<dyn SinkConnector>),
}

impl ConnectorFactory {
    /// `source` or `sink`, as the REST API names the type.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConnectorFactory::Source(_) => "source",
            ConnectorFactory::Sink(_) => "sink",
        }
    }
}

/// One registered connector class.
#[derive(Clone, Copy)]
pub struct ConnectorPlugin {
    /// The Java class name, e.g. `org.apache.kafka.connect.file.FileStreamSourceConnector`.
    pub class: &'static str,
    pub factory: ConnectorFactory,
}

impl ConnectorPlugin {
    /// Whether REST lists it: Java leaves its test connectors
    /// (`org.apache.kafka.connect.tools.*`) out of `GET /connector-plugins`.
    pub fn is_listed(&self) -> bool {
        !self.class.starts_with("org.apache.kafka.connect.tools.")
    }

    /// The simple class name (after the last `.`).
    pub fn simple_name(&self) -> &'static str {
        self.class.rsplit('.').next().unwrap_or(self.class)
    }
}

/// The built-in connectors.
const BUILT_IN: &[ConnectorPlugin] = &[
    ConnectorPlugin {
        class: "org.apache.kafka.connect.file.FileStreamSinkConnector",
        factory: ConnectorFactory::Sink(|| Box::new(FileStreamSinkConnector::default())),
    },
    ConnectorPlugin {
        class: "org.apache.kafka.connect.tools.VerifiableSinkConnector",
        factory: ConnectorFactory::Sink(|| Box::new(VerifiableSinkConnector::default())),
    },
    ConnectorPlugin {
        class: "org.apache.kafka.connect.file.FileStreamSourceConnector",
        factory: ConnectorFactory::Source(|| Box::new(FileStreamSourceConnector::default())),
    },
    ConnectorPlugin {
        class: "org.apache.kafka.connect.tools.VerifiableSourceConnector",
        factory: ConnectorFactory::Source(|| Box::new(VerifiableSourceConnector::default())),
    },
];

/// Connectors registered by the program that embeds the runtime (the Rust
/// counterpart of Java's `plugin.path`), in registration order.
static REGISTERED: std::sync::RwLock<Vec<ConnectorPlugin>> = std::sync::RwLock::new(Vec::new());

/// Makes a connector class available to every worker of this process. A
/// class registered twice keeps its first registration.
pub fn register_connector(plugin: ConnectorPlugin) {
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    if !registered.iter().any(|p| p.class == plugin.class) {
        registered.push(plugin);
    }
}

/// Every available connector: built-in ones first, sorted by class name as
/// Java lists them, then registered ones.
pub fn connector_plugins() -> Vec<ConnectorPlugin> {
    let mut all = BUILT_IN.to_vec();
    all.extend(
        REGISTERED
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied(),
    );
    all
}

/// Finds a connector by class name or alias.
/// The Java name of a connector class's task class, as Java's connectors
/// name theirs (`...FileStreamSinkConnector` -> `...FileStreamSinkTask`):
/// the `task.class` of task configs and the class error reports name.
pub fn task_class_name(connector_class: &str) -> String {
    match connector_class.strip_suffix("Connector") {
        Some(base) => format!("{base}Task"),
        None => connector_class.to_string(),
    }
}

pub fn find_connector(name: &str) -> Option<ConnectorPlugin> {
    let name = name.trim();
    connector_plugins().into_iter().find(|p| {
        let simple = p.simple_name();
        p.class == name || simple == name || simple.strip_suffix("Connector") == Some(name)
    })
}

/// The converters of one task (key, value, header).
#[derive(Clone)]
pub struct TaskConverters {
    pub key: Arc<dyn Converter>,
    pub value: Arc<dyn Converter>,
    pub header: Option<Arc<dyn HeaderConverter>>,
    /// The configured classes, for error reports.
    pub key_class: String,
    pub value_class: String,
    pub header_class: String,
}

/// Java's `Plugins.newConverter` / `newHeaderConverter` for a task: the
/// connector's `key.converter` (etc.) or else the worker's, configured with
/// the `<kind>.converter.` keys (the worker's, overridden by the connector's).
pub fn task_converters(
    worker: &IndexMap<String, String>,
    connector: &Props,
) -> Result<TaskConverters, ConnectError> {
    let (key, key_class) = new_converter(worker, connector, "key.converter", true)?;
    let (value, value_class) = new_converter(worker, connector, "value.converter", false)?;
    let header_class = connector
        .get("header.converter")
        .or_else(|| worker.get("header.converter"))
        .cloned()
        .unwrap_or_else(|| "org.apache.kafka.connect.storage.SimpleHeaderConverter".to_string());
    let mut header = crate::converters::header_converter_by_class(&header_class).ok_or_else(|| {
        ConnectError::fatal(format!(
            "Invalid value {header_class} for configuration header.converter: Class {header_class} could not be found."
        ))
    })?;
    header.configure(&sub_configs(worker, connector, "header.converter"))?;
    Ok(TaskConverters {
        key,
        value,
        header: Some(Arc::from(header)),
        key_class,
        value_class,
        header_class,
    })
}

fn new_converter(
    worker: &IndexMap<String, String>,
    connector: &Props,
    key: &str,
    is_key: bool,
) -> Result<(Arc<dyn Converter>, String), ConnectError> {
    let class = connector
        .get(key)
        .or_else(|| worker.get(key))
        .cloned()
        .ok_or_else(|| {
            ConnectError::fatal(format!(
                "Missing required configuration \"{key}\" which has no default value."
            ))
        })?;
    let mut converter = crate::converters::converter_by_class(&class).ok_or_else(|| {
        ConnectError::fatal(format!(
            "Invalid value {class} for configuration {key}: Class {class} could not be found."
        ))
    })?;
    converter.configure(&sub_configs(worker, connector, key), is_key)?;
    Ok((Arc::from(converter), class.trim().to_string()))
}

/// `<key>.*` settings: the worker's, overridden by the connector's.
fn sub_configs(
    worker: &IndexMap<String, String>,
    connector: &Props,
    key: &str,
) -> HashMap<String, String> {
    let prefix = format!("{key}.");
    let mut out = HashMap::new();
    let both = worker.iter().chain(connector.iter());
    for (k, v) in both {
        if let Some(rest) = k.strip_prefix(&prefix) {
            out.insert(rest.to_string(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_source_resolves_by_every_alias() {
        for name in [
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "FileStreamSourceConnector",
            "FileStreamSource",
        ] {
            let p = find_connector(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                p.class,
                "org.apache.kafka.connect.file.FileStreamSourceConnector"
            );
            assert_eq!(p.factory.type_name(), "source");
        }
        assert_eq!(
            find_connector("FileStreamSink").map(|p| p.factory.type_name()),
            Some("sink")
        );
        assert!(find_connector("FileStream").is_none());
        assert!(find_connector("com.example.Nope").is_none());
    }
}
