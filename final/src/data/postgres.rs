//! PostgreSQL, for instances on several machines: one client connection,
//! its prepared statements kept, its statements pipelined when a handler
//! asks for several at once, and [`Value`]s converted to and from the types
//! the columns have.
//!
//! Why the asynchronous client under a blocking API: the synchronous
//! `postgres` crate sends a statement and waits for its answer before it can
//! send the next, so twenty queries cost twenty round trips, each a `send`,
//! an `epoll_wait` and a `recv`. `tokio-postgres` can have many statements
//! in flight on one connection (pipelining: the server answers them in the
//! order they came). So each connection here owns a small current-thread
//! tokio runtime, and every call blocks the worker on it, as the `postgres`
//! crate itself does; [`Postgres::query_pipelined`] hands it all its
//! statements at once, which leave in one `send`. The handler still calls
//! plain functions, on its worker thread, as on SQLite. No TLS: reach the
//! server on a Unix socket or a private network.
//!
//! PostgreSQL types its parameters from the SQL: in `WHERE id = $1` the
//! `$1` is whatever `id` is. So a [`Value::Integer`] is written as the
//! column wants it, an `INTEGER` (4 bytes, range-checked) or a `BIGINT`,
//! and a [`Value::Bool`] into an `INTEGER` column as 0 or 1, as SQLite
//! stores it: the same app code runs on both.

use std::collections::HashMap;
use std::error::Error;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::future::join_all;
use tokio::runtime::Runtime;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket, Statement};

use crate::data::error::{ConstraintKind, DbError};
use crate::data::row::Row;
use crate::data::value::{ToValue, Value};

type BoxError = Box<dyn Error + Sync + Send>;

/// The half of a `tokio-postgres` connection that owns the socket: it
/// writes the requests the [`Client`] queues and hands each answer back.
type Link = tokio_postgres::Connection<Socket, NoTlsStream>;

/// Prepared statements kept per connection, like rusqlite's `prepare_cached`:
/// a query then costs one round trip instead of two. Past this many the
/// cache starts over, so an app building SQL at run time cannot grow it
/// without bound.
pub(crate) const MAX_STATEMENTS: usize = 256;

/// A statement the server has prepared, and the names of the columns it
/// gives, made once here and shared by every [`Row`] of every result (a
/// result of one row per query, twenty queries a request, would otherwise
/// allocate them twenty times).
#[derive(Clone)]
pub(crate) struct Prepared {
    pub(crate) statement: Statement,
    pub(crate) columns: Arc<[String]>,
}

/// `statement` with its column names, ready to share.
pub(crate) fn with_columns(statement: Statement) -> Prepared {
    let columns = statement
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    Prepared { statement, columns }
}

/// One connection to the server, with its prepared statements.
pub(crate) struct Postgres {
    /// Runs the socket's reads and writes, on the calling thread, only
    /// while a call waits for its answers (see [`Postgres::block_on`]).
    runtime: Runtime,
    /// Queues requests for `link`. `None` only inside `Drop`, which drops
    /// it first: a client gone is how `link` knows to say goodbye.
    client: Option<Client>,
    link: Link,
    statements: HashMap<String, Prepared>,
    /// Set by an error that means the connection is gone (the server shut
    /// it down, the socket broke), which the client may not know yet: the
    /// pool then replaces it instead of handing it on.
    broken: bool,
}

/// Whether `err` means the connection itself is lost.
pub(crate) fn is_lost(err: &tokio_postgres::Error) -> bool {
    err.is_closed()
        || err
            .code()
            .is_some_and(|code| code.code().starts_with("57P0"))
        || err
            .source()
            .is_some_and(|cause| cause.is::<std::io::Error>())
}

/// What a call returns when the socket closed under it.
pub(crate) fn lost() -> DbError {
    DbError::Busy("lost the connection to the server: the connection closed".to_string())
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
pub(crate) fn check_url(url: &str) -> Result<(), tokio_postgres::Error> {
    url.parse::<Config>().map(drop)
}

impl Postgres {
    /// Connects, waiting at most `timeout`, and sets the lock timeout: a
    /// statement waiting longer than that for a lock fails (a 503), as a
    /// SQLite writer does after its `busy_timeout`.
    pub(crate) fn connect(url: &str, timeout: Duration) -> Result<Postgres, DbError> {
        let mut config: Config = url.parse()?;
        config.connect_timeout(timeout);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| {
                DbError::Busy(format!("cannot start the connection's runtime: {err}"))
            })?;
        let (client, link) = runtime.block_on(config.connect(NoTls)).map_err(|err| {
            match err.as_db_error() {
                // The server answered, and refused (a wrong password, no
                // such database): its own words.
                Some(_) => DbError::from(err),
                None => DbError::Busy(format!(
                    "the database setting names a PostgreSQL server that cannot be reached: {err}"
                )),
            }
        })?;
        let mut conn = Postgres {
            runtime,
            client: Some(client),
            link,
            statements: HashMap::new(),
            broken: false,
        };
        conn.set_lock_timeout(timeout)?;
        Ok(conn)
    }

    /// The client half; present from `connect` until `Drop`.
    fn client(&self) -> &Client {
        self.client.as_ref().expect("the client lives until drop")
    }

    /// Runs `work` (futures of the client's calls) to its end on this
    /// thread, driving the socket meanwhile. This is the whole trick of a
    /// blocking API over an asynchronous client: the worker waits here, in
    /// `epoll_wait`, and each time the socket or a future is ready the
    /// closure below runs again. Polling `work` first queues its requests;
    /// polling `link` then writes them all in one `send` and routes the
    /// answers back, which wakes `work` again.
    fn block_on<T>(
        runtime: &Runtime,
        link: &mut Link,
        broken: &mut bool,
        work: impl Future<Output = T>,
    ) -> Result<T, DbError> {
        if *broken {
            return Err(lost());
        }
        let mut work = pin!(work);
        let mut link_ended = false;
        let result = runtime.block_on(poll_fn(|cx| {
            if let Poll::Ready(out) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            loop {
                match link.poll_message(cx) {
                    Poll::Ready(Some(Ok(AsyncMessage::Notice(notice)))) => {
                        log::info!("database notice: {notice}");
                    }
                    // LISTEN's notifications: nothing in httprs listens.
                    Poll::Ready(Some(Ok(_))) => {}
                    Poll::Ready(Some(Err(err))) => {
                        link_ended = true;
                        return Poll::Ready(Err(DbError::from(err)));
                    }
                    // The connection ended: what `work` waits for never comes.
                    Poll::Ready(None) => {
                        link_ended = true;
                        return Poll::Ready(Err(lost()));
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
        }));
        *broken |= link_ended;
        result
    }

    pub(crate) fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        self.batch(&lock_timeout_sql(timeout))
    }

    /// Whether the server closed this connection (it restarted, say).
    pub(crate) fn is_closed(&self) -> bool {
        self.broken || self.client().is_closed()
    }

    /// `err` as a [`DbError`], noting first whether it lost the connection.
    fn failed(&mut self, err: tokio_postgres::Error) -> DbError {
        self.broken |= is_lost(&err);
        DbError::from(err)
    }

    /// Prepares each `sql` the cache lacks, all in one round trip; returns
    /// the errors of those the server refused, by their SQL.
    ///
    /// # Errors
    /// [`DbError::Busy`] if the connection was lost.
    fn prepare_missing<'s>(
        &mut self,
        sqls: &[&'s str],
    ) -> Result<HashMap<&'s str, DbError>, DbError> {
        let mut missing: Vec<&str> = sqls
            .iter()
            .copied()
            .filter(|sql| !self.statements.contains_key(*sql))
            .collect();
        let mut refused = HashMap::new();
        if missing.is_empty() {
            return Ok(refused);
        }
        missing.sort_unstable();
        missing.dedup();
        if self.statements.len() + missing.len() > MAX_STATEMENTS {
            self.statements.clear();
        }
        let client = self.client.as_ref().expect("the client lives until drop");
        let work = join_all(missing.iter().map(|sql| client.prepare(sql)));
        let prepared = Self::block_on(&self.runtime, &mut self.link, &mut self.broken, work)?;
        for (sql, statement) in missing.into_iter().zip(prepared) {
            match statement {
                Ok(statement) => {
                    self.statements
                        .insert(sql.to_string(), with_columns(statement));
                }
                Err(err) => {
                    let err = self.failed(err);
                    refused.insert(sql, err);
                }
            }
        }
        Ok(refused)
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, DbError> {
        if let Some(err) = self.prepare_missing(&[sql])?.remove(sql) {
            return Err(err);
        }
        let statement = self.statements[sql].statement.clone();
        let values: Vec<Value> = params.iter().map(|p| p.to_value()).collect();
        let refs = refs(&values);
        let client = self.client.as_ref().expect("the client lives until drop");
        let work = client.execute(&statement, &refs);
        match Self::block_on(&self.runtime, &mut self.link, &mut self.broken, work)? {
            Ok(changed) => Ok(changed),
            Err(err) => Err(self.forget(sql, err)),
        }
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<Vec<Row>, DbError> {
        let mut rows = self.query_pipelined(&[(sql, params)])?;
        Ok(rows.pop().unwrap_or_default())
    }

    /// Runs every statement of `batch`, pipelined: all are written to the
    /// socket before the first answer is read, so the whole batch costs one
    /// round trip (two if some statement was not prepared yet). Outside a
    /// transaction each statement is a transaction of its own, so one
    /// failing does not stop the others. The rows come back in the order of
    /// `batch`.
    ///
    /// # Errors
    /// The first failure in `batch`'s order, once every statement has run.
    pub(crate) fn query_pipelined(
        &mut self,
        batch: &[(&str, &[&dyn ToValue])],
    ) -> Result<Vec<Vec<Row>>, DbError> {
        let sqls: Vec<&str> = batch.iter().map(|(sql, _)| *sql).collect();
        let mut refused = self.prepare_missing(&sqls)?;
        // `None` for a statement the server refused to prepare: not sent.
        let statements: Vec<Option<Prepared>> = sqls
            .iter()
            .map(|sql| self.statements.get(*sql).cloned())
            .collect();
        let values: Vec<Vec<Value>> = batch
            .iter()
            .map(|(_, params)| params.iter().map(|p| p.to_value()).collect())
            .collect();
        let refs: Vec<Vec<&(dyn ToSql + Sync)>> = values.iter().map(|v| refs(v)).collect();
        let client = self.client.as_ref().expect("the client lives until drop");
        let work = join_all(statements.iter().zip(&refs).filter_map(|(prepared, refs)| {
            Some(client.query(&prepared.as_ref()?.statement, refs))
        }));
        let answers = Self::block_on(&self.runtime, &mut self.link, &mut self.broken, work)?;
        let mut answers = answers.into_iter();
        let mut first_error = None;
        let mut results = Vec::with_capacity(batch.len());
        for (prepared, sql) in statements.iter().zip(sqls) {
            let result = match prepared {
                // Only the first use of a refused statement carries its error.
                None => Err(refused.remove(sql)),
                Some(prepared) => match answers.next().expect("one answer per statement sent") {
                    Ok(rows) => Ok(rows_of(rows, &prepared.columns)),
                    Err(err) => Err(Some(self.forget(sql, err))),
                },
            };
            match result {
                Ok(rows) => results.push(rows),
                Err(err) => first_error = first_error.or(err),
            }
        }
        match first_error {
            Some(err) => Err(err),
            None => Ok(results),
        }
    }

    /// A failed statement leaves the cache, so one made stale by a schema
    /// change is prepared afresh.
    fn forget(&mut self, sql: &str, err: tokio_postgres::Error) -> DbError {
        self.statements.remove(sql);
        self.failed(err)
    }

    /// Runs several statements at once, without parameters (a migration).
    /// The schema may change, so the prepared statements are forgotten.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        self.statements.clear();
        let client = self.client.as_ref().expect("the client lives until drop");
        let work = client.batch_execute(sql);
        match Self::block_on(&self.runtime, &mut self.link, &mut self.broken, work)? {
            Ok(()) => Ok(()),
            Err(err) => Err(self.failed(err)),
        }
    }
}

impl Drop for Postgres {
    /// Says goodbye (PostgreSQL's `Terminate`), so the server does not log
    /// an unexpected end of file: with its client gone, `link` sends it and
    /// closes. Bounded, for a server that no longer answers.
    fn drop(&mut self) {
        drop(self.client.take());
        if !self.broken {
            let link = &mut self.link;
            // In an `async` block: a timer is made inside its runtime.
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(1), link).await });
        }
    }
}

/// The values as the client takes them.
fn refs(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// The client's rows as [`Row`]s, sharing the statement's column names;
/// each cell is read when a model asks for it (`row.rs`).
fn rows_of(rows: Vec<tokio_postgres::Row>, columns: &Arc<[String]>) -> Vec<Row> {
    rows.into_iter()
        .map(|row| Row::postgres(columns.clone(), row))
        .collect()
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

impl From<tokio_postgres::Error> for DbError {
    /// Sorts PostgreSQL's error by its SQLSTATE, the standard five-character
    /// code: class 23 is a constraint, and a few codes mean "try again".
    fn from(err: tokio_postgres::Error) -> DbError {
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

/// `SET lock_timeout = N`: a statement that waits longer than `timeout`
/// for a lock fails (a 503), on a pooled connection and on an event
/// loop's. A whole number of milliseconds, 1 at least (0 would mean "no
/// limit").
pub(crate) fn lock_timeout_sql(timeout: Duration) -> String {
    format!("SET lock_timeout = {}", timeout.as_millis().max(1))
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
