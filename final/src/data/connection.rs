//! [`Connection`]: one connection to either engine, and the five calls an
//! app needs: `execute`, `query`, `query_one`, `query_opt`, `transaction`.
//!
//! The engine is a value (an enum), not a type parameter: a handler holds
//! `&Connection` whichever database the settings name, and the match on the
//! engine happens in this file alone.

use std::cell::{Cell, Ref, RefCell};
use std::fmt;

use crate::data::error::DbError;
use crate::data::postgres::Postgres;
use crate::data::row::Row;
use crate::data::sqlite;
use crate::data::value::ToValue;

/// Which database engine a [`Database`](crate::Database) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file (or memory): the `database` setting is a path.
    Sqlite,
    /// A PostgreSQL server: the `database` setting is a `postgres://` URL.
    Postgres,
}

pub(crate) enum EngineConn {
    Sqlite(rusqlite::Connection),
    /// Boxed: a PostgreSQL client with its statement cache is three times
    /// the size of a SQLite handle, and pools hold either.
    Postgres(Box<Postgres>),
}

/// A connection to the database, checked out of the pool with
/// [`Request::db`](crate::Request::db) or [`Database::checkout`](crate::Database::checkout)
/// (whose guard derefs to it). SQL is written once, with `$1, $2`
/// placeholders, for either engine.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), httprs::DbError> {
/// let db = httprs::Database::open_in_memory()?;
/// let conn = db.checkout()?;
/// conn.execute("CREATE TABLE hits (n INTEGER NOT NULL)", &[])?;
/// conn.transaction(|tx| {
///     tx.execute("INSERT INTO hits (n) VALUES ($1)", &[&1])?;
///     tx.execute("INSERT INTO hits (n) VALUES ($1)", &[&2])
/// })?;
/// let total: i64 = conn.query_one("SELECT sum(n) AS total FROM hits", &[])?.get("total")?;
/// assert_eq!(total, 3);
/// # Ok(())
/// # }
/// ```
pub struct Connection {
    /// A `RefCell` because PostgreSQL's client needs `&mut` for every call,
    /// and the methods here take `&self` so that a model method and a
    /// transaction's closure can share one connection. A connection belongs
    /// to one handler at a time, so no borrow is ever held across a call.
    client: RefCell<EngineConn>,
    /// How many `transaction` calls are open: 0 outside one; above 1 the
    /// inner ones are savepoints.
    depth: Cell<u32>,
    /// Set when SQL run outside [`Connection::transaction`] may have begun
    /// one by hand (it mentions `BEGIN` or `START TRANSACTION`): SQLite says
    /// whether a transaction is open, PostgreSQL's client does not, so the
    /// pool then rolls back before handing the connection on.
    maybe_begun: Cell<bool>,
}

impl Connection {
    pub(crate) fn new(client: EngineConn) -> Connection {
        Connection {
            client: RefCell::new(client),
            depth: Cell::new(0),
            maybe_begun: Cell::new(false),
        }
    }

    /// Which engine this connection talks to.
    pub fn engine(&self) -> Engine {
        match &*self.client.borrow() {
            EngineConn::Sqlite(_) => Engine::Sqlite,
            EngineConn::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs one statement with bound values; returns how many rows it changed.
    ///
    /// # Errors
    /// The engine's error, sorted into a [`DbError`] (a constraint is a 409
    /// or 422, a lock timeout a 503, ...).
    pub fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, DbError> {
        self.note_begin(sql);
        match &mut *self.client.borrow_mut() {
            EngineConn::Sqlite(conn) => sqlite::execute(conn, sql, params),
            EngineConn::Postgres(conn) => conn.execute(sql, params),
        }
    }

    /// Runs one query with bound values; returns all its rows.
    ///
    /// # Errors
    /// As [`Connection::execute`].
    pub fn query(&self, sql: &str, params: &[&dyn ToValue]) -> Result<Vec<Row>, DbError> {
        self.note_begin(sql);
        match &mut *self.client.borrow_mut() {
            EngineConn::Sqlite(conn) => sqlite::query(conn, sql, params),
            EngineConn::Postgres(conn) => conn.query(sql, params),
        }
    }

    /// Runs several queries at once and returns each one's rows, in the
    /// order given: the fast way to run many statements in one handler.
    ///
    /// On PostgreSQL they are pipelined: every statement is written to the
    /// server before the first answer is read, so twenty queries cost one
    /// round trip instead of twenty. On SQLite, which has no round trips,
    /// they run one after another. Either way every statement runs, even
    /// after one fails; outside a [`Connection::transaction`] each is a
    /// transaction of its own. (Inside one, PostgreSQL refuses whatever
    /// follows a failure until the transaction ends, and the error makes
    /// `transaction` roll it back: the outcome is the same on both.)
    /// [`Model::get_many`](crate::Model::get_many) is built on this.
    ///
    /// # Errors
    /// The first failure in the order given (as [`Connection::execute`]),
    /// once every statement has run; the connection stays usable.
    ///
    /// # Examples
    /// ```
    /// # fn main() -> Result<(), httprs::DbError> {
    /// let db = httprs::Database::open_in_memory()?;
    /// let conn = db.checkout()?;
    /// let sql = "SELECT $1 * 10 AS n";
    /// let results = conn.query_pipelined(&[(sql, &[&1]), (sql, &[&2])])?;
    /// assert_eq!(results[1][0].get::<i64>("n")?, 20);
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_pipelined(
        &self,
        statements: &[(&str, &[&dyn ToValue])],
    ) -> Result<Vec<Vec<Row>>, DbError> {
        for (sql, _) in statements {
            self.note_begin(sql);
        }
        match &mut *self.client.borrow_mut() {
            EngineConn::Sqlite(conn) => {
                // Every statement runs, as on PostgreSQL; the first error wins.
                let results: Vec<Result<Vec<Row>, DbError>> = statements
                    .iter()
                    .map(|(sql, params)| sqlite::query(conn, sql, params))
                    .collect();
                results.into_iter().collect()
            }
            EngineConn::Postgres(conn) => conn.query_pipelined(statements),
        }
    }

    /// The first row of a query, which must give one.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (a 404) if it gives none; otherwise as [`Connection::execute`].
    pub fn query_one(&self, sql: &str, params: &[&dyn ToValue]) -> Result<Row, DbError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::NotFound("the query returned no row".to_string()))
    }

    /// The first row of a query, if it gives one.
    ///
    /// # Errors
    /// As [`Connection::execute`].
    pub fn query_opt(&self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs several statements, without parameters: a migration, a schema
    /// in a test.
    ///
    /// # Errors
    /// As [`Connection::execute`], for the first statement that fails.
    pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.note_begin(sql);
        self.batch(sql)
    }

    /// `execute_batch` for the statements this file sends itself.
    fn batch(&self, sql: &str) -> Result<(), DbError> {
        match &mut *self.client.borrow_mut() {
            EngineConn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            EngineConn::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Runs `work` in a transaction: committed if it returns `Ok`, rolled
    /// back if it returns `Err` (or panics: the pool rolls back what a
    /// returned connection left open). Inside another transaction it is a
    /// savepoint, so the inner work alone is undone on error.
    ///
    /// On SQLite it begins `IMMEDIATE`, taking the write lock at once: a
    /// transaction that reads and then writes cannot then fail half-way
    /// because another writer came between.
    ///
    /// # Errors
    /// `work`'s error, or the engine's for `BEGIN` or `COMMIT`.
    pub fn transaction<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let depth = self.depth.get();
        let (begin, commit, rollback) = if depth == 0 {
            let begin = match self.engine() {
                Engine::Sqlite => "BEGIN IMMEDIATE",
                Engine::Postgres => "BEGIN",
            };
            (
                begin.to_string(),
                "COMMIT".to_string(),
                "ROLLBACK".to_string(),
            )
        } else {
            let name = format!("httprs_{depth}");
            (
                format!("SAVEPOINT {name}"),
                format!("RELEASE {name}"),
                format!("ROLLBACK TO {name}; RELEASE {name}"),
            )
        };
        self.batch(&begin)?;
        self.depth.set(depth + 1);
        let result = work(self);
        let end = match &result {
            Ok(_) => self.batch(&commit),
            Err(_) => self.batch(&rollback),
        };
        self.depth.set(depth);
        match (result, end) {
            (Ok(value), Ok(())) => Ok(value),
            // A failed COMMIT is the transaction's failure.
            (Ok(_), Err(err)) => {
                let _ = self.batch(&rollback);
                Err(err)
            }
            (Err(err), _) => Err(err),
        }
    }

    /// The SQLite connection underneath, for SQLite-only code (a `PRAGMA`,
    /// a backup); `None` on PostgreSQL. Nothing the framework or the demo
    /// does needs it.
    pub fn sqlite(&self) -> Option<Ref<'_, rusqlite::Connection>> {
        Ref::filter_map(self.client.borrow(), |client| match client {
            EngineConn::Sqlite(conn) => Some(conn),
            EngineConn::Postgres(_) => None,
        })
        .ok()
    }

    fn note_begin(&self, sql: &str) {
        if self.depth.get() == 0 && !self.maybe_begun.get() {
            let sql = sql.to_ascii_lowercase();
            if sql.contains("begin") || sql.contains("start transaction") {
                self.maybe_begun.set(true);
            }
        }
    }

    /// Ends whatever a handler left open, before the pool hands the
    /// connection to the next one; `false` if the connection is unusable
    /// (closed by the server, or a rollback failed) and must be replaced.
    pub(crate) fn reset(&self) -> bool {
        let abandoned = self.depth.replace(0) > 0;
        let abandoned = self.maybe_begun.replace(false) || abandoned;
        let needs_rollback = match &*self.client.borrow() {
            // SQLite knows: a handler may also have run `BEGIN` by hand.
            EngineConn::Sqlite(conn) => !conn.is_autocommit(),
            EngineConn::Postgres(conn) if conn.is_closed() => return false,
            // PostgreSQL's client does not say; `transaction` keeps count.
            EngineConn::Postgres(_) => abandoned,
        };
        !needs_rollback || self.batch("ROLLBACK").is_ok()
    }

    pub(crate) fn set_timeout(&self, timeout: std::time::Duration) {
        // Only fails for a closed connection, which the next checkout replaces.
        let _ = match &mut *self.client.borrow_mut() {
            EngineConn::Sqlite(conn) => conn.busy_timeout(timeout).map_err(DbError::from),
            EngineConn::Postgres(conn) => conn.set_lock_timeout(timeout),
        };
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("engine", &self.engine())
            .finish_non_exhaustive()
    }
}
