//! REST errors: what stops the server from starting ([`RestError`]) and what
//! a request gets back when it fails ([`ApiError`], rendered as Java's
//! `{"error_code": N, "message": "..."}` as `ConnectExceptionMapper` does).
//! Herder refusals map as Java maps its exceptions: not found 404, already
//! exists 409, bad request 400; a herder that cannot answer is a 500.

use std::net::SocketAddr;

use hyper::StatusCode;
use kameo::error::{Infallible, SendError};

use crate::runtime::herder::requests::HerderError;

/// Why the REST server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("Could not parse listener URL {listener}: {reason}")]
    Listener { listener: String, reason: String },
    #[error("Could not resolve listener host {host}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("Could not bind REST listener {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A failed request: the status and the message of Java's `ErrorMessage`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Set when another worker must answer (the herder's
    /// `RequestTarget`): the REST layer forwards the request there.
    pub forward: Option<Forward>,
}

/// Where a request should go instead (`None`: no leader known yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub url: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            forward: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// Jersey's answer when no resource matches the path.
    pub fn route_not_found() -> ApiError {
        ApiError::not_found("HTTP 404 Not Found")
    }

    /// Jersey's answer when the path matches but the method does not.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "HTTP 405 Method Not Allowed",
        )
    }

    /// Java's `ConnectorsResource` gives up on the herder after 90 s.
    pub fn timed_out() -> ApiError {
        ApiError::internal("Request timed out")
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than the limit of {limit} bytes"),
        )
    }

    /// Keeps the status, replaces the message (Java words some 404s
    /// differently per endpoint).
    pub fn with_message(self, message: impl Into<String>) -> ApiError {
        ApiError {
            message: message.into(),
            ..self
        }
    }
}

impl From<HerderError> for ApiError {
    fn from(e: HerderError) -> ApiError {
        let status = match e {
            HerderError::NotFound(_) | HerderError::NotFoundMessage(_) => StatusCode::NOT_FOUND,
            HerderError::AlreadyExists(_) => StatusCode::CONFLICT,
            HerderError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HerderError::Forbidden(_) => StatusCode::FORBIDDEN,
            HerderError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            HerderError::Conflict(_) => StatusCode::CONFLICT,
            HerderError::Signature {
                forbidden: true, ..
            } => StatusCode::FORBIDDEN,
            HerderError::Signature { .. } => StatusCode::BAD_REQUEST,
            HerderError::RequestTarget { message, url } => {
                return ApiError {
                    status: StatusCode::CONFLICT,
                    message,
                    forward: Some(Forward { url }),
                }
            }
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<Infallible> for ApiError {
    fn from(e: Infallible) -> ApiError {
        match e {}
    }
}

/// Maps a failed `ask` to the herder: the handler's own refusal keeps its
/// status; a herder that is gone or stuck is a 500.
pub fn from_send<M, E: Into<ApiError>>(e: SendError<M, E>) -> ApiError {
    match e {
        SendError::HandlerError(e) => e.into(),
        SendError::Timeout(_) => ApiError::timed_out(),
        SendError::MailboxFull(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The worker is too busy to answer",
        ),
        SendError::ActorNotRunning(_) | SendError::ActorStopped | SendError::ActorRestarting(_) => {
            ApiError::internal("The worker is not running (it may be shutting down)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn herder_errors_map_to_javas_statuses() {
        let nf: ApiError = HerderError::NotFound("c".into()).into();
        assert_eq!(
            (nf.status.as_u16(), nf.message.as_str()),
            (404, "Connector c not found")
        );
        let ae: ApiError = HerderError::AlreadyExists("c".into()).into();
        assert_eq!(
            (ae.status.as_u16(), ae.message.as_str()),
            (409, "Connector c already exists")
        );
        let br: ApiError = HerderError::BadRequest("bad".into()).into();
        assert_eq!((br.status.as_u16(), br.message.as_str()), (400, "bad"));
        let nf: ApiError = HerderError::NotFoundMessage("Unknown plugin x.".into()).into();
        assert_eq!(
            (nf.status.as_u16(), nf.message.as_str()),
            (404, "Unknown plugin x.")
        );
        let ie: ApiError = HerderError::Internal("boom".into()).into();
        assert_eq!((ie.status.as_u16(), ie.message.as_str()), (500, "boom"));
    }

    #[test]
    fn send_errors_keep_the_handlers_status() {
        let e: SendError<(), HerderError> =
            SendError::HandlerError(HerderError::NotFound("x".into()));
        assert_eq!(from_send(e).status, StatusCode::NOT_FOUND);
        let e: SendError<(), HerderError> = SendError::ActorStopped;
        assert_eq!(from_send(e).status, StatusCode::INTERNAL_SERVER_ERROR);
        let e: SendError<(), Infallible> = SendError::Timeout(None);
        assert_eq!(from_send(e).message, "Request timed out");
    }
}
