//! Log levels that can be read and changed while the worker runs: Java's
//! `Loggers` (KIP-495), behind `GET/PUT /admin/loggers`.
//!
//! Java's loggers are log4j loggers named after classes; ours are `tracing`
//! targets (module paths such as `kconnect::runtime::worker`). The registry
//! keeps what log4j keeps: the root level, the loggers whose level was set
//! explicitly (with when, `last_modified`), and the loggers that exist
//! (every target that has logged, when the [`KnownTargets`] layer is
//! installed). Setting a level follows Java's rules: the namespace and every
//! existing logger whose name starts with it get the level; the answer is
//! their sorted names. Each change rebuilds the subscriber's filter through
//! the callback the binary installs (a `tracing_subscriber::reload` handle):
//! the root level and one `target=level` directive per explicit logger.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tracing::subscriber::Interest;
use tracing::Metadata;

/// log4j's name of the root logger (matched case-insensitively).
pub const ROOT_LOGGER_NAME: &str = "root";

/// A log4j level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    Fatal,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
    All,
}

impl Level {
    /// log4j's `Level.toLevel(name.toUpperCase(), null)`: `None` when the
    /// name is not a level.
    pub fn parse(name: &str) -> Option<Level> {
        Some(match name.to_uppercase().as_str() {
            "OFF" => Level::Off,
            "FATAL" => Level::Fatal,
            "ERROR" => Level::Error,
            "WARN" => Level::Warn,
            "INFO" => Level::Info,
            "DEBUG" => Level::Debug,
            "TRACE" => Level::Trace,
            "ALL" => Level::All,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "OFF",
            Level::Fatal => "FATAL",
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
            Level::All => "ALL",
        }
    }

    /// The `tracing` filter level that shows what this level shows.
    fn directive(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Fatal | Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace | Level::All => "trace",
        }
    }

    /// A `tracing` directive level (`info`, `DEBUG`, `off`...).
    fn from_directive(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "off" => Level::Off,
            "error" => Level::Error,
            "warn" => Level::Warn,
            "info" => Level::Info,
            "debug" => Level::Debug,
            "trace" => Level::Trace,
            _ => return None,
        })
    }
}

/// Java's `LoggerLevel`: `{"level": "INFO", "last_modified": null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggerLevel {
    pub level: String,
    /// When the level was last set through the API (epoch milliseconds).
    pub last_modified: Option<i64>,
}

/// Rebuilds the subscriber's filter from directives.
pub type ApplyFilter = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

struct Inner {
    root: Level,
    root_modified: Option<i64>,
    /// Loggers with a level of their own: level and when it was set.
    explicit: BTreeMap<String, (Level, Option<i64>)>,
    /// Every target seen logging: the loggers that exist.
    known: BTreeSet<String>,
    /// Base directives the registry does not model (span filters), kept
    /// as given.
    extra: Vec<String>,
}

/// The registry; one per process ([`Loggers::global`]), as log4j's is.
pub struct Loggers {
    inner: Mutex<Inner>,
    /// The filter callback, under its own lock: applying a filter makes
    /// `tracing` re-register every callsite, which calls back into
    /// [`Loggers::note_target`] and so must not run under `inner`. Holding
    /// this lock while reading the levels and applying them keeps the
    /// last change the one in force.
    apply: Mutex<Option<ApplyFilter>>,
}

impl Default for Loggers {
    fn default() -> Loggers {
        Loggers::new()
    }
}

impl Loggers {
    /// A registry at the binary's default: root INFO, nothing else.
    pub fn new() -> Loggers {
        Loggers {
            inner: Mutex::new(Inner {
                root: Level::Info,
                root_modified: None,
                explicit: BTreeMap::new(),
                known: BTreeSet::new(),
                extra: Vec::new(),
            }),
            apply: Mutex::new(None),
        }
    }

    pub fn global() -> &'static Loggers {
        static GLOBAL: OnceLock<Loggers> = OnceLock::new();
        GLOBAL.get_or_init(Loggers::new)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the filter the subscriber started with (`KCONNECT_LOG`
    /// syntax: `info,kconnect::kafka=debug`) and the callback that
    /// replaces it.
    pub fn init(&self, directives: &str, apply: Option<ApplyFilter>) {
        *self.apply.lock().unwrap_or_else(|e| e.into_inner()) = apply;
        let mut inner = self.lock();
        for directive in directives
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            if let Some(level) = Level::from_directive(directive) {
                inner.root = level;
                continue;
            }
            match directive.split_once('=') {
                Some((target, level))
                    if !target.contains(['[', '{']) && Level::from_directive(level).is_some() =>
                {
                    if let Some(level) = Level::from_directive(level) {
                        inner.explicit.insert(target.to_string(), (level, None));
                    }
                }
                _ => inner.extra.push(directive.to_string()),
            }
        }
    }

    /// Records that a target exists (it has logged).
    pub fn note_target(&self, target: &str) {
        let mut inner = self.lock();
        if !inner.known.contains(target) {
            inner.known.insert(target.to_string());
        }
    }

    /// One logger's level, its effective level when it has none of its
    /// own; `None` for a logger that does not exist (Java's `level`).
    pub fn level(&self, logger: &str) -> Option<LoggerLevel> {
        let found = {
            let inner = self.lock();
            if logger.eq_ignore_ascii_case(ROOT_LOGGER_NAME) {
                Some((inner.root, inner.root_modified))
            } else if inner.known.contains(logger) || inner.explicit.contains_key(logger) {
                Some(inner.effective(logger))
            } else {
                None
            }
        };
        // Logged outside the lock: a first log registers its callsite, which
        // comes back here through `note_target`.
        if found.is_none() {
            tracing::warn!("Unable to find level for logger {logger}");
        }
        found.map(|(level, last_modified)| LoggerLevel {
            level: level.name().to_string(),
            last_modified,
        })
    }

    /// Every logger with a level of its own, and the root (Java's
    /// `allLevels`), by name.
    pub fn all_levels(&self) -> BTreeMap<String, LoggerLevel> {
        let inner = self.lock();
        let mut out: BTreeMap<String, LoggerLevel> = inner
            .explicit
            .iter()
            .map(|(name, (level, modified))| {
                (
                    name.clone(),
                    LoggerLevel {
                        level: level.name().to_string(),
                        last_modified: *modified,
                    },
                )
            })
            .collect();
        out.insert(
            ROOT_LOGGER_NAME.to_string(),
            LoggerLevel {
                level: inner.root.name().to_string(),
                last_modified: inner.root_modified,
            },
        );
        out
    }

    /// Sets `level` on `namespace` and every existing logger under it
    /// (Java's `setLevel`); returns their names, sorted. A logger already at
    /// that level is left as it is, but still named.
    pub fn set_level(&self, namespace: &str, level: Level) -> Vec<String> {
        tracing::info!(
            "Setting level of namespace {namespace} and children to {}",
            level.name()
        );
        let now = epoch_millis();
        let apply = self.apply.lock().unwrap_or_else(|e| e.into_inner());
        let mut inner = self.lock();
        let existing: BTreeSet<String> = inner
            .known
            .iter()
            .chain(inner.explicit.keys())
            .cloned()
            .collect();
        let mut affected: Vec<String>;
        let root = namespace.eq_ignore_ascii_case(ROOT_LOGGER_NAME);
        if root {
            affected = existing.into_iter().collect();
        } else {
            // Children first, as log4j lists them before the ancestor it
            // creates: each child compares with the level it has now.
            affected = existing
                .into_iter()
                .filter(|name| name.starts_with(namespace) && name != namespace)
                .collect();
            affected.push(namespace.to_string());
        }
        for name in &affected {
            if inner.effective(name).0 == level {
                continue;
            }
            inner.explicit.insert(name.clone(), (level, Some(now)));
        }
        if root {
            if inner.root != level {
                inner.root = level;
                inner.root_modified = Some(now);
            }
            affected.push(ROOT_LOGGER_NAME.to_string());
        }
        let directives = inner.directives();
        drop(inner);
        if let Some(apply) = apply.as_ref() {
            if let Err(e) = apply(&directives) {
                tracing::warn!(error = %e, "could not apply the new log levels");
            }
        }
        drop(apply);
        affected.sort();
        affected
    }
}

impl Inner {
    /// A logger's own level, else that of the longest explicit name it
    /// starts with (as the filter matches targets), else the root's.
    fn effective(&self, logger: &str) -> (Level, Option<i64>) {
        if let Some((level, modified)) = self.explicit.get(logger) {
            return (*level, *modified);
        }
        let parent = self
            .explicit
            .iter()
            .filter(|(name, _)| logger.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len());
        match parent {
            Some((_, (level, _))) => (*level, None),
            None => (self.root, None),
        }
    }

    /// The filter directives for the current levels.
    fn directives(&self) -> String {
        let mut parts = vec![self.root.directive().to_string()];
        for (name, (level, _)) in &self.explicit {
            parts.push(format!("{name}={}", level.directive()));
        }
        parts.extend(self.extra.iter().cloned());
        parts.join(",")
    }
}

fn epoch_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A subscriber layer that records every target that logs, so that the
/// registry knows which loggers exist. Install it outermost (last
/// `.with(...)`), so that it sees callsites the filter disables too.
pub struct KnownTargets;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for KnownTargets {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        Loggers::global().note_target(metadata.target());
        Interest::always()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn levels_parse_like_log4j() {
        assert_eq!(Level::parse("debug"), Some(Level::Debug));
        assert_eq!(Level::parse("Fatal"), Some(Level::Fatal));
        assert_eq!(Level::parse("verbose"), None);
        assert_eq!(Level::All.name(), "ALL");
    }

    #[test]
    fn set_levels_follow_javas_rules() {
        let applied = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = applied.clone();
        let loggers = Loggers::new();
        loggers.init(
            "info,hyper=warn",
            Some(Box::new(move |d| {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(d.to_string());
                Ok(())
            })),
        );
        loggers.note_target("kconnect::runtime::worker");
        loggers.note_target("kconnect::runtime::herder::standalone");
        loggers.note_target("kconnect::kafka::producer");

        let all = loggers.all_levels();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["hyper", "root"]);
        assert_eq!(
            all.get("root"),
            Some(&LoggerLevel {
                level: "INFO".to_string(),
                last_modified: None
            })
        );
        assert_eq!(
            loggers.level("kconnect::runtime::worker").map(|l| l.level),
            Some("INFO".to_string())
        );
        assert_eq!(loggers.level("nope"), None);
        assert_eq!(
            loggers.level("ROOT").map(|l| l.level),
            Some("INFO".to_string())
        );

        let changed = loggers.set_level("kconnect::runtime", Level::Debug);
        assert_eq!(
            changed,
            [
                "kconnect::runtime",
                "kconnect::runtime::herder::standalone",
                "kconnect::runtime::worker"
            ]
        );
        let worker = loggers.level("kconnect::runtime::worker");
        assert_eq!(worker.as_ref().map(|l| l.level.as_str()), Some("DEBUG"));
        assert!(worker.and_then(|l| l.last_modified).is_some());
        assert_eq!(
            loggers.level("kconnect::kafka::producer").map(|l| l.level),
            Some("INFO".to_string())
        );
        assert_eq!(
            applied.lock().unwrap_or_else(|e| e.into_inner()).last().cloned(),
            Some(
                "info,hyper=warn,kconnect::runtime=debug,kconnect::runtime::herder::standalone=debug,kconnect::runtime::worker=debug"
                    .to_string()
            )
        );

        // Already at that level: named, not modified.
        let before = loggers.level("hyper");
        assert_eq!(loggers.set_level("hyper", Level::Warn), ["hyper"]);
        assert_eq!(loggers.level("hyper"), before);

        let everything = loggers.set_level("root", Level::Error);
        assert_eq!(everything.len(), 6);
        assert!(everything.contains(&"root".to_string()));
        assert_eq!(
            loggers.all_levels().get("root").map(|l| l.level.as_str()),
            Some("ERROR")
        );
    }
}
