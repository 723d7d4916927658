//! The HTTP server (Java's `RestServer` / `ConnectRestServer` on Jetty):
//! binds every listener of the worker's `listeners` setting, serves
//! HTTP/1.1 with hyper, and stops accepting when the shutdown token fires,
//! letting requests in flight finish.
//!
//! Listener syntax is Java's (`LISTENER_PATTERN`): a comma-separated list of
//! `protocol://host:port`, the host optional (all interfaces) or an IPv6
//! literal in brackets. Only `http` is served; `https` is refused at start
//! rather than silently served in clear text.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::entities::ServerInfo;
use super::error::RestError;
use super::handlers::{handle, AppState, HerderRef};

/// The worker's `listeners` default.
pub const DEFAULT_LISTENERS: &str = "http://:8083";

/// A client that sends no complete request head within this long is
/// disconnected, so idle sockets cannot pile up.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// After shutdown, connections get this long to finish their requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One parsed entry of `listeners`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Empty: every interface.
    pub host: String,
    pub port: u16,
}

/// Parses `listeners` as Java does; an empty setting is the default.
pub fn parse_listeners(listeners: &str) -> Result<Vec<Listener>, RestError> {
    let entries: Vec<&str> = listeners
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let entries = if entries.is_empty() {
        vec![DEFAULT_LISTENERS]
    } else {
        entries
    };
    entries.into_iter().map(parse_listener).collect()
}

fn parse_listener(listener: &str) -> Result<Listener, RestError> {
    let err = |reason: &str| RestError::Listener {
        listener: listener.to_string(),
        reason: reason.to_string(),
    };
    let (protocol, rest) = listener
        .split_once("://")
        .ok_or_else(|| err("expected protocol://host:port"))?;
    match protocol.to_ascii_lowercase().as_str() {
        "http" => {}
        "https" => return Err(err("https listeners are not supported yet; use http")),
        _ => {
            return Err(err(
                "Listener protocol must be either \"http\" or \"https\".",
            ))
        }
    }
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| err("expected protocol://host:port"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '%' | '.' | '_' | ':'));
    if !host_ok {
        return Err(err("invalid host"));
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| err("the port must be a number from 0 to 65535"))?;
    Ok(Listener {
        host: host.to_string(),
        port,
    })
}

async fn resolve(listener: &Listener) -> Result<SocketAddr, RestError> {
    if listener.host.is_empty() {
        return Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            listener.port,
        ));
    }
    if let Ok(ip) = listener.host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, listener.port));
    }
    let resolve_err = |source| RestError::Resolve {
        host: listener.host.clone(),
        source,
    };
    tokio::net::lookup_host((listener.host.as_str(), listener.port))
        .await
        .map_err(resolve_err)?
        .next()
        .ok_or_else(|| {
            resolve_err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no address",
            ))
        })
}

/// Listeners bound but not yet serving.
pub type BoundListeners = Vec<(TcpListener, SocketAddr)>;

/// Binds every listener, starts serving, and returns the bound addresses
/// (port 0 binds a free port). Serving stops when `shutdown` is cancelled.
pub async fn serve(
    listeners: &str,
    herder: HerderRef,
    info: ServerInfo,
    shutdown: CancellationToken,
) -> Result<Vec<SocketAddr>, RestError> {
    Ok(serve_bound(bind(listeners).await?, herder, info, shutdown))
}

/// Binds every listener (all or none).
pub async fn bind(listeners: &str) -> Result<BoundListeners, RestError> {
    let mut bound = Vec::new();
    // Bind them all before serving any: a bad listener fails the start.
    for listener in parse_listeners(listeners)? {
        let addr = resolve(&listener).await?;
        let socket = TcpListener::bind(addr)
            .await
            .map_err(|source| RestError::Bind { addr, source })?;
        let local = socket
            .local_addr()
            .map_err(|source| RestError::Bind { addr, source })?;
        bound.push((socket, local));
    }
    Ok(bound)
}

/// Serves already bound listeners; returns their addresses.
pub fn serve_bound(
    bound: BoundListeners,
    herder: HerderRef,
    info: ServerInfo,
    shutdown: CancellationToken,
) -> Vec<SocketAddr> {
    let state = Arc::new(AppState { herder, info });
    let mut addrs = Vec::with_capacity(bound.len());
    for (socket, local) in bound {
        tracing::info!(address = %local, "REST server listening");
        addrs.push(local);
        tokio::spawn(accept_loop(socket, local, state.clone(), shutdown.clone()));
    }
    addrs
}

/// Serves the REST API of a started standalone worker on its `listeners`,
/// with this build's version in the root resource.
pub async fn serve_worker(
    worker: &crate::runtime::standalone::Standalone,
    shutdown: CancellationToken,
) -> Result<Vec<SocketAddr>, RestError> {
    let info = server_info(worker.kafka_cluster_id.clone());
    serve(
        &worker.listeners,
        HerderRef::Standalone(worker.herder.clone()),
        info,
        shutdown,
    )
    .await
}

/// This build's root resource for a worker of Kafka cluster `cluster_id`.
pub fn server_info(cluster_id: String) -> ServerInfo {
    ServerInfo::new(
        env!("CARGO_PKG_VERSION"),
        option_env!("KCONNECT_COMMIT").unwrap_or("unknown"),
        cluster_id,
    )
}

async fn accept_loop(
    socket: TcpListener,
    local: SocketAddr,
    state: Arc<AppState>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = socket.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                tokio::spawn(serve_connection(
                    stream,
                    local,
                    state.clone(),
                    shutdown.clone(),
                ));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off, keep serving.
                tracing::warn!(address = %local, error = %e, "REST accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    tracing::info!(address = %local, "REST server stopped accepting");
}

async fn serve_connection(
    stream: TcpStream,
    local: SocketAddr,
    state: Arc<AppState>,
    shutdown: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req: Request<Incoming>| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(handle(req, &state, local).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(DRAIN_TIMEOUT, conn.as_mut()).await {
                Ok(result) => result,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "REST connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(host: &str, port: u16) -> Listener {
        Listener {
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn listeners_parse_like_java() {
        let ok = |s: &str| parse_listeners(s).map_err(|e| e.to_string());
        assert_eq!(ok(""), Ok(vec![l("", 8083)]));
        assert_eq!(ok("http://:8083"), Ok(vec![l("", 8083)]));
        assert_eq!(
            ok("http://127.0.0.1:0, HTTP://localhost:9000"),
            Ok(vec![l("127.0.0.1", 0), l("localhost", 9000)])
        );
        assert_eq!(ok("http://[::1]:8083"), Ok(vec![l("::1", 8083)]));
        for bad in [
            "localhost:8083",
            "https://:8443",
            "ftp://:21",
            "http://host",
            "http://:99999",
            "http://:-1",
            "http://a b:1",
        ] {
            assert!(parse_listeners(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn empty_host_is_every_interface() {
        let addr = resolve(&l("", 8083)).await.map_err(|e| e.to_string());
        assert_eq!(addr, Ok(SocketAddr::from(([0, 0, 0, 0], 8083))));
        let addr = resolve(&l("::1", 1)).await.map_err(|e| e.to_string());
        assert_eq!(
            addr,
            Ok("[::1]:1"
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([0; 4], 0))))
        );
    }
}
