//! Request routing: the path, split into URL-decoded segments, becomes a
//! [`Route`]; the method then picks the endpoint (see `handlers`). Mirrors
//! the `@Path` templates of Java's `RootResource`, `ConnectorsResource` and
//! `ConnectorPluginsResource`, including Jersey's answers when nothing
//! matches: 404 for an unknown path (also for a task id that is not an
//! integer, which Jersey cannot convert) and 405 for a known path with the
//! wrong method.

use hyper::Method;

/// One endpoint template with its path parameters filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`
    Root,
    /// `/health`
    Health,
    /// `/connectors`
    Connectors,
    /// `/connectors/{c}`
    Connector(String),
    /// `/connectors/{c}/config`
    Config(String),
    /// `/connectors/{c}/status`
    Status(String),
    /// `/connectors/{c}/restart`
    Restart(String),
    /// `/connectors/{c}/pause`
    Pause(String),
    /// `/connectors/{c}/resume`
    Resume(String),
    /// `/connectors/{c}/stop`
    Stop(String),
    /// `/connectors/{c}/tasks`
    Tasks(String),
    /// `/connectors/{c}/tasks/{t}/status`
    TaskStatus(String, i32),
    /// `/connectors/{c}/tasks/{t}/restart`
    TaskRestart(String, i32),
    /// `/connectors/{c}/offsets`
    Offsets(String),
    /// `/connectors/{c}/topics`
    Topics(String),
    /// `/connectors/{c}/topics/reset`
    TopicsReset(String),
    /// `/connector-plugins`
    ConnectorPlugins,
    /// `/connector-plugins/{plugin}/config`
    PluginConfig(String),
    /// `/connector-plugins/{plugin}/config/validate`
    PluginValidate(String),
    /// `/admin/loggers`
    Loggers,
    /// `/admin/loggers/{logger}`
    Logger(String),
}

impl Route {
    /// Parses a request path (without its query). `None` when no template
    /// matches, or when a segment is not valid percent-encoded UTF-8.
    pub fn parse(path: &str) -> Option<Route> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        // Jersey ignores one trailing slash: `/connectors/` is `/connectors`.
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Some(Route::Root);
        }
        let raw: Vec<&str> = trimmed.split('/').collect();
        // Decode after splitting, so that `%2F` stays inside a name.
        let mut segs = Vec::with_capacity(raw.len());
        for s in raw {
            segs.push(percent_decode(s, false)?);
        }
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let name = |s: &str| -> Option<String> { (!s.is_empty()).then(|| s.to_string()) };
        let route = match segs.as_slice() {
            ["health"] => Route::Health,
            ["connectors"] => Route::Connectors,
            ["connector-plugins"] => Route::ConnectorPlugins,
            ["connectors", c] => Route::Connector(name(c)?),
            ["connectors", c, "config"] => Route::Config(name(c)?),
            ["connectors", c, "status"] => Route::Status(name(c)?),
            ["connectors", c, "restart"] => Route::Restart(name(c)?),
            ["connectors", c, "pause"] => Route::Pause(name(c)?),
            ["connectors", c, "resume"] => Route::Resume(name(c)?),
            ["connectors", c, "stop"] => Route::Stop(name(c)?),
            ["connectors", c, "tasks"] => Route::Tasks(name(c)?),
            ["connectors", c, "offsets"] => Route::Offsets(name(c)?),
            ["connectors", c, "topics"] => Route::Topics(name(c)?),
            ["connectors", c, "topics", "reset"] => Route::TopicsReset(name(c)?),
            ["connector-plugins", p, "config"] => Route::PluginConfig(name(p)?),
            ["connector-plugins", p, "config", "validate"] => Route::PluginValidate(name(p)?),
            ["admin", "loggers"] => Route::Loggers,
            ["admin", "loggers", l] => Route::Logger(name(l)?),
            ["connectors", c, "tasks", t, "status"] => Route::TaskStatus(name(c)?, parse_task(t)?),
            ["connectors", c, "tasks", t, "restart"] => {
                Route::TaskRestart(name(c)?, parse_task(t)?)
            }
            _ => return None,
        };
        Some(route)
    }

    /// The methods this path answers (`HEAD` goes with `GET`).
    pub fn methods(&self) -> &'static [Method] {
        match self {
            Route::Root
            | Route::Health
            | Route::Status(_)
            | Route::Topics(_)
            | Route::TaskStatus(..) => &[Method::GET],
            Route::ConnectorPlugins | Route::PluginConfig(_) | Route::Loggers => &[Method::GET],
            Route::PluginValidate(_) => &[Method::PUT],
            Route::Logger(_) => &[Method::GET, Method::PUT],
            Route::Offsets(_) => &[Method::GET, Method::PATCH, Method::DELETE],
            // POST: the internal endpoint a worker sends task configs to.
            Route::Connectors | Route::Tasks(_) => &[Method::GET, Method::POST],
            Route::Connector(_) => &[Method::GET, Method::DELETE],
            Route::Config(_) => &[Method::GET, Method::PUT, Method::PATCH],
            Route::Restart(_) | Route::TaskRestart(..) => &[Method::POST],
            Route::Pause(_) | Route::Resume(_) | Route::Stop(_) | Route::TopicsReset(_) => {
                &[Method::PUT]
            }
        }
    }

    /// The value of an `Allow` header for this path.
    pub fn allow_header(&self) -> String {
        let mut names: Vec<&str> = self.methods().iter().map(Method::as_str).collect();
        if names.contains(&"GET") {
            names.push("HEAD");
        }
        names.push("OPTIONS");
        names.join(", ")
    }
}

/// Jersey converts `{task}` with `Integer.valueOf`: an optional sign and
/// decimal digits that fit an `int`.
fn parse_task(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decodes `%XX` escapes (and `+` as a space in query strings). `None` for
/// a broken escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Option<String> {
    if !s.contains(['%', '+']) {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a path segment (for the `Location` header), as
/// `UriBuilder.path` does: unreserved characters and sub-delimiters stay.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The decoded query parameters, in order; a key may repeat
/// (`?expand=status&expand=info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=2`; pairs that do not decode are dropped, as a lenient
    /// server drops them.
    pub fn parse(query: Option<&str>) -> Query {
        let Some(q) = query else {
            return Query::default();
        };
        Query(
            q.split('&')
                .filter(|p| !p.is_empty())
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    Some((percent_decode(k, true)?, percent_decode(v, true)?))
                })
                .collect(),
        )
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// Every value of `key`, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter read as Java's `Boolean.valueOf` reads it: `true`
    /// in any case is true, anything else false; absent is `default`.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        match self.all(key).next() {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_routes() {
        let c = || "my conn".to_string();
        let cases = [
            ("/", Some(Route::Root)),
            ("", Some(Route::Root)),
            ("/health", Some(Route::Health)),
            ("/connectors", Some(Route::Connectors)),
            ("/connectors/", Some(Route::Connectors)),
            ("/connector-plugins", Some(Route::ConnectorPlugins)),
            ("/connectors/my%20conn", Some(Route::Connector(c()))),
            ("/connectors/my%20conn/", Some(Route::Connector(c()))),
            ("/connectors/my%20conn/config", Some(Route::Config(c()))),
            ("/connectors/my%20conn/status", Some(Route::Status(c()))),
            ("/connectors/my%20conn/restart", Some(Route::Restart(c()))),
            ("/connectors/my%20conn/pause", Some(Route::Pause(c()))),
            ("/connectors/my%20conn/resume", Some(Route::Resume(c()))),
            ("/connectors/my%20conn/stop", Some(Route::Stop(c()))),
            ("/connectors/my%20conn/tasks", Some(Route::Tasks(c()))),
            (
                "/connectors/my%20conn/tasks/3/status",
                Some(Route::TaskStatus(c(), 3)),
            ),
            (
                "/connectors/my%20conn/tasks/0/restart",
                Some(Route::TaskRestart(c(), 0)),
            ),
            (
                "/connectors/a%2Fb",
                Some(Route::Connector("a/b".to_string())),
            ),
            ("/connectors/a+b", Some(Route::Connector("a+b".to_string()))),
            (
                "/connectors/%C3%A9",
                Some(Route::Connector("é".to_string())),
            ),
            ("/connectors/x/tasks/x/status", None),
            ("/connectors/x/tasks/99999999999/status", None),
            ("/connectors/x/tasks/1.0/restart", None),
            ("/connectors/x/tasks", Some(Route::Tasks("x".to_string()))),
            ("/connectors//config", None),
            ("/connectors/%zz", None),
            ("/connectors/%FF", None),
            ("/connectors/x/nope", None),
            ("/nope", None),
            ("/connectors/x/tasks/1", None),
            (
                "/connectors/x/offsets",
                Some(Route::Offsets("x".to_string())),
            ),
            (
                "/connector-plugins/FileStreamSource/config",
                Some(Route::PluginConfig("FileStreamSource".to_string())),
            ),
            (
                "/connector-plugins/FileStreamSource/config/validate/",
                Some(Route::PluginValidate("FileStreamSource".to_string())),
            ),
            ("/connector-plugins/x/validate", None),
            ("/admin/loggers", Some(Route::Loggers)),
            (
                "/admin/loggers/kconnect::runtime",
                Some(Route::Logger("kconnect::runtime".to_string())),
            ),
            ("/admin", None),
        ];
        for (path, want) in cases {
            assert_eq!(Route::parse(path), want, "{path}");
        }
    }

    #[test]
    fn methods_and_allow() {
        assert_eq!(
            Route::Config("c".into()).methods(),
            &[Method::GET, Method::PUT, Method::PATCH]
        );
        assert_eq!(Route::Connectors.allow_header(), "GET, POST, HEAD, OPTIONS");
        assert_eq!(Route::Pause("c".into()).allow_header(), "PUT, OPTIONS");
        assert_eq!(
            Route::Offsets("c".into()).allow_header(),
            "GET, PATCH, DELETE, HEAD, OPTIONS"
        );
    }

    #[test]
    fn queries_decode_and_repeat() {
        let q = Query::parse(Some(
            "expand=status&expand=info&includeTasks=TRUE&onlyFailed=yes&x=a+b%21&bare",
        ));
        assert_eq!(q.all("expand").collect::<Vec<_>>(), vec!["status", "info"]);
        assert!(q.flag("includeTasks", false));
        assert!(!q.flag("onlyFailed", true));
        assert!(q.flag("connectorsOnly", true));
        assert_eq!(q.all("x").next(), Some("a b!"));
        assert!(q.contains("bare"));
        assert_eq!(Query::parse(None), Query::default());
        assert!(!Query::parse(Some("%zz=1")).contains("%zz"));
    }

    #[test]
    fn segments_encode_for_location() {
        assert_eq!(encode_segment("my conn/é"), "my%20conn%2F%C3%A9");
        assert_eq!(encode_segment("local-file-source"), "local-file-source");
    }
}
