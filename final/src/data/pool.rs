//! The data layer's connections: a bounded pool of connections to SQLite
//! or PostgreSQL, set up for a server, borrowed with a guard that returns
//! them on drop. Why a pool, how each connection is set up and how waiting
//! ends: `final/docs/database.md` ([`Database`](crate::Database)'s documentation).

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::data::connection::{Connection, Engine, EngineConn};
use crate::data::error::DbError;
use crate::data::migrate::{self, Migration};
use crate::data::postgres::{self, Postgres};
use crate::data::sqlite;

/// A pool of open connections to one database, a SQLite file or a
/// PostgreSQL server; cheap to clone (the clones share the pool).
///
/// # Examples
/// ```
/// # fn main() -> Result<(), httprs::DbError> {
/// let db = httprs::Database::open_in_memory()?;
/// let conn = db.checkout()?;
/// let two: i64 = conn.query_one("SELECT 1 + $1 AS two", &[&1])?.get("two")?;
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

/// Where the connections go.
#[derive(Debug)]
enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

struct Pool {
    /// The connections nobody has checked out. `None` is a place whose
    /// connection was lost (the server closed it, a rollback failed): the
    /// next checkout of it connects afresh, so the pool never shrinks.
    idle: Mutex<Vec<Option<Connection>>>,
    /// Signalled each time a guard puts a connection back.
    returned: Condvar,
    target: Target,
    size: usize,
    timeout: Duration,
}

/// A connection checked out of a [`Database`]; it goes back to the pool
/// when this guard is dropped. Derefs to [`Connection`], so `execute`,
/// `query` and `transaction` work on it directly, and `&conn` is what the
/// [`Model`](crate::Model) methods take.
pub struct PooledConnection<'a> {
    /// `Some` until `Drop` takes it out to hand it back.
    conn: Option<Connection>,
    pool: &'a Pool,
}

impl Database {
    /// How long a checkout waits for a free connection, and a writer for a
    /// lock, unless [`Database::with_timeout`] says otherwise. Long enough
    /// to ride out a burst, short enough that a client gets its 503 before it
    /// gives up on its own.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Opens `size` connections to `database`: a `postgres://` (or
    /// `postgresql://`) URL names a PostgreSQL server,
    /// `postgres://user:password@host:port/name`; anything else is the path
    /// of a SQLite file, created if it does not exist (its folder must).
    ///
    /// # Errors
    /// [`DbError::Open`], naming the file or the URL (never its password),
    /// if the folder is missing, the file cannot be opened, the URL is not
    /// one, or the server does not answer within the timeout.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn open(database: impl AsRef<Path>, size: usize) -> Result<Database, DbError> {
        assert!(size > 0, "a database pool needs at least one connection");
        let database = database.as_ref();
        let target = match database.to_str() {
            Some(url) if postgres::is_url(url) => Target::Postgres(url.to_string()),
            _ => Target::Sqlite(database.to_path_buf()),
        };
        Database::open_with(target, size, Database::DEFAULT_TIMEOUT)
    }

    /// One connection to a fresh SQLite database in memory, gone when the
    /// last clone is dropped: for tests and examples. (Only one: each
    /// in-memory connection would be a separate, empty database.)
    ///
    /// # Errors
    /// [`DbError::Open`] if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Database, DbError> {
        let target = Target::Sqlite(PathBuf::from(":memory:"));
        Database::open_with(target, 1, Database::DEFAULT_TIMEOUT)
    }

    fn open_with(target: Target, size: usize, timeout: Duration) -> Result<Database, DbError> {
        let fail = |problem: String| DbError::Open {
            database: target.name(),
            problem,
        };
        match &target {
            Target::Sqlite(path) => {
                // SQLite's own message for a missing folder is "unable to open
                // database file", which does not say which part is missing.
                if let Some(folder) = path.parent() {
                    if !folder.as_os_str().is_empty() && !folder.is_dir() {
                        return Err(fail(format!("folder {} does not exist", folder.display())));
                    }
                }
            }
            Target::Postgres(url) => postgres::check_url(url).map_err(|err| {
                fail(format!(
                    "the database setting is not a valid PostgreSQL URL: {err}"
                ))
            })?,
        }
        let idle = (0..size)
            .map(|_| {
                target.connect(timeout).map(Some).map_err(|err| match err {
                    DbError::Busy(problem) => fail(problem),
                    other => fail(other.to_string()),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Database {
            pool: Arc::new(Pool {
                idle: Mutex::new(idle),
                returned: Condvar::new(),
                target,
                size,
                timeout,
            }),
        })
    }

    /// Replaces how long [`Database::checkout`] waits for a free connection
    /// (and a writer for a lock: SQLite's `busy_timeout`, PostgreSQL's
    /// `lock_timeout`) before giving up with a 503. Call it before cloning
    /// the database or checking anything out.
    ///
    /// # Panics
    /// If a connection is checked out or the database was cloned.
    pub fn with_timeout(mut self, timeout: Duration) -> Database {
        let pool = Arc::get_mut(&mut self.pool).expect("with_timeout before any clone");
        pool.timeout = timeout;
        let idle = pool.idle.get_mut().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(idle.len(), pool.size, "with_timeout before any checkout");
        for conn in idle.iter().flatten() {
            conn.set_timeout(timeout);
        }
        self
    }

    /// Borrows a connection, waiting up to the pool's timeout for one to be free.
    ///
    /// # Errors
    /// [`DbError::PoolTimeout`] if none came free in time; the engine's
    /// error if a lost connection had to be replaced and could not be.
    pub fn checkout(&self) -> Result<PooledConnection<'_>, DbError> {
        let pool = &*self.pool;
        let idle = pool.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut idle, _) = pool
            .returned
            .wait_timeout_while(idle, pool.timeout, |idle| idle.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        let Some(slot) = idle.pop() else {
            return Err(DbError::PoolTimeout {
                waited: pool.timeout,
                size: pool.size,
            });
        };
        // Connecting takes a while: not with the lock held.
        drop(idle);
        let conn = match slot {
            Some(conn) => conn,
            None => match pool.target.connect(pool.timeout) {
                Ok(conn) => conn,
                Err(err) => {
                    pool.give_back(None);
                    return Err(err);
                }
            },
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool,
        })
    }

    /// Applies the migrations not applied yet, in order; see [`Migration`](crate::Migration).
    /// Returns the names of those it applied.
    ///
    /// # Errors
    /// [`DbError::Migration`] naming the first migration that failed; the
    /// ones before it stay applied, it and the ones after it do not.
    pub fn migrate(&self, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
        let conn = self.checkout()?;
        migrate::apply(&conn, migrations)
    }

    /// Which engine the `database` setting chose.
    pub fn engine(&self) -> Engine {
        match self.pool.target {
            Target::Sqlite(_) => Engine::Sqlite,
            Target::Postgres(_) => Engine::Postgres,
        }
    }

    /// The file (`:memory:` for [`Database::open_in_memory`]) or the URL,
    /// without its password: for messages.
    pub fn name(&self) -> String {
        self.pool.target.name()
    }

    /// The server's URL, if the database is PostgreSQL.
    pub(crate) fn postgres_url(&self) -> Option<&str> {
        match &self.pool.target {
            Target::Postgres(url) => Some(url),
            Target::Sqlite(_) => None,
        }
    }

    /// How long a checkout waits, and a connection's steps may take.
    pub(crate) fn timeout(&self) -> Duration {
        self.pool.timeout
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.pool.size
    }
}

impl Target {
    fn name(&self) -> String {
        match self {
            Target::Sqlite(path) => path.display().to_string(),
            Target::Postgres(url) => postgres::redacted(url),
        }
    }

    /// One connection. A server that does not answer is a
    /// [`DbError::Busy`] (a 503 at a checkout, since it may be back in a
    /// moment) whose sentence names the setting, which start-up stops with.
    fn connect(&self, timeout: Duration) -> Result<Connection, DbError> {
        Ok(Connection::new(match self {
            Target::Sqlite(path) => EngineConn::Sqlite(sqlite::connect(path, timeout)?),
            Target::Postgres(url) => {
                let conn = Postgres::connect(url, timeout)?;
                EngineConn::Postgres(Box::new(conn))
            }
        }))
    }
}

impl Pool {
    fn give_back(&self, slot: Option<Connection>) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(slot);
        self.returned.notify_one();
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("database", &self.pool.target.name())
            .field("size", &self.pool.size)
            .field("timeout", &self.pool.timeout)
            .finish()
    }
}

impl fmt::Debug for PooledConnection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("database", &self.pool.target.name())
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

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A handler may have panicked inside a transaction, or run `BEGIN`
        // by hand: the next borrower must not find itself inside someone
        // else's transaction. A connection that cannot be reset is dropped,
        // and its place connects afresh at its next checkout.
        if conn.reset() {
            self.pool.give_back(Some(conn));
        } else {
            log::error!(
                "database {}: a returned connection is unusable (closed, or a rollback failed); \
                 it is replaced at the next checkout",
                self.pool.target.name()
            );
            self.pool.give_back(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::into_response::IntoResponse;

    fn error_of(conn: &Connection, sql: &str) -> DbError {
        conn.execute_batch(sql).unwrap_err()
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
        let first = db.checkout().unwrap();
        let second = db.checkout().unwrap();
        first.execute_batch("CREATE TABLE t (x)").unwrap();
        // The first holds the write lock; the second gives up after 20 ms.
        first.execute_batch("BEGIN IMMEDIATE").unwrap();
        let tx = first;
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
            let waiter = s.spawn(|| {
                db.checkout()
                    .map(|c| c.sqlite().is_some_and(|c| c.is_autocommit()))
            });
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
            assert!(!conn.sqlite().unwrap().is_autocommit());
        }
        let conn = db.checkout().unwrap();
        assert!(conn.sqlite().unwrap().is_autocommit());
        let n: i64 = conn
            .query_one("SELECT count(*) AS n FROM t", &[])
            .and_then(|r| r.get("n"))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn connections_are_set_up_for_a_server() {
        let file = TempDb::new("pragmas");
        let db = Database::open(&file.0, 1).unwrap();
        let conn = db.checkout().unwrap();
        let mode: String = conn
            .query_one("PRAGMA journal_mode", &[])
            .and_then(|r| r.get("journal_mode"))
            .unwrap();
        let fk: i64 = conn
            .query_one("PRAGMA foreign_keys", &[])
            .and_then(|r| r.get("foreign_keys"))
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
            .query_one("SELECT count(*) AS n FROM t", &[])
            .and_then(|r| r.get("n"))
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
