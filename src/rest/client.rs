//! The HTTP client workers use to reach each other (Java's `RestClient`):
//! forwarding a REST request to the leader or to the worker that runs a
//! task, and sending task configs to the leader. HTTP/1.1 over one fresh
//! connection per request, bounded by a timeout.

use std::time::Duration;

use bytes::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

use super::body::{read_bounded, FullBody, MAX_BODY_BYTES};

/// How long a request to another worker may take (Java's `REQUEST_TIMEOUT_MS`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

/// Another worker's answer.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Bytes,
}

/// Sends `method url` with `body` (JSON when given) and `headers`; an error
/// names the URL and what failed.
pub async fn http_request(
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Bytes>,
) -> Result<HttpResponse, String> {
    match tokio::time::timeout(REQUEST_TIMEOUT, send(method.clone(), url, headers, body)).await {
        Ok(r) => r.map_err(|e| format!("IO Error trying to forward REST request to {url}: {e}")),
        Err(_) => Err(format!(
            "Timed out after {} ms forwarding REST request {method} {url}",
            REQUEST_TIMEOUT.as_millis()
        )),
    }
}

async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, String)],
    body: Option<Bytes>,
) -> Result<HttpResponse, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("only http:// URLs are supported".to_string());
    }
    let host = uri.host().ok_or("the URL has no host")?.to_string();
    let port = uri.port_u16().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let connection = tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "connection to another worker ended with an error");
        }
    });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_default();
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::ACCEPT, "application/json");
    if body.is_some() {
        request = request.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(FullBody::new(body.unwrap_or_default()))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let location = response
        .headers()
        .get(hyper::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let (parts, body) = response.into_parts();
    let body = read_bounded(&parts.headers, body, MAX_BODY_BYTES)
        .await
        .map_err(|e| e.message)?;
    connection.abort();
    Ok(HttpResponse {
        status,
        content_type,
        location,
        body: Bytes::from(body),
    })
}
