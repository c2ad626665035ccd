//! One backend as the front sees it: its address and its health, shared
//! by every event loop of the front.
//!
//! The connections to it are not here: each loop owns its own
//! (`forwarder.rs`), so that no lock is taken to send a request. Health is
//! shared, so that a backend one loop found down is skipped by all.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::health::Health;

/// One backend, as the front sees it.
pub(crate) struct Backend {
    /// As given (`127.0.0.1:7001`, `app1.internal:7001`); resolved at each
    /// connect, so a backend whose name moves is found again.
    pub(crate) addr: String,
    health: Mutex<Health>,
}

impl Backend {
    /// A backend at `addr`, up.
    pub(crate) fn new(addr: String) -> Backend {
        Backend {
            addr,
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
    /// the back-off has passed once more. `Some(probe)`: whether this
    /// attempt is that probe, for its [`Backend::mark_down`].
    ///
    /// A failure needs to know that. When a backend goes down, every request
    /// in flight to it fails, each a moment after the other; if each doubled
    /// the back-off, one restart with five requests in flight would jump
    /// straight from 250 ms to 5 s, a long wall of 502s for a backend that was
    /// back in one second. Only a failed probe is news ("still down after the
    /// wait"), so only a failed probe doubles the wait.
    pub(crate) fn claim(&self) -> Option<bool> {
        self.health().claim(Instant::now())
    }

    /// Records a failure of an attempt (`probe`: whether it was the probe):
    /// down now (logged once), down for twice as long if this was the
    /// probe, and no change otherwise (the request was on its way before
    /// the backend was known to be down).
    pub(crate) fn mark_down(&self, probe: bool, reason: &str) {
        self.health().mark_down(probe, &self.addr, reason);
    }

    /// Records a reply: up again, if it was down. (Any reply, probe or not:
    /// a backend that answers is up.)
    pub(crate) fn mark_up(&self) {
        if self.health().mark_up() {
            log::info!("backend {} is up again", self.addr);
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
        assert!(!first);
        backend.mark_down(first, "refused");
        assert!(backend.claim().is_none(), "skipped during the back-off");
        let backoff = |b: &Backend| b.health().down.map(|d| d.backoff);
        assert_eq!(backoff(backend), Some(RETRY_FIRST));
        // Pretend the back-off has passed.
        let pass = || backend.health().down.as_mut().unwrap().retry_at = Instant::now();
        pass();
        let probe = backend.claim().expect("one request probes it");
        assert!(probe);
        assert!(backend.claim().is_none(), "the next one does not");
        backend.mark_down(probe, "refused again");
        assert_eq!(backoff(backend), Some(RETRY_FIRST * 2));
        for _ in 0..10 {
            pass();
            backend.mark_down(backend.claim().unwrap(), "still refused");
        }
        assert_eq!(backoff(backend), Some(RETRY_MAX));
        pass();
        backend.claim().unwrap();
        backend.mark_up();
        assert_eq!(backend.claim(), Some(false));
    }

    #[test]
    fn requests_in_flight_when_a_backend_went_down_do_not_lengthen_its_back_off() {
        let backend = &Backend::new("127.0.0.1:1".to_string());
        let backoff = |b: &Backend| b.health().down.map(|d| d.backoff);
        // Five requests on their way, then the backend restarts: all fail.
        let in_flight: Vec<_> = (0..5).map(|_| backend.claim().unwrap()).collect();
        for &probe in &in_flight {
            backend.mark_down(probe, "it closed the connection without replying");
        }
        assert_eq!(backoff(backend), Some(RETRY_FIRST), "one outage, one wait");
        // Only the probe's failure counts.
        backend.health().down.as_mut().unwrap().retry_at = Instant::now();
        backend.mark_down(backend.claim().unwrap(), "refused");
        assert_eq!(backoff(backend), Some(RETRY_FIRST * 2));
    }
}
