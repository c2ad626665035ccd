//! Whether a backend is down, and when to try it again: the back-off.
//!
//! A backend that failed is skipped for 250 ms; then one request (the
//! *probe*) tries it, while the others keep skipping it. A probe that fails
//! doubles the wait, up to 5 s; any reply brings the backend back. Only the
//! probe's failure doubles the wait: when a backend goes down, every request
//! in flight to it fails a moment after the others, and counting each would
//! turn one restart into seconds of `502`s. The traffic is the health check;
//! there is no thread pinging backends.

use std::time::{Duration, Instant};

/// The first wait before a down backend is tried again; it doubles with
/// each failed try, up to [`RETRY_MAX`].
pub(crate) const RETRY_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between two tries of a down backend.
pub(crate) const RETRY_MAX: Duration = Duration::from_secs(5);

/// Whether a backend is down, and until when.
#[derive(Debug, Default)]
pub(crate) struct Health {
    /// `Some` while the backend is down.
    pub(crate) down: Option<Down>,
}

/// A backend that is down: when to try it next, and how long it waited.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Down {
    /// Before this, requests skip the backend.
    pub(crate) retry_at: Instant,
    /// The wait that `retry_at` was set with; the next failure doubles it.
    pub(crate) backoff: Duration,
}

impl Health {
    /// Whether a request may go to the backend now: `Some(false)` if it is
    /// up, `Some(true)` if it is down and its back-off has passed (this
    /// request is the probe; the next ones wait one more back-off), `None`
    /// while it is down.
    pub(crate) fn claim(&mut self, now: Instant) -> Option<bool> {
        let Some(down) = &mut self.down else {
            return Some(false);
        };
        if now < down.retry_at {
            return None;
        }
        down.retry_at = now + down.backoff;
        Some(true)
    }

    /// Records a failure of an attempt (`probe`: whether it was the probe):
    /// down now (logged once), down for twice as long after a failed probe,
    /// and no change otherwise (the request was on its way before the
    /// backend was known to be down).
    pub(crate) fn mark_down(&mut self, probe: bool, addr: &str, reason: &str) {
        match self.down {
            None => {
                log::warn!(
                    "backend {addr} is down ({reason}); trying again in {} ms",
                    RETRY_FIRST.as_millis()
                );
                self.down = Some(Down {
                    retry_at: Instant::now() + RETRY_FIRST,
                    backoff: RETRY_FIRST,
                });
            }
            Some(down) if probe => {
                let backoff = (down.backoff * 2).min(RETRY_MAX);
                log::debug!(
                    "backend {addr} is still down ({reason}); trying again in {} ms",
                    backoff.as_millis()
                );
                self.down = Some(Down {
                    retry_at: Instant::now() + backoff,
                    backoff,
                });
            }
            Some(_) => {
                log::debug!("backend {addr}: a request in flight failed too ({reason})");
            }
        }
    }

    /// Records a reply: up again. Returns whether it was down.
    pub(crate) fn mark_up(&mut self) -> bool {
        self.down.take().is_some()
    }
}
