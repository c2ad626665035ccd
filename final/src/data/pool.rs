//! The data layer's connections: a bounded pool of SQLite connections, set
//! up for a server, borrowed with a guard that returns them on drop. Why a
//! pool, how each connection is set up and how waiting ends: `final/docs/database.md`
//! ([`Database`](crate::Database)'s documentation).

use std::fmt;
use std::io;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

use crate::data::error::DbError;
use crate::data::migrate::{self, Migration};

/// A pool of open connections to one SQLite database; cheap to clone (the
/// clones share the pool).
///
/// # Examples
/// ```
/// # fn main() -> Result<(), httprs::DbError> {
/// let db = httprs::Database::open_in_memory()?;
/// let conn = db.checkout()?;
/// let two: i64 = conn.query_row("SELECT 1 + ?1", [1], |row| row.get(0))?;
/// assert_eq!(two, 2);
/// # Ok(())
/// # }
/// ```
///
#[doc = include_str!("../../docs/database.md")]
#[derive(Clone)]
pub struct Database {
    pool: Arc<Pool>,
}

struct Pool {
    /// The connections nobody has checked out.
    idle: Mutex<Vec<Connection>>,
    /// Signalled each time a guard puts a connection back.
    returned: Condvar,
    path: PathBuf,
    size: usize,
    timeout: Duration,
}

/// A connection checked out of a [`Database`]; it goes back to the pool
/// when this guard is dropped. Derefs to [`rusqlite::Connection`], so
/// `execute`, `query_row`, `prepare` and `transaction` work on it directly.
pub struct PooledConnection<'a> {
    /// `Some` until `Drop` takes it out to hand it back.
    conn: Option<Connection>,
    pool: &'a Pool,
}

impl Database {
    /// How long a checkout waits for a free connection, and a writer for the
    /// write lock, unless [`Database::with_timeout`] says otherwise. Long enough
    /// to ride out a burst, short enough that a client gets its 503 before it
    /// gives up on its own.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Opens `size` connections to the SQLite file at `path`, creating the
    /// file if it does not exist (its folder must).
    ///
    /// # Errors
    /// [`DbError::Open`], naming the path, if the folder is missing or the
    /// file cannot be opened or set up.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn open(path: impl AsRef<Path>, size: usize) -> Result<Database, DbError> {
        assert!(size > 0, "a database pool needs at least one connection");
        Database::open_with(path.as_ref(), size, Database::DEFAULT_TIMEOUT)
    }

    /// One connection to a fresh database in memory, gone when the last
    /// clone is dropped: for tests and examples. (Only one: each in-memory
    /// connection would be a separate, empty database.)
    ///
    /// # Errors
    /// [`DbError::Open`] if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Database, DbError> {
        Database::open_with(Path::new(":memory:"), 1, Database::DEFAULT_TIMEOUT)
    }

    fn open_with(path: &Path, size: usize, timeout: Duration) -> Result<Database, DbError> {
        let fail = |problem: String| DbError::Open {
            path: path.to_path_buf(),
            problem,
        };
        // SQLite's own message for a missing folder is "unable to open
        // database file", which does not say which part is missing.
        if let Some(folder) = path.parent() {
            if !folder.as_os_str().is_empty() && !folder.is_dir() {
                return Err(fail(format!("folder {} does not exist", folder.display())));
            }
        }
        let idle = (0..size)
            .map(|_| connect(path, timeout).map_err(|err| fail(err.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Database {
            pool: Arc::new(Pool {
                idle: Mutex::new(idle),
                returned: Condvar::new(),
                path: path.to_path_buf(),
                size,
                timeout,
            }),
        })
    }

    /// Replaces how long [`Database::checkout`] waits for a free connection
    /// (and a writer for SQLite's write lock) before giving up with a 503.
    /// Call it before cloning the database or checking anything out.
    ///
    /// # Panics
    /// If a connection is checked out or the database was cloned.
    pub fn with_timeout(mut self, timeout: Duration) -> Database {
        let pool = Arc::get_mut(&mut self.pool).expect("with_timeout before any clone");
        pool.timeout = timeout;
        let idle = pool.idle.get_mut().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(idle.len(), pool.size, "with_timeout before any checkout");
        for conn in idle.iter() {
            // Only fails for a closed connection, which these are not.
            let _ = conn.busy_timeout(timeout);
        }
        self
    }

    /// Borrows a connection, waiting up to the pool's timeout for one to be free.
    ///
    /// # Errors
    /// [`DbError::PoolTimeout`] if none came free in time.
    pub fn checkout(&self) -> Result<PooledConnection<'_>, DbError> {
        let pool = &*self.pool;
        let idle = pool.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut idle, _) = pool
            .returned
            .wait_timeout_while(idle, pool.timeout, |idle| idle.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        match idle.pop() {
            Some(conn) => Ok(PooledConnection {
                conn: Some(conn),
                pool,
            }),
            None => Err(DbError::PoolTimeout {
                waited: pool.timeout,
                size: pool.size,
            }),
        }
    }

    /// Applies the migrations not applied yet, in order; see [`Migration`](crate::Migration).
    /// Returns the names of those it applied.
    ///
    /// # Errors
    /// [`DbError::Migration`] naming the first migration that failed; the
    /// ones before it stay applied, it and the ones after it do not.
    pub fn migrate(&self, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
        let mut conn = self.checkout()?;
        migrate::apply(&mut conn, migrations)
    }

    /// The file this database lives in (`:memory:` for [`Database::open_in_memory`]).
    pub fn path(&self) -> &Path {
        &self.pool.path
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.pool.size
    }

    /// Start-up, for [`crate::App::start`]: opens `size` connections to
    /// `path` (the `database` and `database_pool` settings) and migrates it.
    pub(crate) fn start(
        path: &Path,
        size: usize,
        migrations: &[Migration],
    ) -> io::Result<Database> {
        let db =
            Database::open(path, size.max(1)).map_err(|err| io::Error::other(err.to_string()))?;
        let applied = db
            .migrate(migrations)
            .map_err(|err| io::Error::other(format!("database {}: {err}", path.display())))?;
        for name in applied {
            log::info!("database {}: applied migration {name}", path.display());
        }
        Ok(db)
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.pool.path)
            .field("size", &self.pool.size)
            .field("timeout", &self.pool.timeout)
            .finish()
    }
}

/// Opens one connection and sets it up for many threads and many writers.
fn connect(path: &Path, timeout: Duration) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    // First, so that the pragmas below wait for a lock instead of failing.
    conn.busy_timeout(timeout)?;
    // Readers see the last commit while a writer works. Stored in the file:
    // one connection switching is enough, the others find it done.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // In WAL mode this cannot corrupt the database; a power cut may lose the
    // last commits. FULL would sync the disk on every commit.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

impl fmt::Debug for PooledConnection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("database", &self.pool.path)
            .finish_non_exhaustive()
    }
}

impl Deref for PooledConnection<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Only `Drop` takes the connection out.
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl DerefMut for PooledConnection<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        // A `Transaction` rolls itself back when dropped, but a handler may
        // have run `BEGIN` by hand, or panicked between `BEGIN` and `COMMIT`.
        // The next borrower must not find itself inside someone else's
        // transaction.
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            log::error!(
                "database {}: cannot roll back an abandoned transaction; reopening the connection",
                self.pool.path.display()
            );
            match connect(&self.pool.path, self.pool.timeout) {
                Ok(fresh) => conn = fresh,
                Err(err) => {
                    // The pool is one connection smaller from now on.
                    log::error!("database {}: {err}", self.pool.path.display());
                    return;
                }
            }
        }
        self.pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
        self.pool.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::into_response::IntoResponse;

    fn error_of(conn: &Connection, sql: &str) -> DbError {
        DbError::from(conn.execute_batch(sql).unwrap_err())
    }

    /// A unique file under the temp dir, removed (with its WAL files) on drop.
    pub(crate) struct TempDb(pub(crate) PathBuf);

    impl TempDb {
        pub(crate) fn new(tag: &str) -> TempDb {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            TempDb(std::env::temp_dir().join(format!(
                "httprs-db-{tag}-{}-{n}.sqlite3",
                std::process::id()
            )))
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = self.0.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }

    #[test]
    fn a_locked_database_is_busy_and_503() {
        let file = TempDb::new("busy");
        let db = Database::open(&file.0, 2)
            .unwrap()
            .with_timeout(Duration::from_millis(20));
        let mut first = db.checkout().unwrap();
        let second = db.checkout().unwrap();
        first.execute_batch("CREATE TABLE t (x)").unwrap();
        // The first holds the write lock; the second gives up after 20 ms.
        let tx = first
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        let err = error_of(&second, "INSERT INTO t VALUES (1)");
        assert!(matches!(err, DbError::Busy(_)), "{err:?}");
        let res = err.into_response();
        assert_eq!(res.status().code(), 503);
        assert_eq!(res.header("retry-after"), Some("1"));
        drop(tx);
    }

    #[test]
    fn an_exhausted_pool_times_out_then_recovers() {
        let file = TempDb::new("pool");
        let db = Database::open(&file.0, 2)
            .unwrap()
            .with_timeout(Duration::from_millis(30));
        let a = db.checkout().unwrap();
        let b = db.checkout().unwrap();
        let err = db.checkout().expect_err("both connections are out");
        assert!(
            matches!(err, DbError::PoolTimeout { size: 2, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "no database connection came free within 30 ms (all 2 in use)"
        );
        assert_eq!(err.into_response().status().code(), 503);
        drop(a);
        assert!(
            db.checkout().is_ok(),
            "a returned connection is handed out again"
        );
        drop(b);
    }

    #[test]
    fn a_waiting_checkout_gets_the_connection_another_thread_returns() {
        let db = Database::open_in_memory().unwrap();
        let held = db.checkout().unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| db.checkout().map(|c| c.is_autocommit()));
            // Whenever the waiter started waiting, the drop wakes it (the
            // default timeout is 5 s; this is not a timing assertion).
            drop(held);
            assert_eq!(waiter.join().unwrap().ok(), Some(true));
        });
    }

    #[test]
    fn an_abandoned_transaction_is_rolled_back_on_return() {
        let db = Database::open_in_memory().unwrap();
        {
            let conn = db.checkout().unwrap();
            conn.execute_batch("CREATE TABLE t (x); BEGIN; INSERT INTO t VALUES (1);")
                .unwrap();
            assert!(!conn.is_autocommit());
        }
        let conn = db.checkout().unwrap();
        assert!(conn.is_autocommit());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn connections_are_set_up_for_a_server() {
        let file = TempDb::new("pragmas");
        let db = Database::open(&file.0, 1).unwrap();
        let conn = db.checkout().unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), fk), ("wal", 1));
    }

    #[test]
    fn migrate_applies_through_a_checked_out_connection_and_returns_it() {
        let db = Database::open_in_memory().unwrap();
        let list = [Migration::new("0001_t", "CREATE TABLE t (x)")];
        assert_eq!(db.migrate(&list).unwrap(), ["0001_t"]);
        assert!(db.migrate(&list).unwrap().is_empty(), "applied once");
        // The one connection is back in the pool, with the table in it.
        let n: i64 = db
            .checkout()
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let path = std::env::temp_dir().join("httprs-no-such-folder/x/app.sqlite3");
        let err = Database::open(&path, 1).unwrap_err();
        let folder = path.parent().unwrap().display().to_string();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot open database {}: folder {folder} does not exist",
                path.display()
            )
        );
    }
}
