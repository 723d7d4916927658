//! REST listeners and the advertised URL: the listener syntax of Java's
//! `RestServer.createConnector` (`protocol://host:port`, an IPv6 host
//! optionally in brackets, an empty host for every interface) and the
//! shape of `RestServer.advertisedUrl`.

use std::fmt;

use regex::Regex;

use super::LISTENERS_CONFIG;
use crate::runtime::config::ConfigError;

/// A REST listener, `protocol://host:port`. An empty host means every
/// interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `http` or `https`, lower-cased.
    pub protocol: String,
    pub host: String,
    pub port: u16,
}

impl Listener {
    /// `RestServer.createConnector`'s parsing: Java's listener pattern
    /// (an IPv6 host may be bracketed) and protocol check.
    pub fn parse(listener: &str) -> Result<Listener, ConfigError> {
        let invalid = |message: &str| ConfigError::Invalid {
            key: LISTENERS_CONFIG.to_string(),
            message: message.to_string(),
        };
        let pattern = Regex::new(r"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$")
            .map_err(|e| invalid(&e.to_string()))?;
        let caps = pattern.captures(listener).ok_or_else(|| {
            invalid("Listener doesn't have the right format (protocol://hostname:port).")
        })?;
        let protocol = caps.get(1).map_or("", |m| m.as_str()).to_lowercase();
        if protocol != "http" && protocol != "https" {
            return Err(invalid(
                "Listener protocol must be either \"http\" or \"https\".",
            ));
        }
        let host = caps.get(2).map_or("", |m| m.as_str()).to_string();
        let port_text = caps.get(3).map_or("", |m| m.as_str());
        let port = port_text.parse::<u16>().map_err(|_| {
            invalid(&format!(
                "Invalid listener port {port_text} in {listener}: must be between 0 and 65535"
            ))
        })?;
        Ok(Listener {
            protocol,
            host,
            port,
        })
    }

    /// The address to bind: every interface when the host is empty.
    pub fn bind_address(&self) -> String {
        let host = if self.host.is_empty() {
            "0.0.0.0"
        } else {
            &self.host
        };
        format!("{}:{}", bracket_ipv6(host), self.port)
    }
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}:{}",
            self.protocol,
            bracket_ipv6(&self.host),
            self.port
        )
    }
}

fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The URL other workers reach this one at (`RestServer.advertisedUrl`).
/// `host:port` is the worker id shown in statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertisedUrl {
    pub protocol: String,
    pub host: String,
    pub port: u16,
}

impl AdvertisedUrl {
    /// The worker id: `host:port`.
    pub fn worker_id(&self) -> String {
        format!("{}:{}", bracket_ipv6(&self.host), self.port)
    }
}

impl fmt::Display for AdvertisedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}/", self.protocol, self.worker_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Listener {
        Listener::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn error(s: &str) -> String {
        match Listener::parse(s) {
            Err(e) => e.to_string(),
            Ok(l) => panic!("expected an error for {s}, got {l:?}"),
        }
    }

    #[test]
    fn listener_forms() {
        let all = parse("http://:8083");
        assert_eq!(
            (all.protocol.as_str(), all.host.as_str(), all.port),
            ("http", "", 8083)
        );
        assert_eq!(all.bind_address(), "0.0.0.0:8083");
        assert_eq!(
            parse("HTTP://localhost:9000").to_string(),
            "http://localhost:9000"
        );
        let v6 = parse("https://[::1]:8443");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.to_string(), "https://[::1]:8443");
        assert_eq!(v6.bind_address(), "[::1]:8443");
        assert_eq!(parse("http://0.0.0.0:0").port, 0);
    }

    #[test]
    fn listener_errors() {
        assert_eq!(
            error("localhost:8083"),
            "Listener doesn't have the right format (protocol://hostname:port)."
        );
        assert_eq!(
            error("http://host"),
            "Listener doesn't have the right format (protocol://hostname:port)."
        );
        assert_eq!(
            error("ftp://host:21"),
            "Listener protocol must be either \"http\" or \"https\"."
        );
        assert!(error("http://host:70000").contains("70000"));
        assert!(error("http://host:-1").contains("-1"));
    }

    #[test]
    fn advertised_url_display() {
        let url = AdvertisedUrl {
            protocol: "http".into(),
            host: "fe80::1".into(),
            port: 8083,
        };
        assert_eq!(url.worker_id(), "[fe80::1]:8083");
        assert_eq!(url.to_string(), "http://[fe80::1]:8083/");
    }
}
