//! Worker and connector configuration: the Java `.properties` syntax
//! (`java.util.Properties`), config providers (`ConfigTransformer`), the
//! worker's settings (`WorkerConfig`, `StandaloneConfig`, `DistributedConfig`)
//! and a connector's common settings (`ConnectorConfig`,
//! `SinkConnectorConfig`, `SourceConnectorConfig`).

pub mod connector;
pub mod properties;
pub mod provider;
pub mod worker;

use std::path::PathBuf;

use crate::api::config_def::ConfigException;

/// A configuration problem. Every variant names what it is about (the key,
/// the file and line, or the provider) and says what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Malformed `.properties` text. `origin` is the file, or `<text>`.
    #[error("{origin}:{line}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        message: String,
    },
    /// A key's value is missing or invalid. `message` is Java's wording,
    /// which names the key (`Invalid value x for configuration k: ...`,
    /// `Missing required configuration "k" which has no default value.`).
    #[error("{message}")]
    Invalid { key: String, message: String },
    /// A config provider could not resolve a variable or be set up.
    #[error("config provider '{provider}': {message}")]
    Provider { provider: String, message: String },
}

impl ConfigError {
    /// An `Invalid` error with Java's `ConfigException(name, value, message)`
    /// wording.
    pub fn invalid(key: &str, value: impl std::fmt::Display, message: &str) -> ConfigError {
        ConfigError::Invalid {
            key: key.to_string(),
            message: format!("Invalid value {value} for configuration {key}: {message}"),
        }
    }

    /// The key this error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl From<ConfigException> for ConfigError {
    fn from(e: ConfigException) -> ConfigError {
        ConfigError::Invalid {
            key: e.name.unwrap_or_default(),
            message: e.message,
        }
    }
}
