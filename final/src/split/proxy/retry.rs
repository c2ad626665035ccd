//! Which failures of a backend a request may survive: the retry policy.
//!
//! A request that cannot have reached a handler (no connection, or a frame
//! not written whole) may go to another backend, whatever its method. One
//! that may have run (sent whole, then silence and a close) is resent only
//! if its method is idempotent (RFC 9110 §9.2.2): running `GET` twice is
//! running it once, running `POST` twice may charge a card twice. A reply
//! cut off halfway is never resent: the handler ran. nginx's
//! `proxy_next_upstream` and Go's `net/http` draw the same lines.

use std::io;

/// Why one exchange with one backend gave no reply.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// No connection, or one that failed before the whole request frame
    /// was written: the backend cannot have acted on it, so any request may
    /// go elsewhere.
    Unreachable(String),
    /// The connection closed or reset after the request was sent. `replying`:
    /// whether part of a reply had come back (then the handler surely ran).
    Died { reason: String, replying: bool },
    /// A reply that breaks the protocol: the backend is up but wrong.
    Broken(String),
}

/// Methods that may be sent twice with the effect of once (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

/// Whether an I/O error means the backend went away (rather than misbehaved):
/// the connection was reset, aborted, or its other end is gone.
pub(crate) fn is_reset(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idempotent_methods_are_resent() {
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(is_idempotent(method), "{method}");
        }
        for method in ["POST", "PATCH", "CONNECT", "get"] {
            assert!(!is_idempotent(method), "{method}");
        }
    }
}
