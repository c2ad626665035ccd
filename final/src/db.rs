//! The data layer's connections: a bounded pool of SQLite connections, and
//! the error every database call returns.
//!
//! httppy opened one SQLite connection per request. httprs keeps
//! a few open instead, in a [`Database`], because opening a file, reading its
//! schema and setting it up costs far more than most queries. A handler
//! borrows one with [`Request::db`] and gives it back by dropping the guard,
//! as the Book's pool and `MutexGuard` do: there is no `close()` to forget.
//!
//! ```
//! use httprs::db::{Database, DbError};
//! use httprs::{App, Request, Response};
//!
//! # fn main() -> Result<(), DbError> {
//! let db = Database::open_in_memory()?;
//! db.checkout()?.execute_batch("CREATE TABLE hits (n INTEGER NOT NULL)")?;
//! let app = App::new().state(db).post("/hit", |req: &Request| -> Result<Response, DbError> {
//!     let conn = req.db()?;
//!     conn.execute("INSERT INTO hits (n) VALUES (?1)", [1])?;
//!     let total: i64 = conn.query_row("SELECT count(*) FROM hits", [], |row| row.get(0))?;
//!     Ok(Response::text(format!("{total} hits")))
//! });
//! app.handle(Request::new("POST", "/hit"));
//! assert_eq!(app.handle(Request::new("POST", "/hit")).body_text(), "2 hits");
//! # Ok(())
//! # }
//! ```
//!
//! An app normally calls [`App::database`](crate::App::database) instead of
//! adding a pool itself: start-up then opens the file named by the
//! `database` setting, runs the migrations ([`crate::migrate`]) and only
//! then listens.
//!
//! Each connection is set up for a web server: WAL journal (readers never
//! wait for the writer), `busy_timeout` (a writer waits for the write lock
//! instead of failing at once), `foreign_keys = ON` (off by default in
//! SQLite, for compatibility with old schemas). When every connection is in
//! use a handler waits for one, up to the pool's timeout, then gets
//! [`DbError::PoolTimeout`]: a 503, not a request queued for ever.
//!
//! Waiting blocks the thread. Most queries on a small SQLite file take
//! microseconds, so a route that uses the database usually earns its place
//! on the event loop like any fast route ([`crate::dispatch`]); one that
//! waits for a connection or for the write lock is slow that time and goes
//! back to the workers. A route that writes a lot under contention can be
//! kept on the workers with [`Route::may_block`](crate::Route::may_block).
//! `database_pool` (4 by default) need not exceed `workers` plus
//! `event_loops`: no more handlers than that run at once.
//!
//! Errors become responses ([`DbError::status`]), so a handler can use `?`:
//! a missing row is a 404, a duplicate a 409, a value the schema refuses a
//! 422, a database too busy a 503, and anything else a logged 500.

use std::fmt;
use std::io;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::ffi;

use crate::handler::IntoResponse;
use crate::migrate::Migration;
use crate::request::Request;
use crate::response::Response;
use crate::settings::Settings;
use crate::status::Status;

/// How long a checkout waits for a free connection, and a writer for the
/// write lock, unless [`Database::with_timeout`] says otherwise. Long enough
/// to ride out a burst, short enough that a client gets its 503 before it
/// gives up on its own.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool of open connections to one SQLite database; cheap to clone (the
/// clones share the pool).
///
/// # Examples
/// ```
/// # fn main() -> Result<(), httprs::db::DbError> {
/// let db = httprs::db::Database::open_in_memory()?;
/// let conn = db.checkout()?;
/// let two: i64 = conn.query_row("SELECT 1 + ?1", [1], |row| row.get(0))?;
/// assert_eq!(two, 2);
/// # Ok(())
/// # }
/// ```
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

/// Why a database call failed; [`DbError::status`] says which response it becomes.
#[derive(Debug)]
#[non_exhaustive]
pub enum DbError {
    /// The app has no database: [`App::database`](crate::App::database) was never called. (500)
    NotConfigured,
    /// The database file could not be opened or set up, at start-up. (500)
    Open {
        /// The file.
        path: PathBuf,
        /// What went wrong, in words.
        problem: String,
    },
    /// Every connection stayed in use for the whole timeout. (503)
    PoolTimeout {
        /// How long the caller waited.
        waited: Duration,
        /// How many connections the pool has.
        size: usize,
    },
    /// SQLite kept the database locked beyond `busy_timeout`. (503)
    Busy(rusqlite::Error),
    /// No row matched: `get`, `update` or `delete` of an id not in the
    /// table, or a query expected to return a row returned none. (404)
    NotFound(String),
    /// A constraint of the schema refused the change. (409 or 422, by kind)
    Constraint {
        /// Which kind of constraint.
        kind: ConstraintKind,
        /// SQLite's message, naming table and column: `UNIQUE constraint failed: notes.title`.
        message: String,
    },
    /// A list was to be ordered by a column the model does not declare. (400)
    UnknownColumn {
        /// The model's table.
        table: &'static str,
        /// The name asked for.
        column: String,
        /// The columns that exist.
        known: Vec<&'static str>,
    },
    /// `update` of a model that was never inserted (it has no id). (500)
    NotSaved {
        /// The model's table.
        table: &'static str,
    },
    /// A migration failed, or the list of migrations is wrong; start-up stops. (500)
    Migration {
        /// The migration's name.
        name: String,
        /// Why it failed: SQLite's message, or what is wrong with the list.
        problem: String,
    },
    /// Any other error from SQLite or from converting a value. (500)
    Sqlite(rusqlite::Error),
}

/// The kinds of constraint violation that are the client's doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// A `UNIQUE` column already holds the value: 409 Conflict.
    Unique,
    /// The primary key already exists: 409 Conflict.
    PrimaryKey,
    /// A `NOT NULL` column was given `NULL`: 422.
    NotNull,
    /// A `CHECK` expression was false: 422.
    Check,
    /// A `REFERENCES` points at no row (or a row still referenced was deleted): 422.
    ForeignKey,
}

impl Database {
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
        Database::open_with(path.as_ref(), size, DEFAULT_TIMEOUT)
    }

    /// One connection to a fresh database in memory, gone when the last
    /// clone is dropped: for tests and examples. (Only one: each in-memory
    /// connection would be a separate, empty database.)
    ///
    /// # Errors
    /// [`DbError::Open`] if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Database, DbError> {
        Database::open_with(Path::new(":memory:"), 1, DEFAULT_TIMEOUT)
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

    /// Applies the migrations not applied yet, in order; see [`crate::migrate`].
    /// Returns the names of those it applied.
    ///
    /// # Errors
    /// [`DbError::Migration`] naming the first migration that failed; the
    /// ones before it stay applied, it and the ones after it do not.
    pub fn migrate(&self, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
        let mut conn = self.checkout()?;
        crate::migrate::apply(&mut conn, migrations)
    }

    /// The file this database lives in (`:memory:` for [`Database::open_in_memory`]).
    pub fn path(&self) -> &Path {
        &self.pool.path
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.pool.size
    }

    /// Start-up, for [`crate::App::start`]: opens the `database` setting
    /// (from [`Settings::root`] if relative) and migrates it.
    pub(crate) fn start(settings: &Settings, migrations: &[Migration]) -> io::Result<Database> {
        // `join` keeps an absolute path as it is.
        let path = settings.root.join(&settings.database);
        let db = Database::open(&path, settings.database_pool.max(1))
            .map_err(|err| io::Error::other(err.to_string()))?;
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

impl Request {
    /// A connection from the app's [`Database`], for this request; it goes
    /// back to the pool when dropped. See [`crate::db`].
    ///
    /// # Errors
    /// [`DbError::NotConfigured`] (a 500 saying to call
    /// [`App::database`](crate::App::database)) if the app has no database;
    /// [`DbError::PoolTimeout`] (a 503) if every connection stayed busy.
    pub fn db(&self) -> Result<PooledConnection<'_>, DbError> {
        self.state::<Database>()
            .ok_or(DbError::NotConfigured)?
            .checkout()
    }
}

impl DbError {
    /// The response status this error becomes.
    ///
    /// # Examples
    /// ```
    /// use httprs::db::{ConstraintKind, DbError};
    /// let dup = DbError::Constraint { kind: ConstraintKind::Unique, message: String::new() };
    /// assert_eq!(dup.status().code(), 409);
    /// assert_eq!(DbError::NotFound("no notes row with id 7".into()).status().code(), 404);
    /// ```
    pub fn status(&self) -> Status {
        match self {
            DbError::NotFound(_) => Status::NOT_FOUND,
            DbError::UnknownColumn { .. } => Status::BAD_REQUEST,
            DbError::Constraint { kind, .. } => match kind {
                ConstraintKind::Unique | ConstraintKind::PrimaryKey => Status::CONFLICT,
                ConstraintKind::NotNull | ConstraintKind::Check | ConstraintKind::ForeignKey => {
                    Status::UNPROCESSABLE_CONTENT
                }
            },
            DbError::PoolTimeout { .. } | DbError::Busy(_) => Status::SERVICE_UNAVAILABLE,
            DbError::NotConfigured
            | DbError::Open { .. }
            | DbError::NotSaved { .. }
            | DbError::Migration { .. }
            | DbError::Sqlite(_) => Status::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<rusqlite::Error> for DbError {
    /// Sorts SQLite's error by its extended result code: constraint
    /// violations by kind, busy and locked apart, the rest as they are.
    fn from(err: rusqlite::Error) -> DbError {
        let (code, message) = match &err {
            rusqlite::Error::QueryReturnedNoRows => {
                return DbError::NotFound("the query returned no row".to_string());
            }
            rusqlite::Error::SqliteFailure(code, message) => (*code, message.clone()),
            _ => return DbError::Sqlite(err),
        };
        let kind = match code.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE => ConstraintKind::Unique,
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_ROWID => {
                ConstraintKind::PrimaryKey
            }
            ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
            ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
            _ if matches!(
                code.code,
                ffi::ErrorCode::DatabaseBusy | ffi::ErrorCode::DatabaseLocked
            ) =>
            {
                return DbError::Busy(err);
            }
            _ => return DbError::Sqlite(err),
        };
        DbError::Constraint {
            kind,
            message: message.unwrap_or_else(|| code.to_string()),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::NotConfigured => write!(
                f,
                "this app has no database: call App::database(migrations) before starting it"
            ),
            DbError::Open { path, problem } => {
                write!(f, "cannot open database {}: {problem}", path.display())
            }
            DbError::PoolTimeout { waited, size } => write!(
                f,
                "no database connection came free within {} ms (all {size} in use)",
                waited.as_millis()
            ),
            DbError::Busy(err) => write!(f, "database busy: {err}"),
            DbError::NotFound(what) => f.write_str(what),
            DbError::Constraint { message, .. } => f.write_str(message),
            DbError::UnknownColumn {
                table,
                column,
                known,
            } => write!(
                f,
                "cannot order {table} by {column:?}: the columns are {}",
                known.join(", ")
            ),
            DbError::NotSaved { table } => {
                write!(
                    f,
                    "cannot update a {table} row that has no id yet: insert it first"
                )
            }
            DbError::Migration { name, problem } => {
                write!(f, "migration {name} failed: {problem}")
            }
            DbError::Sqlite(err) => write!(f, "database error: {err}"),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Busy(err) | DbError::Sqlite(err) => Some(err),
            _ => None,
        }
    }
}

impl IntoResponse for DbError {
    /// The status from [`DbError::status`]. The client's mistakes (404, 409,
    /// 422, 400) say what was wrong, SQLite's message included: it names a
    /// table and column of the client's own data, which is what it needs to
    /// fix the request. A 503 asks to retry in a second. A 500 is logged
    /// and its body says nothing, since it may hold paths or SQL; except for
    /// a missing database, which is the developer's to fix.
    fn into_response(self) -> Response {
        let status = self.status();
        match status {
            Status::SERVICE_UNAVAILABLE => {
                log::warn!("{self}");
                Response::error(status).with_header("Retry-After", "1")
            }
            Status::INTERNAL_SERVER_ERROR => {
                log::error!("{self}");
                match self {
                    DbError::NotConfigured => {
                        Response::error(status).with_body(format!("{status}\n\n{self}\n"))
                    }
                    _ => Response::error(status),
                }
            }
            _ => Response::error(status).with_body(format!("{status}\n\n{self}\n")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn error_of(conn: &Connection, sql: &str) -> DbError {
        DbError::from(conn.execute_batch(sql).unwrap_err())
    }

    #[test]
    fn each_constraint_kind_maps_to_its_status() {
        let db = Database::open_in_memory().unwrap();
        let conn = db.checkout().unwrap();
        conn.execute_batch(
            "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE books (id INTEGER PRIMARY KEY,
                 title TEXT NOT NULL CHECK (title <> ''),
                 author INTEGER REFERENCES authors (id));
             CREATE TABLE tags (name TEXT PRIMARY KEY) WITHOUT ROWID;
             INSERT INTO authors (id, name) VALUES (1, 'Ada');
             INSERT INTO tags (name) VALUES ('rust');",
        )
        .unwrap();
        let cases = [
            (
                "INSERT INTO authors (name) VALUES ('Ada')",
                ConstraintKind::Unique,
                409,
            ),
            (
                "INSERT INTO authors (id, name) VALUES (1, 'Bo')",
                ConstraintKind::PrimaryKey,
                409,
            ),
            (
                "INSERT INTO tags (name) VALUES ('rust')",
                ConstraintKind::PrimaryKey,
                409,
            ),
            (
                "INSERT INTO authors (name) VALUES (NULL)",
                ConstraintKind::NotNull,
                422,
            ),
            (
                "INSERT INTO books (title) VALUES ('')",
                ConstraintKind::Check,
                422,
            ),
            (
                "INSERT INTO books (title, author) VALUES ('x', 99)",
                ConstraintKind::ForeignKey,
                422,
            ),
        ];
        for (sql, expected, status) in cases {
            let err = error_of(&conn, sql);
            match &err {
                DbError::Constraint { kind, .. } => assert_eq!(*kind, expected, "{sql}"),
                other => panic!("{sql}: expected a constraint error, got {other:?}"),
            }
            assert_eq!(err.status().code(), status, "{sql}");
            assert_eq!(err.into_response().status().code(), status, "{sql}");
        }
        let dup = error_of(&conn, "INSERT INTO authors (name) VALUES ('Ada')");
        assert_eq!(dup.to_string(), "UNIQUE constraint failed: authors.name");
        let body = dup.into_response().body_text();
        assert_eq!(
            body,
            "409 Conflict\n\nUNIQUE constraint failed: authors.name\n"
        );
    }

    #[test]
    fn other_errors_are_500_with_a_body_that_says_nothing() {
        let db = Database::open_in_memory().unwrap();
        let conn = db.checkout().unwrap();
        let err = error_of(&conn, "SELECT * FROM secret_table");
        assert!(matches!(err, DbError::Sqlite(_)), "{err:?}");
        assert!(err.to_string().contains("no such table: secret_table"));
        let res = err.into_response();
        assert_eq!(res.status().code(), 500);
        assert!(!res.body_text().contains("secret"), "{}", res.body_text());
        let missing = DbError::from(rusqlite::Error::QueryReturnedNoRows);
        assert_eq!(missing.status().code(), 404);
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
        let err = db.checkout().err().expect("both connections are out");
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

    #[test]
    fn a_request_without_a_database_says_what_to_call() {
        let app = crate::App::new().get("/", |req: &Request| -> Result<Response, DbError> {
            req.db()?;
            Ok(Response::text("unreachable"))
        });
        let res = app.handle(Request::new("GET", "/"));
        assert_eq!(res.status().code(), 500);
        assert!(
            res.body_text().contains("call App::database"),
            "{}",
            res.body_text()
        );
    }
}
