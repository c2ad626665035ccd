//! SQLite, the embedded default: one connection set up for a server, and
//! statements run with [`Value`]s bound by number.
//!
//! SQL is written once, with PostgreSQL's `$1, $2` placeholders. SQLite
//! reads `$1` as a parameter *named* `$1`, and numbers named parameters in
//! the order they first appear, so `SELECT $2, $1` would bind the wrong
//! way round if the values were bound by position. [`bind`] binds each by
//! its name instead: the parameter called `$2` gets the second value,
//! wherever it is and however often it repeats. No SQL is rewritten.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::ffi;
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::data::error::{ConstraintKind, DbError};
use crate::data::row::Row;
use crate::data::value::{ToValue, Value};

/// Opens one connection and sets it up for many threads and many writers.
pub(crate) fn connect(path: &Path, timeout: Duration) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    // First, so that the pragmas below wait for a lock instead of failing.
    conn.busy_timeout(timeout)?;
    // Readers see the last commit while a writer works. Stored in the file:
    // one connection switching is enough, the others find it done. Two
    // processes switching a new file at the same moment can each hold the
    // lock the other waits for; SQLite then answers "busy" at once, without
    // waiting (the busy handler would deadlock), so try again until the
    // timeout.
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(code, _))
                if code.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => break other?,
        }
    }
    // In WAL mode this cannot corrupt the database; a power cut may lose the
    // last commits. FULL would sync the disk on every commit.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
            // SQLite has no boolean type: `TRUE` is 1 there too.
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
        }))
    }
}

fn value_of(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        // SQLite does not check that TEXT is UTF-8; a stray byte becomes U+FFFD.
        ValueRef::Text(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

/// Binds `params` to `statement`: `$N` (or `?N`) gets the N-th value, a
/// bare `?` the next one.
fn bind(statement: &mut rusqlite::Statement<'_>, params: &[&dyn ToValue]) -> Result<(), DbError> {
    let mut used = 0;
    for index in 1..=statement.parameter_count() {
        let number = match statement.parameter_name(index) {
            None => index,
            Some(name) => name
                .strip_prefix(['$', '?'])
                .and_then(|digits| digits.parse::<usize>().ok())
                .ok_or_else(|| {
                    DbError::Value(format!(
                        "parameter {name}: write parameters as $1, $2, ... (bound by number)"
                    ))
                })?,
        };
        let value = params.get(number.wrapping_sub(1)).ok_or_else(|| {
            DbError::Value(format!(
                "the SQL uses parameter {number}, and {} values were given",
                params.len()
            ))
        })?;
        statement.raw_bind_parameter(index, value.to_value())?;
        used = used.max(number);
    }
    if used != params.len() {
        return Err(DbError::Value(format!(
            "{} values were given for {used} parameters",
            params.len()
        )));
    }
    Ok(())
}

/// Runs one statement; returns how many rows it changed.
pub(crate) fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn ToValue],
) -> Result<u64, DbError> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, params)?;
    Ok(statement.raw_execute()? as u64)
}

/// Runs one query; returns every row it gives.
pub(crate) fn query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn ToValue],
) -> Result<Vec<Row>, DbError> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, params)?;
    let columns: Arc<[String]> = statement.column_names().map(String::from).collect();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(value_of))
            .collect::<rusqlite::Result<Vec<Value>>>()?;
        out.push(Row::new(columns.clone(), values));
    }
    Ok(out)
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
                return DbError::Busy(err.to_string());
            }
            _ => return DbError::Sqlite(err),
        };
        DbError::Constraint {
            kind,
            message: message.unwrap_or_else(|| code.to_string()),
        }
    }
}
