//! HTTP bodies without an extra crate: [`FullBody`], a response body that is
//! one buffer (or nothing); [`read_bounded`], which collects a request body
//! up to a limit so that a huge or endless upload is a 413, not memory
//! exhaustion; and the JSON helpers on top ([`read_json`], [`json`]).

use std::convert::Infallible;
use std::fmt::Display;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Body, Buf, Bytes, Frame, SizeHint};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;

/// The largest request body accepted: 10 MiB, far above any connector config.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// A response body held in memory.
#[derive(Debug, Default)]
pub struct FullBody {
    /// Taken on the first poll; `None` afterwards, or for an empty body.
    data: Option<Bytes>,
}

impl FullBody {
    pub fn new(data: impl Into<Bytes>) -> FullBody {
        let data: Bytes = data.into();
        FullBody {
            data: (!data.is_empty()).then_some(data),
        }
    }

    pub fn empty() -> FullBody {
        FullBody { data: None }
    }
}

impl Body for FullBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

/// Collects a request body of at most `limit` bytes. A declared
/// `Content-Length` over the limit is refused before reading anything.
pub async fn read_bounded<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
) -> Result<Vec<u8>, ApiError>
where
    B: Body,
    B::Error: Display,
{
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut body = std::pin::pin!(body);
    let mut out = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame
            .map_err(|e| ApiError::bad_request(format!("Could not read the request body: {e}")))?;
        if let Ok(mut data) = frame.into_data() {
            if out.len() + data.remaining() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            while data.has_remaining() {
                let chunk = data.chunk();
                let n = chunk.len();
                out.extend_from_slice(chunk);
                data.advance(n);
            }
        }
    }
    Ok(out)
}

/// Reads and parses a JSON request body; malformed JSON is a 400.
pub async fn read_json<B>(req: Request<B>) -> Result<Value, ApiError>
where
    B: Body,
    B::Error: Display,
{
    let (parts, body) = req.into_parts();
    let bytes = read_bounded(&parts.headers, body, MAX_BODY_BYTES).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "Request body is empty; a JSON object was expected",
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON in the request body: {e}")))
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<FullBody> {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut resp = Response::new(FullBody::new(bytes));
            *resp.status_mut() = status;
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a REST response");
            let mut resp = Response::new(FullBody::new(
                r#"{"error_code":500,"message":"Cannot serialize the response"}"#,
            ));
            *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
    }
}

/// A response with no body.
pub fn empty(status: StatusCode) -> Response<FullBody> {
    let mut resp = Response::new(FullBody::empty());
    *resp.status_mut() = status;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request body arriving in chunks.
    struct Chunks(Vec<Bytes>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            let this = self.get_mut();
            if this.0.is_empty() {
                Poll::Ready(None)
            } else {
                Poll::Ready(Some(Ok(Frame::data(this.0.remove(0)))))
            }
        }
    }

    fn chunks(parts: &[&'static str]) -> Chunks {
        Chunks(
            parts
                .iter()
                .map(|p| Bytes::from_static(p.as_bytes()))
                .collect(),
        )
    }

    #[tokio::test]
    async fn collects_within_the_limit() {
        let got = read_bounded(&HeaderMap::new(), chunks(&["ab", "cd"]), 4).await;
        assert_eq!(got, Ok(b"abcd".to_vec()));
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit() {
        let got = read_bounded(&HeaderMap::new(), chunks(&["ab", "cde"]), 4).await;
        assert_eq!(got.map_err(|e| e.status.as_u16()), Err(413));
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, hyper::header::HeaderValue::from_static("5"));
        let got = read_bounded(&headers, chunks(&[]), 4).await;
        assert_eq!(got.map_err(|e| e.status.as_u16()), Err(413));
    }

    #[tokio::test]
    async fn full_body_yields_once() {
        let mut b = FullBody::new("xy");
        assert!(!b.is_end_stream());
        assert_eq!(b.size_hint().exact(), Some(2));
        let frame = std::future::poll_fn(|cx| Pin::new(&mut b).poll_frame(cx)).await;
        assert!(
            matches!(frame, Some(Ok(f)) if f.data_ref().map(|d| d.as_ref()) == Some(&b"xy"[..]))
        );
        assert!(b.is_end_stream());
        assert!(FullBody::empty().is_end_stream());
    }

    #[test]
    fn json_responses_are_typed() {
        let resp = json(StatusCode::CREATED, &vec!["a"]);
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(
            resp.headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
        assert_eq!(resp.body().size_hint().exact(), Some(5));
    }
}
