//! One connection as the event loop sees it: bytes in, requests out,
//! answers in, bytes out.
//!
//! In steps 01–06 a connection was a thread's local variables: the thread
//! called `read` and waited, parsed, answered, and hung up. Here no thread
//! may wait, so everything the thread kept on its stack lives in a
//! [`Connection`]: the bytes read so far (`inbox`), the bytes not yet written
//! (`outbox`), and a [`Phase`] saying what the connection waits for. The loop
//! calls [`Connection::advance`] when the socket may have bytes, and
//! [`Connection::flush`] when it may take some; both do what they can
//! without blocking and return.
//!
//! The socket is any [`Socket`], so the unit tests below drive a connection
//! with a fake one that says `WouldBlock` on cue, exactly as a real
//! non-blocking socket does.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::request::{self, RequestError, RequestHead};
use crate::response::{FileBody, Response};

/// What a connection needs from its socket: bytes both ways, and a way to
/// say "I have finished writing" while still reading.
pub trait Socket: Read + Write {
    /// Shuts the writing half: the client reads end-of-file after our last byte.
    ///
    /// # Errors
    /// Whatever the operating system reports (the client may have gone).
    fn shutdown_write(&self) -> io::Result<()>;
}

impl Socket for mio::net::TcpStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// How long a closing connection keeps reading (and throwing away) what the
/// client still sends: see [`Phase::Lingering`].
pub const LINGER: Duration = Duration::from_secs(2);

/// The most bytes thrown away while lingering before closing anyway.
const LINGER_BYTES: usize = 1024 * 1024;

/// How much of a file body is read into the outbox at a time (step 09):
/// what a connection sending a file holds in memory, whatever the file's size.
pub const FILE_CHUNK: usize = 64 * 1024;

/// How many file chunks one [`Connection::flush`] sends at most (1 MiB)
/// before it gives the loop back to the other connections.
pub const FILE_CHUNKS_PER_TURN: usize = 16;

/// A request cut out of the inbox: its head, its body, and how many bytes
/// of the inbox it used (the next pipelined request starts there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The parsed head (step 02's type).
    pub head: RequestHead,
    /// Exactly `Content-Length` bytes.
    pub body: Vec<u8>,
    /// Head plus body, in bytes.
    pub len: usize,
}

/// Tries to cut one whole request (head and `Content-Length` body) from the
/// start of `inbox`.
///
/// `Ok(None)` is the *Partial* case: not an error, just "wait for more
/// bytes". It is the answer for a head without its empty line yet and for a
/// head whose body has not all arrived.
///
/// # Errors
/// Step 02's [`RequestError`]s, each with its status: `HeadTooLarge` (431)
/// once [`request::MAX_HEAD_BYTES`] have arrived without an empty line,
/// `BodyTooLarge` (413) as soon as the head announces more than
/// [`request::MAX_BODY_BYTES`], `Malformed` and `BadContentLength` (400),
/// `UnsupportedTransferEncoding` (501).
///
/// # Examples
/// ```
/// use step07::event_loop::parse_request;
/// let two = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
/// let first = parse_request(two).unwrap().unwrap();
/// assert_eq!((first.head.path.as_str(), first.len), ("/a", 19));
/// // The second request starts where the first ended.
/// assert_eq!(parse_request(&two[first.len..]).unwrap().unwrap().head.path, "/b");
/// // Half a head is not an error: it is "not yet".
/// assert!(parse_request(b"GET /a HT").unwrap().is_none());
/// ```
pub fn parse_request(inbox: &[u8]) -> Result<Option<ParsedRequest>, RequestError> {
    // Step 02's parse_head already says "not yet" as Ok(None).
    let Some((head, head_len)) = request::parse_head(inbox)? else {
        if inbox.len() >= request::MAX_HEAD_BYTES {
            return Err(RequestError::HeadTooLarge);
        }
        return Ok(None);
    };
    // One read may bring a whole head larger than the limit: refuse it too,
    // as step 02's 8 KiB buffer would have.
    if head_len > request::MAX_HEAD_BYTES {
        return Err(RequestError::HeadTooLarge);
    }
    // Without Content-Length we could not tell where this request ends and
    // the next begins, so a transfer coding (chunked) is refused.
    if let Some(coding) = head.header("transfer-encoding") {
        return Err(RequestError::UnsupportedTransferEncoding(
            coding.to_string(),
        ));
    }
    let length = head.content_length()?;
    // Refuse on the head alone: the point of a limit is not to buffer what is over it.
    if length > request::MAX_BODY_BYTES {
        return Err(RequestError::BodyTooLarge {
            length,
            limit: request::MAX_BODY_BYTES,
        });
    }
    let len = head_len + length;
    if inbox.len() < len {
        return Ok(None); // the head is here, the body is still coming
    }
    Ok(Some(ParsedRequest {
        body: inbox[head_len..len].to_vec(),
        head,
        len,
    }))
}

/// Whether the client wants the connection kept open after this request.
///
/// HTTP/1.1 keeps it unless the client says `Connection: close`; HTTP/1.0
/// closes it unless the client says `Connection: keep-alive`. The header is
/// a comma-separated list of tokens, compared without regard to case.
pub fn wants_keep_alive(head: &RequestHead) -> bool {
    let says = |token: &str| {
        head.header("connection").is_some_and(|value| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    };
    if head.version >= 1 {
        !says("close")
    } else {
        says("keep-alive")
    }
}

/// What a connection is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the bytes of a request: the inbox holds none or part of one.
    Reading,
    /// A handler on the pool works on the request. Nothing more is parsed
    /// until its answer is written: that one rule keeps pipelined answers in
    /// the order of their requests.
    Busy,
    /// The last answer is in the outbox; once it is written, we linger.
    Closing,
    /// Everything is written and our writing half is shut. We still read,
    /// and throw away, what the client sends until it closes or `until`.
    /// Closing a socket with unread bytes makes the kernel send a reset,
    /// which can destroy our answer before the client reads it (a 413 for a
    /// body still on its way, say); lingering lets the answer arrive first.
    Lingering {
        /// When we stop waiting for the client to close.
        until: Instant,
    },
}

/// What [`Connection::advance`] got to.
#[derive(Debug)]
pub enum Advance {
    /// A whole request: hand it to a handler. The connection is now [`Phase::Busy`].
    Request(ParsedRequest),
    /// Nothing to do until the socket is ready again (or an answer comes).
    Wait,
    /// The request was bad: an error answer is in the outbox, and the
    /// connection closes once it is written. Carries the error, for the log.
    Refused(RequestError),
    /// The client closed between requests, or the socket failed: drop it.
    Gone,
}

/// Why [`Connection::expired`] says a connection has waited too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Kept alive with no request for the idle timeout: close quietly.
    Idle,
    /// Part of a request arrived, then nothing for the request timeout: answer 408.
    SilentRequest,
    /// The client stopped reading our answer (or lingering is over): close.
    Stalled,
}

/// The two timeouts of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a kept-alive connection may wait for its next request.
    pub idle: Duration,
    /// How long a started request may take to arrive whole.
    pub request: Duration,
}

impl Default for Timeouts {
    /// 15 s idle (long enough for a person clicking a link; nginx's default
    /// is 75 s), and step 02's 10 s [`request::READ_TIMEOUT`] for a request.
    fn default() -> Timeouts {
        Timeouts {
            idle: Duration::from_secs(15),
            request: request::READ_TIMEOUT,
        }
    }
}

/// One client connection: its socket, its buffers, and its [`Phase`].
#[derive(Debug)]
pub struct Connection<S> {
    /// The non-blocking socket.
    pub stream: S,
    /// Bytes read and not yet a whole request. Bounded: [`parse_request`]
    /// refuses a head past 8 KiB and a body past 1 MiB, and nothing is read
    /// while the connection is busy.
    inbox: Vec<u8>,
    /// Answer bytes the socket has not taken yet.
    outbox: Vec<u8>,
    /// A file body still to send after the outbox (step 09), and how many
    /// of its bytes are already in the outbox or sent.
    file: Option<(FileBody, u64)>,
    /// Whether the last `flush` stopped with the socket still writable, to
    /// let the other connections have a turn: see [`Connection::yielded`].
    yielded: bool,
    phase: Phase,
    /// When something last happened: accepted, bytes read, bytes written,
    /// an answer queued. The idle and stall timeouts count from here.
    last_active: Instant,
    /// When the first byte of the request being read arrived: the request
    /// timeout counts from here, so dripping a byte a second does not help.
    request_started: Option<Instant>,
    /// Bytes thrown away while lingering.
    discarded: usize,
}

impl<S: Socket> Connection<S> {
    /// A new connection on `stream`, accepted at `now`.
    pub fn new(stream: S, now: Instant) -> Connection<S> {
        Connection {
            stream,
            inbox: Vec::new(),
            outbox: Vec::new(),
            file: None,
            yielded: false,
            phase: Phase::Reading,
            last_active: now,
            request_started: None,
            discarded: 0,
        }
    }

    /// What the connection waits for.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether answer bytes wait in the outbox (the loop then asks to hear
    /// when the socket is writable).
    pub fn has_output(&self) -> bool {
        !self.outbox.is_empty() || self.file.is_some()
    }

    /// Reads and parses until there is a whole request, or nothing more to
    /// read for now.
    ///
    /// Readiness is *edge-triggered*: the loop hears "readable" once when
    /// bytes arrive, not again while they sit unread. So this reads until
    /// the socket says `WouldBlock`, unless a whole request turns up first;
    /// then it stops (the rest stays in the inbox and the kernel) and the
    /// loop calls `advance` again after the answer is written.
    pub fn advance(&mut self, chunk: &mut [u8], now: Instant) -> Advance {
        // One request at a time, and not while an answer is still going out.
        if self.phase != Phase::Reading || self.has_output() {
            return Advance::Wait;
        }
        loop {
            match parse_request(&self.inbox) {
                Ok(Some(request)) => {
                    self.inbox.drain(..request.len);
                    // Pipelined bytes left behind already started the next request.
                    self.request_started = (!self.inbox.is_empty()).then_some(now);
                    self.phase = Phase::Busy;
                    return Advance::Request(request);
                }
                Ok(None) => {} // Partial: read more below
                Err(err) => return self.refuse(err, now),
            }
            match self.stream.read(chunk) {
                Ok(0) if self.inbox.is_empty() => return Advance::Gone,
                // Closed half-way through a request: step 02 answers 400.
                Ok(0) => return self.refuse(RequestError::Incomplete, now),
                Ok(n) => {
                    self.inbox.extend_from_slice(&chunk[..n]);
                    self.last_active = now;
                    self.request_started.get_or_insert(now);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Advance::Wait,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Advance::Gone,
            }
        }
    }

    /// Queues the answer to a bad request and marks the connection closing:
    /// after a bad request we cannot know where the next one would start.
    fn refuse(&mut self, err: RequestError, now: Instant) -> Advance {
        let (status, _) = err.status();
        let response = Response::text(format!("{err}\n")).with_status(status);
        self.answer(&response, false, now);
        Advance::Refused(err)
    }

    /// Queues `response`, the answer to the request in flight. With
    /// `keep_alive` the connection reads the next request once it is
    /// written; without, it closes.
    pub fn answer(&mut self, response: &Response, keep_alive: bool, now: Instant) {
        self.outbox
            .extend_from_slice(&response.to_bytes_with_connection(keep_alive));
        // A file body is not in those bytes: `flush` reads it in as the socket drains.
        if let Some(file) = response.file().filter(|_| response.sends_body()) {
            self.file = Some((file.clone(), 0));
        }
        self.phase = if keep_alive {
            Phase::Reading
        } else {
            Phase::Closing
        };
        self.last_active = now;
    }

    /// Writes as much of the outbox as the socket takes, refilling it from
    /// the file body being sent, if any, one [`FILE_CHUNK`] at a time. When
    /// all is written and the connection is closing, shuts our writing half
    /// and starts lingering.
    ///
    /// # Errors
    /// A failed write: the client has gone, drop the connection. A file
    /// that cannot be read, or has shrunk since its length was announced:
    /// the answer cannot be finished, so the connection must close.
    pub fn flush(&mut self, now: Instant) -> io::Result<()> {
        let mut chunks = 0;
        self.yielded = false;
        loop {
            while !self.outbox.is_empty() {
                match self.stream.write(&self.outbox) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        self.outbox.drain(..n);
                        self.last_active = now;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            // The socket took everything: the next piece of the file, if any.
            // A client that reads as fast as we write (loopback) would keep
            // us here to the end of a 1 GB file, and every other connection
            // waiting: after a turn's worth, give the loop back.
            if chunks == FILE_CHUNKS_PER_TURN && self.file.is_some() {
                self.yielded = true;
                return Ok(());
            }
            if !self.refill_from_file()? {
                break;
            }
            chunks += 1;
        }
        if self.phase == Phase::Closing {
            self.stream.shutdown_write()?;
            self.phase = Phase::Lingering {
                until: now + LINGER,
            };
        }
        Ok(())
    }

    /// Whether the last [`Connection::flush`] stopped to give the other
    /// connections a turn, not because the socket was full. Readiness is
    /// edge-triggered, so no event will come to finish the job: the loop
    /// must call `flush` again by itself.
    pub fn yielded(&self) -> bool {
        self.yielded
    }

    /// Reads the next piece of the file body into the (empty) outbox.
    /// Returns whether there was one; once the file is all sent, forgets it.
    fn refill_from_file(&mut self) -> io::Result<bool> {
        let Some((file, done)) = &mut self.file else {
            return Ok(false);
        };
        if *done == file.len() {
            self.file = None;
            // Give back the piece's buffer: an idle connection stays small.
            self.outbox = Vec::new();
            return Ok(false);
        }
        self.outbox.resize(FILE_CHUNK, 0);
        let n = file.read_at(*done, &mut self.outbox)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was being sent",
            ));
        }
        self.outbox.truncate(n);
        *done += n as u64;
        Ok(true)
    }

    /// While lingering: reads and throws away what the client sends.
    /// Returns `true` once the connection can be dropped (the client
    /// closed, the socket failed, or it sent more than we will read).
    pub fn discard(&mut self, chunk: &mut [u8]) -> bool {
        loop {
            match self.stream.read(chunk) {
                Ok(0) => return true,
                Ok(n) => {
                    self.discarded += n;
                    if self.discarded > LINGER_BYTES {
                        return true;
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return false,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return true,
            }
        }
    }

    /// Whether the connection has waited longer than `timeouts` allow at
    /// `now`, and which wait it was. A busy connection never expires: the
    /// handler's time is the handler's business.
    pub fn expired(&self, timeouts: Timeouts, now: Instant) -> Option<Expiry> {
        let waited =
            |since: Instant, limit: Duration| now.saturating_duration_since(since) >= limit;
        match self.phase {
            Phase::Busy => None,
            Phase::Lingering { until } => (now >= until).then_some(Expiry::Stalled),
            _ if self.has_output() => {
                waited(self.last_active, timeouts.idle).then_some(Expiry::Stalled)
            }
            Phase::Reading => match self.request_started {
                Some(started) => waited(started, timeouts.request).then_some(Expiry::SilentRequest),
                None => waited(self.last_active, timeouts.idle).then_some(Expiry::Idle),
            },
            // Closing with an empty outbox lasts only until `flush` returns.
            Phase::Closing => None,
        }
    }

    /// Answers `408 Request Timeout` to a request that stopped half-way.
    pub fn time_out(&mut self, now: Instant) {
        let _ = self.refuse(RequestError::Timeout, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A fake non-blocking socket: `read` hands out the queued pieces one
    /// per call and says `WouldBlock` at each `None`, as a real socket does
    /// when the bytes so far are used up; `write` takes at most `room` bytes.
    #[derive(Default)]
    struct FakeSocket {
        incoming: VecDeque<Option<Vec<u8>>>,
        written: Vec<u8>,
        room: usize,
        shut: std::cell::Cell<bool>,
    }

    impl FakeSocket {
        fn with(pieces: &[Option<&[u8]>]) -> FakeSocket {
            FakeSocket {
                incoming: pieces.iter().map(|p| p.map(<[u8]>::to_vec)).collect(),
                room: usize::MAX,
                ..FakeSocket::default()
            }
        }
    }

    impl Read for FakeSocket {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.incoming.pop_front() {
                // Nothing queued at all: the client closed.
                None => Ok(0),
                Some(None) => Err(io::ErrorKind::WouldBlock.into()),
                Some(Some(piece)) => {
                    buf[..piece.len()].copy_from_slice(&piece);
                    Ok(piece.len())
                }
            }
        }
    }

    impl Write for FakeSocket {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room);
            self.written.extend_from_slice(&buf[..n]);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Socket for FakeSocket {
        fn shutdown_write(&self) -> io::Result<()> {
            self.shut.set(true);
            Ok(())
        }
    }

    fn head(version: u8, connection: Option<&str>) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            path: "/".into(),
            version,
            headers: connection
                .map(|v| vec![("Connection".to_string(), v.to_string())])
                .unwrap_or_default(),
        }
    }

    #[test]
    fn keep_alive_is_the_default_of_http_1_1_and_the_exception_of_1_0() {
        let cases = [
            (1, None, true),
            (1, Some("close"), false),
            (1, Some("Keep-Alive, CLOSE"), false),
            (1, Some("keep-alive"), true),
            (0, None, false),
            (0, Some("keep-alive"), true),
            (0, Some("close"), false),
        ];
        for (version, connection, expected) in cases {
            let got = wants_keep_alive(&head(version, connection));
            assert_eq!(got, expected, "HTTP/1.{version} Connection: {connection:?}");
        }
    }

    #[test]
    fn parse_request_waits_for_the_whole_head_and_the_whole_body() {
        let post = b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        for cut in 0..post.len() {
            assert_eq!(parse_request(&post[..cut]).unwrap(), None, "cut at {cut}");
        }
        let whole = parse_request(post).unwrap().unwrap();
        assert_eq!(
            (whole.body.as_slice(), whole.len),
            (&b"hello"[..], post.len())
        );
    }

    #[test]
    fn parse_request_maps_bad_requests_to_step_02s_statuses() {
        // A head with no end in sight, and one that ends just past the limit.
        let endless = format!(
            "GET / HTTP/1.1\r\nX: {}",
            "a".repeat(request::MAX_HEAD_BYTES)
        );
        let whole = format!("{endless}\r\n\r\n");
        let big_body = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            request::MAX_BODY_BYTES + 1
        );
        let cases: &[(&[u8], u16)] = &[
            (endless.as_bytes(), 431),
            (whole.as_bytes(), 431),
            (big_body.as_bytes(), 413),
            (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                501,
            ),
        ];
        for (input, status) in cases {
            let err = parse_request(input).unwrap_err();
            assert_eq!(err.status().0, *status, "{err}");
        }
    }

    #[test]
    fn advance_reads_until_would_block_then_waits() {
        let mut conn = Connection::new(
            FakeSocket::with(&[Some(b"GET / HT"), Some(b"TP/1.1\r\n"), None]),
            Instant::now(),
        );
        let mut chunk = [0u8; 64];
        assert!(matches!(
            conn.advance(&mut chunk, Instant::now()),
            Advance::Wait
        ));
        assert_eq!(conn.phase(), Phase::Reading);
        conn.stream.incoming.push_back(Some(b"\r\n".to_vec()));
        let Advance::Request(request) = conn.advance(&mut chunk, Instant::now()) else {
            panic!("the head is complete");
        };
        assert_eq!(request.head.path, "/");
        assert_eq!(conn.phase(), Phase::Busy);
    }

    #[test]
    fn pipelined_requests_come_out_one_at_a_time_in_order() {
        let mut conn = Connection::new(
            FakeSocket::with(&[
                Some(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
                None,
            ]),
            Instant::now(),
        );
        let mut chunk = [0u8; 64];
        let now = Instant::now();
        let Advance::Request(first) = conn.advance(&mut chunk, now) else {
            panic!("first request");
        };
        // Busy: the second waits for the first's answer.
        assert!(matches!(conn.advance(&mut chunk, now), Advance::Wait));
        conn.answer(&Response::text("one"), true, now);
        // Written only in part: still nothing new is parsed.
        conn.stream.room = 10;
        conn.flush(now).unwrap();
        assert!(matches!(conn.advance(&mut chunk, now), Advance::Wait));
        conn.stream.room = usize::MAX;
        conn.flush(now).unwrap();
        let Advance::Request(second) = conn.advance(&mut chunk, now) else {
            panic!("second request");
        };
        assert_eq!(
            (first.head.path.as_str(), second.head.path.as_str()),
            ("/1", "/2")
        );
        assert!(conn.stream.written.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }

    #[test]
    fn a_bad_request_is_answered_then_the_connection_lingers() {
        let mut conn = Connection::new(
            FakeSocket::with(&[Some(b"NOT HTTP\r\n\r\n")]),
            Instant::now(),
        );
        let mut chunk = [0u8; 64];
        let now = Instant::now();
        let Advance::Refused(err) = conn.advance(&mut chunk, now) else {
            panic!("refused");
        };
        assert_eq!(err.status().0, 400);
        conn.flush(now).unwrap();
        assert!(
            conn.stream
                .written
                .starts_with(b"HTTP/1.1 400 Bad Request\r\n")
        );
        assert!(matches!(conn.phase(), Phase::Lingering { .. }));
        assert!(conn.stream.shut.get(), "our writing half is shut");
        assert!(conn.discard(&mut chunk), "the fake client has closed");
    }

    #[test]
    fn a_file_body_goes_out_a_chunk_at_a_time_as_the_socket_takes_it() {
        let path = std::env::temp_dir().join(format!("step07-file-body-{}", std::process::id()));
        let content: Vec<u8> = (0..3 * FILE_CHUNK + 100).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut conn = Connection::new(FakeSocket::with(&[None]), Instant::now());
        let now = Instant::now();
        let body = FileBody::new(file, 100, content.len() as u64 - 100);
        conn.answer(&Response::new(200).with_file(body), true, now);
        // The socket takes 1000 bytes per turn: never more than a chunk is held.
        let mut turns = 0;
        while conn.has_output() {
            conn.stream.room = 1000;
            conn.flush(now).unwrap();
            assert!(conn.outbox.len() <= FILE_CHUNK);
            assert!(!conn.yielded(), "a full socket is not a yield");
            turns += 1;
        }
        assert!(
            turns > 3 * FILE_CHUNK / 1000,
            "written in many turns: {turns}"
        );
        let written = &conn.stream.written;
        let split = written.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&written[..split]);
        assert!(head.contains(&format!("Content-Length: {}\r\n", content.len() - 100)));
        assert!(
            written[split..] == content[100..],
            "the file's bytes, in order"
        );
        assert_eq!(conn.phase(), Phase::Reading);
    }

    #[test]
    fn a_socket_that_takes_everything_gets_a_turn_of_a_file_then_the_loop_is_given_back() {
        let path = std::env::temp_dir().join(format!("step07-file-turn-{}", std::process::id()));
        let len = (FILE_CHUNKS_PER_TURN * 2 + 1) * FILE_CHUNK;
        std::fs::write(&path, vec![7u8; len]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut conn = Connection::new(FakeSocket::with(&[None]), Instant::now());
        let now = Instant::now();
        let body = FileBody::new(file, 0, len as u64);
        conn.answer(&Response::new(200).with_file(body), true, now);
        let mut turns = 0;
        while conn.has_output() {
            conn.flush(now).unwrap();
            turns += 1;
            assert_eq!(conn.yielded(), conn.has_output(), "turn {turns}");
        }
        assert_eq!(turns, 3, "1 MiB per turn, then the last chunk");
        assert!(conn.stream.written.ends_with(&[7u8; 100]));
    }

    #[test]
    fn timeouts_depend_on_what_the_connection_waits_for() {
        let start = Instant::now();
        let timeouts = Timeouts {
            idle: Duration::from_secs(5),
            request: Duration::from_secs(2),
        };
        let later = |secs| start + Duration::from_secs(secs);
        let mut conn = Connection::new(FakeSocket::with(&[None]), start);
        let mut chunk = [0u8; 64];
        conn.advance(&mut chunk, start);
        assert_eq!(conn.expired(timeouts, later(4)), None);
        assert_eq!(conn.expired(timeouts, later(5)), Some(Expiry::Idle));

        // Half a head: the shorter request timeout, counted from its first byte.
        conn.stream.incoming.extend([Some(b"GET /".to_vec()), None]);
        conn.advance(&mut chunk, later(1));
        assert_eq!(conn.expired(timeouts, later(2)), None);
        assert_eq!(
            conn.expired(timeouts, later(3)),
            Some(Expiry::SilentRequest)
        );
        conn.time_out(later(3));
        conn.flush(later(3)).unwrap();
        assert!(
            conn.stream
                .written
                .starts_with(b"HTTP/1.1 408 Request Timeout\r\n")
        );
        assert_eq!(conn.expired(timeouts, later(4)), None, "still lingering");
        assert_eq!(conn.expired(timeouts, later(5)), Some(Expiry::Stalled));
    }
}
