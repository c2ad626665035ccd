//! Why an app did not start, and the exit status that says so.
//!
//! A library does not end the process: it cannot know whether its caller
//! is a `main`, a test or a supervisor that would rather try again. So
//! [`App::start`](crate::App::start) and [`App::run_with`](crate::App::run_with)
//! return a [`StartError`]: a message naming what was wrong and where, a
//! [`StartErrorKind`] to match on, and the exit status the kind suggests.
//! Only [`App::run`](crate::App::run), the one entry point documented to
//! exit, turns it into one (as `httprs-front`'s `main` does).
//!
//! The statuses are the usual Unix ones: 2 for a usage mistake (a setting,
//! a flag, a missing key: the operator must change something before trying
//! again), 1 for a failure at run time (a port in use, a failing
//! migration: trying again later may work).

use std::fmt;

/// Why an app did not start: what was wrong, where, and the exit status
/// it suggests ([`StartError::exit_code`]).
///
/// # Examples
/// ```
/// use httprs::{App, Mode, Settings, StartErrorKind};
/// // Backend mode with debug off needs a split key.
/// let settings = Settings { mode: Mode::Backend, ..Settings::default() };
/// let err = App::new().start(settings).unwrap_err();
/// assert_eq!(err.kind(), StartErrorKind::Key);
/// assert_eq!(err.exit_code(), 2);
/// assert!(err.to_string().starts_with("backend mode needs the split_key setting"));
/// ```
#[derive(Debug)]
pub struct StartError {
    kind: StartErrorKind,
    message: String,
}

/// What kind of thing stopped a start; [`StartError::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartErrorKind {
    /// A settings file, environment variable or flag that could not be used (exit status 2).
    Settings,
    /// A key the app needs is missing or is a development key, with `debug` off:
    /// `secret_key` for sessions, `split_key` in backend mode (exit status 2).
    Key,
    /// The `database` setting names a database that cannot be opened or reached (exit status 2).
    Database,
    /// A migration failed; the ones before it stay applied (exit status 1).
    Migration,
    /// The operating system said no: an address could not be bound (in
    /// use, not this machine's), a thread not started, no random bytes
    /// given (exit status 1).
    Io,
    /// An app's command ([`App::command`](crate::App::command)) failed (exit status 1).
    Command,
}

impl StartError {
    /// `message` as a start-up failure of this `kind`.
    pub(crate) fn new(kind: StartErrorKind, message: impl fmt::Display) -> StartError {
        StartError {
            kind,
            message: message.to_string(),
        }
    }

    /// What kind of thing stopped the start.
    pub fn kind(&self) -> StartErrorKind {
        self.kind
    }

    /// The exit status a `main` should end with: 2 for a setting, a flag
    /// or a key to fix (a usage mistake), 1 for a failure at run time.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            StartErrorKind::Settings | StartErrorKind::Key | StartErrorKind::Database => 2,
            StartErrorKind::Migration | StartErrorKind::Io | StartErrorKind::Command => 1,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StartError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistakes_to_fix_exit_with_2_and_failures_at_run_time_with_1() {
        let cases = [
            (StartErrorKind::Settings, 2),
            (StartErrorKind::Key, 2),
            (StartErrorKind::Database, 2),
            (StartErrorKind::Migration, 1),
            (StartErrorKind::Io, 1),
        ];
        for (kind, code) in cases {
            let err = StartError::new(kind, "cannot listen on 127.0.0.1:1: in use");
            assert_eq!((err.kind(), err.exit_code()), (kind, code));
            assert_eq!(err.to_string(), "cannot listen on 127.0.0.1:1: in use");
        }
    }
}
