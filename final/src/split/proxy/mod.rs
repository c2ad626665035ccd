//! The front of split mode: the handler that forwards each request to a
//! backend. [`crate::split::front`] builds the `httprs-front` app around it.
//!
//! ```text
//!                  ┌──────────── httprs-front: an App like any other ────────────┐
//!  browser ─HTTP─▶ │ event loops: parsing, limits, keep-alive, timeouts (the core) │
//!                  │   /static/… ─▶ StaticFiles (served here, no backend)          │
//!                  │   anything else ─▶ Proxy (on a worker) ─frame─▶ backend 1     │
//!                  │                                     round robin ─▶ backend 2  │
//!                  └───────────────────────────────────────────────────────────────┘
//! ```
//!
//! **The front is an [`App`](crate::App).** Step 06's front read HTTP with step 02's
//! parser, one request per connection. This one is `App::new()` with a
//! catch-all route, so everything the core does for an HTTP app it does for
//! the front: request limits (431, 413, 414), keep-alive, pipelining,
//! header and idle timeouts, `max_connections`, the access log, graceful
//! shutdown. The only new code is [`Proxy`], the handler.
//!
//! **Round robin, with down and rejoin.** Requests go to the backends in
//! turn. A backend that refuses a connection, resets it or closes it
//! without replying is marked *down* and skipped; after a back-off (250 ms)
//! the next request that would go to it tries it first (only that one: the
//! others keep skipping it), and once it answers it is *up* again, with a
//! log line each way. Each time that probe fails too, the back-off doubles,
//! up to 5 s. Only the probe's failure counts: the requests that were
//! already on their way when the backend went down fail as well, and
//! counting each would turn one restart into 5 s of `502`s (see `Claim`).
//! No restart of the front, no health-check thread: the traffic itself is
//! the probe.
//!
//! **Which failures are retried.** A connection that could not even be
//! opened carried nothing, and neither did one that failed before the whole
//! request frame was written (a backend acts on whole frames only), so any
//! request moves on to the next backend. A
//! backend that died after the request was sent, before a byte of reply
//! came back, may or may not have run the handler. The request is then
//! retried once, on another backend, only if its method is idempotent
//! (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`: RFC 9110 §9.2.2 says
//! running those twice has the effect of running them once). A `POST` is
//! answered `502`: sending it again could charge a card twice. nginx makes
//! the same choice by default (`proxy_next_upstream` does not resend
//! non-idempotent requests). A reply cut off halfway is not retried either:
//! the handler ran.
//!
//! | what happens | the browser gets | the backend |
//! |---|---|---|
//! | every backend is down | `502`, "no application backend is available" | each retried after its back-off |
//! | a backend dies before replying | the reply of another backend (idempotent) or `502` | marked down |
//! | no whole reply within `--timeout-ms` | `504` | that connection is closed, never reused; *not* marked down: slow is not dead |
//! | a malformed, oversized or mismatched reply | `502` | that connection is closed |
//!
//! Error pages are short plain text and do not name the backends (their
//! addresses are internal); the log does.
//!
//! **Connections.** Each backend keeps up to 16 idle connections, reused
//! across requests, one request in flight on each (PROTOCOL.md explains
//! why). Before reusing one, the front peeks at it: a backend that restarted
//! has closed it, and a fresh one is opened instead.
//!
//! The peek cannot see the future: a backend may close an idle connection
//! (its `idle_timeout`) just as the front writes to it. A reused connection
//! that fails before a byte of reply says little about the backend, so the
//! request is tried once more, on a *fresh* connection to the same backend,
//! before anyone calls it down; only if that fails too (cannot connect, or
//! dies the same way) is the backend marked down, as above. Which requests
//! get that second chance follows the rule above, not a new one: any
//! request whose frame could not be written whole (nothing ran), and an
//! idempotent one whose frame was written (it may have run). A `POST`
//! written whole to a connection that then closed without a word gets its
//! `502`, as on a fresh connection: the backend may have closed an idle
//! connection, or it may have crashed halfway through charging the card,
//! and the front cannot tell which. Go's `net/http` client draws the same
//! line when it retries on a reused connection.
//!
//! **Forwarded fields.** The backend sees the front as its peer, so the
//! front adds `X-Forwarded-For` (the client's address, appended to any
//! list the client sent, as nginx's `$proxy_add_x_forwarded_for` does: only
//! the last entry was seen by us, the rest are the client's say-so) and
//! `X-Forwarded-Proto: http` (replacing any the client sent; the front has
//! no TLS). `Host` is passed on unchanged.
//!
//! **Known limits**, found in review and not fixed yet, so that nobody
//! relies on the opposite:
//! - `--timeout-ms` counts from when a front worker picks the request up,
//!   not from its arrival: time spent queued for a worker (all 64 busy
//!   waiting on slow backends) comes on top.
//! - A backend given by name is looked up (DNS) at each new connection, and
//!   that lookup is not bounded by the timeout: a slow resolver holds the
//!   worker as long as it likes.
//! - `X-Forwarded-Proto` is always `http`, even behind a TLS-terminating
//!   nginx: the app then believes it is served over plain HTTP (secure
//!   cookies, absolute redirects). Trusting the client's value would let
//!   any client claim `https`; a flag naming trusted proxies is the fix.
//! - A request travels in one frame of at most 4 MiB of JSON, and JSON can
//!   grow a body (base64 by a third; an escaped control character six
//!   times). A body within `max_body_bytes` may so still be refused with
//!   `413` when its frame does not fit.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

// Whether an idle pooled connection is still usable, and whether an error
// means the backend went away: step 06's front asks the same questions, so
// both use its functions.
use step06::split::front::{is_reset, still_open};

use crate::app::handler::Handler;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::split::protocol::{self, Message, ProtocolError};

/// Idle connections kept per backend; more are closed when returned.
const MAX_IDLE: usize = 16;

/// The first wait before a down backend is tried again; it doubles with
/// each failed try, up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// The longest a connection attempt may take (within the request's own
/// timeout). On a network a connection opens in well under a millisecond;
/// a host that drops packets should cost a request a second, not thirty.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The request handler of the front: forwards to the backends, round robin.
///
/// # Examples
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
pub struct Proxy {
    backends: Vec<Backend>,
    /// Where the next request starts looking: the round-robin counter.
    next: AtomicUsize,
    /// Request ids, unique per front (so per connection too, as PROTOCOL.md asks).
    next_id: AtomicU64,
    timeout: Duration,
}

/// One backend, as the front sees it.
struct Backend {
    /// As given (`127.0.0.1:7001`, `app1.internal:7001`); resolved at each
    /// connect, so a backend whose name moves is found again.
    addr: String,
    idle: Mutex<Vec<TcpStream>>,
    health: Mutex<Health>,
}

/// Whether a backend is down, and until when.
#[derive(Debug, Default)]
struct Health {
    /// `Some` while the backend is down.
    down: Option<Down>,
}

#[derive(Debug, Clone, Copy)]
struct Down {
    /// Before this, requests skip the backend.
    retry_at: Instant,
    /// The wait that `retry_at` was set with; the next failure doubles it.
    backoff: Duration,
}

/// Why one exchange with one backend gave no reply.
#[derive(Debug)]
enum Failure {
    /// No connection, or one that failed before the whole request frame
    /// was written: the backend cannot have acted on it, so any request may
    /// go elsewhere.
    Unreachable(String),
    /// The connection closed or reset after the request was sent. `replying`:
    /// whether part of a reply had come back (then the handler surely ran).
    Died { reason: String, replying: bool },
    /// No whole reply before the deadline.
    Timeout,
    /// A reply that breaks the protocol: the backend is up but wrong.
    Broken(String),
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("backends", &self.backends().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
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
                .map(|addr| Backend {
                    addr: addr.into(),
                    idle: Mutex::new(Vec::new()),
                    health: Mutex::new(Health::default()),
                })
                .collect(),
            next: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            timeout,
        }
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
            let failure = match backend.exchange(&frame, id, deadline, may_resend) {
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

/// One attempt at one backend, granted by [`Backend::claim`]: the backend
/// (its methods are reached through `Deref`) and whether this attempt is
/// the probe sent after a back-off.
///
/// A failure needs to know that. When a backend goes down, every request
/// in flight to it fails, each a moment after the other; if each doubled
/// the back-off, one restart with five requests in flight would jump
/// straight from 250 ms to 5 s, a long wall of 502s for a backend that was
/// back in one second. Only a failed probe is news ("still down after the
/// wait"), so only a failed probe doubles the wait.
struct Claim<'a> {
    backend: &'a Backend,
    probe: bool,
}

impl std::ops::Deref for Claim<'_> {
    type Target = Backend;

    fn deref(&self) -> &Backend {
        self.backend
    }
}

impl Claim<'_> {
    /// Records a failure of this attempt: down now (logged once), down for
    /// twice as long if this was the probe, and no change otherwise (the
    /// request was on its way before the backend was known to be down).
    fn mark_down(&self, reason: &str) {
        let backend = self.backend;
        let mut health = backend.health();
        match health.down {
            None => {
                log::warn!(
                    "backend {} is down ({reason}); trying again in {} ms",
                    backend.addr,
                    RETRY_FIRST.as_millis()
                );
                health.down = Some(Down {
                    retry_at: Instant::now() + RETRY_FIRST,
                    backoff: RETRY_FIRST,
                });
            }
            Some(down) if self.probe => {
                let backoff = (down.backoff * 2).min(RETRY_MAX);
                log::debug!(
                    "backend {} is still down ({reason}); trying again in {} ms",
                    backend.addr,
                    backoff.as_millis()
                );
                health.down = Some(Down {
                    retry_at: Instant::now() + backoff,
                    backoff,
                });
            }
            Some(_) => {
                log::debug!(
                    "backend {}: a request in flight failed too ({reason})",
                    backend.addr
                );
            }
        }
        drop(health);
        // Connections to a process that died are of no use to anyone.
        backend.idle().clear();
    }
}

impl Backend {
    fn health(&self) -> MutexGuard<'_, Health> {
        // Health is two plain values: a panic elsewhere cannot leave it torn.
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn idle(&self) -> MutexGuard<'_, Vec<TcpStream>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request may go here now: the backend is up, or it is down
    /// and its back-off has passed. In that case this request is the probe,
    /// and the others keep skipping the backend until it has answered or
    /// the back-off has passed once more. The [`Claim`] remembers which.
    fn claim(&self) -> Option<Claim<'_>> {
        let mut health = self.health();
        let Some(down) = &mut health.down else {
            return Some(Claim {
                backend: self,
                probe: false,
            });
        };
        let now = Instant::now();
        if now < down.retry_at {
            return None;
        }
        down.retry_at = now + down.backoff;
        Some(Claim {
            backend: self,
            probe: true,
        })
    }

    /// Records a reply: up again, if it was down. (Any reply, probe or not:
    /// a backend that answers is up.)
    fn mark_up(&self) {
        if self.health().down.take().is_some() {
            log::info!("backend {} is up again", self.addr);
        }
    }

    /// Sends `frame` (request `id`) and waits for its reply until `deadline`:
    /// on an idle connection if there is one, and then, if that one turns
    /// out to be stale, once more on a fresh one (see "Connections" in the
    /// module docs). `may_resend`: whether the request may be sent again
    /// after the backend may have received it.
    fn exchange(
        &self,
        frame: &[u8],
        id: u64,
        deadline: Instant,
        may_resend: bool,
    ) -> Result<Response, Failure> {
        if let Some(stream) = self.checkout() {
            let result = self.exchange_on(stream, frame, id, deadline);
            let (reason, retry) = match &result {
                // The frame never got through whole: nothing ran.
                Err(Failure::Unreachable(reason)) => (reason, true),
                // Through, then silence and a close: maybe only an idle
                // connection the backend closed, maybe a crash mid-request.
                Err(Failure::Died {
                    reason,
                    replying: false,
                }) => (reason, may_resend),
                _ => return result,
            };
            if !retry {
                return result;
            }
            log::debug!(
                "backend {}: a reused connection failed ({reason}); trying a fresh one",
                self.addr
            );
        }
        let stream = self.connect(deadline)?;
        self.exchange_on(stream, frame, id, deadline)
    }

    /// One exchange on `stream`, which is kept for reuse only if it went
    /// entirely right.
    fn exchange_on(
        &self,
        stream: TcpStream,
        frame: &[u8],
        id: u64,
        deadline: Instant,
    ) -> Result<Response, Failure> {
        let left = remaining(deadline).ok_or(Failure::Timeout)?;
        let sent = stream
            .set_write_timeout(Some(left))
            .and_then(|()| (&stream).write_all(frame));
        if let Err(err) = sent {
            return Err(if is_timeout(&err) {
                Failure::Timeout
            } else {
                // `write_all` failed, so the frame's tail never left us.
                Failure::Unreachable(format!("cannot send: {err}"))
            });
        }
        let mut input = Deadline {
            stream: &stream,
            deadline,
            bytes: 0,
        };
        let reply = protocol::read_frame(&mut input);
        let replying = input.bytes > 0;
        match reply {
            Ok(Some(Message::Response(reply))) if reply.id == id => {
                let res = protocol::response_from_message(reply)
                    .map_err(|bad| Failure::Broken(bad.to_string()))?;
                // Only a connection that did everything right is reused.
                self.checkin(stream);
                Ok(res)
            }
            Ok(Some(other)) => Err(Failure::Broken(format!(
                "expected the reply to request {id}, got {}",
                match other {
                    Message::Request(r) => format!("a request (id {})", r.id),
                    Message::Response(r) => format!("the reply to request {}", r.id),
                }
            ))),
            Ok(None) => Err(Failure::Died {
                reason: "it closed the connection without replying".to_string(),
                replying: false,
            }),
            Err(err) if err.is_timeout() => Err(Failure::Timeout),
            Err(ProtocolError::Truncated) => Err(Failure::Died {
                reason: "it closed the connection in the middle of its reply".to_string(),
                replying: true,
            }),
            Err(ProtocolError::Io(err)) if is_reset(&err) => Err(Failure::Died {
                reason: err.to_string(),
                replying,
            }),
            Err(err) => Err(Failure::Broken(err.to_string())),
        }
    }

    /// An idle connection the backend has not closed meanwhile, if any.
    fn checkout(&self) -> Option<TcpStream> {
        loop {
            // The lock is held for the `pop` only.
            let stream = self.idle().pop()?;
            if still_open(&stream) {
                return Some(stream);
            }
        }
    }

    /// Keeps `stream` for a later request, unless enough are kept already.
    fn checkin(&self, stream: TcpStream) {
        let mut idle = self.idle();
        if idle.len() < MAX_IDLE {
            idle.push(stream);
        }
    }

    /// Opens a connection, trying each address the name resolves to.
    fn connect(&self, deadline: Instant) -> Result<TcpStream, Failure> {
        let addrs = self
            .addr
            .to_socket_addrs()
            .map_err(|err| Failure::Unreachable(format!("cannot resolve: {err}")))?;
        let mut last = "the name resolves to no address".to_string();
        for addr in addrs {
            let left = remaining(deadline).ok_or(Failure::Timeout)?;
            match TcpStream::connect_timeout(&addr, left.min(CONNECT_TIMEOUT)) {
                Ok(stream) => {
                    // Frames are written whole; Nagle would only delay the last packet.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(err) => last = format!("cannot connect: {err}"),
            }
        }
        Err(Failure::Unreachable(last))
    }
}

/// Time left before `deadline`, or `None` if there is none.
fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

fn is_timeout(err: &io::Error) -> bool {
    // Unix reports a socket timeout as WouldBlock, Windows as TimedOut.
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A reader that gives up at a deadline: before each `read` it sets the
/// socket's timeout to the time left, so the whole reply is bounded, not
/// each read (a backend trickling a byte a second would otherwise never
/// time out). It counts the bytes read, to tell "died before replying"
/// from "died while replying".
struct Deadline<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
    bytes: usize,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = remaining(self.deadline).ok_or(io::ErrorKind::TimedOut)?;
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        let n = stream.read(buf)?;
        self.bytes += n;
        Ok(n)
    }
}

/// Methods that may be sent twice with the effect of once (RFC 9110 §9.2.2).
fn is_idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

/// Adds `X-Forwarded-For` (the client's list plus `peer`) and
/// `X-Forwarded-Proto: http` (replacing the client's) to `headers`.
fn add_forwarded(headers: &mut Vec<(String, String)>, peer: Option<SocketAddr>) {
    let is = |name: &str, wanted: &str| name.eq_ignore_ascii_case(wanted);
    let mut chain: Vec<String> = headers
        .iter()
        .filter(|(n, _)| is(n, "x-forwarded-for"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    headers.retain(|(n, _)| !is(n, "x-forwarded-for") && !is(n, "x-forwarded-proto"));
    if let Some(peer) = peer {
        chain.push(peer.ip().to_string());
    }
    if !chain.is_empty() {
        headers.push(("X-Forwarded-For".to_string(), chain.join(", ")));
    }
    headers.push(("X-Forwarded-Proto".to_string(), "http".to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_fields_extend_the_clients_list_and_replace_its_proto() {
        let mut headers = vec![
            ("Host".to_string(), "site".to_string()),
            ("X-Forwarded-For".to_string(), "1.2.3.4".to_string()),
            ("x-forwarded-proto".to_string(), "https".to_string()),
        ];
        add_forwarded(&mut headers, Some("10.0.0.9:5555".parse().unwrap()));
        assert_eq!(
            headers,
            [
                ("Host".to_string(), "site".to_string()),
                (
                    "X-Forwarded-For".to_string(),
                    "1.2.3.4, 10.0.0.9".to_string()
                ),
                ("X-Forwarded-Proto".to_string(), "http".to_string()),
            ]
        );
    }

    #[test]
    fn only_idempotent_methods_are_resent() {
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(is_idempotent(method), "{method}");
        }
        for method in ["POST", "PATCH", "CONNECT", "get"] {
            assert!(!is_idempotent(method), "{method}");
        }
    }

    #[test]
    fn a_down_backend_waits_longer_after_each_failed_try_and_one_request_probes_it() {
        let proxy = Proxy::new(["127.0.0.1:1"], Proxy::DEFAULT_TIMEOUT);
        let backend = &proxy.backends[0];
        let first = backend.claim().expect("an up backend takes requests");
        assert!(!first.probe);
        first.mark_down("refused");
        assert!(backend.claim().is_none(), "skipped during the back-off");
        let backoff = |b: &Backend| b.health().down.map(|d| d.backoff);
        assert_eq!(backoff(backend), Some(RETRY_FIRST));
        // Pretend the back-off has passed.
        let pass = || backend.health().down.as_mut().unwrap().retry_at = Instant::now();
        pass();
        let probe = backend.claim().expect("one request probes it");
        assert!(probe.probe);
        assert!(backend.claim().is_none(), "the next one does not");
        probe.mark_down("refused again");
        assert_eq!(backoff(backend), Some(RETRY_FIRST * 2));
        for _ in 0..10 {
            pass();
            backend.claim().unwrap().mark_down("still refused");
        }
        assert_eq!(backoff(backend), Some(RETRY_MAX));
        pass();
        backend.claim().unwrap().mark_up();
        assert!(backend.claim().is_some_and(|c| !c.probe));
    }

    #[test]
    fn requests_in_flight_when_a_backend_went_down_do_not_lengthen_its_back_off() {
        let proxy = Proxy::new(["127.0.0.1:1"], Proxy::DEFAULT_TIMEOUT);
        let backend = &proxy.backends[0];
        let backoff = |b: &Backend| b.health().down.map(|d| d.backoff);
        // Five requests on their way, then the backend restarts: all fail.
        let in_flight: Vec<_> = (0..5).map(|_| backend.claim().unwrap()).collect();
        for claim in &in_flight {
            claim.mark_down("it closed the connection without replying");
        }
        assert_eq!(backoff(backend), Some(RETRY_FIRST), "one outage, one wait");
        // Only the probe's failure counts.
        backend.health().down.as_mut().unwrap().retry_at = Instant::now();
        backend.claim().unwrap().mark_down("refused");
        assert_eq!(backoff(backend), Some(RETRY_FIRST * 2));
    }
}
