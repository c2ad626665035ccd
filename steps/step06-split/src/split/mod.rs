//! The split: an HTTP front and an application backend, talking a JSON protocol.

pub mod protocol;
