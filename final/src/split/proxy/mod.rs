//! The front's forwarding, as choices: which backend next, which are down,
//! which failures a request may survive. The sockets that carry it out (one
//! loop's connections to the backends) are in `server/forwarder.rs` and
//! `server/backend_conn.rs`, a floor up.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`Proxy`]: the backends, the round-robin counter, the timeout, the error pages |
//! | `backend.rs` | one backend: address and health, shared by the loops |
//! | `health.rs` | down and back: the back-off, and the one request that probes |
//! | `retry.rs` | which failures a request may survive, by method |
//! | `forwarded.rs` | `X-Forwarded-For` and `X-Forwarded-Proto` |
//!
//! The design, with its table of failures and its known limits, is in
//! `final/docs/proxy.md`, which is also [`Proxy`]'s documentation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::config::keys::SecretKey;
use crate::http::response::Response;
use crate::http::status::Status;

use backend::Backend;

pub(crate) mod backend;
pub(crate) mod forwarded;
pub(crate) mod health;
pub(crate) mod retry;

/// The backends of split mode's front, and how long each may take: what
/// [`Route::forward`](crate::Route::forward) forwards to.
///
/// # Examples
///
/// A front on port 7777 for two backends (what `httprs-front` builds):
/// ```no_run
/// use std::time::Duration;
/// use httprs::{App, Proxy, Route};
/// let proxy = Proxy::new(["127.0.0.1:7001", "127.0.0.1:7002"], Duration::from_secs(30));
/// App::new()
///     .static_files("/static", "static/")
///     .add_route(Route::forward("^.*", proxy))
///     .bind("127.0.0.1:7777")
///     .run();
/// ```
///
#[doc = include_str!("../../../docs/proxy.md")]
pub struct Proxy {
    pub(crate) backends: Vec<Backend>,
    /// Where the next request starts looking: the round-robin counter,
    /// shared by the loops so that requests alternate whichever loop reads them.
    next: AtomicUsize,
    pub(crate) timeout: Duration,
    /// The split key: with one, each new connection begins with version 2's
    /// handshake ([`Proxy::with_split_key`]).
    pub(crate) key: Option<SecretKey>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("backends", &self.backends().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .field("split_key", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// How long the front waits for a backend's whole reply unless told otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// A proxy for `backends` (`HOST:PORT` each), waiting at most `timeout`
    /// for each reply (connecting and sending included).
    pub fn new(backends: impl IntoIterator<Item = impl Into<String>>, timeout: Duration) -> Proxy {
        Proxy {
            backends: backends
                .into_iter()
                .map(|addr| Backend::new(addr.into()))
                .collect(),
            next: AtomicUsize::new(0),
            timeout,
            key: None,
        }
    }

    /// Speaks version 2 to every backend: each new connection proves that
    /// the front holds `key` and checks that the backend does, before a
    /// reply is believed (the backends' `split_key`; see step 06's
    /// `PROTOCOL.md`, "Version 2: authentication").
    pub fn with_split_key(mut self, key: SecretKey) -> Proxy {
        self.key = Some(key);
        self
    }

    /// The backends' addresses, as given.
    pub fn backends(&self) -> impl Iterator<Item = &str> {
        self.backends.iter().map(|b| b.addr.as_str())
    }

    /// The backend a new request starts from (round robin).
    pub(crate) fn next_backend(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// How long a backend may take for one whole reply.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The page for a request no backend could answer.
    pub(crate) fn bad_gateway(detail: &str) -> Response {
        Response::text(format!(
            "502 Bad Gateway\n\n{detail}\nThis page comes from the front, which keeps running: try again in a moment.\n"
        ))
        .with_status(Status::BAD_GATEWAY)
    }
}
