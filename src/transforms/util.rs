//! What several SMTs share (Java's `transforms.util`): which part of the
//! record an SMT works on, and the checks that a value is a Struct or a map
//! with Java's error messages.

/// The part of the record a `$Key` / `$Value` SMT works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Key,
    Value,
}
