//! FileStreamSource and FileStreamSink (Java's `connect-file` module): lines
//! of a file (or stdin / stdout) to a topic and back. The quickstart pair.

pub mod sink;
pub mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};
