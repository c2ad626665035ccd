//! The backend: one event loop watching every front connection, a pool running the handlers.
//!
//! Step 04 gave each *connection* a thread from a pool, and the thread
//! blocked in `read` until its client spoke. That is simple, but a thread
//! that waits is a thread that does nothing. Here one thread, the event loop,
//! watches all the front's connections at once and asks the operating system
//! a single question: *which of these sockets can I read or write without
//! waiting?* (`epoll` on Linux, `kqueue` on macOS; `mio` hides which.) The
//! answer comes as a list of events, and the loop only ever does what will
//! not block. The pool is kept for what may take long: running a handler.
//!
//! ```text
//!             ┌──────────── event loop (this file, one thread) ────────────┐
//!  front ───▶ │ readable: read bytes → inbox → decode frames → pool.execute │──▶ workers run
//!  front ───▶ │ waker: replies from workers → outbox → write what fits      │◀── handlers, then
//!  front ◀─── │ writable: write the rest of the outbox                      │    send + wake
//!             └────────────────────────────────────────────────────────────┘
//! ```
//!
//! A worker cannot write to the socket itself: the loop owns it, and two
//! writers would interleave their frames. So a worker sends its encoded
//! reply over a channel and pokes the loop with a [`mio::Waker`], which makes
//! the loop's `poll` return with the `WAKER` event.
//!
//! Sockets here are non-blocking and `mio` reports readiness *edge-triggered*:
//! "this socket became readable", once. So every read loops until
//! `WouldBlock`; stop early and the rest of the bytes would never be announced.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::protocol::{self, Message, ProtocolError};
use crate::pool::ThreadPool;
use crate::request::RequestHead;
use crate::response::Response;
use crate::shutdown::Shutdown;

/// `println!` that cannot panic. `println!` panics when standard output is
/// gone (the launcher reading it was killed, a closed terminal), and a log
/// line must never be what brings the event loop down.
macro_rules! log_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that cannot panic, for the same reason.
macro_rules! log_error {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The application the backend runs: a request head and body in, a response out.
/// Step 05's router is one (see [`crate::demo_app`]).
pub type App = Arc<dyn Fn(&RequestHead, Vec<u8>) -> Response + Send + Sync>;

/// The most requests one connection may have in flight (received, not yet
/// answered). Beyond it the loop stops reading that connection until replies
/// go out: TCP's own flow control then slows the sender down, instead of
/// this process queueing unbounded work.
pub const WINDOW: usize = 32;

/// The listening socket's token; connections count up from `FIRST_CONNECTION`.
const LISTENER: Token = Token(0);
/// The token the waker's events carry.
const WAKER: Token = Token(1);
const FIRST_CONNECTION: usize = 2;

/// How much one `read` takes at most. Reading in slices and decoding after
/// each bounds the inbox: [`protocol::decode`] refuses an oversized frame
/// from its prefix, so no more than one frame and one slice is ever buffered.
const READ_CHUNK: usize = 64 * 1024;

/// One front connection, as the loop sees it.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read but not yet a whole frame.
    inbox: Vec<u8>,
    /// Encoded replies not yet written (the socket's send buffer was full).
    outbox: Vec<u8>,
    /// Requests handed to the pool whose reply has not come back yet.
    in_flight: usize,
    /// Whether we asked to hear when the socket becomes writable (only while
    /// the outbox is not empty: a socket is nearly always writable, and being
    /// told so in a loop would spin).
    wants_writable: bool,
}

/// A reply on its way from a worker to the loop.
struct Finished {
    token: Token,
    frame: Vec<u8>,
}

/// Why a connection was closed.
enum Close {
    /// The front closed it: the normal end.
    PeerClosed,
    /// The front broke the protocol: logged, and the connection dropped.
    Protocol(ProtocolError),
    /// The front sent a response, which only the backend may send.
    UnexpectedResponse,
    /// The socket failed.
    Io(io::Error),
}

impl From<ProtocolError> for Close {
    fn from(err: ProtocolError) -> Self {
        Close::Protocol(err)
    }
}

impl From<io::Error> for Close {
    fn from(err: io::Error) -> Self {
        Close::Io(err)
    }
}

/// Serves front connections accepted on `listener` until `shutdown` is
/// triggered: decodes their requests, runs `app` for each on `pool`, and
/// writes the replies back, in whatever order the handlers finish.
///
/// When shutdown comes it stops accepting, waits for the handlers in flight
/// (the pool's `Drop`), sends the replies it can without blocking, and returns.
///
/// # Errors
/// If the event loop cannot be set up, or `poll` itself fails (which is not
/// a client's doing: the process ran out of something).
pub fn serve(
    listener: std::net::TcpListener,
    app: App,
    pool: ThreadPool,
    shutdown: &Shutdown,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (replies_in, replies) = mpsc::channel();
    let mut backend = Backend {
        poll,
        connections: HashMap::new(),
        next_token: FIRST_CONNECTION,
        replies_in,
        replies,
        waker,
        app,
        pool: Some(pool),
        chunk: vec![0u8; READ_CHUNK],
    };
    let mut events = Events::with_capacity(256);
    loop {
        match backend.poll.poll(&mut events, None) {
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
                LISTENER => backend.accept(&listener),
                WAKER => backend.deliver_replies(),
                token => backend.on_ready(token, event.is_readable(), event.is_writable()),
            }
        }
    }
    drop(listener);
    backend.finish();
    Ok(())
}

/// The loop's state: everything `serve` needs between two polls.
struct Backend {
    poll: Poll,
    connections: HashMap<Token, Connection>,
    /// Tokens are never reused: a reply for a connection that has gone must
    /// not reach a new connection that happens to get the same number.
    /// (A `usize` counting one per connection does not run out.)
    next_token: usize,
    /// Cloned into each job; the loop drains `replies`.
    replies_in: Sender<Finished>,
    replies: Receiver<Finished>,
    waker: Arc<Waker>,
    app: App,
    /// `None` only while shutting down, once the pool has been dropped.
    pool: Option<ThreadPool>,
    /// Where each `read` lands before it is appended to a connection's
    /// inbox: one buffer for the loop, not one per event.
    chunk: Vec<u8>,
}

impl Backend {
    /// Accepts every connection waiting, registering each for reading.
    fn accept(&mut self, listener: &TcpListener) {
        loop {
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    // Out of file descriptors, say: log it and serve the
                    // connections we have; the next readiness event retries.
                    log_error!("backend: accept failed: {err}");
                    return;
                }
            };
            let token = Token(self.next_token);
            self.next_token += 1;
            if let Err(err) = self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
            {
                log_error!("backend: cannot watch connection from {peer}: {err}");
                continue;
            }
            log_line!("backend: front connected from {peer}");
            self.connections.insert(
                token,
                Connection {
                    stream,
                    peer,
                    inbox: Vec::new(),
                    outbox: Vec::new(),
                    in_flight: 0,
                    wants_writable: false,
                },
            );
        }
    }

    /// Handles a readiness event on a connection.
    fn on_ready(&mut self, token: Token, readable: bool, writable: bool) {
        let mut outcome = Ok(());
        if readable {
            outcome = self.read_requests(token);
        }
        if writable && outcome.is_ok() {
            outcome = self.flush(token);
        }
        if let Err(reason) = outcome {
            self.close(token, reason);
        }
    }

    /// Reads what the connection has for us, decodes every complete frame,
    /// and hands each request to the pool, up to the [`WINDOW`].
    fn read_requests(&mut self, token: Token) -> Result<(), Close> {
        loop {
            // First the frames already buffered, as long as the window allows.
            loop {
                let Some(conn) = self.connections.get_mut(&token) else {
                    return Ok(());
                };
                if conn.in_flight >= WINDOW {
                    // Stop reading; `deliver_replies` resumes us when replies
                    // have gone out. The kernel keeps the unread bytes, and
                    // when its buffer is full the front's writes wait: TCP
                    // carries the back-pressure all the way to the sender.
                    return Ok(());
                }
                match protocol::decode(&conn.inbox)? {
                    Some((Message::Request(request), used)) => {
                        conn.inbox.drain(..used);
                        conn.in_flight += 1;
                        self.submit(token, request);
                    }
                    Some((Message::Response(_), _)) => return Err(Close::UnexpectedResponse),
                    None => break,
                }
            }
            // Then more bytes from the socket, until it has none for now.
            let conn = self
                .connections
                .get_mut(&token)
                .expect("checked just above");
            match conn.stream.read(&mut self.chunk) {
                Ok(0) => return Err(Close::PeerClosed),
                Ok(n) => conn.inbox.extend_from_slice(&self.chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Queues `request` on the pool. The job runs the application and sends
    /// the encoded reply back to the loop through a [`Reply`].
    fn submit(&self, token: Token, request: protocol::Request) {
        let reply = Reply {
            token,
            id: request.id,
            replies: self.replies_in.clone(),
            waker: Arc::clone(&self.waker),
            sent: false,
        };
        let app = Arc::clone(&self.app);
        // Blocks while the pool's queue is full. The loop then waits too,
        // reading nothing new, which is the back-pressure we want; the
        // workers do not need the loop to finish their jobs, so they drain
        // the queue and `execute` returns.
        let pool = self.pool.as_ref().expect("the pool lives until shutdown");
        pool.execute(move || {
            let (head, body) = into_http(request);
            let response = app(&head, body);
            log_line!(
                "backend: #{} {} {} -> {}",
                reply.id,
                head.method,
                head.path,
                response.status()
            );
            reply.send(&response);
        });
    }

    /// Moves every finished reply into its connection's outbox and writes.
    fn deliver_replies(&mut self) {
        let mut touched = Vec::new();
        // `try_recv` never waits: it stops at "empty" (and at "disconnected",
        // which cannot happen while we hold `replies_in`).
        while let Ok(Finished { token, frame }) = self.replies.try_recv() {
            // The front may have gone while the handler ran: nobody to tell.
            let Some(conn) = self.connections.get_mut(&token) else {
                continue;
            };
            conn.in_flight -= 1;
            conn.outbox.extend_from_slice(&frame);
            if !touched.contains(&token) {
                touched.push(token);
            }
        }
        for token in touched {
            let mut outcome = self.flush(token);
            // A connection paused at the window has room again: read on.
            if outcome.is_ok() {
                outcome = self.read_requests(token);
            }
            if let Err(reason) = outcome {
                self.close(token, reason);
            }
        }
    }

    /// Writes as much of the outbox as the socket takes, and asks to hear
    /// when it is writable again only if something is left.
    fn flush(&mut self, token: Token) -> Result<(), Close> {
        let Some(conn) = self.connections.get_mut(&token) else {
            return Ok(());
        };
        while !conn.outbox.is_empty() {
            match conn.stream.write(&conn.outbox) {
                Ok(0) => return Err(Close::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    conn.outbox.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err.into()),
            }
        }
        let wants_writable = !conn.outbox.is_empty();
        if wants_writable != conn.wants_writable {
            let interest = if wants_writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            self.poll
                .registry()
                .reregister(&mut conn.stream, token, interest)?;
            conn.wants_writable = wants_writable;
        }
        Ok(())
    }

    /// Forgets a connection, logging why unless the front simply hung up.
    fn close(&mut self, token: Token, reason: Close) {
        let Some(mut conn) = self.connections.remove(&token) else {
            return;
        };
        let _ = self.poll.registry().deregister(&mut conn.stream);
        let peer = conn.peer;
        match reason {
            Close::PeerClosed => log_line!("backend: front at {peer} disconnected"),
            Close::Protocol(err) => log_error!("backend: dropping connection from {peer}: {err}"),
            Close::UnexpectedResponse => log_error!(
                "backend: dropping connection from {peer}: it sent a response, not a request"
            ),
            Close::Io(err) => log_error!("backend: connection from {peer} failed: {err}"),
        }
        // Dropping `conn` closes the socket. Its requests still in the pool
        // run to the end; their replies find no connection and are dropped.
    }

    /// At shutdown: waits for the handlers in flight, then sends what fits.
    fn finish(mut self) {
        // Dropping the pool lets the queued jobs finish and joins the workers;
        // their replies are then all in the channel.
        drop(self.pool.take());
        self.deliver_replies();
    }
}

/// A job's promise to answer: sends the reply to the loop, or a `500` if the
/// job ends without sending (the handler panicked: the pool catches the
/// panic, and unwinding drops this guard). Like tiny-http's `Request`, which
/// answers 500 from its `Drop` when a handler forgot to respond.
struct Reply {
    token: Token,
    id: u64,
    replies: Sender<Finished>,
    waker: Arc<Waker>,
    sent: bool,
}

impl Reply {
    /// Encodes `response` as the reply to this request and hands it to the loop.
    fn send(mut self, response: &Response) {
        // Encoding on the worker keeps the loop free for I/O. A response too
        // big for a frame becomes a 500 the front can deliver.
        let frame = protocol::encode(&reply_message(self.id, response)).unwrap_or_else(|err| {
            log_error!("backend: #{}: cannot send the response: {err}", self.id);
            self.error_frame("the response is too large for the backend protocol")
        });
        self.deliver(frame);
        self.sent = true;
    }

    /// A small `500` reply, which always fits in a frame.
    fn error_frame(&self, why: &str) -> Vec<u8> {
        let response =
            Response::text(format!("500 Internal Server Error: {why}\n")).with_status(500);
        protocol::encode(&reply_message(self.id, &response))
            .expect("a short text response fits in a frame")
    }

    fn deliver(&self, frame: Vec<u8>) {
        // Both fail only when the loop has gone (shutdown): nobody to answer.
        let _ = self.replies.send(Finished {
            token: self.token,
            frame,
        });
        let _ = self.waker.wake();
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if !self.sent {
            log_error!("backend: #{}: the handler panicked; answering 500", self.id);
            self.deliver(self.error_frame("the handler panicked"));
        }
    }
}

/// The protocol message that answers request `id` with `response`.
fn reply_message(id: u64, response: &Response) -> Message {
    Message::Response(protocol::Response {
        id,
        status: response.status(),
        headers: response.headers().to_vec(),
        body: response.body().to_vec(),
    })
}

/// Rebuilds the request head the application expects from a protocol request.
fn into_http(request: protocol::Request) -> (RequestHead, Vec<u8>) {
    let path = if request.query.is_empty() {
        request.path
    } else {
        format!("{}?{}", request.path, request.query)
    };
    let head = RequestHead {
        method: request.method,
        path,
        // The front speaks HTTP/1.1 to its clients and to us this is an
        // HTTP/1.1 request whatever the client's version was.
        version: 1,
        headers: request.headers,
    };
    (head, request.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Reply` wired to a channel and a real waker, as a job gets it.
    fn reply(id: u64) -> (Reply, Receiver<Finished>, Poll) {
        let poll = Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).unwrap());
        let (replies, finished) = mpsc::channel();
        let reply = Reply {
            token: Token(9),
            id,
            replies,
            waker,
            sent: false,
        };
        (reply, finished, poll)
    }

    fn decoded(finished: &Receiver<Finished>) -> protocol::Response {
        let Finished { token, frame } = finished.try_recv().expect("a reply was sent");
        assert_eq!(token, Token(9));
        match protocol::decode(&frame) {
            Ok(Some((Message::Response(response), _))) => response,
            other => panic!("not a response frame: {other:?}"),
        }
    }

    #[test]
    fn a_reply_carries_the_request_id_and_the_response() {
        let (reply, finished, _poll) = reply(41);
        reply.send(&Response::text("hi").with_header("X-A", "1"));
        let response = decoded(&finished);
        assert_eq!((response.id, response.status), (41, 200));
        assert!(response.headers.contains(&("X-A".into(), "1".into())));
        assert_eq!(response.body, b"hi");
        assert!(finished.try_recv().is_err(), "exactly one reply");
    }

    #[test]
    fn a_job_that_never_replies_answers_500_from_drop() {
        let (reply, finished, _poll) = reply(42);
        // What unwinding out of a panicking handler does to the guard.
        drop(reply);
        let response = decoded(&finished);
        assert_eq!((response.id, response.status), (42, 500));
        assert!(String::from_utf8_lossy(&response.body).contains("panicked"));
    }

    #[test]
    fn a_response_too_large_for_a_frame_becomes_a_500() {
        let (reply, finished, _poll) = reply(43);
        reply.send(&Response::new(200).with_body(vec![b'x'; protocol::MAX_FRAME_BYTES]));
        let response = decoded(&finished);
        assert_eq!((response.id, response.status), (43, 500));
    }

    #[test]
    fn the_query_goes_back_onto_the_path_for_the_application() {
        let request = protocol::Request {
            id: 1,
            method: "GET".into(),
            path: "/hello/x".into(),
            query: "greeting=Hi".into(),
            headers: vec![("Host".into(), "h".into())],
            body: b"b".to_vec(),
        };
        let (head, body) = into_http(request);
        assert_eq!(head.path, "/hello/x?greeting=Hi");
        assert_eq!(head.header("host"), Some("h"));
        assert_eq!(body, b"b");
    }
}
