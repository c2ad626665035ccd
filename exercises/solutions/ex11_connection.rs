//! Reference solution for exercise 11: a connection on a non-blocking socket.
//!
//! The given parts (`Request`, `BadRequest`, `Connection::new`,
//! `on_readable`, `wants_write`, `parse_one`) are the exercise file's,
//! unchanged; `take_requests`, `queue`, `on_writable` and `should_close` are
//! the answer. (The tests' `FakeSocket` lives in `tests/ex11_connection.rs`.)
//!
//! ```
//! use exercises::ex11_connection::Connection;
//! let mut conn = Connection::new();
//! // A byte slice reads like a socket whose peer has sent this and closed.
//! let mut sock = &b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT"[..];
//! let parsed = conn.on_readable(&mut sock).unwrap();
//! assert_eq!(parsed.len(), 1); // `/b` never finished: dropped at end of file
//! assert!(!conn.should_close()); // one answer is still owed
//! conn.queue(b"HTTP/1.1 204 No Content\r\n\r\n");
//! let mut written = Vec::new();
//! conn.on_writable(&mut written).unwrap();
//! assert_eq!(written, b"HTTP/1.1 204 No Content\r\n\r\n");
//! assert!(conn.should_close());
//! ```

use std::fmt;
use std::io::{self, Read, Write};

/// The longest request head accepted, terminator included: 8 KiB, as in step 02.
pub const MAX_HEAD: usize = 8 * 1024;
/// The most header lines one head may have.
pub const MAX_HEADERS: usize = 32;

// ----------------------------------------------------------------------------
// Given: the request, and the two ways a request can be bad.
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
    /// A fresh connection: nothing read, nothing owed.
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
    pub fn on_readable(&mut self, sock: &mut impl Read) -> io::Result<Parsed> {
        let mut parsed = Vec::new();
        let mut chunk = [0u8; 4096];
        // Edge-triggered readiness says "something arrived" once: read until
        // the socket says WouldBlock, or the next event may never come.
        while !self.closing && !self.peer_closed {
            match sock.read(&mut chunk) {
                Ok(0) => self.peer_closed = true,
                Ok(n) => {
                    self.read_buf.extend_from_slice(&chunk[..n]);
                    // Parse after every read, not once at the end: a client
                    // flooding us is stopped at MAX_HEAD, not at our memory.
                    self.take_requests(&mut parsed);
                }
                // The key line: "nothing more for now" is not an error, it is
                // the normal end of every read event.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
        if self.peer_closed {
            // An unfinished head can never be finished now: drop it.
            self.read_buf.clear();
        }
        self.owed += parsed.len();
        Ok(parsed)
    }

    /// Takes every complete request off the front of `read_buf`, into `parsed`.
    fn take_requests(&mut self, parsed: &mut Parsed) {
        let mut start = 0;
        while !self.closing {
            match parse_one(&self.read_buf[start..]) {
                Ok(Some((request, len))) => {
                    start += len;
                    // Pipelined requests after a "close" are never answered.
                    self.closing = request.wants_close();
                    parsed.push(Ok(request));
                }
                // Partial: the rest of this head is still on its way.
                Ok(None) => break,
                Err(bad) => {
                    // After a bad request we cannot know where the next one
                    // starts, so we answer this one and close.
                    self.closing = true;
                    parsed.push(Err(bad));
                }
            }
        }
        if self.closing {
            self.read_buf.clear();
        } else {
            // Keep only the unparsed tail. (A real server keeps an offset and
            // compacts now and then; `drain` copies the tail each time.)
            self.read_buf.drain(..start);
        }
    }

    /// Queues the answer to the oldest item not answered yet.
    ///
    /// Answers must be queued in the order [`Connection::on_readable`]
    /// returned the items: HTTP/1.1 has no other way to tell them apart.
    pub fn queue(&mut self, response: &[u8]) {
        self.write_buf.extend_from_slice(response);
        self.owed = self.owed.saturating_sub(1);
    }

    /// Whether answers are waiting for the socket to take them.
    pub fn wants_write(&self) -> bool {
        !self.write_buf.is_empty()
    }

    /// Writes queued answers until they are all sent or the socket would block.
    ///
    /// # Errors
    /// Any write error other than `WouldBlock` and `Interrupted`, or a socket
    /// that accepts zero bytes (`WriteZero`).
    pub fn on_writable(&mut self, sock: &mut impl Write) -> io::Result<()> {
        while !self.write_buf.is_empty() {
            match sock.write(&self.write_buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                // The key line: a write may take only part of the buffer.
                // Keep the rest for the next writable event.
                Ok(n) => {
                    self.write_buf.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Whether the event loop should close the socket now: nothing more will
    /// be read (end of file, a "close", or a bad request), every item has
    /// been answered, and every answer has been written.
    pub fn should_close(&self) -> bool {
        (self.closing || self.peer_closed) && self.owed == 0 && self.write_buf.is_empty()
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
fn parse_one(buf: &[u8]) -> Result<Option<(Request, usize)>, BadRequest> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut headers);
    let len = match head.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => len,
        Ok(httparse::Status::Complete(_)) => return Err(BadRequest::HeadTooLarge),
        // "Not enough bytes yet" is a value, unless MAX_HEAD bytes have come
        // without the end of the head: then it can only be too long.
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Err(BadRequest::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(BadRequest::HeadTooLarge),
        Err(_) => return Err(BadRequest::Malformed),
    };
    let request = Request {
        // A complete parse always has all three; the defaults are never used.
        method: head.method.unwrap_or_default().to_string(),
        path: head.path.unwrap_or_default().to_string(),
        version: head.version.unwrap_or_default(),
        headers: head
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_string(), value)
            })
            .collect(),
    };
    if request.announces_body() {
        // Reading on would take the body's bytes for the next request.
        return Err(BadRequest::Malformed);
    }
    Ok(Some((request, len)))
}
