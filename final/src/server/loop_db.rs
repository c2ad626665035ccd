//! An event loop's own database connection, for its async handlers
//! ([`Route::get_async`](crate::Route::get_async)): when it is made, how it
//! is polled, what happens when it breaks.
//!
//! A loop wants one only if the app has an async route and a PostgreSQL
//! database (SQLite's statements are function calls: its async routes run
//! as plain handlers). Connecting blocks, so a worker does it and posts the
//! connection to the loop's inbox ([`Message::Database`]); until it comes,
//! or while the server is down, async routes run on the workers with the
//! pool, as plain handlers: slower, never refused. A connection that breaks
//! fails the statements in flight (a 503 each, as a pooled connection
//! would), and the next is made a second later, then after 2, 4 ... up to
//! 30 seconds while the server stays away.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use crate::data::async_db::AsyncDb;
use crate::data::error::DbError;
use crate::data::pg_link::{LinkState, PgLink};
use crate::data::pool::Database;
use crate::server::shared::{Message, Shared};
use crate::server::tasks::{LinkWaker, Tasks, Wakeups};
use crate::server::worker_pool::WorkerPool;

/// The longest wait between two attempts to connect.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One loop's connection, and the async handlers that use it.
pub(crate) struct LoopDb {
    index: usize,
    token: Token,
    /// The server's URL and the pool's timeout; `None`: no connection wanted.
    target: Option<(String, Duration)>,
    link: Option<PgLink>,
    connecting: bool,
    retry_at: Instant,
    /// Attempts failed in a row, for the back-off.
    failures: u32,
    pub(crate) wakeups: Arc<Wakeups>,
    pub(crate) tasks: Tasks,
    link_waker: Waker,
}

impl LoopDb {
    /// Loop `index`'s; its connection will be registered with `token`.
    pub(crate) fn new(
        index: usize,
        token: Token,
        shared: &Shared,
        loop_waker: Arc<mio::Waker>,
    ) -> LoopDb {
        let has_async = shared.app.router.routes.iter().any(|r| r.awaits.is_some());
        let target = shared
            .app
            .state
            .get::<Database>()
            .filter(|_| has_async)
            .and_then(|db| Some((db.postgres_url()?.to_string(), db.timeout())));
        let wakeups = Wakeups::new(index, loop_waker);
        LoopDb {
            index,
            token,
            target,
            link: None,
            connecting: false,
            retry_at: Instant::now(),
            failures: 0,
            link_waker: Waker::from(Arc::new(LinkWaker(wakeups.clone()))),
            tasks: Tasks::new(wakeups.clone()),
            wakeups,
        }
    }

    /// Whether this loop wants a connection of its own (PostgreSQL, and an
    /// async route to use it).
    pub(crate) fn wants_link(&self) -> bool {
        self.target.is_some()
    }

    /// The handle an async request gets, while the connection is up.
    pub(crate) fn handle(&self) -> Option<AsyncDb> {
        self.link.as_ref().map(|link| AsyncDb::link(link.shared()))
    }

    /// Starts connecting on a worker, if a connection is wanted and none is
    /// there, being made, or waiting out its back-off.
    pub(crate) fn connect_if_due(&mut self, now: Instant, pool: &WorkerPool, shared: &Arc<Shared>) {
        let Some((url, timeout)) = &self.target else {
            return;
        };
        if self.link.is_some() || self.connecting || now < self.retry_at {
            return;
        }
        self.connecting = true;
        let (url, timeout, index, shared) = (url.clone(), *timeout, self.index, shared.clone());
        pool.execute(move || {
            let name = format!("httprs loop {index}");
            let link = PgLink::connect(&url, timeout, &name).map(Box::new);
            shared.inboxes[index].send(Message::Database(link));
        });
    }

    /// What the worker made of it: a connection to register, or a failure
    /// to wait out.
    pub(crate) fn connected(
        &mut self,
        result: Result<Box<PgLink>, DbError>,
        registry: &Registry,
        now: Instant,
    ) {
        self.connecting = false;
        let registered = result.and_then(|link| {
            let fd: RawFd = link.fd();
            registry
                .register(
                    &mut SourceFd(&fd),
                    self.token,
                    Interest::READABLE | Interest::WRITABLE,
                )
                .map_err(|err| DbError::Busy(format!("cannot poll the database socket: {err}")))?;
            Ok(link)
        });
        match registered {
            Ok(link) => {
                if self.failures > 0 {
                    log::info!("event loop {}: connected to the database again", self.index);
                }
                self.failures = 0;
                link.arm();
                self.link = Some(*link);
                // Statements may be queued already; and a connection's
                // waker is only known to it once it has been polled.
                self.wakeups.wake_link();
            }
            Err(err) => {
                self.failures += 1;
                let wait = backoff(self.failures);
                log::warn!(
                    "event loop {}: no database connection of its own ({err}); async \
                     routes run on the workers meanwhile; trying again in {}s",
                    self.index,
                    wait.as_secs()
                );
                self.retry_at = now + wait;
            }
        }
    }

    /// A `mio` event for the connection's socket.
    pub(crate) fn event(&self, readable: bool) {
        if readable && let Some(link) = &self.link {
            link.mark_readable();
        }
        self.wakeups.wake_link();
    }

    /// Whether a future or the connection was woken and awaits a poll.
    /// Never, on a loop that wants no connection: it runs no futures.
    pub(crate) fn has_work(&self) -> bool {
        self.wants_link() && self.wakeups.pending()
    }

    /// Polls the connection if something marked it: writes the statements
    /// queued, hands out the answers come. Returns whether it was polled.
    pub(crate) fn poll_link(&mut self, registry: &Registry, now: Instant) -> bool {
        if !self.wakeups.take_link() {
            return false;
        }
        let Some(link) = &mut self.link else {
            return false;
        };
        if link.poll(&self.link_waker) == LinkState::Closed {
            let fd = link.fd();
            let _ = registry.deregister(&mut SourceFd(&fd));
            // Dropping it fails every statement in flight; their handlers
            // are woken, and answer 503.
            self.link = None;
            self.failures += 1;
            self.retry_at = now + backoff(self.failures);
        }
        true
    }
}

/// The wait after `failures` failed attempts in a row: 1 s, doubling, at most 30.
fn backoff(failures: u32) -> Duration {
    (Duration::from_secs(1) * 2u32.saturating_pow(failures.saturating_sub(1).min(5)))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_back_off_doubles_from_one_second_up_to_thirty() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
