//! Config providers: `${provider:[path:]key}` variables in worker and
//! connector configs, resolved as Java's `ConfigTransformer` resolves them,
//! by the built-in providers `FileConfigProvider`, `EnvVarConfigProvider`
//! and `DirectoryConfigProvider` (with their `allowed.paths` /
//! `allowlist.pattern` settings, Java's `AllowedPaths`), set up from the
//! worker's `config.providers` keys as `Worker.initConfigTransformer` and
//! `Plugins.newConfigProvider` do.
//!
//! Java's rules, kept here:
//! - A variable naming a provider that is not configured stays as written.
//! - A key the provider does not have stays as written too (Java does not
//!   fail; kconnect logs a warning naming it).
//! - A provider failure (an unreadable file, a path given to `env`) is an
//!   error.
//! - A name in `config.providers` without a `config.providers.<name>.class`
//!   is no provider: its variables stay as written.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use regex::Regex;

use super::properties::load_properties_utf8;
use super::ConfigError;
use crate::api::config_def::{parse_type, Type, Value};

/// The worker key listing provider names.
pub const CONFIG_PROVIDERS_CONFIG: &str = "config.providers";

const FILE_CLASS: &str = "org.apache.kafka.common.config.provider.FileConfigProvider";
const ENV_CLASS: &str = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";
const DIRECTORY_CLASS: &str = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

/// Java's `ConfigProvider.get(path, keys)`: the values it has for `keys`
/// under `path`; keys it does not have are simply absent.
pub trait ConfigProvider: Send + Sync {
    fn get(
        &self,
        path: &str,
        keys: &HashSet<String>,
    ) -> Result<HashMap<String, String>, ConfigError>;
}

/// The configured providers by name. A name mapped to `None` was listed in
/// `config.providers` without a class, as Java allows.
#[derive(Clone, Default)]
pub struct ConfigProviders {
    providers: IndexMap<String, Option<Arc<dyn ConfigProvider>>>,
}

impl std::fmt::Debug for ConfigProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.providers.keys()).finish()
    }
}

impl ConfigProviders {
    pub fn new() -> ConfigProviders {
        ConfigProviders::default()
    }

    pub fn insert(&mut self, name: impl Into<String>, provider: Arc<dyn ConfigProvider>) {
        self.providers.insert(name.into(), Some(provider));
    }

    pub fn is_empty(&self) -> bool {
        self.providers.values().all(Option::is_none)
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn ConfigProvider>> {
        self.providers.get(name).and_then(Option::as_ref)
    }

    /// Sets up the providers a worker's properties ask for:
    /// `config.providers=file,env`,
    /// `config.providers.<name>.class=<class or alias>` and
    /// `config.providers.<name>.param.<setting>=...`. The class may be the
    /// full Java name, the simple name or the name without
    /// `ConfigProvider` (`FileConfigProvider`, `File`).
    pub fn from_worker_props(
        props: &impl crate::api::config_def::Properties,
    ) -> Result<ConfigProviders, ConfigError> {
        let mut providers = ConfigProviders::new();
        let Some(raw) = props.get_property(CONFIG_PROVIDERS_CONFIG) else {
            return Ok(providers);
        };
        let names = match parse_type(CONFIG_PROVIDERS_CONFIG, raw, Type::List)? {
            Value::List(names) => names,
            _ => Vec::new(),
        };
        for name in names {
            let prefix = format!("{CONFIG_PROVIDERS_CONFIG}.{name}");
            let class_key = format!("{prefix}.class");
            let Some(class) = props.get_property(&class_key) else {
                providers.providers.insert(name, None);
                continue;
            };
            let params = ParamView {
                props,
                prefix: format!("{prefix}.param."),
            };
            let provider: Arc<dyn ConfigProvider> = match resolve_class(class.trim()) {
                Some(FILE_CLASS) => Arc::new(FileConfigProvider::configure(&params)?),
                Some(ENV_CLASS) => Arc::new(EnvVarConfigProvider::configure(&params)?),
                Some(DIRECTORY_CLASS) => Arc::new(DirectoryConfigProvider::configure(&params)?),
                _ => {
                    return Err(ConfigError::Invalid {
                        key: class_key,
                        message: format!(
                            "Failed to find any class that implements ConfigProvider and which name matches {}, available ConfigProviders are: {DIRECTORY_CLASS}, {ENV_CLASS}, {FILE_CLASS}",
                            class.trim()
                        ),
                    })
                }
            };
            providers.providers.insert(name, Some(provider));
        }
        Ok(providers)
    }
}

/// The built-in provider a class name or alias stands for.
fn resolve_class(class: &str) -> Option<&'static str> {
    [FILE_CLASS, ENV_CLASS, DIRECTORY_CLASS]
        .into_iter()
        .find(|full| {
            let simple = full.rsplit('.').next().unwrap_or(full);
            let pruned = simple.strip_suffix("ConfigProvider").unwrap_or(simple);
            class == *full || class == simple || class == pruned
        })
}

/// A provider's `param.` settings, without the prefix.
struct ParamView<'a, P: ?Sized> {
    props: &'a P,
    prefix: String,
}

impl<P: crate::api::config_def::Properties + ?Sized> ParamView<'_, P> {
    fn get(&self, param: &str) -> Option<&str> {
        self.props.get_property(&format!("{}{param}", self.prefix))
    }
}

/// `ConfigTransformer.DEFAULT_PATTERN`: `${provider:[path:]key}`, with
/// Java's reluctant quantifiers (the `regex` crate's leftmost-first
/// matching gives the same groups).
fn variable_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}")
            .expect("the variable pattern is a valid constant")
    })
}

/// One `${provider:path:key}` occurrence.
struct Variable<'a> {
    provider: &'a str,
    path: &'a str,
    key: &'a str,
}

fn variables(value: &str) -> impl Iterator<Item = (regex::Match<'_>, Variable<'_>)> {
    variable_pattern().captures_iter(value).filter_map(|c| {
        Some((
            c.get(0)?,
            Variable {
                provider: c.get(1)?.as_str(),
                path: c.get(3).map_or("", |m| m.as_str()),
                key: c.get(4)?.as_str(),
            },
        ))
    })
}

/// Java's `ConfigTransformer.transform`: collects every variable, asks each
/// configured provider once per path for the keys it needs, and replaces
/// what was found. Unknown providers and missing keys leave the variable as
/// written; a provider's own failure is the error.
pub fn transform(
    configs: &IndexMap<String, String>,
    providers: &ConfigProviders,
) -> Result<IndexMap<String, String>, ConfigError> {
    let mut wanted: HashMap<&str, HashMap<&str, HashSet<String>>> = HashMap::new();
    for value in configs.values() {
        for (_, var) in variables(value) {
            wanted
                .entry(var.provider)
                .or_default()
                .entry(var.path)
                .or_default()
                .insert(var.key.to_string());
        }
    }
    if wanted.is_empty() {
        return Ok(configs.clone());
    }

    let mut found: HashMap<(&str, &str), HashMap<String, String>> = HashMap::new();
    for (provider_name, paths) in &wanted {
        let Some(provider) = providers.get(provider_name) else {
            continue;
        };
        for (path, keys) in paths {
            let data = provider.get(path, keys).map_err(|e| match e {
                ConfigError::Provider { .. } => e,
                other => ConfigError::Provider {
                    provider: provider_name.to_string(),
                    message: other.to_string(),
                },
            })?;
            found.insert((provider_name, path), data);
        }
    }

    let mut out = IndexMap::with_capacity(configs.len());
    for (name, value) in configs {
        let mut replaced = String::with_capacity(value.len());
        let mut last = 0;
        for (whole, var) in variables(value) {
            let Some(data) = found.get(&(var.provider, var.path)) else {
                continue;
            };
            replaced.push_str(&value[last..whole.start()]);
            match data.get(var.key) {
                Some(v) => replaced.push_str(v),
                None => {
                    tracing::warn!(
                        config = %name,
                        "config provider '{}' has no key '{}'{}; the variable {} is left as written",
                        var.provider,
                        var.key,
                        if var.path.is_empty() { String::new() } else { format!(" at '{}'", var.path) },
                        whole.as_str()
                    );
                    replaced.push_str(whole.as_str());
                }
            }
            last = whole.end();
        }
        replaced.push_str(&value[last..]);
        out.insert(name.clone(), replaced);
    }
    Ok(out)
}

/// Java's `AllowedPaths`: when `allowed.paths` is set, a provider reads only
/// under those directories (compared after resolving `.` and `..`).
#[derive(Debug, Clone, Default)]
struct AllowedPaths {
    allowed: Option<Vec<PathBuf>>,
}

impl AllowedPaths {
    fn configure(value: Option<&str>) -> Result<AllowedPaths, ConfigError> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            return Ok(AllowedPaths::default());
        };
        let mut allowed = Vec::new();
        // Java splits on commas without trimming.
        for entry in value.split(',') {
            let path = normalize(Path::new(entry));
            if !path.is_absolute() {
                return Err(ConfigError::Invalid {
                    key: "allowed.paths".to_string(),
                    message: format!("Path {} is not absolute", path.display()),
                });
            }
            if !path.exists() {
                return Err(ConfigError::Invalid {
                    key: "allowed.paths".to_string(),
                    message: format!("Path {} does not exist", path.display()),
                });
            }
            allowed.push(path);
        }
        Ok(AllowedPaths {
            allowed: Some(allowed),
        })
    }

    /// The path to read, or `None` when it lies outside the allowed paths.
    fn parse_untrusted(&self, path: &str) -> Option<PathBuf> {
        match &self.allowed {
            None => Some(PathBuf::from(path)),
            Some(allowed) => {
                let normalized = normalize(Path::new(path));
                allowed
                    .iter()
                    .any(|a| normalized.starts_with(a))
                    .then_some(normalized)
            }
        }
    }
}

/// Java's `Path.normalize`: drops `.` and folds `name/..`, lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// `FileConfigProvider`: `${file:/path/to/file.properties:key}` reads `key`
/// from a UTF-8 properties file.
#[derive(Debug, Clone, Default)]
pub struct FileConfigProvider {
    allowed: AllowedPaths,
}

impl FileConfigProvider {
    /// A provider reading any path.
    pub fn new() -> FileConfigProvider {
        FileConfigProvider::default()
    }

    /// A provider restricted to `allowed.paths` (comma-separated absolute
    /// paths that exist).
    pub fn with_allowed_paths(allowed_paths: &str) -> Result<FileConfigProvider, ConfigError> {
        Ok(FileConfigProvider {
            allowed: AllowedPaths::configure(Some(allowed_paths))?,
        })
    }

    fn configure<P: crate::api::config_def::Properties + ?Sized>(
        params: &ParamView<'_, P>,
    ) -> Result<FileConfigProvider, ConfigError> {
        Ok(FileConfigProvider {
            allowed: AllowedPaths::configure(params.get("allowed.paths"))?,
        })
    }
}

impl ConfigProvider for FileConfigProvider {
    fn get(
        &self,
        path: &str,
        keys: &HashSet<String>,
    ) -> Result<HashMap<String, String>, ConfigError> {
        if path.is_empty() {
            return Ok(HashMap::new());
        }
        let Some(file) = self.allowed.parse_untrusted(path) else {
            tracing::warn!("The path {path} is not allowed to be accessed");
            return Ok(HashMap::new());
        };
        let props = load_properties_utf8(&file).map_err(|e| ConfigError::Provider {
            provider: "FileConfigProvider".to_string(),
            message: match e {
                ConfigError::Io { .. } => format!("Could not read properties from file {path}"),
                other => other.to_string(),
            },
        })?;
        Ok(props
            .into_iter()
            .filter(|(k, _)| keys.contains(k))
            .collect())
    }
}

/// `EnvVarConfigProvider`: `${env:VAR}` (no path) reads an environment
/// variable, taken when the provider is set up. `allowlist.pattern` (a
/// regular expression the whole name must match) limits which.
#[derive(Debug, Clone, Default)]
pub struct EnvVarConfigProvider {
    vars: HashMap<String, String>,
}

impl EnvVarConfigProvider {
    /// The process environment, all of it.
    pub fn new() -> EnvVarConfigProvider {
        EnvVarConfigProvider::from_vars(std::env::vars().collect(), None)
            .unwrap_or_else(|_| EnvVarConfigProvider::default())
    }

    /// Given variables, filtered by an allowlist pattern.
    pub fn from_vars(
        vars: HashMap<String, String>,
        allowlist_pattern: Option<&str>,
    ) -> Result<EnvVarConfigProvider, ConfigError> {
        let Some(pattern) = allowlist_pattern else {
            return Ok(EnvVarConfigProvider { vars });
        };
        let full = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| ConfigError::Invalid {
            key: "allowlist.pattern".to_string(),
            message: format!("Invalid value {pattern} for configuration allowlist.pattern: {e}"),
        })?;
        Ok(EnvVarConfigProvider {
            vars: vars.into_iter().filter(|(k, _)| full.is_match(k)).collect(),
        })
    }

    fn configure<P: crate::api::config_def::Properties + ?Sized>(
        params: &ParamView<'_, P>,
    ) -> Result<EnvVarConfigProvider, ConfigError> {
        EnvVarConfigProvider::from_vars(std::env::vars().collect(), params.get("allowlist.pattern"))
    }
}

impl ConfigProvider for EnvVarConfigProvider {
    fn get(
        &self,
        path: &str,
        keys: &HashSet<String>,
    ) -> Result<HashMap<String, String>, ConfigError> {
        if !path.is_empty() {
            return Err(ConfigError::Provider {
                provider: "EnvVarConfigProvider".to_string(),
                message: format!(
                    "Path is not supported for EnvVarConfigProvider, invalid value '{path}'"
                ),
            });
        }
        Ok(keys
            .iter()
            .filter_map(|k| self.vars.get(k).map(|v| (k.clone(), v.clone())))
            .collect())
    }
}

/// `DirectoryConfigProvider`: `${directory:/dir:file}` is the whole content
/// (UTF-8, untrimmed) of the regular file `file` in `/dir`, as Kubernetes
/// secret volumes lay secrets out.
#[derive(Debug, Clone, Default)]
pub struct DirectoryConfigProvider {
    allowed: AllowedPaths,
}

impl DirectoryConfigProvider {
    pub fn new() -> DirectoryConfigProvider {
        DirectoryConfigProvider::default()
    }

    pub fn with_allowed_paths(allowed_paths: &str) -> Result<DirectoryConfigProvider, ConfigError> {
        Ok(DirectoryConfigProvider {
            allowed: AllowedPaths::configure(Some(allowed_paths))?,
        })
    }

    fn configure<P: crate::api::config_def::Properties + ?Sized>(
        params: &ParamView<'_, P>,
    ) -> Result<DirectoryConfigProvider, ConfigError> {
        Ok(DirectoryConfigProvider {
            allowed: AllowedPaths::configure(params.get("allowed.paths"))?,
        })
    }
}

impl ConfigProvider for DirectoryConfigProvider {
    fn get(
        &self,
        path: &str,
        keys: &HashSet<String>,
    ) -> Result<HashMap<String, String>, ConfigError> {
        let mut out = HashMap::new();
        if path.is_empty() {
            return Ok(out);
        }
        let Some(dir) = self.allowed.parse_untrusted(path) else {
            tracing::warn!("The path {path} is not allowed to be accessed");
            return Ok(out);
        };
        if !dir.is_dir() {
            tracing::warn!("The path {path} is not a directory");
            return Ok(out);
        }
        let provider_error = |message: String| ConfigError::Provider {
            provider: "DirectoryConfigProvider".to_string(),
            message,
        };
        let entries = std::fs::read_dir(&dir)
            .map_err(|_| provider_error(format!("Could not list directory {}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|_| {
                provider_error(format!("Could not list directory {}", dir.display()))
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let file = entry.path();
            if !keys.contains(&name) || !file.is_file() {
                continue;
            }
            let content = std::fs::read_to_string(&file).map_err(|_| {
                provider_error(format!(
                    "Could not read file {} for property {name}",
                    file.display()
                ))
            })?;
            out.insert(name, content);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "kconnect-provider-{tag}-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4()
            ));
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        fn write(&self, name: &str, content: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, content).expect("write temp file");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn map(items: &[(&str, &str)]) -> IndexMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn env(items: &[(&str, &str)]) -> Arc<dyn ConfigProvider> {
        let vars = items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Arc::new(EnvVarConfigProvider::from_vars(vars, None).expect("env provider"))
    }

    #[test]
    fn file_provider_replaces_keys_from_a_properties_file() {
        let dir = TempDir::new("file");
        let secrets = dir.write("secrets.properties", "user=alice\npassword=s3cr\\u00e9t\n");
        let mut providers = ConfigProviders::new();
        providers.insert("file", Arc::new(FileConfigProvider::new()));
        let p = secrets.display();
        let configs = map(&[
            ("connection.user", &format!("${{file:{p}:user}}")),
            (
                "connection.url",
                &format!("jdbc://${{file:{p}:user}}:${{file:{p}:password}}@db"),
            ),
            ("plain", "no variables"),
        ]);
        let out = transform(&configs, &providers).expect("transform");
        assert_eq!(out["connection.user"], "alice");
        assert_eq!(out["connection.url"], "jdbc://alice:s3cr\u{e9}t@db");
        assert_eq!(out["plain"], "no variables");
        let keys: Vec<&String> = out.keys().collect();
        assert_eq!(keys, ["connection.user", "connection.url", "plain"]);
    }

    #[test]
    fn missing_keys_and_unknown_providers_are_left_as_written() {
        let dir = TempDir::new("missing");
        let secrets = dir.write("s.properties", "a=1\n");
        let mut providers = ConfigProviders::new();
        providers.insert("file", Arc::new(FileConfigProvider::new()));
        let p = secrets.display();
        let configs = map(&[
            ("missing", &format!("x${{file:{p}:nope}}y")),
            ("unknown", "${vault:secret/db:password}"),
            ("mixed", &format!("${{vault:k}}-${{file:{p}:a}}")),
        ]);
        let out = transform(&configs, &providers).expect("transform");
        assert_eq!(out["missing"], format!("x${{file:{p}:nope}}y"));
        assert_eq!(out["unknown"], "${vault:secret/db:password}");
        assert_eq!(out["mixed"], "${vault:k}-1");
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let mut providers = ConfigProviders::new();
        providers.insert("file", Arc::new(FileConfigProvider::new()));
        let configs = map(&[("k", "${file:/nonexistent/kconnect.properties:key}")]);
        match transform(&configs, &providers) {
            Err(e) => assert_eq!(
                e.to_string(),
                "config provider 'FileConfigProvider': Could not read properties from file /nonexistent/kconnect.properties"
            ),
            Ok(out) => panic!("expected an error, got {out:?}"),
        }
    }

    #[test]
    fn env_provider_has_no_path() {
        let mut providers = ConfigProviders::new();
        providers.insert("env", env(&[("DB_PASSWORD", "hunter2"), ("HOME", "/root")]));
        let out = transform(
            &map(&[
                ("password", "${env:DB_PASSWORD}"),
                ("other", "${env:NOT_SET}"),
            ]),
            &providers,
        )
        .expect("transform");
        assert_eq!(out["password"], "hunter2");
        assert_eq!(out["other"], "${env:NOT_SET}");
        match transform(&map(&[("p", "${env:/some/path:DB_PASSWORD}")]), &providers) {
            Err(e) => assert!(
                e.to_string().contains(
                    "Path is not supported for EnvVarConfigProvider, invalid value '/some/path'"
                ),
                "{e}"
            ),
            Ok(out) => panic!("expected an error, got {out:?}"),
        }
    }

    #[test]
    fn env_allowlist_pattern_must_match_the_whole_name() {
        let vars: HashMap<String, String> = [("DB_PASSWORD", "x"), ("MY_DB_PASSWORD", "y")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let provider = EnvVarConfigProvider::from_vars(vars, Some("DB_.*")).expect("env provider");
        let keys: HashSet<String> =
            ["DB_PASSWORD".to_string(), "MY_DB_PASSWORD".to_string()].into();
        let got = provider.get("", &keys).expect("get");
        assert_eq!(got.len(), 1);
        assert_eq!(got.get("DB_PASSWORD").map(String::as_str), Some("x"));
    }

    #[test]
    fn real_process_environment() {
        // PATH is set in any environment the tests run in.
        let path = std::env::var("PATH").unwrap_or_default();
        let mut providers = ConfigProviders::new();
        providers.insert("env", Arc::new(EnvVarConfigProvider::new()));
        let out = transform(&map(&[("p", "${env:PATH}")]), &providers).expect("transform");
        assert_eq!(out["p"], path);
    }

    #[test]
    fn directory_provider_reads_whole_files() {
        let dir = TempDir::new("dir");
        dir.write("username", "bob");
        dir.write("password", "pa:ss\n");
        std::fs::create_dir_all(dir.0.join("subdir")).expect("mkdir");
        let mut providers = ConfigProviders::new();
        providers.insert("directory", Arc::new(DirectoryConfigProvider::new()));
        let d = dir.0.display();
        let out = transform(
            &map(&[
                ("u", &format!("${{directory:{d}:username}}")),
                ("p", &format!("${{directory:{d}:password}}")),
                ("s", &format!("${{directory:{d}:subdir}}")),
            ]),
            &providers,
        )
        .expect("transform");
        assert_eq!(out["u"], "bob");
        assert_eq!(out["p"], "pa:ss\n");
        assert_eq!(out["s"], format!("${{directory:{d}:subdir}}"));
    }

    #[test]
    fn allowed_paths_restrict_reads() {
        let allowed = TempDir::new("allowed");
        let other = TempDir::new("other");
        allowed.write("ok.properties", "k=inside\n");
        let outside = other.write("no.properties", "k=outside\n");
        let provider = FileConfigProvider::with_allowed_paths(&allowed.0.display().to_string())
            .expect("allowed paths");
        let keys: HashSet<String> = ["k".to_string()].into();
        let inside = format!("{}/sub/../ok.properties", allowed.0.display());
        assert_eq!(
            provider
                .get(&inside, &keys)
                .expect("get")
                .get("k")
                .map(String::as_str),
            Some("inside")
        );
        assert!(provider
            .get(&outside.display().to_string(), &keys)
            .expect("get")
            .is_empty());
        let escape = format!("{}/../{}", allowed.0.display(), outside.display());
        assert!(provider.get(&escape, &keys).expect("get").is_empty());

        match FileConfigProvider::with_allowed_paths("relative/dir") {
            Err(e) => assert_eq!(e.to_string(), "Path relative/dir is not absolute"),
            Ok(_) => panic!("a relative allowed path must be rejected"),
        }
        match FileConfigProvider::with_allowed_paths("/nonexistent/kconnect") {
            Err(e) => assert_eq!(e.to_string(), "Path /nonexistent/kconnect does not exist"),
            Ok(_) => panic!("a missing allowed path must be rejected"),
        }
    }

    #[test]
    fn variable_syntax_matches_javas_pattern() {
        let groups = |s: &str| -> Vec<(String, String, String)> {
            variables(s)
                .map(|(_, v)| {
                    (
                        v.provider.to_string(),
                        v.path.to_string(),
                        v.key.to_string(),
                    )
                })
                .collect()
        };
        let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(groups("${env:VAR}"), [t("env", "", "VAR")]);
        assert_eq!(
            groups("${file:/a/b.properties:key}"),
            [t("file", "/a/b.properties", "key")]
        );
        // Reluctant groups: the path stops at the first colon after it.
        assert_eq!(groups("${a:b:c:d}"), [t("a", "b", "c:d")]);
        assert_eq!(groups("${x:}"), [t("x", "", "")]);
        assert_eq!(groups("$${p:k}}"), [t("p", "", "k")]);
        assert!(groups("${nocolon}").is_empty());
        assert!(groups("$ {a:b}").is_empty());
        assert_eq!(groups("${a:b} and ${c:d:e}").len(), 2);
    }

    #[test]
    fn providers_from_worker_props() {
        let dir = TempDir::new("worker");
        let secrets = dir.write("w.properties", "token=abc\n");
        let props: HashMap<String, String> = [
            ("config.providers", " file , env ,nameless"),
            ("config.providers.file.class", FILE_CLASS),
            ("config.providers.env.class", "EnvVar"),
            ("config.providers.env.param.allowlist.pattern", "PATH"),
            (
                "config.providers.file.param.allowed.paths",
                &dir.0.display().to_string(),
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let providers = ConfigProviders::from_worker_props(&props).expect("providers");
        assert!(providers.get("file").is_some());
        assert!(providers.get("env").is_some());
        assert!(providers.get("nameless").is_none());
        let out = transform(
            &map(&[
                ("t", &format!("${{file:{}:token}}", secrets.display())),
                ("home", "${env:HOME}"),
                ("n", "${nameless:x}"),
            ]),
            &providers,
        )
        .expect("transform");
        assert_eq!(out["t"], "abc");
        assert_eq!(out["home"], "${env:HOME}", "HOME is not in the allowlist");
        assert_eq!(out["n"], "${nameless:x}");

        for alias in ["FileConfigProvider", "File", "Directory", DIRECTORY_CLASS] {
            let props: HashMap<String, String> = [
                ("config.providers".to_string(), "p".to_string()),
                ("config.providers.p.class".to_string(), alias.to_string()),
            ]
            .into();
            assert!(
                ConfigProviders::from_worker_props(&props).is_ok(),
                "{alias}"
            );
        }
        let bad: HashMap<String, String> = [
            ("config.providers".to_string(), "vault".to_string()),
            (
                "config.providers.vault.class".to_string(),
                "com.example.Vault".to_string(),
            ),
        ]
        .into();
        match ConfigProviders::from_worker_props(&bad) {
            Err(e) => {
                assert_eq!(e.key(), Some("config.providers.vault.class"));
                assert!(e.to_string().starts_with("Failed to find any class that implements ConfigProvider and which name matches com.example.Vault"), "{e}");
            }
            Ok(p) => panic!("expected an error, got {p:?}"),
        }
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("../a/..")), PathBuf::from(".."));
    }
}
