//! Every way a database call can fail, sorted by whose fault it is.
//!
//! A handler needs to tell three failures apart, because each gets a
//! different answer: a row that is **missing** (the visitor asked for
//! something that is not there: 404), a change the schema **refuses** (a
//! `CHECK` or `UNIQUE` said no: the visitor's data was wrong), and the
//! **engine failing** (a full disk, a locked file, a bug in our SQL: a 500
//! and a line in the log). rusqlite reports all three as one
//! `rusqlite::Error`; `From<rusqlite::Error>` below sorts them by SQLite's
//! result code, so the rest of the crate can `match` instead of reading
//! messages.

use std::fmt;
use std::path::PathBuf;

/// Why a database call failed.
#[derive(Debug)]
pub enum DataError {
    /// The database file could not be opened or set up, at start-up.
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// A migration failed; nothing of it was kept (its transaction rolled back).
    Migration {
        /// The migration's name.
        name: String,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// A constraint of the schema refused the change (`NOT NULL`, `CHECK`,
    /// `UNIQUE`, a foreign key): the data was wrong, not the engine.
    Constraint {
        /// SQLite's message, naming the constraint: `CHECK constraint failed: ...`.
        message: String,
    },
    /// No row of `table` has this id.
    NotFound {
        /// The model's table.
        table: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// Anything else SQLite reported: an I/O error, a busy database, a
    /// mistake in our SQL, a value that does not fit its field.
    Engine(rusqlite::Error),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Open { path, source } => {
                write!(f, "cannot open the database {}: {source}", path.display())
            }
            DataError::Migration { name, source } => {
                write!(f, "migration {name} failed: {source}")
            }
            DataError::Constraint { message } => write!(f, "refused by the schema: {message}"),
            DataError::NotFound { table, id } => write!(f, "no {table} row with id {id}"),
            DataError::Engine(source) => write!(f, "database error: {source}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Open { source, .. }
            | DataError::Migration { source, .. }
            | DataError::Engine(source) => Some(source),
            DataError::Constraint { .. } | DataError::NotFound { .. } => None,
        }
    }
}

impl From<rusqlite::Error> for DataError {
    /// A constraint violation becomes [`DataError::Constraint`]; every other
    /// error stays the engine's.
    fn from(err: rusqlite::Error) -> DataError {
        match &err {
            // The primary code says the family; SQLite's message names the
            // constraint (`UNIQUE constraint failed: users.name`).
            rusqlite::Error::SqliteFailure(e, message)
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                DataError::Constraint {
                    message: message.clone().unwrap_or_else(|| e.to_string()),
                }
            }
            _ => DataError::Engine(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_failure_is_a_constraint_and_a_syntax_error_is_the_engines() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL CHECK (n > 0))")
            .unwrap();
        let refused = DataError::from(
            conn.execute("INSERT INTO t (n) VALUES (0)", [])
                .unwrap_err(),
        );
        assert!(
            matches!(&refused, DataError::Constraint { message } if message.contains("CHECK constraint failed")),
            "{refused:?}"
        );
        let null = DataError::from(
            conn.execute("INSERT INTO t (n) VALUES (NULL)", [])
                .unwrap_err(),
        );
        assert!(matches!(null, DataError::Constraint { .. }), "{null:?}");
        let broken = DataError::from(conn.execute("INSERT INTO nope VALUES (1)", []).unwrap_err());
        assert!(matches!(broken, DataError::Engine(_)), "{broken:?}");
        assert!(
            broken.to_string().contains("no such table: nope"),
            "{broken}"
        );
    }

    #[test]
    fn not_found_names_the_table_and_the_id() {
        let err = DataError::NotFound {
            table: "entries",
            id: 7,
        };
        assert_eq!(err.to_string(), "no entries row with id 7");
    }
}
