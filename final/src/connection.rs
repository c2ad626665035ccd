//! One client connection: its socket, its buffers, and where it is in the exchange.
//!
//! Step 01 served a connection with a blocking loop: read, echo, repeat,
//! with a thread parked in `read` the whole time. Here no thread is
//! dedicated to a connection. The event loop ([`crate::server`]) calls in
//! when the socket is ready, and everything the blocking loop kept in local
//! variables lives in this struct instead: bytes read but not yet parsed,
//! bytes to send that the socket has not taken yet, the parser's state, and
//! the timers. That is what lets one thread hold thousands of connections.
//!
//! The socket is registered *edge-triggered*: the kernel says "readable"
//! once, when data arrives, not again until more arrives. So the connection
//! remembers `readable` until a read actually returns `WouldBlock`; a
//! connection that stopped reading (because its handler is running) must
//! go back and read later without waiting for a new event.
//!
//! Requests on one connection are handled one at a time: the next request
//! is parsed only after the previous response is queued. That is how
//! pipelined requests get their responses in order, and it bounds what one
//! client can make the server buffer.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use mio::net::TcpStream;

use crate::file_body::FileBody;
use crate::parse::{InputBuffer, Limits, RequestDecoder};

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Reading and parsing requests, or sending a response.
    Open,
    /// A handler is running on a worker for this connection's current request.
    Busy,
    /// Send what is queued, then close.
    Closing,
    /// Our side is shut down; reading and discarding what the client still
    /// sends until it closes or `until`, so that closing does not reset the
    /// connection before the client has read our last response.
    Lingering { until: Instant },
}

/// What a read attempt found.
pub(crate) enum Fill {
    /// Some bytes were added to the input buffer.
    Data,
    /// Nothing more to read for now.
    WouldBlock,
    /// The client closed its sending side.
    Eof,
}

/// One client connection; see the module docs.
pub(crate) struct Connection {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    /// Distinguishes this connection from a later one reusing its slot,
    /// so a late response from a worker is never delivered to a stranger.
    pub id: u64,
    pub phase: Phase,
    pub input: InputBuffer,
    pub decoder: RequestDecoder,
    pub output: Vec<u8>,
    written: usize,
    /// A file body still to send after `output`, refilling it chunk by chunk.
    pub file: Option<FileBody>,
    /// The last `flush` stopped at [`FILE_CHUNKS_PER_FLUSH`] with the socket
    /// still writable: no "writable" event will come, so the loop must
    /// come back to this connection by itself.
    pub yielded: bool,
    /// The socket may have unread bytes (no `WouldBlock` since the last readable event).
    pub readable: bool,
    /// The kernel has said the client's FIN is here (an event with "read
    /// closed"), though a read may still return bytes sent before it.
    pub fin_arrived: bool,
    /// The client has closed its sending side.
    pub peer_closed: bool,
    /// When the head now being awaited started (accept, or its first byte).
    pub head_started: Option<Instant>,
    /// The last read or write that moved bytes.
    pub last_activity: Instant,
    /// Responses queued so far.
    pub responses: u64,
    /// Whether a response has been completely written (counted in the server's stats).
    pub served: bool,
    /// While `Busy`: whether the handler runs on the loop's own thread.
    pub answered_inline: bool,
    /// Bytes thrown away while lingering.
    discarded: usize,
}

/// File chunks one `flush` sends before giving the loop back (1 MiB): a
/// client that reads as fast as the loop writes would otherwise keep the
/// loop, and every other connection on it, for its whole download.
const FILE_CHUNKS_PER_FLUSH: usize = 16;

/// Most bytes read and thrown away while lingering before closing anyway:
/// enough for the tail of a request, far less than a large upload, which we
/// refuse to read just to close politely.
const MAX_DISCARD: usize = 256 * 1024;

impl Connection {
    pub(crate) fn new(
        stream: TcpStream,
        peer: SocketAddr,
        id: u64,
        limits: Limits,
        now: Instant,
    ) -> Connection {
        Connection {
            stream,
            peer,
            id,
            phase: Phase::Open,
            input: InputBuffer::new(),
            decoder: RequestDecoder::new(limits),
            output: Vec::new(),
            written: 0,
            file: None,
            yielded: false,
            readable: true,
            fin_arrived: false,
            peer_closed: false,
            head_started: Some(now),
            last_activity: now,
            responses: 0,
            served: false,
            answered_inline: false,
            discarded: 0,
        }
    }

    /// Whether bytes are waiting to be sent.
    pub(crate) fn has_output(&self) -> bool {
        self.written < self.output.len() || self.file.is_some()
    }

    /// Whether the connection is between requests with nothing half-read.
    pub(crate) fn is_idle(&self) -> bool {
        self.phase == Phase::Open
            && self.input.is_empty()
            && self.decoder.is_idle()
            && !self.has_output()
    }

    /// Reads once into `scratch` and appends what came to the input buffer.
    pub(crate) fn fill(&mut self, scratch: &mut [u8], now: Instant) -> io::Result<Fill> {
        loop {
            return match self.stream.read(scratch) {
                Ok(0) => {
                    self.peer_closed = true;
                    Ok(Fill::Eof)
                }
                Ok(n) => {
                    self.input.extend(&scratch[..n]);
                    self.last_activity = now;
                    // A read that did not fill the buffer emptied the socket:
                    // anything arriving later raises a new edge. Skipping the
                    // read that would only say `WouldBlock` saves a system call
                    // per request (tokio makes the same deduction). Unless the
                    // FIN came with those bytes: its edge is spent, and only
                    // one more read, returning 0, says that the client is done.
                    if n < scratch.len() && !self.fin_arrived {
                        self.readable = false;
                    }
                    Ok(Fill::Data)
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    Ok(Fill::WouldBlock)
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => Err(err),
            };
        }
    }

    /// Writes queued output until done (`Ok(true)`) or the socket is full
    /// (`Ok(false)`). A file body refills `output` one chunk at a time, each
    /// time the last chunk has gone: the socket's pace sets the reading pace.
    /// After [`FILE_CHUNKS_PER_FLUSH`] chunks it also stops with `Ok(false)`,
    /// setting `yielded` so the loop knows to come back.
    pub(crate) fn flush(&mut self, now: Instant) -> io::Result<bool> {
        let mut chunks = 0;
        loop {
            while self.written < self.output.len() {
                match self.stream.write(&self.output[self.written..]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        self.written += n;
                        self.last_activity = now;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            // Everything sent: reuse the allocation for the next chunk or response.
            self.output.clear();
            self.written = 0;
            match &mut self.file {
                Some(_) if chunks == FILE_CHUNKS_PER_FLUSH => {
                    self.yielded = true;
                    return Ok(false);
                }
                Some(file) if file.remaining() > 0 => {
                    chunks += 1;
                    file.read_chunk(&mut self.output)?;
                }
                Some(_) => self.file = None,
                None => return Ok(true),
            }
        }
    }

    /// Reads and drops whatever the client sends; `Ok(true)` once it has
    /// closed (or sent more than [`MAX_DISCARD`]): time to close our side.
    pub(crate) fn discard(&mut self, scratch: &mut [u8]) -> io::Result<bool> {
        loop {
            match self.stream.read(scratch) {
                Ok(0) => return Ok(true),
                Ok(n) => {
                    self.discarded += n;
                    if self.discarded > MAX_DISCARD {
                        return Ok(true);
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }
}
