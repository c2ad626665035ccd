//! Expired sessions removed on a schedule, by a thread of their own.
//!
//! A session row says when it expires, and a row past it is never read
//! again (the query asks for `expires > now`); but it stays on disk until
//! something deletes it. Deleting on the request path (one `DELETE` per new
//! session, as this module's predecessor did) makes some visitors pay for
//! the others; so a background thread does it, every `session_sweep_interval`
//! (ten minutes by default), one indexed `DELETE` each time. On several
//! instances sharing one database each sweeps: the deletes are idempotent.
//!
//! The thread lives as long as the [`Sweeper`] that started it: dropping it
//! (when the app's state goes, with the server) closes the channel the
//! thread waits on, and it ends at once, without waiting out its interval.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::data::pool::Database;

/// Seconds since 1970, as `expires` counts them: here, with the expiry
/// rule, and read by the store when it writes a row's `expires`.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The statement that does the work; `$1` is now, in seconds since 1970.
pub(super) const DELETE_EXPIRED: &str = "DELETE FROM httprs_sessions WHERE expires <= $1";

/// The running sweep; the thread stops when this is dropped.
pub(crate) struct Sweeper {
    /// Never sent on: its drop is the stop signal.
    _stop: Sender<()>,
}

impl Sweeper {
    /// Starts a thread that deletes expired sessions from `db` every
    /// `interval`.
    ///
    /// # Errors
    /// If the operating system refuses a thread.
    pub(crate) fn start(db: Database, interval: Duration) -> std::io::Result<Sweeper> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("httprs-session-sweep".into())
            .spawn(move || {
                // An interval first: start-up (and every test's store) is
                // left alone, and the work is spread over the interval.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    match sweep(&db) {
                        Ok(0) => {}
                        Ok(n) => log::info!("removed {n} expired sessions"),
                        // A database that is down now may be back next time.
                        Err(err) => log::warn!("cannot remove expired sessions: {err}"),
                    }
                }
                // Disconnected: the Sweeper was dropped, the app is gone.
            })?;
        Ok(Sweeper { _stop: stop })
    }
}

/// Deletes the expired rows once; returns how many.
pub(super) fn sweep(db: &Database) -> Result<u64, crate::data::error::DbError> {
    let conn = db.checkout()?;
    conn.execute(DELETE_EXPIRED, &[&now()])
}
