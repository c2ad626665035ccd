//! A limit on failed logins per client address, so a password cannot be
//! guessed at the speed of the network.
//! The design is in `final/docs/login-limit.md` ([`LoginLimit`](crate::LoginLimit)'s documentation).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::http::response::Response;
use crate::http::status::Status;

/// The most addresses remembered at once.
pub(crate) const MAX_ADDRESSES: usize = 10_000;

/// Failed logins per address, in a sliding window; see below.
#[derive(Debug)]
///
#[doc = include_str!("../../docs/login-limit.md")]
pub struct LoginLimit {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginLimit {
    /// At most `max_failures` failures from one address within `window`.
    pub fn new(max_failures: usize, window: Duration) -> LoginLimit {
        LoginLimit {
            max_failures: max_failures.max(1),
            window,
            failures: Mutex::default(),
        }
    }

    /// `Ok` if `ip` may try to log in now.
    ///
    /// # Errors
    /// How long `ip` must wait, when it failed too often lately.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(times) = failures.get_mut(&ip) else {
            return Ok(());
        };
        while times.front().is_some_and(|t| now - *t >= self.window) {
            times.pop_front();
        }
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        Err(self.window.saturating_sub(now - oldest))
    }

    /// Records a failed login from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= MAX_ADDRESSES && !failures.contains_key(&ip) {
            let window = self.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now - *t < window));
            if failures.len() >= MAX_ADDRESSES {
                // Still full of recent failures: forget the stalest address.
                let stalest = failures
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(ip, _)| *ip);
                if let Some(stalest) = stalest {
                    failures.remove(&stalest);
                }
            }
        }
        let times = failures.entry(ip).or_default();
        times.push_back(now);
        // Only the last `max_failures` matter to `check`.
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    /// Forgets `ip`'s failures: it logged in.
    pub fn succeeded(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&ip);
    }

    /// The `429 Too Many Requests` for a client that must wait `wait`, with
    /// `Retry-After` in whole seconds (at least 1).
    pub fn too_many(wait: Duration) -> Response {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Response::text(format!(
            "429 Too Many Requests\n\nToo many failed logins from your address: \
             try again in {} seconds.\n",
            seconds.max(1)
        ))
        .with_status(Status::TOO_MANY_REQUESTS)
        .with_header("Retry-After", seconds.max(1).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_limit_wait_and_a_success_clears_them() {
        let limit = LoginLimit::new(3, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limit.check(a).is_ok());
            limit.failed(a);
        }
        let wait = limit.check(a).unwrap_err();
        assert!(
            wait > Duration::from_secs(58) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(limit.check(b).is_ok(), "another address is not limited");
        limit.succeeded(a);
        assert!(limit.check(a).is_ok());
        let res = LoginLimit::too_many(wait);
        assert_eq!(res.status().code(), 429);
        assert_eq!(res.header("retry-after"), Some("60"));
    }

    #[test]
    fn a_window_that_passed_forgets_the_failures() {
        let limit = LoginLimit::new(1, Duration::ZERO);
        let ip = "192.0.2.9".parse().unwrap();
        limit.failed(ip);
        assert!(limit.check(ip).is_ok());
    }
}
