//! One PostgreSQL connection per event loop, driven by the loop itself:
//! the socket is in the loop's `mio` poll beside the clients' sockets, and
//! every async handler on the loop ([`Route::get_async`](crate::Route::get_async))
//! sends its statements on it.
//!
//! Why: a handler on a worker thread that waits for PostgreSQL costs four
//! thread wake-ups per request (loop → worker, worker → server, server →
//! worker, worker → loop), and its statement leaves in a `send` of its own.
//! Here the loop's handlers queue their statements, the loop writes all of
//! them in one `send`, the server answers them in one go, and the loop
//! hands each answer to its handler: no worker, no wake-up but the
//! server's, and one for many requests (TechEmpower's `/db` and
//! `/fortunes`, README).
//!
//! `tokio-postgres` does the protocol: its [`Connection`] is a future that
//! writes what the [`Client`] queues and routes the answers back, over any
//! socket that implements tokio's `AsyncRead` and `AsyncWrite`. [`Socket`]
//! implements them over a plain non-blocking socket, "not ready" meaning
//! `WouldBlock`: the loop polls the connection again when `mio` says the
//! socket is ready, or when a handler queued a statement (the connection's
//! waker marks it, `server/tasks.rs`). No tokio runtime is involved.
//!
//! Connecting is blocking (a worker does it, `server/loop_db.rs`): the
//! socket starts in blocking mode with the pool's timeout on every read and
//! write, so the startup future finishes in one poll, or fails; then the
//! worker sets the lock timeout, and the loop takes the socket.

use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, Client, Config, Connection, NoTls};

use crate::data::error::DbError;
use crate::data::postgres::{
    MAX_STATEMENTS, Prepared, is_lost, lock_timeout_sql, lost, with_columns,
};
use crate::data::row::Row;
use crate::data::value::Value;

/// The socket to the server, and what the loop knows of its readiness.
pub(crate) struct Socket {
    stream: Stream,
    readiness: Arc<AtomicU8>,
}

/// TCP, or a Unix socket for a `host` that is a folder
/// (`postgres:///db?host=/run/postgresql`).
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

/// [`Socket::readiness`]: connecting, every read is tried (the socket blocks).
const BLOCKING: u8 = 0;
/// Non-blocking, and there may be bytes to read.
const READABLE: u8 = 1;
/// Non-blocking, and the last read emptied the socket: the next would only
/// say `WouldBlock`, so it is not made until `mio` reports new bytes (the
/// same deduction as `client_conn.rs`'s, a system call saved per batch).
const DRAINED: u8 = 2;

impl Socket {
    fn new(stream: Stream) -> Socket {
        Socket {
            stream,
            readiness: Arc::new(AtomicU8::new(BLOCKING)),
        }
    }

    fn try_clone(&self) -> io::Result<Socket> {
        Ok(Socket {
            stream: match &self.stream {
                Stream::Tcp(s) => Stream::Tcp(s.try_clone()?),
                Stream::Unix(s) => Stream::Unix(s.try_clone()?),
            },
            readiness: self.readiness.clone(),
        })
    }

    /// Blocking with `timeout` on each read and write (`Some`: the
    /// handshake), or non-blocking (`None`). Every read is tried until
    /// [`PgLink::arm`]: no `mio` event comes before the loop registers it.
    fn set_mode(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.readiness.store(BLOCKING, Ordering::Release);
        match &self.stream {
            Stream::Tcp(s) => {
                s.set_nonblocking(timeout.is_none())?;
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)
            }
            Stream::Unix(s) => {
                s.set_nonblocking(timeout.is_none())?;
                s.set_read_timeout(timeout)?;
                s.set_write_timeout(timeout)
            }
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.readiness.load(Ordering::Acquire) == DRAINED {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = match &mut self.stream {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        };
        let emptied = match &result {
            Ok(n) => *n > 0 && *n < buf.len(),
            Err(err) => err.kind() == io::ErrorKind::WouldBlock,
        };
        if emptied {
            let _ = self.readiness.compare_exchange(
                READABLE,
                DRAINED,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
        result
    }

    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stream {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        match &self.stream {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }
}

/// "Try again later" as a future says it: `WouldBlock` (or a blocking
/// read's timeout, which is the same error) is `Pending`. No waker is
/// kept: the loop polls the connection again on the socket's next event.
fn ready<T>(mut io: impl FnMut() -> io::Result<T>) -> Poll<io::Result<T>> {
    loop {
        return match io() {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            // A signal came: try again at once (no event would come for it).
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            other => Poll::Ready(other),
        };
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let socket = self.get_mut();
        let n = std::task::ready!(ready(|| socket.read(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let socket = self.get_mut();
        ready(|| socket.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What the loop's handlers share: the client that queues their
/// statements, and the statements prepared on this connection.
pub(crate) struct LinkShared {
    client: Client,
    statements: Mutex<HashMap<String, Prepared>>,
}

impl LinkShared {
    /// Runs `sql` with `values` and gives its rows: prepared first if this
    /// connection has not seen it (one more round trip, once).
    pub(crate) async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let prepared = self.statement(sql).await?;
        rows(&self.client, &prepared, &values)
            .await
            .map_err(|err| self.forget(sql, err))
    }

    /// Runs `sql`, which takes one parameter and gives at most one row (a
    /// row by its key), once for each of `params`, all sent together, and
    /// gives the row of each, in order: the statement looked up once, and
    /// no more per run than the client's own work. The first error, if any
    /// statement fails.
    pub(crate) async fn first_of_each<P: ToSql + Sync>(
        &self,
        sql: &str,
        params: &[P],
    ) -> Result<Vec<Option<Row>>, DbError> {
        if params.is_empty() {
            // Nothing to run: no statement to prepare, nothing to send.
            return Ok(Vec::new());
        }
        let prepared = self.statement(sql).await?;
        let runs = params
            .iter()
            .map(|param| first_row(&self.client, &prepared, std::slice::from_ref(param)));
        // Side by side in one allocation (`join_all`'s), each kept small
        // (see `first_row`); the first poll sends them all.
        futures_util::future::join_all(runs)
            .await
            .into_iter()
            .map(|row| row.map_err(|err| self.forget(sql, err)))
            .collect()
    }

    /// Runs `sql` with `values` and gives the number of rows it changed.
    pub(crate) async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, DbError> {
        let prepared = self.statement(sql).await?;
        self.client
            .execute_raw(&prepared.statement, &values)
            .await
            .map_err(|err| self.forget(sql, err))
    }

    /// `sql` prepared on this connection: from the cache, or prepared now
    /// (boxed: rare, and its future would double the size of every
    /// caller's).
    async fn statement(&self, sql: &str) -> Result<Prepared, DbError> {
        match self.cached(sql) {
            Some(prepared) => Ok(prepared),
            None => Box::pin(self.prepare(sql)).await,
        }
    }

    /// `sql` as this connection has prepared it, if it has.
    fn cached(&self, sql: &str) -> Option<Prepared> {
        self.cache().get(sql).cloned()
    }

    /// Prepares `sql` on this connection and keeps it.
    async fn prepare(&self, sql: &str) -> Result<Prepared, DbError> {
        // Checked once, before it is prepared: a statement in the cache passed.
        if let Some(statement) = changes_the_session(sql) {
            return Err(DbError::SharedConnection {
                statement: statement.to_string(),
            });
        }
        let statement = self.client.prepare(sql).await.map_err(failed)?;
        let prepared = with_columns(statement);
        let mut cache = self.cache();
        if cache.len() >= MAX_STATEMENTS {
            cache.clear();
        }
        cache.insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }

    /// The error of running `sql`; its statement is prepared afresh next
    /// time (a schema change may have made it stale).
    fn forget(&self, sql: &str, err: tokio_postgres::Error) -> DbError {
        self.cache().remove(sql);
        failed(err)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Prepared>> {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The first row of `prepared` run with `params` (read to its end): as
/// [`rows`], without a `Vec` for a result of one row. A handler reading
/// many rows holds one of these futures per row: it is kept to the
/// client's own (about 1 KiB).
async fn first_row<P: ToSql + Sync>(
    client: &Client,
    prepared: &Prepared,
    params: &[P],
) -> Result<Option<Row>, tokio_postgres::Error> {
    let stream = client.query_raw(&prepared.statement, params).await?;
    let mut stream = std::pin::pin!(stream);
    let mut first = None;
    while let Some(row) = stream.next().await {
        let row = row?;
        first.get_or_insert_with(|| Row::postgres(prepared.columns.clone(), row));
    }
    Ok(first)
}

/// The rows of `prepared` run with `params`, straight from the client's
/// stream into [`Row`]s.
async fn rows<P: ToSql + Sync>(
    client: &Client,
    prepared: &Prepared,
    params: &[P],
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let stream = client.query_raw(&prepared.statement, params).await?;
    let mut stream = std::pin::pin!(stream);
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await {
        rows.push(Row::postgres(prepared.columns.clone(), row?));
    }
    Ok(rows)
}

/// The first word of `sql` if it would change the connection for the
/// statements after it, of every handler sharing it: a transaction, a
/// setting, a lock, a cursor, a listener, a prepared statement of its own.
/// One statement per call (a prepared statement cannot hold two), so the
/// first word after any comments is the statement's. Also `COPY` (a
/// `COPY ... FROM STDIN` would leave the connection waiting for data),
/// `LOAD` and `DO` (code that may do any of it). A function that does it
/// (`set_config`, `pg_advisory_lock`) is not caught: the docs say so.
fn changes_the_session(sql: &str) -> Option<&str> {
    const KEYWORDS: [&str; 20] = [
        "copy",
        "load",
        "do",
        "begin",
        "start",
        "commit",
        "end",
        "rollback",
        "abort",
        "savepoint",
        "release",
        "set",
        "reset",
        "lock",
        "listen",
        "unlisten",
        "declare",
        "prepare",
        "deallocate",
        "discard",
    ];
    let word = after_comments(sql)
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?;
    KEYWORDS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(word))
        .then_some(word)
}

/// `sql` from its first word: leading white space and comments (`-- ...`
/// to the end of the line, `/* ... */`, which nest in PostgreSQL) skipped.
fn after_comments(sql: &str) -> &str {
    let mut rest = sql.trim_start();
    loop {
        if let Some(line) = rest.strip_prefix("--") {
            rest = line.split_once('\n').map_or("", |(_, after)| after);
        } else if rest.starts_with("/*") {
            let bytes = rest.as_bytes();
            let (mut depth, mut i) = (0, 0);
            rest = loop {
                match bytes.get(i..i + 2) {
                    None => break "",
                    Some(b"/*") => (depth, i) = (depth + 1, i + 2),
                    Some(b"*/") if depth == 1 => break &rest[i + 2..],
                    Some(b"*/") => (depth, i) = (depth - 1, i + 2),
                    Some(_) => i += 1,
                }
            };
        } else {
            return rest;
        }
        rest = rest.trim_start();
    }
}

/// A lost connection is a 503 (`DbError::Busy`), as on a pooled connection.
fn failed(err: tokio_postgres::Error) -> DbError {
    if is_lost(&err) {
        lost()
    } else {
        DbError::from(err)
    }
}

/// One loop's connection: the protocol's half that owns the socket, and
/// a second handle on the socket to register it with the loop's poll.
pub(crate) struct PgLink {
    connection: Connection<Socket, NoTlsStream>,
    shared: Arc<LinkShared>,
    fd: Socket,
}

/// What polling the link found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LinkState {
    /// Waiting for the socket or for a statement.
    Open,
    /// The connection ended (the server closed it, the socket broke): every
    /// statement in flight fails with a 503, and the loop connects anew.
    Closed,
}

impl PgLink {
    /// Connects to `url` (blocking, each step bounded by `timeout`), with
    /// the same `lock_timeout` as a pooled connection; `name` is the
    /// `application_name` the server shows (`pg_stat_activity`).
    pub(crate) fn connect(url: &str, timeout: Duration, name: &str) -> Result<PgLink, DbError> {
        let mut config: Config = url.parse()?;
        if config.get_application_name().is_none() {
            config.application_name(name);
        }
        let socket = open(&config, timeout).map_err(|err| {
            DbError::Busy(format!(
                "the database setting names a PostgreSQL server that cannot be reached: {err}"
            ))
        })?;
        let fd = socket
            .set_mode(Some(timeout))
            .and_then(|()| socket.try_clone())
            .map_err(broken)?;
        let mut startup = std::pin::pin!(config.connect_raw(socket, NoTls));
        let mut cx = Context::from_waker(Waker::noop());
        // Blocking reads and writes: the handshake ends in this one poll,
        // or a read timed out (`Pending`, from `ready` above).
        let (client, connection) = match startup.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(pair)) => pair,
            Poll::Ready(Err(err)) => return Err(DbError::from(err)),
            Poll::Pending => {
                return Err(DbError::Busy(format!(
                    "the PostgreSQL server did not finish the handshake within {} ms",
                    timeout.as_millis()
                )));
            }
        };
        fd.set_mode(None).map_err(broken)?;
        let mut link = PgLink {
            connection,
            shared: Arc::new(LinkShared {
                client,
                statements: Mutex::default(),
            }),
            fd,
        };
        // The same lock timeout as a pooled connection: a statement that
        // waits longer for a lock fails (a 503). A `SET`, not a startup
        // option, which PgBouncer would refuse.
        let set = lock_timeout_sql(timeout);
        let shared = link.shared.clone();
        link.wait_for(shared.client.batch_execute(&set), timeout)?
            .map_err(DbError::from)?;
        Ok(link)
    }

    /// Drives the connection until `work` is done, on the connecting
    /// worker's thread, before any loop has the socket: polls both, and
    /// sleeps a little between rounds, up to `timeout`.
    fn wait_for<T>(
        &mut self,
        work: impl Future<Output = T>,
        timeout: Duration,
    ) -> Result<T, DbError> {
        let give_up = std::time::Instant::now() + timeout;
        let mut work = std::pin::pin!(work);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = work.as_mut().poll(&mut cx) {
                return Ok(out);
            }
            if self.poll(Waker::noop()) == LinkState::Closed {
                return Err(lost());
            }
            if let Poll::Ready(out) = work.as_mut().poll(&mut cx) {
                return Ok(out);
            }
            if std::time::Instant::now() >= give_up {
                return Err(DbError::Busy(format!(
                    "the PostgreSQL server did not answer within {} ms",
                    timeout.as_millis()
                )));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// From now on the loop's `mio` events say when to read (see [`DRAINED`]).
    pub(crate) fn arm(&self) {
        self.fd.readiness.store(READABLE, Ordering::Release);
    }

    /// The handle handlers query through.
    pub(crate) fn shared(&self) -> Arc<LinkShared> {
        self.shared.clone()
    }

    /// `mio` reported the socket readable: the next poll reads.
    pub(crate) fn mark_readable(&self) {
        let _ = self.fd.readiness.compare_exchange(
            DRAINED,
            READABLE,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// The socket, for the loop to register with its poll.
    pub(crate) fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Writes what the handlers queued and hands out the answers that
    /// came, until the socket has no more to give.
    pub(crate) fn poll(&mut self, waker: &Waker) -> LinkState {
        let mut cx = Context::from_waker(waker);
        loop {
            match self.connection.poll_message(&mut cx) {
                Poll::Ready(Some(Ok(AsyncMessage::Notice(notice)))) => {
                    log::info!("database notice: {notice}");
                }
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(err))) => {
                    log::warn!("the event loop's database connection failed: {err}");
                    return LinkState::Closed;
                }
                Poll::Ready(None) => {
                    log::warn!("the database closed the event loop's connection");
                    return LinkState::Closed;
                }
                Poll::Pending => return LinkState::Open,
            }
        }
    }
}

/// TCP keep-alive probes after a minute of silence, every 10 s, 6 of them:
/// a server that vanished without closing the connection (a host powered
/// off, a cable pulled) is noticed within two minutes, and the statements
/// waiting on it fail (503) instead of waiting for ever.
fn keep_alive(stream: &TcpStream) -> io::Result<()> {
    let probes = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(6);
    socket2::SockRef::from(stream).set_tcp_keepalive(&probes)
}

/// A socket that cannot be set up is a connection that cannot be made.
fn broken(err: io::Error) -> DbError {
    DbError::Busy(format!("cannot set up the socket to the database: {err}"))
}

/// The first address of `config` that answers: each host (or `hostaddr`,
/// which may come without one) with its port (the last port given serves
/// the hosts after it, as libpq does); a host that fails is passed over
/// for the next, as `tokio-postgres` does for the pool's connections.
fn open(config: &Config, timeout: Duration) -> io::Result<Socket> {
    let (hosts, hostaddrs, ports) = (
        config.get_hosts(),
        config.get_hostaddrs(),
        config.get_ports(),
    );
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "the URL names no host");
    for i in 0..hosts.len().max(hostaddrs.len()) {
        let port = ports.get(i).or(ports.last()).copied().unwrap_or(5432);
        let opened = match (hostaddrs.get(i), hosts.get(i)) {
            // `hostaddr`, if given, is the address to use for this host.
            (Some(ip), _) => open_tcp(&[SocketAddr::new(*ip, port)], timeout),
            (None, Some(Host::Tcp(name))) => (name.as_str(), port)
                .to_socket_addrs()
                .and_then(|addrs| open_tcp(&addrs.collect::<Vec<_>>(), timeout)),
            (None, Some(Host::Unix(folder))) => {
                UnixStream::connect(folder.join(format!(".s.PGSQL.{port}")))
                    .map(|stream| Socket::new(Stream::Unix(stream)))
            }
            (None, None) => continue,
        };
        match opened {
            Ok(socket) => return Ok(socket),
            Err(err) => last = err,
        }
    }
    Err(last)
}

/// The first of `addrs` that answers, set up as a loop's connection wants.
fn open_tcp(addrs: &[SocketAddr], timeout: Duration) -> io::Result<Socket> {
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "the host has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                keep_alive(&stream)?;
                return Ok(Socket::new(Stream::Tcp(stream)));
            }
            Err(err) => last = err,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_that_would_change_the_shared_connection_is_found_behind_comments() {
        for sql in [
            "BEGIN",
            "  begin;",
            "SET search_path = x",
            "-- a note\nSET search_path = x",
            "/* one */ /* two /* nested */ still */ LOCK TABLE t",
            "\n\t/* x */ -- y\n  Listen news",
            "COPY t FROM STDIN",
            "DO $$ BEGIN PERFORM 1; END $$",
        ] {
            assert!(changes_the_session(sql).is_some(), "{sql:?} let through");
        }
        for sql in [
            "SELECT 1",
            "-- BEGIN\nSELECT 1",
            "/* SET x = 1 */ SELECT $1::int",
            "/* /* BEGIN */ */ UPDATE t SET a = 1",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "INSERT INTO t (\"set\") VALUES (1)",
            "-- only a comment",
            "/* never closed BEGIN",
        ] {
            assert_eq!(changes_the_session(sql), None, "{sql:?} refused");
        }
    }

    /// A port on loopback where nothing listens (bound, then let go).
    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn a_hostaddr_alone_is_opened_and_a_host_that_refuses_is_passed_over() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let timeout = Duration::from_secs(5);
        let alone: Config = format!("postgres://u@/db?hostaddr=127.0.0.1&port={port}")
            .parse()
            .unwrap();
        assert!(open(&alone, timeout).is_ok());
        let second: Config = format!(
            "host=127.0.0.1,127.0.0.1 port={},{port} user=u",
            closed_port()
        )
        .parse()
        .unwrap();
        assert!(open(&second, timeout).is_ok());
        // Each host its own port: the first, open, answers.
        let first: Config = format!(
            "host=127.0.0.1,127.0.0.1 port={port},{} user=u",
            closed_port()
        )
        .parse()
        .unwrap();
        assert!(open(&first, timeout).is_ok());
        let none: Config = format!("host=127.0.0.1 port={} user=u", closed_port())
            .parse()
            .unwrap();
        let err = open(&none, timeout).err().expect("nothing listens there");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }
}
