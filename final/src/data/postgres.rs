//! PostgreSQL, for instances on several machines: one client connection,
//! its prepared statements kept, and [`Value`]s converted to and from the
//! types the columns have.
//!
//! The `postgres` crate is synchronous (it runs a small tokio runtime per
//! connection inside), which fits the worker threads: a handler blocks on
//! its query as it does on SQLite. No TLS: reach the server on a Unix
//! socket or a private network.
//!
//! PostgreSQL types its parameters from the SQL: in `WHERE id = $1` the
//! `$1` is whatever `id` is. So a [`Value::Integer`] is written as the
//! column wants it, an `INTEGER` (4 bytes, range-checked) or a `BIGINT`,
//! and a [`Value::Bool`] into an `INTEGER` column as 0 or 1, as SQLite
//! stores it: the same app code runs on both.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, NoTls, Statement};

use crate::data::error::{ConstraintKind, DbError};
use crate::data::row::Row;
use crate::data::value::{ToValue, Value};

type BoxError = Box<dyn Error + Sync + Send>;

/// Prepared statements kept per connection, like rusqlite's `prepare_cached`:
/// a query then costs one round trip instead of two. Past this many the
/// cache starts over, so an app building SQL at run time cannot grow it
/// without bound.
const MAX_STATEMENTS: usize = 256;

/// One connection to the server, with its prepared statements.
pub(crate) struct Postgres {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Set by an error that means the connection is gone (the server shut
    /// it down, the socket broke), which the client may not know yet: the
    /// pool then replaces it instead of handing it on.
    broken: bool,
}

/// Whether `err` means the connection itself is lost.
pub(crate) fn is_lost(err: &postgres::Error) -> bool {
    err.is_closed()
        || err
            .code()
            .is_some_and(|code| code.code().starts_with("57P0"))
        || err
            .source()
            .is_some_and(|cause| cause.is::<std::io::Error>())
}

/// Whether `setting` names a PostgreSQL server rather than a SQLite file.
pub(crate) fn is_url(setting: &str) -> bool {
    setting.starts_with("postgres://") || setting.starts_with("postgresql://")
}

/// `url` with any password replaced by `***`, for messages and logs.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Checks a `postgres://` URL without connecting; the error says what is wrong.
pub(crate) fn check_url(url: &str) -> Result<(), postgres::Error> {
    url.parse::<Config>().map(drop)
}

impl Postgres {
    /// Connects, waiting at most `timeout`, and sets the lock timeout: a
    /// statement waiting longer than that for a lock fails (a 503), as a
    /// SQLite writer does after its `busy_timeout`.
    pub(crate) fn connect(url: &str, timeout: Duration) -> Result<Postgres, postgres::Error> {
        let mut config: Config = url.parse()?;
        config.connect_timeout(timeout);
        let mut conn = Postgres {
            client: config.connect(NoTls)?,
            statements: HashMap::new(),
            broken: false,
        };
        conn.set_lock_timeout(timeout)?;
        Ok(conn)
    }

    pub(crate) fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), postgres::Error> {
        // A whole number of milliseconds, 1 at least (0 would mean "no limit").
        let ms = timeout.as_millis().max(1);
        self.client
            .batch_execute(&format!("SET lock_timeout = {ms}"))
    }

    /// Whether the server closed this connection (it restarted, say).
    pub(crate) fn is_closed(&self) -> bool {
        self.broken || self.client.is_closed()
    }

    /// `err` as a [`DbError`], noting first whether it lost the connection.
    fn failed(&mut self, err: postgres::Error) -> DbError {
        self.broken |= is_lost(&err);
        DbError::from(err)
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Runs `sql` through a prepared statement. A failed statement leaves
    /// the cache, so one made stale by a schema change is prepared afresh.
    fn run<T>(
        &mut self,
        sql: &str,
        params: &[&dyn ToValue],
        run: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T, postgres::Error>,
    ) -> Result<T, DbError> {
        let values: Vec<Value> = params.iter().map(|p| p.to_value()).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let statement = self.statement(sql).map_err(|err| self.failed(err))?;
        run(&mut self.client, &statement, &refs).map_err(|err| {
            self.statements.remove(sql);
            self.failed(err)
        })
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, DbError> {
        self.run(sql, params, |client, statement, refs| {
            client.execute(statement, refs)
        })
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<Vec<Row>, DbError> {
        let rows = self.run(sql, params, |client, statement, refs| {
            client.query(statement, refs)
        })?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let columns: Arc<[String]> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        rows.iter()
            .map(|row| {
                let values = (0..columns.len())
                    .map(|i| {
                        row.try_get::<_, Value>(i).map_err(|err| {
                            DbError::Value(format!("column {:?}: {err}", columns[i]))
                        })
                    })
                    .collect::<Result<Vec<Value>, DbError>>()?;
                Ok(Row::new(columns.clone(), values))
            })
            .collect()
    }

    /// Runs several statements at once, without parameters (a migration).
    /// The schema may change, so the prepared statements are forgotten.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.statements.clear();
        self.client
            .batch_execute(sql)
            .map_err(|err| self.failed(err))
    }
}

fn mismatch(value: &Value, ty: &Type) -> BoxError {
    format!("cannot store {} in a column of type {ty}", value.kind()).into()
}

fn fits<T: TryFrom<i64>>(n: i64, ty: &Type) -> Result<T, BoxError> {
    T::try_from(n).map_err(|_| format!("{n} does not fit in a column of type {ty}").into())
}

fn is_text(ty: &Type) -> bool {
    [
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::UNKNOWN,
    ]
    .contains(ty)
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) if *ty == Type::INT2 => fits::<i16>(*n, ty)?.to_sql(ty, out),
            Value::Integer(n) if *ty == Type::INT4 => fits::<i32>(*n, ty)?.to_sql(ty, out),
            Value::Integer(n) if *ty == Type::INT8 => n.to_sql(ty, out),
            Value::Integer(n) if *ty == Type::FLOAT8 => (*n as f64).to_sql(ty, out),
            Value::Integer(n) if *ty == Type::FLOAT4 => (*n as f32).to_sql(ty, out),
            Value::Integer(n @ (0 | 1)) if *ty == Type::BOOL => (*n == 1).to_sql(ty, out),
            Value::Real(x) if *ty == Type::FLOAT8 => x.to_sql(ty, out),
            Value::Real(x) if *ty == Type::FLOAT4 => (*x as f32).to_sql(ty, out),
            Value::Text(text) if is_text(ty) => text.as_str().to_sql(ty, out),
            Value::Blob(bytes) if *ty == Type::BYTEA => bytes.as_slice().to_sql(ty, out),
            Value::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            // SQLite's way of storing a flag, so that `is_admin INTEGER` works on both.
            Value::Bool(b) if [Type::INT2, Type::INT4, Type::INT8].contains(ty) => {
                Value::Integer(i64::from(*b)).to_sql(ty, out)
            }
            other => Err(mismatch(other, ty)),
        }
    }

    /// Every type is accepted here; `to_sql` refuses the wrong pairs with
    /// a message naming both.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(if *ty == Type::INT2 {
            Value::Integer(i16::from_sql(ty, raw)?.into())
        } else if *ty == Type::INT4 {
            Value::Integer(i32::from_sql(ty, raw)?.into())
        } else if *ty == Type::INT8 {
            Value::Integer(i64::from_sql(ty, raw)?)
        } else if *ty == Type::FLOAT4 {
            Value::Real(f32::from_sql(ty, raw)?.into())
        } else if *ty == Type::FLOAT8 {
            Value::Real(f64::from_sql(ty, raw)?)
        } else if *ty == Type::BOOL {
            Value::Bool(bool::from_sql(ty, raw)?)
        } else if *ty == Type::BYTEA {
            Value::Blob(<Vec<u8>>::from_sql(ty, raw)?)
        } else {
            Value::Text(String::from_sql(ty, raw)?)
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(ty: &Type) -> bool {
        is_text(ty)
            || [
                Type::INT2,
                Type::INT4,
                Type::INT8,
                Type::FLOAT4,
                Type::FLOAT8,
                Type::BOOL,
                Type::BYTEA,
            ]
            .contains(ty)
    }
}

impl From<postgres::Error> for DbError {
    /// Sorts PostgreSQL's error by its SQLSTATE, the standard five-character
    /// code: class 23 is a constraint, and a few codes mean "try again".
    fn from(err: postgres::Error) -> DbError {
        let Some(db) = err.as_db_error() else {
            if is_lost(&err) {
                return DbError::Busy(format!("lost the connection to the server: {err}"));
            }
            return DbError::Postgres(err);
        };
        let kind = match db.code().code() {
            // A primary key's index is named `TABLE_pkey` unless the schema
            // names it otherwise.
            "23505" if db.constraint().is_some_and(|c| c.ends_with("_pkey")) => {
                ConstraintKind::PrimaryKey
            }
            "23505" => ConstraintKind::Unique,
            "23502" => ConstraintKind::NotNull,
            "23514" => ConstraintKind::Check,
            "23503" => ConstraintKind::ForeignKey,
            // lock_not_available (lock_timeout), query_canceled (statement
            // timeout), serialization_failure, deadlock_detected; and the
            // server shutting down or starting up (admin_shutdown,
            // crash_shutdown, cannot_connect_now), after which the pool
            // connects afresh.
            "55P03" | "57014" | "40001" | "40P01" | "57P01" | "57P02" | "57P03" => {
                return DbError::Busy(db.message().to_string());
            }
            _ => return DbError::Postgres(err),
        };
        DbError::Constraint {
            kind,
            message: db.message().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redacted("postgres://ada:secret@db:5432/app"),
            "postgres://ada:***@db:5432/app"
        );
        assert_eq!(redacted("postgres://ada@db/app"), "postgres://ada@db/app");
        assert!(is_url("postgresql://x/y") && !is_url("data/app.sqlite3"));
        assert!(check_url("postgres://ada@db/app").is_ok());
        assert!(check_url("postgres://ada@db:notaport/app").is_err());
    }

    #[test]
    fn an_integer_is_written_as_the_column_wants_it_or_refused() {
        let mut out = BytesMut::new();
        Value::Integer(7).to_sql(&Type::INT4, &mut out).unwrap();
        assert_eq!(&out[..], &7i32.to_be_bytes());
        let Err(err) = Value::Integer(1 << 40).to_sql(&Type::INT4, &mut BytesMut::new()) else {
            panic!("2^40 is no INTEGER");
        };
        assert_eq!(
            err.to_string(),
            "1099511627776 does not fit in a column of type int4"
        );
        let Err(err) = Value::Text("x".into()).to_sql(&Type::INT8, &mut BytesMut::new()) else {
            panic!("text is no BIGINT");
        };
        assert_eq!(
            err.to_string(),
            "cannot store text in a column of type int8"
        );
        let mut out = BytesMut::new();
        Value::Bool(true).to_sql(&Type::INT4, &mut out).unwrap();
        assert_eq!(&out[..], &1i32.to_be_bytes());
    }
}
