//! Opening the database file, set up for a server, and sharing it between
//! the worker threads.
//!
//! SQLite is a library, not a server: the "database" is one file, and a
//! connection is a handle on it inside our process. Three settings make it
//! fit a server whose handlers run on several threads at once:
//!
//! - **WAL** (write-ahead log): a writer appends to `FILE-wal` instead of
//!   rewriting pages in place, so readers never wait for it;
//! - a **busy timeout**: a second writer waits (up to [`BUSY_TIMEOUT`]) for
//!   the lock instead of failing at once with "database is locked";
//! - **foreign keys** on: SQLite checks `REFERENCES` only when asked.
//!
//! This step keeps ONE connection behind a `Mutex`: a handler takes it,
//! runs its few queries and lets go. It is the simplest thing that is
//! correct, and a small guestbook never notices the queue. `final/` keeps a
//! pool of connections instead, so that readers run side by side.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use crate::data::error::DataError;
use crate::data::migrate::{self, Migration};

/// How long a write waits for another writer's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The app's database: one SQLite connection, shared by every handler.
pub struct Database {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Database {
    /// Opens (creating it if needed) the file at `path`, in WAL mode, with a
    /// busy timeout and foreign keys on.
    ///
    /// # Errors
    /// [`DataError::Open`] when the folder does not exist, the file is not
    /// readable or writable, or it is not a SQLite database.
    pub fn open(path: impl AsRef<Path>) -> Result<Database, DataError> {
        let path = path.as_ref().to_path_buf();
        let failed = |source| DataError::Open {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(failed)?;
        // SQLite reads the file lazily: a file that is not a database is
        // found out by the first statement, here, at start-up, rather than
        // by the first visitor. `journal_mode` answers with the mode it set.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(failed)?;
        if !mode.eq_ignore_ascii_case("wal") {
            // A read-only folder, say: SQLite keeps the old journal mode.
            return Err(failed(rusqlite::Error::InvalidParameterName(format!(
                "WAL mode could not be set (SQLite kept {mode:?})"
            ))));
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(failed)?;
        Ok(Database {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The file this database lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies each migration not applied before; returns the names of those
    /// it applied (none on a restart). See [`crate::data::migrate`].
    ///
    /// # Errors
    /// [`DataError::Migration`] naming the first one that failed.
    pub fn migrate(&self, migrations: &[Migration]) -> Result<Vec<String>, DataError> {
        migrate::apply(&mut self.lock(), migrations)
    }

    /// The connection, for as long as the guard lives. Hold it for a few
    /// queries, not for a whole request: every other handler waits.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A handler that panicked while holding the lock "poisons" it. The
        // connection itself is fine (SQLite rolls back any open
        // transaction when rusqlite's `Transaction` is dropped during the
        // unwind), so the next handler takes it anyway.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::TempDir;

    #[test]
    fn a_new_file_is_opened_in_wal_mode_with_a_busy_timeout() {
        let dir = TempDir::new("open");
        let db = Database::open(dir.join("app.sqlite3")).unwrap();
        let conn = db.lock();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let timeout: i64 = conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(timeout, BUSY_TIMEOUT.as_millis() as i64);
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn a_missing_folder_is_an_open_error_naming_the_file() {
        let dir = TempDir::new("open");
        let path = dir.join("no/such/folder/app.sqlite3");
        let Err(err) = Database::open(&path) else {
            panic!("opened a file in a folder that does not exist");
        };
        assert!(matches!(err, DataError::Open { .. }), "{err:?}");
        assert!(
            err.to_string().contains("no/such/folder/app.sqlite3"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_at_open() {
        let dir = TempDir::new("open");
        let path = dir.join("notes.txt");
        std::fs::write(&path, "these are notes, not a database\n".repeat(100)).unwrap();
        let Err(err) = Database::open(&path) else {
            panic!("opened a text file as a database");
        };
        assert!(err.to_string().contains("not a database"), "{err}");
    }
}
