//! The event loop: one thread owns the listener and every connection;
//! handlers run on step 04's pool.
//!
//! Steps 04–06 gave each connection a worker thread, which blocked in
//! `read` until its client spoke. That is simple, and fine while each
//! connection carries one request. Keep-alive changes the sums: a browser
//! keeps its connection open for the next click, so most connections are
//! idle most of the time, and a thread that waits on an idle socket is a
//! thread (and its stack) doing nothing. A pool of 8 could hold 8 idle
//! browsers and no more.
//!
//! So here one thread asks the operating system one question, for all the
//! sockets at once: *which of these can I read or write without waiting?*
//! (`epoll` on Linux, `kqueue` on macOS; `mio` hides which.) The answer is a
//! list of events, and the loop only ever does what will not block. The
//! pool is kept for what may take long: running a handler.
//!
//! ```text
//!              ┌────────────── event loop (one thread) ───────────────┐
//!  clients ──▶ │ LISTENER readable: accept all, register each         │
//!  clients ──▶ │ conn readable:  read → inbox → parse ─ whole? ───────┼──▶ pool.execute
//!              │                        Partial: wait for more bytes   │      (handler)
//!              │ WAKER: replies → outbox → write until WouldBlock     │◀── reply + wake
//!  clients ◀── │ conn writable:  write the rest of the outbox         │
//!              │ every tick: close idle connections, 408 silent ones   │
//!              └───────────────────────────────────────────────────────┘
//! ```
//!
//! A worker does not write to the socket itself: the loop owns it. The
//! worker sends its [`Response`] over a channel and pokes the loop with a
//! [`mio::Waker`], which makes `poll` return with the `WAKER` token.
//! [`connection`] holds one connection's state machine; this file wires the
//! connections to the operating system, the pool and the clock.

mod connection;

pub use connection::{
    Advance, Connection, Expiry, FILE_CHUNK, FILE_CHUNKS_PER_TURN, LINGER, ParsedRequest, Phase,
    Socket, Timeouts, parse_request, wants_keep_alive,
};

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use crate::pool::ThreadPool;
use crate::request::RequestHead;
use crate::response::Response;
use crate::shutdown::Shutdown;

/// `println!` that cannot panic: `println!` panics when standard output is
/// gone (a closed terminal), and a log line must not bring the loop down.
macro_rules! log_line {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The application: a request head and body in, a response out. Step 05's
/// router is one (see [`crate::demo_app`]).
pub type App = Arc<dyn Fn(&RequestHead, Vec<u8>) -> Response + Send + Sync>;

/// An application that is also told who is asking: the client's address
/// comes first. Step 08's app layer is one (its access log names the client).
pub type PeerApp = Arc<dyn Fn(SocketAddr, &RequestHead, Vec<u8>) -> Response + Send + Sync>;

/// The listening socket's token; connections count up from `FIRST_CONNECTION`.
const LISTENER: Token = Token(0);
/// The token the waker's events carry.
const WAKER: Token = Token(1);
const FIRST_CONNECTION: usize = 2;

/// How much one `read` takes at most. One buffer for the whole loop: bytes
/// land here and are appended to the connection's inbox.
const READ_CHUNK: usize = 16 * 1024;

/// An answer on its way from a worker back to the loop.
struct Reply {
    token: Token,
    response: Response,
    keep_alive: bool,
    /// `GET /hello/x`, for the log line.
    request_line: String,
}

/// Serves `listener` until `shutdown` is triggered: accepts, reads and
/// parses requests on this thread, runs `app` for each on `pool`, and
/// writes the answers back in order, keeping connections open as
/// [`wants_keep_alive`] says and closing them after `timeouts`.
///
/// When shutdown comes it stops accepting, waits for the handlers in flight
/// (the pool's `Drop`), writes their answers as far as the sockets take them
/// without waiting, and returns.
///
/// # Errors
/// If the loop cannot be set up, or `poll` itself fails: not a client's
/// doing, the process ran out of something.
pub fn serve(
    listener: std::net::TcpListener,
    app: App,
    pool: ThreadPool,
    shutdown: &Shutdown,
    timeouts: Timeouts,
) -> io::Result<()> {
    let app: PeerApp = Arc::new(move |_peer, head, body| app(head, body));
    run(listener, app, pool, shutdown, timeouts, true)
}

/// [`serve`] for a [`PeerApp`]: the application gets the client's address
/// with each request, and logs the requests itself (the loop leaves out its
/// own `127.0.0.1:57626 GET / -> 200` line; it still logs bad requests and
/// timeouts, which no application sees).
///
/// # Errors
/// As [`serve`].
pub fn serve_with_peer(
    listener: std::net::TcpListener,
    app: PeerApp,
    pool: ThreadPool,
    shutdown: &Shutdown,
    timeouts: Timeouts,
) -> io::Result<()> {
    run(listener, app, pool, shutdown, timeouts, false)
}

/// The loop behind [`serve`] and [`serve_with_peer`]; `log_requests` says
/// whether the loop logs each answered request.
fn run(
    listener: std::net::TcpListener,
    app: PeerApp,
    pool: ThreadPool,
    shutdown: &Shutdown,
    timeouts: Timeouts,
    log_requests: bool,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (replies_in, replies) = mpsc::channel();
    let mut event_loop = EventLoop {
        poll,
        connections: HashMap::new(),
        next_token: FIRST_CONNECTION,
        replies_in,
        replies,
        waker,
        app,
        log_requests,
        pool: Some(pool),
        timeouts,
        chunk: vec![0u8; READ_CHUNK],
        another_turn: Vec::new(),
    };
    // Timeouts are checked every `tick`: a few times per shortest timeout.
    let tick = (timeouts.idle.min(timeouts.request) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1));
    let mut events = Events::with_capacity(1024);
    let mut next_sweep = Instant::now() + tick;
    loop {
        // A connection that yielded its turn must not wait for an event.
        let wait = if event_loop.another_turn.is_empty() {
            next_sweep.saturating_duration_since(Instant::now())
        } else {
            Duration::ZERO
        };
        match event_loop.poll.poll(&mut events, Some(wait)) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
        // `Shutdown::trigger` sets the flag and then connects to the
        // listener, which is what woke us: the flag is already set.
        if shutdown.is_requested() {
            break;
        }
        for event in events.iter() {
            match event.token() {
                LISTENER => event_loop.accept(&listener),
                WAKER => event_loop.deliver_replies(),
                token => event_loop.on_ready(token, event.is_readable(), event.is_writable()),
            }
        }
        // The file downloads that gave the others a turn continue, in order.
        for token in std::mem::take(&mut event_loop.another_turn) {
            event_loop.flush(token);
        }
        let now = Instant::now();
        if now >= next_sweep {
            event_loop.sweep(now);
            next_sweep = now + tick;
        }
    }
    drop(listener);
    event_loop.finish();
    Ok(())
}

/// A connection and, for the log, who is on the other end.
struct Client {
    peer: SocketAddr,
    conn: Connection<TcpStream>,
    /// Whether the socket is registered for WRITABLE too: only while the
    /// outbox holds bytes the socket did not take. (A socket is nearly
    /// always writable; being told so on every turn would spin.)
    wants_writable: bool,
}

/// The loop's state: everything `serve` needs between two polls.
struct EventLoop {
    poll: Poll,
    connections: HashMap<Token, Client>,
    /// Tokens are never reused: a reply for a connection that has gone must
    /// not reach a new one that happens to get the same number.
    next_token: usize,
    /// Cloned into each job; the loop drains `replies`.
    replies_in: Sender<Reply>,
    replies: Receiver<Reply>,
    waker: Arc<Waker>,
    app: PeerApp,
    /// Whether `deliver_replies` logs each answer (see [`serve_with_peer`]).
    log_requests: bool,
    /// `None` only while shutting down, once the pool has been dropped.
    pool: Option<ThreadPool>,
    timeouts: Timeouts,
    chunk: Vec<u8>,
    /// Connections whose last `flush` yielded with the socket still
    /// writable (a file body: see [`Connection::yielded`]); flushed again
    /// after the next poll, which then does not wait.
    another_turn: Vec<Token>,
}

impl EventLoop {
    /// Accepts every connection waiting (edge-triggered: until
    /// `WouldBlock`), registering each for reading.
    fn accept(&mut self, listener: &TcpListener) {
        loop {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    // Out of file descriptors, say (`ulimit -n`): serve the
                    // connections we have; the next arrival retries.
                    log_line!("accept failed: {err}");
                    return;
                }
            };
            let token = Token(self.next_token);
            self.next_token += 1;
            // READABLE only, for now: see `Client::wants_writable`.
            if let Err(err) = self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
            {
                log_line!("cannot watch the connection from {peer}: {err}");
                continue;
            }
            let conn = Connection::new(stream, Instant::now());
            let client = Client {
                peer,
                conn,
                wants_writable: false,
            };
            self.connections.insert(token, client);
            // Bytes may have come with the connection: read them now, since
            // the "readable" edge may have passed before we registered.
            self.drive(token);
        }
    }

    /// Handles a readiness event on a connection.
    fn on_ready(&mut self, token: Token, readable: bool, writable: bool) {
        let Some(Client { conn, .. }) = self.connections.get_mut(&token) else {
            return; // closed earlier in this batch of events
        };
        if let Phase::Lingering { .. } = conn.phase() {
            if readable && conn.discard(&mut self.chunk) {
                self.close(token);
            }
            return;
        }
        if writable {
            self.flush(token);
        }
        if readable {
            self.drive(token);
        }
    }

    /// Reads and parses what the connection has, and hands a whole request
    /// to the pool. Called on "readable", and again after each answer is
    /// written, for the pipelined requests already in the inbox.
    fn drive(&mut self, token: Token) {
        let Some(Client { peer, conn, .. }) = self.connections.get_mut(&token) else {
            return;
        };
        match conn.advance(&mut self.chunk, Instant::now()) {
            Advance::Wait => {}
            Advance::Gone => self.close(token),
            Advance::Request(request) => {
                let peer = *peer;
                self.submit(token, peer, request);
            }
            Advance::Refused(err) => {
                log_line!("{peer} bad request: {err}");
                self.flush(token);
            }
        }
    }

    /// Queues a request on the pool. The job runs the application and sends
    /// the answer back through the channel, then wakes the loop.
    fn submit(&self, token: Token, peer: SocketAddr, request: ParsedRequest) {
        let ParsedRequest { head, body, .. } = request;
        let app = Arc::clone(&self.app);
        let replies = self.replies_in.clone();
        let waker = Arc::clone(&self.waker);
        // Blocks while the pool's queue is full. The loop then waits too,
        // reading nothing new: back-pressure. The workers do not need the
        // loop to finish their jobs, so the queue drains and `execute` returns.
        let pool = self.pool.as_ref().expect("the pool lives until shutdown");
        pool.execute(move || {
            // A panicking handler costs its own request a 500, nothing more.
            let response = panic::catch_unwind(AssertUnwindSafe(|| app(peer, &head, body)))
                .unwrap_or_else(|_| {
                    Response::text("500 Internal Server Error: the handler panicked\n")
                        .with_status(500)
                });
            let reply = Reply {
                token,
                response,
                keep_alive: wants_keep_alive(&head),
                request_line: format!("{} {}", head.method, head.path),
            };
            // Both fail only once the loop has returned: nobody to tell.
            if replies.send(reply).is_ok() {
                let _ = waker.wake();
            }
        });
    }

    /// Moves every finished answer into its connection's outbox and writes it.
    fn deliver_replies(&mut self) {
        let now = Instant::now();
        // `try_recv` never waits: it stops at "empty".
        while let Ok(reply) = self.replies.try_recv() {
            // The client may have gone while the handler ran.
            let Some(Client { peer, conn, .. }) = self.connections.get_mut(&reply.token) else {
                continue;
            };
            // While shutting down, every answer is the last on its connection.
            let keep_alive = reply.keep_alive && self.pool.is_some();
            conn.answer(&reply.response, keep_alive, now);
            if self.log_requests {
                log_line!(
                    "{peer} {} -> {}",
                    reply.request_line,
                    reply.response.status()
                );
            }
            self.flush(reply.token);
        }
    }

    /// Writes the outbox as far as the socket takes it, then either asks to
    /// hear when it is writable again, or (all written, kept alive) reads
    /// the next request.
    fn flush(&mut self, token: Token) {
        let Some(client) = self.connections.get_mut(&token) else {
            return;
        };
        let conn = &mut client.conn;
        if conn.flush(Instant::now()).is_err() {
            return self.close(token);
        }
        if conn.yielded() {
            self.another_turn.push(token);
        }
        // Change the interest only when it changes: it is a system call.
        if conn.has_output() != client.wants_writable {
            client.wants_writable = conn.has_output();
            let interest = if client.wants_writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if self
                .poll
                .registry()
                .reregister(&mut conn.stream, token, interest)
                .is_err()
            {
                return self.close(token);
            }
        }
        match conn.phase() {
            // The answer is out: the next pipelined request may be waiting.
            Phase::Reading if !conn.has_output() && self.pool.is_some() => self.drive(token),
            Phase::Lingering { .. } if conn.discard(&mut self.chunk) => self.close(token),
            _ => {}
        }
    }

    /// Closes the connections that waited too long; answers 408 to those
    /// that went silent in the middle of a request.
    fn sweep(&mut self, now: Instant) {
        let expired: Vec<(Token, Expiry)> = self
            .connections
            .iter()
            .filter_map(|(token, client)| Some((*token, client.conn.expired(self.timeouts, now)?)))
            .collect();
        for (token, expiry) in expired {
            match expiry {
                Expiry::Idle | Expiry::Stalled => self.close(token),
                Expiry::SilentRequest => {
                    if let Some(Client { peer, conn, .. }) = self.connections.get_mut(&token) {
                        log_line!("{peer} request timed out: 408");
                        conn.time_out(now);
                    }
                    self.flush(token);
                }
            }
        }
    }

    /// Forgets a connection: deregisters it and drops its socket.
    fn close(&mut self, token: Token) {
        if let Some(mut client) = self.connections.remove(&token) {
            let _ = self.poll.registry().deregister(&mut client.conn.stream);
        }
    }

    /// Shutting down: waits for the handlers in flight (dropping the pool
    /// joins its workers), then writes their answers as far as the sockets
    /// take them now. Dropping `self` closes every socket.
    fn finish(&mut self) {
        drop(self.pool.take());
        self.deliver_replies();
    }
}
