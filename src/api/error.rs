//! The one error type connector code returns (Java's `ConnectException`,
//! `RetriableException` and `DataException`): its kind drives the runtime's
//! retry, tolerance and dead-letter decisions.

use std::fmt;

/// What kind of failure a [`ConnectError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Transient: the same operation may succeed if retried
    /// (`RetriableException`).
    Retriable,
    /// The data itself is bad: a malformed record, a value that does not
    /// match its schema (`DataException`). Tolerable per record.
    Data,
    /// Anything else: the connector or task cannot go on (`ConnectException`).
    Fatal,
}

/// An error from connector, converter or transform code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ConnectError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ConnectError {
        ConnectError {
            kind,
            message: message.into(),
        }
    }

    pub fn retriable(message: impl Into<String>) -> ConnectError {
        ConnectError::new(ErrorKind::Retriable, message)
    }

    pub fn data(message: impl Into<String>) -> ConnectError {
        ConnectError::new(ErrorKind::Data, message)
    }

    pub fn fatal(message: impl Into<String>) -> ConnectError {
        ConnectError::new(ErrorKind::Fatal, message)
    }

    /// The Java exception class this error stands for, as Java would show it
    /// in a trace or a dead-letter header.
    pub fn java_class(&self) -> &'static str {
        match self.kind {
            ErrorKind::Retriable => "org.apache.kafka.connect.errors.RetriableException",
            ErrorKind::Data => "org.apache.kafka.connect.errors.DataException",
            ErrorKind::Fatal => "org.apache.kafka.connect.errors.ConnectException",
        }
    }

    /// Prefixes the message with where it happened.
    pub fn context(mut self, context: impl fmt::Display) -> ConnectError {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.java_class(), self.message)
    }
}

impl std::error::Error for ConnectError {}

/// Result of connector code.
pub type ConnectResult<T> = Result<T, ConnectError>;
