//! The front's handler: each request forwarded to a backend, in turn.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`Proxy`]: round robin, and a failure turned into 502 or 504 |
//! | `backend.rs` | one backend: address, idle connections, health, one exchange |
//! | `health.rs` | down and back: the back-off, and the one request that probes |
//! | `retry.rs` | which failures a request may survive, by method |
//! | `pool.rs` | idle connections kept for reuse, and new ones |
//! | `handshake.rs` | version 2: a new connection proves the front holds the split key, and checks the backend does |
//! | `deadline.rs` | one deadline for a whole reply, not one per read |
//! | `forwarded.rs` | `X-Forwarded-For` and `X-Forwarded-Proto` |
//!
//! The design, with its table of failures and its known limits, is in
//! `final/docs/proxy.md`, which is also [`Proxy`]'s documentation.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::app::handler::Handler;
use crate::app::settings::SecretKey;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::split::protocol::{self, Message};

use backend::Backend;
use forwarded::add_forwarded;
use retry::{Failure, is_idempotent};

mod backend;
mod deadline;
mod forwarded;
mod handshake;
mod health;
mod pool;
mod retry;

/// The request handler of the front: forwards to the backends, round robin.
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
///     .add_route(Route::any("^.*", proxy).may_block())
///     .bind("127.0.0.1:7777")
///     .run()
/// # .unwrap();
/// ```
///
#[doc = include_str!("../../../docs/proxy.md")]
pub struct Proxy {
    backends: Vec<Backend>,
    /// Where the next request starts looking: the round-robin counter.
    next: AtomicUsize,
    /// Request ids, unique per front (so per connection too, as PROTOCOL.md asks).
    next_id: AtomicU64,
    timeout: Duration,
    /// The split key: with one, each new connection begins with version 2's
    /// handshake ([`Proxy::with_split_key`]).
    key: Option<SecretKey>,
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
            next_id: AtomicU64::new(1),
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

    /// The page for a request no backend could answer.
    fn bad_gateway(detail: &str) -> Response {
        Response::text(format!(
            "502 Bad Gateway\n\n{detail}\nThis page comes from the front, which keeps running: try again in a moment.\n"
        ))
        .with_status(Status::BAD_GATEWAY)
    }
}

impl Handler for Proxy {
    fn handle(&self, req: &Request) -> Response {
        let deadline = Instant::now() + self.timeout;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = protocol::request_to_message(req, id);
        add_forwarded(&mut message.headers, req.peer_addr());
        // Encoded once: a retry sends the same bytes to another backend.
        let frame = match protocol::encode(&Message::Request(message)) {
            Ok(frame) => frame,
            Err(err) => {
                log::warn!("cannot forward {} {}: {err}", req.method(), req.path());
                return Response::error(Status::CONTENT_TOO_LARGE);
            }
        };
        let may_resend = is_idempotent(req.method());
        let mut resent = false;
        let count = self.backends.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for backend in (0..count).map(|i| &self.backends[(first + i) % count]) {
            let Some(backend) = backend.claim() else {
                continue;
            };
            let failure =
                match backend.exchange(&frame, id, deadline, may_resend, self.key.as_ref()) {
                    Ok(res) => {
                        backend.mark_up();
                        return res;
                    }
                    Err(failure) => failure,
                };
            match failure {
                // Nothing was sent: the next backend, whatever the method.
                Failure::Unreachable(reason) => backend.mark_down(&reason),
                Failure::Died { reason, replying } => {
                    backend.mark_down(&reason);
                    if replying || !may_resend || resent {
                        log::warn!(
                            "{} {}: backend {} failed while answering; 502",
                            req.method(),
                            req.path(),
                            backend.addr
                        );
                        return Proxy::bad_gateway(
                            "The application backend failed while answering this request.",
                        );
                    }
                    resent = true;
                }
                Failure::Timeout => {
                    log::warn!(
                        "{} {}: backend {} gave no reply within {} ms; 504",
                        req.method(),
                        req.path(),
                        backend.addr,
                        self.timeout.as_millis()
                    );
                    return Response::text(format!(
                        "504 Gateway Timeout\n\nThe application backend did not answer within {} ms.\n",
                        self.timeout.as_millis()
                    ))
                    .with_status(Status::GATEWAY_TIMEOUT);
                }
                Failure::Broken(reason) => {
                    log::warn!("backend {}: {reason}; 502", backend.addr);
                    return Proxy::bad_gateway(
                        "The application backend sent a reply the front cannot use.",
                    );
                }
            }
        }
        log::warn!("{} {}: no backend available; 502", req.method(), req.path());
        Proxy::bad_gateway(&format!(
            "No application backend is available: all {count} are down."
        ))
    }
}
