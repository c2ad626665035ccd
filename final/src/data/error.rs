//! Every way a database call can fail, and the response each becomes.
//!
//! Errors become responses ([`DbError::status`], and [`IntoResponse`]), so a
//! handler can use `?`: a missing row is a 404, a duplicate a 409, a value
//! the schema refuses a 422, a database too busy a 503, and anything else a
//! logged 500. Each engine sorts its own errors into these, beside the
//! rest of what it knows about itself: SQLite's by its extended result code
//! (`From<rusqlite::Error>` in `sqlite.rs`), PostgreSQL's by its SQLSTATE
//! (`From<tokio_postgres::Error>` in `postgres.rs`), so the same schema mistake
//! gives the same status on both, and this file names neither engine's codes.

use std::fmt;
use std::time::Duration;

use crate::data::value::FromValueError;

use crate::http::into_response::IntoResponse;
use crate::http::problem::Problem;
use crate::http::response::Response;
use crate::http::status::Status;

/// Why a database call failed; [`DbError::status`] says which response it becomes.
#[derive(Debug)]
#[non_exhaustive]
pub enum DbError {
    /// The app has no database: [`App::database`](crate::App::database) was never called. (500)
    NotConfigured,
    /// The database could not be opened or reached, at start-up. (500)
    Open {
        /// The file, or the URL (without its password).
        database: String,
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
    /// The database stayed locked beyond the timeout (SQLite's
    /// `busy_timeout`, PostgreSQL's `lock_timeout`), a transaction lost a
    /// deadlock or serialization conflict, or the server closed the
    /// connection: worth retrying. (503)
    Busy(String),
    /// No row matched: `get`, `update` or `delete` of an id not in the
    /// table, or a query expected to return a row returned none. (404)
    NotFound(String),
    /// A constraint of the schema refused the change. (409 or 422, by kind)
    Constraint {
        /// Which kind of constraint.
        kind: ConstraintKind,
        /// The engine's message, naming the table and the column or
        /// constraint: `UNIQUE constraint failed: notes.title` (SQLite),
        /// `duplicate key value violates unique constraint "notes_title_key"` (PostgreSQL).
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
    /// A statement that would change the state of a connection (`BEGIN`,
    /// `SET`, `LOCK`...) sent on an event loop's shared connection, which
    /// every async handler of that loop uses at once
    /// ([`AsyncDb`](crate::AsyncDb)): it needs a connection of its own,
    /// [`Request::db`](crate::Request::db) in a plain handler. (500)
    SharedConnection {
        /// The statement's first word, as written.
        statement: String,
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
        /// Why it failed: the engine's message, or what is wrong with the list.
        problem: String,
    },
    /// A column's value did not convert to the type [`Row::get`](crate::Row::get)
    /// asked for (a `NULL` read into a `String`, an integer too large for
    /// an `i16`). (500)
    Column {
        /// The column's name.
        column: String,
        /// What was expected and what was found.
        error: FromValueError,
    },
    /// A row had no such column, a value the engine sent could not be
    /// read, or the values did not match the SQL's parameters. (500)
    Value(String),
    /// Any other error from SQLite. (500)
    Sqlite(rusqlite::Error),
    /// Any other error from PostgreSQL. (500)
    Postgres(tokio_postgres::Error),
}

/// The kinds of constraint violation that are the client's doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

impl DbError {
    /// The response status this error becomes.
    ///
    /// # Examples
    /// ```
    /// use httprs::{ConstraintKind, DbError};
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
            | DbError::SharedConnection { .. }
            | DbError::Migration { .. }
            | DbError::Column { .. }
            | DbError::Value(_)
            | DbError::Sqlite(_)
            | DbError::Postgres(_) => Status::INTERNAL_SERVER_ERROR,
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
            DbError::Open { database, problem } => {
                write!(f, "cannot open database {database}: {problem}")
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
            DbError::SharedConnection { statement } => write!(
                f,
                "{statement} on the event loop's shared connection, which every async \
                 handler of the loop uses at once: it would change the connection for all \
                 of them. A transaction or a session setting needs a connection of its own: \
                 use req.db() in a plain handler"
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
            DbError::Column { column, error } => write!(f, "column {column:?}: {error}"),
            DbError::Value(problem) => f.write_str(problem),
            DbError::Sqlite(err) => write!(f, "database error: {err}"),
            // `Display` of postgres's error is only "db error"; the server's
            // own message is in the `DbError` inside.
            DbError::Postgres(err) => match err.as_db_error() {
                Some(db) => write!(f, "database error: {}", db.message()),
                None => write!(f, "database error: {err}"),
            },
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Sqlite(err) => Some(err),
            DbError::Postgres(err) => Some(err),
            DbError::Column { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl IntoResponse for DbError {
    /// A [`Problem`] with the status from [`DbError::status`], shown as the
    /// client asks (problem details as JSON, an HTML page, or text). The
    /// detail is written for the client and never quotes the engine: a
    /// constraint's message names tables, columns and constraints, which is
    /// the schema's business, so it is logged and the client reads which
    /// kind of value was refused. A 404 says what was not found (the
    /// framework's words), a 400 which columns exist. A 503 asks to retry
    /// in a second. A 500 is logged and says nothing, except for a missing
    /// database, which is the developer's to fix.
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem::new(status);
        match &self {
            DbError::PoolTimeout { .. } | DbError::Busy(_) => {
                log::warn!("{self}");
                problem
                    .with_detail("The database is busy; try again in a moment.")
                    .into_response()
                    .with_header("Retry-After", "1")
            }
            DbError::Constraint { kind, .. } => {
                log::info!("refused by the schema ({status}): {self}");
                problem.with_detail(kind.detail()).into_response()
            }
            DbError::NotFound(_) | DbError::UnknownColumn { .. } | DbError::NotConfigured => {
                if status == Status::INTERNAL_SERVER_ERROR {
                    log::error!("{self}");
                }
                problem.with_detail(self.to_string()).into_response()
            }
            _ => {
                log::error!("{self}");
                problem.into_response()
            }
        }
    }
}

impl ConstraintKind {
    /// What the client is told of a refused change: the kind of value, not
    /// the engine's message.
    fn detail(self) -> &'static str {
        match self {
            ConstraintKind::Unique | ConstraintKind::PrimaryKey => {
                "A record with this value already exists."
            }
            ConstraintKind::NotNull => "A required value is missing.",
            ConstraintKind::Check => "A value is outside what is allowed.",
            ConstraintKind::ForeignKey => "A value refers to a record that does not exist.",
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// A connection that checks foreign keys, as the pool's connections do.
    fn connection() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn
    }

    fn error_of(conn: &Connection, sql: &str) -> DbError {
        DbError::from(conn.execute_batch(sql).unwrap_err())
    }

    #[test]
    fn each_constraint_kind_maps_to_its_status() {
        let conn = connection();
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
        // The client reads the kind of refusal; the engine's message, which
        // names the table and the column, goes to the log only.
        let body = dup.into_response().body_text();
        assert_eq!(
            body,
            "409 Conflict\n\nA record with this value already exists.\n"
        );
        assert!(!body.contains("authors"), "{body}");
    }

    #[test]
    fn other_errors_are_500_with_a_body_that_says_nothing() {
        let conn = connection();
        let err = error_of(&conn, "SELECT * FROM secret_table");
        assert!(matches!(err, DbError::Sqlite(_)), "{err:?}");
        assert!(err.to_string().contains("no such table: secret_table"));
        let res = err.into_response();
        assert_eq!(res.status().code(), 500);
        assert!(!res.body_text().contains("secret"), "{}", res.body_text());
        let missing = DbError::from(rusqlite::Error::QueryReturnedNoRows);
        assert_eq!(missing.status().code(), 404);
    }
}
