//! # Exercise 11: a connection on a non-blocking socket
//!
//! Chapter 7 of `TUTORIAL.md` (step 07) serves thousands of connections
//! from one thread: a `mio` event loop owns every socket, and the kernel
//! tells it which ones are *ready*. A non-blocking socket never waits: a
//! `read` with nothing to give says `Err(WouldBlock)`, and a `write` with a
//! full send buffer takes part of the bytes, or none. So a connection can no
//! longer be a function that runs from `accept` to close, as in steps 01 to
//! 06. It becomes a *state machine*: a value that remembers, between two
//! readiness events, the half of a head that has arrived and the half of an
//! answer that has not left yet.
//!
//! Build [`Connection`]. The event loop calls:
//! - [`Connection::on_readable`] when the socket has bytes. Read until
//!   `WouldBlock` (readiness is *edge-triggered*: you hear "something
//!   arrived" once, not again for bytes you left unread), parse with
//!   `httparse`, and return every complete request in order. With
//!   *pipelining* a client sends several requests without waiting: one read
//!   may hold three of them and the start of a fourth, whose bytes wait in
//!   the buffer for the next event. "Not enough bytes yet" (`Partial`) is a
//!   value: an empty list, not an error;
//! - [`Connection::queue`] with each answer, in the order of the requests;
//! - [`Connection::on_writable`] when the socket can take bytes: write until
//!   `WouldBlock`, and keep what did not fit;
//! - [`Connection::should_close`] to know when to drop the socket: once
//!   nothing more will be read and every answer is out. Nothing more is read
//!   after the peer's end of file (`Ok(0)`: a half-closed client still gets
//!   its answers), after a request that [`Request::wants_close`], or after a
//!   bad request ([`BadRequest`]: it is the last item returned, because
//!   after garbage nobody knows where the next request starts). A head over
//!   [`MAX_HEAD`] bytes is [`BadRequest::HeadTooLarge`] (431), found while
//!   reading: stop at the limit, not when the client stops sending.
//!
//! This server reads no request bodies (chapter 13's server core in `final/` does): a
//! head that announces one is [`BadRequest::Malformed`], because reading on
//! would take the body for the next request.
//!
//! The socket is any `Read`/`Write`, so the same code runs on a
//! `mio::net::TcpStream`. The tests drive it with [`FakeSocket`] (given,
//! below): its reads return scripted arrivals, then `WouldBlock`; its
//! writes accept a set number of bytes, then `WouldBlock`.
//!
//! The tests (`tests/ex11_connection.rs`) split a head byte by byte, send
//! pipelined requests in one read and across reads, write through a socket
//! that takes three bytes at a time, close after end of file, after
//! `Connection: close` and after HTTP/1.0, and refuse heads over the limit,
//! garbage and bodies.
//!
//! Check it with `cargo run -p exercises -- check ex11_connection`.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};

/// The longest request head accepted, terminator included: 8 KiB, as in step 02.
pub const MAX_HEAD: usize = 8 * 1024;
/// The most header lines one head may have.
pub const MAX_HEADERS: usize = 32;

// ----------------------------------------------------------------------------
// Given: the request, the two ways a request can be bad, and the fake socket.
// ----------------------------------------------------------------------------

/// One parsed request head. (Given.) Requests here have no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target as sent, for example `/hello?x=1`.
    pub path: String,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    /// Every header line, in order; values read as UTF-8 (lossily).
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection ends after this request's answer: HTTP/1.1
    /// keeps it open unless the client says `Connection: close`; HTTP/1.0
    /// closes it unless the client says `Connection: keep-alive`.
    pub fn wants_close(&self) -> bool {
        let says = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.version == 0 {
            !says("keep-alive")
        } else {
            says("close")
        }
    }

    /// Whether the head announces a body (this exercise's server takes none).
    pub fn announces_body(&self) -> bool {
        self.header("transfer-encoding").is_some()
            || self
                .header("content-length")
                .is_some_and(|v| v.trim() != "0")
    }
}

/// Why the bytes on a connection are not a request we can answer. (Given.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRequest {
    /// Not HTTP, or a head announcing a body, which this server does not read: 400.
    Malformed,
    /// A head longer than [`MAX_HEAD`] bytes, or with more than [`MAX_HEADERS`] lines: 431.
    HeadTooLarge,
}

impl BadRequest {
    /// The status code to answer with before closing.
    pub fn status(self) -> u16 {
        match self {
            BadRequest::Malformed => 400,
            BadRequest::HeadTooLarge => 431,
        }
    }
}

impl fmt::Display for BadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRequest::Malformed => f.write_str("400: not a request this server can read"),
            BadRequest::HeadTooLarge => write!(
                f,
                "431: the request head is over {MAX_HEAD} bytes or {MAX_HEADERS} lines"
            ),
        }
    }
}

impl std::error::Error for BadRequest {}

/// A pretend non-blocking socket, scripted by the tests. (Given.)
///
/// Reading returns what has "arrived", one arrival per `read` at most (as
/// TCP segments do), then `Err(WouldBlock)` while nothing more has arrived,
/// and `Ok(0)` for ever once the peer's end of file has arrived. Writing
/// accepts at most [`FakeSocket::set_write_room`] more bytes (unlimited at
/// first), then says `Err(WouldBlock)`: the kernel's send buffer is full.
#[derive(Debug)]
pub struct FakeSocket {
    arrivals: VecDeque<Arrival>,
    eof: bool,
    write_room: usize,
    written: Vec<u8>,
}

#[derive(Debug)]
enum Arrival {
    Bytes(Vec<u8>),
    Eof,
    Error(io::ErrorKind),
}

impl FakeSocket {
    /// A socket with nothing to read yet and unlimited room to write.
    pub fn new() -> FakeSocket {
        FakeSocket {
            arrivals: VecDeque::new(),
            eof: false,
            write_room: usize::MAX,
            written: Vec::new(),
        }
    }

    /// Bytes arrive from the peer; a `read` returns at most these at once.
    pub fn arrive(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.arrivals.push_back(Arrival::Bytes(bytes.to_vec()));
        }
    }

    /// The peer closes its side: after the bytes before it, reads return `Ok(0)`.
    pub fn arrive_eof(&mut self) {
        self.arrivals.push_back(Arrival::Eof);
    }

    /// The next read (after the bytes before it) fails with `kind`, once.
    pub fn arrive_error(&mut self, kind: io::ErrorKind) {
        self.arrivals.push_back(Arrival::Error(kind));
    }

    /// From now on `write` accepts `bytes` more bytes in total, then blocks.
    pub fn set_write_room(&mut self, bytes: usize) {
        self.write_room = bytes;
    }

    /// Everything written to the socket so far.
    pub fn written(&self) -> &[u8] {
        &self.written
    }

    /// How many arrived bytes nobody has read yet.
    pub fn unread(&self) -> usize {
        self.arrivals
            .iter()
            .map(|a| match a {
                Arrival::Bytes(bytes) => bytes.len(),
                _ => 0,
            })
            .sum()
    }
}

impl Default for FakeSocket {
    fn default() -> FakeSocket {
        FakeSocket::new()
    }
}

impl Read for FakeSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.eof || buf.is_empty() {
            return Ok(0);
        }
        match self.arrivals.front_mut() {
            None => Err(io::ErrorKind::WouldBlock.into()),
            Some(Arrival::Bytes(bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                bytes.drain(..n);
                if bytes.is_empty() {
                    self.arrivals.pop_front();
                }
                Ok(n)
            }
            Some(Arrival::Eof) => {
                self.eof = true;
                self.arrivals.pop_front();
                Ok(0)
            }
            Some(&mut Arrival::Error(kind)) => {
                self.arrivals.pop_front();
                Err(kind.into())
            }
        }
    }
}

impl Write for FakeSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.write_room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.write_room);
        self.written.extend_from_slice(&buf[..n]);
        self.write_room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ----------------------------------------------------------------------------
// The connection: this is the exercise.
// ----------------------------------------------------------------------------

/// What one read event produced, in the order the client sent it: requests,
/// and at most one bad request, always last.
pub type Parsed = Vec<Result<Request, BadRequest>>;

/// One client connection's state, between readiness events.
///
/// The event loop owns one per socket. It calls [`Connection::on_readable`]
/// when the socket has bytes, answers every item it returns (in order) with
/// [`Connection::queue`], calls [`Connection::on_writable`] while
/// [`Connection::wants_write`], and drops the socket once
/// [`Connection::should_close`].
#[derive(Debug, Default)]
pub struct Connection {
    /// Bytes read but not yet parsed: the start of a head still arriving.
    read_buf: Vec<u8>,
    /// Answers queued but not yet accepted by the socket.
    write_buf: Vec<u8>,
    /// Items returned by `on_readable` that have not been answered yet.
    owed: usize,
    /// A request said "close", or a bad one arrived: read nothing more, and
    /// close once every answer is written.
    closing: bool,
    /// The peer closed its side (a read returned `Ok(0)`).
    peer_closed: bool,
}

impl Connection {
    /// A fresh connection: nothing read, nothing owed. (Given.)
    pub fn new() -> Connection {
        Connection::default()
    }

    /// Reads everything the socket has, until it would block, and parses it.
    ///
    /// Returns the complete requests in the order they were sent (pipelined
    /// ones included), followed by a [`BadRequest`] if one was met; an empty
    /// list means "nothing complete yet". The bytes of a head still
    /// arriving are kept for the next call.
    ///
    /// # Errors
    /// Any read error other than `WouldBlock` and `Interrupted`: the
    /// connection is broken, and the event loop drops it.
    // TODO: remove this `allow` once you use `sock`.
    #[allow(unused_variables)]
    pub fn on_readable(&mut self, sock: &mut impl Read) -> io::Result<Parsed> {
        // TODO: unless `closing` or `peer_closed`, loop on `sock.read` into a
        // local `[0u8; 4096]`:
        // - `Ok(0)`: the peer closed its side; set `peer_closed`;
        // - `Ok(n)`: append to `read_buf`, then take every complete request
        //   off its front with `parse_one` (a request that `wants_close()`,
        //   or an `Err`, sets `closing` and ends the parsing);
        // - `WouldBlock`: stop, that is the normal end; `Interrupted`: again;
        //   any other error: return it.
        // Drop what is left in `read_buf` once nothing more will be read, and
        // count what you return in `owed`.
        todo!()
    }

    /// Queues the answer to the oldest item not answered yet.
    ///
    /// Answers must be queued in the order [`Connection::on_readable`]
    /// returned the items: HTTP/1.1 has no other way to tell them apart.
    // TODO: remove this `allow` once you use `response`.
    #[allow(unused_variables)]
    pub fn queue(&mut self, response: &[u8]) {
        // TODO: append to `write_buf`; one answer fewer is owed.
        todo!()
    }

    /// Whether answers are waiting for the socket to take them. (Given.)
    pub fn wants_write(&self) -> bool {
        !self.write_buf.is_empty()
    }

    /// Writes queued answers until they are all sent or the socket would block.
    ///
    /// # Errors
    /// Any write error other than `WouldBlock` and `Interrupted`, or a socket
    /// that accepts zero bytes (`WriteZero`).
    // TODO: remove this `allow` once you use `sock`.
    #[allow(unused_variables)]
    pub fn on_writable(&mut self, sock: &mut impl Write) -> io::Result<()> {
        // TODO: while `write_buf` is not empty, `sock.write(&self.write_buf)`;
        // remove the `n` bytes it took (`drain(..n)`) and keep the rest.
        // `WouldBlock` ends the loop without an error.
        todo!()
    }

    /// Whether the event loop should close the socket now: nothing more will
    /// be read (end of file, a "close", or a bad request), every item has
    /// been answered, and every answer has been written.
    pub fn should_close(&self) -> bool {
        // TODO: three conditions, from the fields.
        todo!()
    }
}

/// Parses the request at the start of `buf`: `Ok(None)` while its head is
/// incomplete, or the request and the length of its head.
///
/// # Errors
/// [`BadRequest::HeadTooLarge`] for a head over [`MAX_HEAD`] bytes (whether
/// or not its end has arrived) or with too many headers,
/// [`BadRequest::Malformed`] for anything `httparse` refuses and for a head
/// that announces a body.
// TODO: remove this `allow` once you use `buf` (and call this function).
#[allow(unused_variables, dead_code)]
fn parse_one(buf: &[u8]) -> Result<Option<(Request, usize)>, BadRequest> {
    // TODO: `httparse::Request::new(&mut [httparse::EMPTY_HEADER; MAX_HEADERS])`
    // and `.parse(buf)`, then turn its answer into ours: `Partial` is
    // `Ok(None)` (unless `buf` already holds MAX_HEAD bytes), `Complete(len)`
    // is a `Request` you build from the parsed fields. Refuse a request that
    // `announces_body()`.
    todo!()
}
