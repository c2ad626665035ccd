//! One backend as the front sees it: its address, its idle connections,
//! its health, and one exchange of a request frame for a reply.
//!
//! A reused connection that fails before a byte of reply says little about
//! the backend (it may have closed an idle connection just as the front
//! wrote to it), so [`Backend::exchange`] tries once more on a fresh
//! connection before anyone calls the backend down, following the retry
//! policy (`retry.rs`).

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::deadline::{Deadline, is_timeout, remaining};
use super::handshake::{self, Pending};
use super::health::Health;
use super::pool::{self, ConnectionPool};
use super::retry::{Failure, is_reset};
use crate::app::settings::SecretKey;
use crate::http::response::Response;
use crate::split::protocol::{self, Message, ProtocolError};

/// One backend, as the front sees it.
pub(super) struct Backend {
    /// As given (`127.0.0.1:7001`, `app1.internal:7001`); resolved at each
    /// connect, so a backend whose name moves is found again.
    pub(super) addr: String,
    idle: ConnectionPool,
    health: Mutex<Health>,
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
pub(super) struct Claim<'a> {
    backend: &'a Backend,
    /// Whether this attempt is the one sent after a back-off.
    pub(super) probe: bool,
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
    pub(super) fn mark_down(&self, reason: &str) {
        let backend = self.backend;
        backend
            .health()
            .mark_down(self.probe, &backend.addr, reason);
        // Connections to a process that died are of no use to anyone.
        backend.idle.clear();
    }
}

impl Backend {
    /// A backend at `addr`, up, with no connection yet.
    pub(super) fn new(addr: String) -> Backend {
        Backend {
            addr,
            idle: ConnectionPool::default(),
            health: Mutex::new(Health::default()),
        }
    }

    fn health(&self) -> MutexGuard<'_, Health> {
        // Health is two plain values: a panic elsewhere cannot leave it torn.
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request may go here now: the backend is up, or it is down
    /// and its back-off has passed. In that case this request is the probe,
    /// and the others keep skipping the backend until it has answered or
    /// the back-off has passed once more. The [`Claim`] remembers which.
    pub(super) fn claim(&self) -> Option<Claim<'_>> {
        let probe = self.health().claim(Instant::now())?;
        Some(Claim {
            backend: self,
            probe,
        })
    }

    /// Records a reply: up again, if it was down. (Any reply, probe or not:
    /// a backend that answers is up.)
    pub(super) fn mark_up(&self) {
        if self.health().mark_up() {
            log::info!("backend {} is up again", self.addr);
        }
    }

    /// Sends `frame` (request `id`) and waits for its reply until `deadline`:
    /// on an idle connection if there is one, and then, if that one turns
    /// out to be stale, once more on a fresh one (see "Connections" in
    /// `docs/proxy.md`). `may_resend`: whether the request may be sent again
    /// after the backend may have received it.
    ///
    /// With a `key`, a fresh connection begins with version 2's handshake
    /// (`handshake.rs`); a reused one has done it already.
    pub(super) fn exchange(
        &self,
        frame: &[u8],
        id: u64,
        deadline: Instant,
        may_resend: bool,
        key: Option<&SecretKey>,
    ) -> Result<Response, Failure> {
        if let Some(stream) = self.idle.checkout() {
            let result = self.exchange_on(stream, None, frame, id, deadline);
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
        let (stream, pending) = pool::connect(&self.addr, deadline, key)?;
        self.exchange_on(stream, pending, frame, id, deadline)
    }

    /// One exchange on `stream`, which is kept for reuse only if it went
    /// entirely right. `pending`: a fresh keyed connection's hello, sent
    /// just before the request (no round trip to wait for a welcome first),
    /// and the welcome checked before the reply is read.
    fn exchange_on(
        &self,
        stream: TcpStream,
        pending: Option<Pending>,
        frame: &[u8],
        id: u64,
        deadline: Instant,
    ) -> Result<Response, Failure> {
        let left = remaining(deadline).ok_or(Failure::Timeout)?;
        let sent = stream.set_write_timeout(Some(left)).and_then(|()| {
            if let Some(pending) = &pending {
                (&stream).write_all(&pending.hello)?;
            }
            (&stream).write_all(frame)
        });
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
        // No reply counts before the backend has proved it holds the key.
        if let Some(pending) = &pending {
            handshake::check_welcome(&mut input, &pending.handshake)?;
            input.bytes = 0;
        }
        let reply = protocol::read_frame(&mut input);
        let replying = input.bytes > 0;
        match reply {
            Ok(Some(Message::Response(reply))) if reply.id == id => {
                let res = protocol::response_from_message(reply)
                    .map_err(|bad| Failure::Broken(bad.to_string()))?;
                // Only a connection that did everything right is reused.
                self.idle.checkin(stream);
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
            // A keyed backend's challenge, read by a front without the key.
            Err(ProtocolError::UnsupportedVersion(2)) => Err(Failure::Broken(
                "it speaks version 2 (it has a split_key): give the front the same key \
                 (HTTPRS_SPLIT_KEY or --split-key-file)"
                    .to_string(),
            )),
            Err(err) => Err(Failure::Broken(err.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::proxy::health::{RETRY_FIRST, RETRY_MAX};

    #[test]
    fn a_down_backend_waits_longer_after_each_failed_try_and_one_request_probes_it() {
        let backend = &Backend::new("127.0.0.1:1".to_string());
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
        let backend = &Backend::new("127.0.0.1:1".to_string());
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
