//! The plugin registry: which connector classes exist and how to make one
//! (Java's `Plugins` / `DelegatingClassLoader`). Class names resolve as Java
//! resolves them: the full class name, the simple name, or the simple name
//! without its `Connector` suffix.

use crate::api::connector::{SinkConnector, SourceConnector};
use crate::connectors::file::{FileStreamSinkConnector, FileStreamSourceConnector};

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
    /// The simple class name (after the last `.`).
    pub fn simple_name(&self) -> &'static str {
        self.class.rsplit('.').next().unwrap_or(self.class)
    }
}

/// Every built-in connector.
pub fn connector_plugins() -> &'static [ConnectorPlugin] {
    &[
        ConnectorPlugin {
            class: "org.apache.kafka.connect.file.FileStreamSinkConnector",
            factory: ConnectorFactory::Sink(|| Box::new(FileStreamSinkConnector::default())),
        },
        ConnectorPlugin {
            class: "org.apache.kafka.connect.file.FileStreamSourceConnector",
            factory: ConnectorFactory::Source(|| Box::new(FileStreamSourceConnector::default())),
        },
    ]
}

/// Finds a connector by class name or alias.
pub fn find_connector(name: &str) -> Option<ConnectorPlugin> {
    let name = name.trim();
    connector_plugins().iter().copied().find(|p| {
        let simple = p.simple_name();
        p.class == name || simple == name || simple.strip_suffix("Connector") == Some(name)
    })
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
