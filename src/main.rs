//! The `kconnect` command line.
fn main() {}
