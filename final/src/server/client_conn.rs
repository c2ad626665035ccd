//! One client connection: its socket, its buffers, and where it is in the exchange.
//!
//! One concept over 1,200 lines: the phase machine (about 840 of them, a
//! streamed body's states and the WebSocket phase's I/O included) and the
//! unit tests that specify it (about 450), side by side.
//!
//! Step 01 served a connection with a blocking loop: read, echo, repeat,
//! with a thread parked in `read` the whole time. Here no thread is
//! dedicated to a connection. The event loop (`event_loop.rs`) calls in
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
//!
//! A response's body may come after its head, at the socket's pace: a file
//! read chunk by chunk, or a stream whose chunks a producer sends over time
//! (`server/stream.rs`). The output buffer is refilled from either only once
//! it has been written out, and a stream's by at most 64 KiB: that is the
//! back-pressure that makes a slow client block its producer instead of
//! filling the server's memory. While a stream waits for its producer, the
//! connection watches for the client leaving (it reads, and an end of file
//! drops the body, which the producer sees), and it is exempt from
//! `idle_timeout`; a server-sent events stream sends its keep-alive comment
//! when it has been quiet too long ([`Expired::KeepAlive`]).
//!
//! After a `101 Switching Protocols` the connection speaks WebSocket: the
//! same socket and buffers, the bytes' meaning in `ws_conn.rs`, and
//! [`ClientConn::advance_ws`] in place of the HTTP phases.
//!
//! The bytes are HTTP from a browser, or, in backend mode, step 06's frames
//! from a front ([`Wire`]): the same machine serves both, and only what the
//! input buffer yields differs, a request head or a whole frame
//! (`split/backend_mode.rs` takes frames off it).
//!
//! The phase machine lives here, as methods: [`ClientConn::advance`] moves
//! the connection as far as it goes without blocking and says what the loop
//! must do next ([`Progress`]); [`ClientConn::deliver`] and
//! [`ClientConn::reject`] queue an answer; [`ClientConn::timer`] says which
//! timeout has run out. The loop only routes requests, keeps the counters
//! and closes sockets. The socket is any [`Socket`], so the unit tests below
//! drive the whole machine with a scripted fake, no network at all.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;

use crate::http::buffer::InputBuffer;
use crate::http::file_body::FileBody;
use crate::http::parse::{RawRequest, RequestDecoder};
use crate::http::parse_error::ParseError;
use crate::http::response::{Response, ResponseFraming};
use crate::http::status::Status;
use crate::http::stream_body::{Took, frame_chunk};
use crate::server::relay_out::Relays;
use crate::server::stream::{OutStream, Tail};
use crate::server::ws_conn::WsConn;
use crate::split::backend_mode::{self, FrameError, Incoming};
use crate::split::handshake::BackendHandshake;
use crate::split::protocol;
use crate::split::streams::StreamFrame;

/// What a connection needs of its socket: bytes both ways, a half-close,
/// and Nagle switched off. A `mio` TCP stream in the server, a scripted
/// fake in the tests.
pub(crate) trait Socket: Read + Write {
    /// Shuts the sending side (a FIN to the client); reading goes on.
    fn shutdown_write(&self) -> io::Result<()>;
    /// Sends small writes at once instead of waiting for an acknowledgement.
    fn set_nodelay(&self) -> io::Result<()>;
}

impl Socket for TcpStream {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }

    fn set_nodelay(&self) -> io::Result<()> {
        TcpStream::set_nodelay(self, true)
    }
}

/// What a connection's bytes are, which decides what its input buffer yields.
#[derive(Debug)]
pub(crate) enum Wire {
    /// HTTP/1.1 from a browser (or a proxy), parsed by the request decoder.
    Http(RequestDecoder),
    /// Step 06's frames from a front, in backend mode: a frame is taken off
    /// the buffer only once it is all there, so nothing is ever half-parsed.
    /// With a `split_key`, the handshake comes first (`Some` until the
    /// front's hello has been checked): the challenge is queued when the
    /// connection is made, the first frame must be a hello made with the
    /// key, and it must come within `header_timeout`.
    Frames(Option<BackendHandshake>),
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Reading and parsing requests, or sending a response.
    Open,
    /// Take no more requests until an answer comes: a handler is running
    /// for a browser's current request, or for a front's frame on the
    /// loop's own thread, or for [`FRAMES_IN_FLIGHT`] of a front's frames.
    Busy,
    /// Send what is queued, then close.
    Closing,
    /// Our side is shut down; reading and discarding what the client still
    /// sends until it closes or `until`, so that closing does not reset the
    /// connection before the client has read our last response.
    Lingering { until: Instant },
}

/// What [`ClientConn::advance`] leaves for the event loop to do.
#[derive(Debug)]
pub(crate) enum Progress {
    /// Nothing more without a new event (or an answer): keep it.
    Wait,
    /// Close it now.
    Close,
    /// It used up its turn with requests still buffered: come back after
    /// the other connections' events.
    Again,
    /// A whole request to route and answer; call `advance` again after
    /// [`ClientConn::begin_request`].
    Request(RawRequest),
    /// Bytes that can never become a request: answer with
    /// [`ClientConn::answer_and_close`], then call `advance` again.
    Invalid(ParseError),
    /// A whole `request` frame (backend mode) to route and answer, as
    /// [`Progress::Request`], with the stream window its front offers.
    Frame(protocol::Request, Option<u32>),
    /// Bytes that are no frame of ours (backend mode): the connection is
    /// closing, after the replies already queued; log why, and call
    /// `advance` again. The protocol has no error message to send.
    BadFrame(FrameError),
}

/// A timeout that ran out; see [`ClientConn::timer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expired {
    /// Close without a word: idle, silent, or not reading its answers.
    Close,
    /// A request began and did not finish in time: 408, then close.
    RequestTimeout,
    /// A stream has been quiet for its keep-alive interval: call
    /// [`ClientConn::send_keep_alive`].
    KeepAlive,
}

/// What a read attempt found.
enum Fill {
    /// Some bytes were added to the input buffer.
    Data,
    /// Nothing more to read for now.
    WouldBlock,
    /// The client closed its sending side.
    Eof,
}

/// How long a closing connection may linger (see [`Phase::Lingering`]).
const LINGER: Duration = Duration::from_secs(2);

/// Queued output beyond which it is sent before more pipelined requests are parsed.
pub(crate) const WRITE_BATCH: usize = 64 * 1024;

/// File chunks one `flush` sends before giving the loop back (1 MiB): a
/// client that reads as fast as the loop writes would otherwise keep the
/// loop, and every other connection on it, for its whole download.
const FILE_CHUNKS_PER_FLUSH: usize = 16;

/// Most bytes read and thrown away while lingering before closing anyway:
/// enough for the tail of a request, far less than a large upload, which we
/// refuse to read just to close politely.
const MAX_DISCARD: usize = 256 * 1024;

/// Reads (of up to 64 KiB each) one WebSocket may make per turn.
const WS_READS_PER_TURN: usize = 16;

/// Bytes a client may send ahead (pipelined requests) while a stream is
/// sent to it; past this, reading waits until the stream has ended.
const MAX_READ_AHEAD: usize = 64 * 1024;

/// Requests from one front (backend mode) a connection runs side by side.
/// The split protocol lets a backend answer in any order, each reply
/// carrying its request's id, and a front puts several requests on one
/// connection: answered one at a time, a fast request would wait behind a
/// slow one sent before it. Past this many, the connection takes no more
/// frames until an answer leaves (the front's own limit is 32 per
/// connection; a front that sends more waits in TCP, as ever).
pub const FRAMES_IN_FLIGHT: usize = 16;

/// One client connection; see the module docs.
pub(crate) struct ClientConn<S: Socket = TcpStream> {
    stream: S,
    peer: SocketAddr,
    /// Distinguishes this connection from a later one reusing its slot,
    /// so a late response from a worker is never delivered to a stranger.
    id: u64,
    phase: Phase,
    input: InputBuffer,
    wire: Wire,
    output: Vec<u8>,
    written: usize,
    /// A file body still to send after `output`, refilling it chunk by chunk.
    file: Option<FileBody>,
    /// A streamed body still to send after `output`, refilling it as its
    /// producer queues chunks (see the module docs).
    streamed: Option<OutStream>,
    /// The last `flush` stopped at [`FILE_CHUNKS_PER_FLUSH`] with the socket
    /// still writable: no "writable" event will come, so the loop must
    /// come back to this connection by itself.
    yielded: bool,
    /// The socket may have unread bytes (no `WouldBlock` since the last readable event).
    readable: bool,
    /// The kernel has said the client's FIN is here (an event with "read
    /// closed"), though a read may still return bytes sent before it.
    fin_arrived: bool,
    /// The client has closed its sending side.
    peer_closed: bool,
    /// When the head now being awaited started (accept, or its first byte).
    head_started: Option<Instant>,
    /// The last read or write that moved bytes.
    last_activity: Instant,
    /// Responses queued so far.
    responses: u64,
    /// Whether a response has been completely written (counted in the server's stats).
    served: bool,
    /// While `Busy`: whether the handler runs on the loop's own thread.
    answered_inline: bool,
    /// Requests handed to a handler and not answered yet: at most one for
    /// a browser, up to [`FRAMES_IN_FLIGHT`] for a front (see there).
    handling: usize,
    /// Bytes thrown away while lingering.
    discarded: usize,
    /// After a `101`: the connection speaks WebSocket (`ws_conn.rs`), and
    /// every read and write goes through [`ClientConn::advance_ws`].
    ws: Option<WsConn>,
    /// Backend mode: the streams relayed to the front beside the replies
    /// (`relay_out.rs`); they do not hold the connection as a stream does
    /// a browser's.
    relays: Relays,
}

impl<S: Socket> ClientConn<S> {
    pub(crate) fn new(stream: S, peer: SocketAddr, id: u64, wire: Wire, now: Instant) -> Self {
        ClientConn {
            stream,
            peer,
            id,
            phase: Phase::Open,
            input: InputBuffer::new(),
            wire,
            output: Vec::new(),
            written: 0,
            file: None,
            streamed: None,
            yielded: false,
            readable: true,
            fin_arrived: false,
            peer_closed: false,
            head_started: Some(now),
            last_activity: now,
            responses: 0,
            served: false,
            answered_inline: false,
            handling: 0,
            discarded: 0,
            ws: None,
            relays: Relays::default(),
        }
    }

    /// Queues `bytes` to be sent before any answer: a backend's challenge.
    /// Nagle goes off at once: the welcome and the first reply follow it
    /// closely, and must not wait for the front to acknowledge it.
    pub(crate) fn queue_first(&mut self, bytes: &[u8]) {
        let _ = self.stream.set_nodelay();
        self.output.extend_from_slice(bytes);
    }

    /// The client's address.
    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// This connection's number on its loop (see the field).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The socket said "readable": there may be bytes to read again.
    pub(crate) fn mark_readable(&mut self) {
        self.readable = true;
    }

    /// The socket said "read closed": the client's FIN is in, behind
    /// whatever bytes are still unread.
    pub(crate) fn mark_fin_arrived(&mut self) {
        self.fin_arrived = true;
    }

    /// Whether the last flush gave the loop back mid-download (and clears it).
    pub(crate) fn take_yielded(&mut self) -> bool {
        std::mem::take(&mut self.yielded)
    }

    /// Whether bytes are waiting to be sent.
    fn has_output(&self) -> bool {
        self.written < self.output.len() || self.file.is_some() || self.streamed.is_some()
    }

    /// Whether a streamed body is being sent, or the connection is a
    /// WebSocket: either must be driven to end properly on a shutdown.
    pub(crate) fn is_streaming(&self) -> bool {
        self.streamed.is_some() || self.ws.is_some() || !self.relays.is_empty()
    }

    /// Whether the connection is between requests with nothing half-read.
    pub(crate) fn is_idle(&self) -> bool {
        self.phase == Phase::Open
            && self.handling == 0
            && self.ws.is_none()
            && self.relays.is_empty()
            && self.input.is_empty()
            && self.between_requests()
            && !self.has_output()
    }

    /// Whether nothing is half-parsed beyond the bytes in the input buffer.
    fn between_requests(&self) -> bool {
        match &self.wire {
            Wire::Http(decoder) => decoder.is_idle(),
            Wire::Frames(_) => true,
        }
    }

    /// Moves the connection forward as far as it can go without blocking:
    /// write what is queued, parse what is buffered, read what has arrived.
    /// Stops where the loop must act (see [`Progress`]).
    ///
    /// `draining`: the server is shutting down, so an idle connection
    /// closes. `turn_over`: this connection has started its share of
    /// requests for this wake-up, so it sends what it has and gives way.
    pub(crate) fn advance(
        &mut self,
        now: Instant,
        scratch: &mut [u8],
        draining: bool,
        turn_over: bool,
    ) -> io::Result<Progress> {
        loop {
            // A shutdown ends a stream at a chunk's boundary, properly.
            if draining && self.streamed.is_some() && self.written == self.output.len() {
                self.end_stream();
                self.phase = Phase::Closing;
            }
            // Relayed streams go on beside the requests (and while a
            // handler runs), within their credit (`relay_out.rs`).
            if !self.relays.is_empty() && matches!(self.phase, Phase::Open | Phase::Busy) {
                if draining {
                    self.relays.end_all(&mut self.output);
                } else {
                    let room = WRITE_BATCH.saturating_sub(self.output.len() - self.written);
                    self.relays.pump(&mut self.output, room, now);
                }
            }
            match self.phase {
                Phase::Busy => {
                    // An answer from the loop's thread comes within the turn:
                    // keep what is queued, to leave in one write with it. One
                    // from a worker may take a while: send what is queued now.
                    if self.has_output() && !self.answered_inline {
                        self.flush(now)?;
                    }
                    return Ok(Progress::Wait);
                }
                Phase::Closing => {
                    if self.has_output() && !self.flush(now)? {
                        if self.streamed.is_some() && self.client_left(scratch, now)? {
                            return Ok(Progress::Close);
                        }
                        return Ok(Progress::Wait); // the socket is full: wait for "writable"
                    }
                    // A front's requests still running (a bad frame came
                    // behind them): their replies go first.
                    if self.handling > 0 {
                        return Ok(Progress::Wait);
                    }
                    // Nothing half-read: a plain close is clean.
                    if self.peer_closed || (self.input.is_empty() && self.between_requests()) {
                        return Ok(Progress::Close);
                    }
                    // Unread bytes may still be on their way: close politely.
                    self.stream.shutdown_write()?;
                    self.phase = Phase::Lingering {
                        until: now + LINGER,
                    };
                    continue;
                }
                Phase::Lingering { .. } => {
                    let closed = self.discard(scratch)?;
                    return Ok(if closed {
                        Progress::Close
                    } else {
                        Progress::Wait
                    });
                }
                Phase::Open if self.ws.is_some() => {
                    return self.advance_ws(now, scratch, draining);
                }
                Phase::Open => {}
            }
            // Answers to pipelined requests collect in `output` and leave in
            // one write; only a large backlog is sent before parsing on, and
            // a file being streamed is sent to its end first (the next
            // answer's bytes must not overtake it in `output`).
            if (self.output.len() >= WRITE_BATCH || self.file.is_some() || self.streamed.is_some())
                && !self.flush(now)?
            {
                // Waiting for the socket, or for a stream's producer: a
                // client that has left meanwhile ends the stream.
                if self.streamed.is_some() && self.client_left(scratch, now)? {
                    return Ok(Progress::Close);
                }
                return Ok(Progress::Wait);
            }
            // Fairness: a client pipelining without pause must not keep the
            // loop from its other connections.
            if turn_over {
                if self.has_output() {
                    self.flush(now)?;
                }
                return Ok(Progress::Again);
            }
            match &mut self.wire {
                Wire::Http(decoder) => {
                    match decoder.decode(&mut self.input) {
                        Ok(Some(raw)) => return Ok(Progress::Request(raw)),
                        Ok(None) => {}
                        Err(err) => return Ok(Progress::Invalid(err)),
                    }
                    if decoder.take_continue() {
                        // The final answer will follow this one closely: no Nagle delay.
                        let _ = self.stream.set_nodelay();
                        self.output
                            .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                    }
                }
                Wire::Frames(Some(handshake)) => {
                    match backend_mode::take_hello(handshake, &mut self.input, &mut self.output) {
                        Ok(true) => {
                            // Authenticated: frames from here on, perhaps
                            // already buffered behind the hello.
                            self.wire = Wire::Frames(None);
                            continue;
                        }
                        Ok(false) => {}
                        Err(err) => {
                            self.phase = Phase::Closing;
                            return Ok(Progress::BadFrame(err));
                        }
                    }
                }
                Wire::Frames(None) => match backend_mode::take_frame(&mut self.input) {
                    Ok(Some(Incoming::Request(request, window))) => {
                        return Ok(Progress::Frame(request, window));
                    }
                    Ok(Some(Incoming::Control(frame))) => {
                        match frame {
                            StreamFrame::Credit { id, bytes } => self.relays.credit(id, bytes),
                            StreamFrame::Cancel { id } => self.relays.cancel(id),
                            _ => unreachable!("take_frame gives only credits and cancels"),
                        }
                        // Word about a stream, not a request's beginning.
                        if self.input.is_empty() {
                            self.head_started = None;
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(err) => {
                        // The framing is lost: nothing after this can be trusted.
                        self.phase = Phase::Closing;
                        return Ok(Progress::BadFrame(err));
                    }
                },
            }
            // Out of complete requests: send what is queued before waiting for more.
            if self.has_output() && !self.flush(now)? {
                return Ok(Progress::Wait);
            }
            if draining && self.is_idle() {
                return Ok(Progress::Close);
            }
            if self.head_started.is_none() && !self.input.is_empty() {
                self.head_started = Some(now);
            }
            if self.peer_closed {
                return Ok(Progress::Close);
            }
            if !self.readable {
                return Ok(Progress::Wait);
            }
            match self.fill(scratch, now)? {
                Fill::Data | Fill::Eof => {}
                Fill::WouldBlock => return Ok(Progress::Wait),
            }
        }
    }

    /// The request [`Progress::Request`] gave is on its way to a handler,
    /// on the loop's own thread (`inline`) or on a worker.
    pub(crate) fn begin_request(&mut self, inline: bool) {
        self.head_started = None;
        self.handling += 1;
        self.answered_inline = inline;
        // A browser's answers go in the order it asked: the next request
        // waits for this one's answer. A front's replies carry their id, so
        // while a handler runs on a worker its next frames are taken at
        // once, up to `FRAMES_IN_FLIGHT`. One answered on the loop's own
        // thread comes within this turn: waiting for it costs nothing, and
        // its answer then leaves in one write with the next ones.
        let side_by_side = matches!(self.wire, Wire::Frames(_)) && !inline;
        if !side_by_side || self.handling >= FRAMES_IN_FLIGHT {
            self.phase = Phase::Busy;
        }
    }

    /// Puts a handler's answer on the connection: `bytes`, then `file`
    /// streamed after them if the body is one. Returns a spare buffer for
    /// the loop to reuse (the answer's, or the one it replaced).
    pub(crate) fn deliver(
        &mut self,
        bytes: Vec<u8>,
        keep_alive: bool,
        tail: Option<Tail>,
        draining: bool,
    ) -> Vec<u8> {
        let spare = if self.output.is_empty() {
            std::mem::replace(&mut self.output, bytes)
        } else {
            self.output.extend_from_slice(&bytes);
            bytes
        };
        // The previous answer's file or stream, if any, was sent to its end
        // before this request was parsed (see `advance`), so the slots are free.
        match tail {
            Some(Tail::File(file)) => self.file = Some(file),
            Some(Tail::Stream(stream)) => self.streamed = Some(stream),
            Some(Tail::Relay(relay)) => self.relays.add(relay, Instant::now()),
            Some(Tail::WebSocket(open)) => {
                // The switch. Bytes the client sent after its upgrade
                // request (its first frames, perhaps) are in the input
                // buffer already: they are the WebSocket's first input.
                let mut ws = WsConn::new(open, self.last_activity);
                ws.feed(self.input.bytes());
                self.input.consume(self.input.len());
                self.ws = Some(ws);
            }
            None => {}
        }
        self.handling = self.handling.saturating_sub(1);
        // A connection already closing (a front's bad frame came behind
        // requests still running) stays so: it sends their replies, then
        // closes (`advance`).
        if self.phase != Phase::Closing {
            self.phase = Phase::Open;
        }
        self.responded(keep_alive, draining);
        if self.ws.is_some() {
            // A WebSocket is ended by its close handshake (1001 when
            // draining, in `advance_ws`), not by the HTTP phases.
            self.phase = Phase::Open;
        }
        spare
    }

    /// Queues the plain page for an error `status` that ends the connection
    /// (no request to answer properly: it is malformed, or never came).
    pub(crate) fn answer_and_close(&mut self, status: Status) {
        Response::error(status).encode(
            ResponseFraming {
                head_only: false,
                keep_alive: false,
                minor_version: 1,
            },
            &mut self.output,
        );
        self.responded(false, false);
    }

    /// Bookkeeping once a response is queued.
    fn responded(&mut self, keep_alive: bool, draining: bool) {
        self.responses += 1;
        // Nagle's algorithm holds back a small write while an earlier one is
        // unacknowledged. A connection's first write never waits, so a
        // one-request connection skips the system call; one that stays open
        // turns Nagle off before its second response can be held up.
        if keep_alive && self.responses == 1 {
            let _ = self.stream.set_nodelay();
        }
        if !keep_alive || draining {
            self.phase = Phase::Closing;
        }
    }

    /// `true` once, when the first response has been written out completely
    /// (queued is not enough: the write may yet fail): count it as served.
    pub(crate) fn take_served(&mut self) -> bool {
        let newly = !self.served && self.responses > 0 && !self.has_output();
        self.served |= newly;
        newly
    }

    /// Which timeout, if any, has run out at `now`: the whole head must
    /// arrive within `header_timeout` of its first byte (or of the accept);
    /// a body, a client reading its answers, and an idle keep-alive
    /// connection get `idle_timeout` of silence. A connection that never
    /// sent a byte gets no 408: nobody is listening for it.
    pub(crate) fn timer(
        &self,
        now: Instant,
        header_timeout: Duration,
        idle_timeout: Duration,
    ) -> Option<Expired> {
        let quiet = now.duration_since(self.last_activity) > idle_timeout;
        if matches!(self.phase, Phase::Open | Phase::Busy)
            && self.written == self.output.len()
            && self.relays.keep_alive_due(now)
        {
            return Some(Expired::KeepAlive);
        }
        match self.phase {
            Phase::Busy => None,
            Phase::Lingering { until } => (now >= until).then_some(Expired::Close),
            Phase::Open if self.ws.is_some() => self.ws_timer(now, quiet),
            Phase::Open | Phase::Closing if self.streamed.is_some() => {
                self.stream_timer(now, quiet)
            }
            Phase::Closing => quiet.then_some(Expired::Close),
            // A client that does not read its responses.
            Phase::Open if self.has_output() => quiet.then_some(Expired::Close),
            Phase::Open => match self.head_started {
                Some(started) => {
                    let late = match &self.wire {
                        Wire::Http(decoder) if decoder.is_reading_head() => {
                            now.duration_since(started) > header_timeout
                        }
                        // The handshake is a head: all of it in time.
                        Wire::Frames(Some(_)) => now.duration_since(started) > header_timeout,
                        // A body, or a frame: `idle_timeout` of silence.
                        _ => quiet,
                    };
                    let silent =
                        self.responses == 0 && self.input.is_empty() && self.between_requests();
                    match (late, silent, &self.wire) {
                        (false, _, _) => None,
                        // A front is no browser: a 408 would be no frame.
                        (true, true, _) | (true, false, Wire::Frames(_)) => Some(Expired::Close),
                        (true, false, Wire::Http(_)) => Some(Expired::RequestTimeout),
                    }
                }
                None => (self.is_idle() && quiet).then_some(Expired::Close),
            },
        }
    }

    /// [`ClientConn::timer`] while a stream is sent: a client that does not
    /// read it gets `idle_timeout`; one waiting for the producer, none
    /// at all, only a keep-alive chunk now and then if the stream has one.
    fn stream_timer(&self, now: Instant, quiet: bool) -> Option<Expired> {
        if self.written < self.output.len() {
            return quiet.then_some(Expired::Close);
        }
        let (every, _) = self.streamed.as_ref()?.body.keep_alive()?;
        (now.duration_since(self.last_activity) >= every).then_some(Expired::KeepAlive)
    }

    /// [`ClientConn::timer`] for a WebSocket: a client that does not read
    /// (or a close handshake that does not finish) gets `idle_timeout`; an
    /// open one, its heartbeat instead.
    fn ws_timer(&self, now: Instant, quiet: bool) -> Option<Expired> {
        let ws = self.ws.as_ref()?;
        if self.written < self.output.len() || !ws.output().is_empty() || ws.is_closed() {
            return quiet.then_some(Expired::Close);
        }
        ws.ping_due(now).then_some(Expired::KeepAlive)
    }

    /// Queues the stream's keep-alive chunk (a comment, for server-sent
    /// events) if nothing else is waiting to be sent, or a WebSocket's
    /// heartbeat; the loop then drives the connection to send it.
    pub(crate) fn send_keep_alive(&mut self, now: Instant) {
        if let Some(ws) = &mut self.ws {
            ws.heartbeat(now);
            return;
        }
        if !self.relays.is_empty() {
            self.relays.send_keep_alives(&mut self.output, now);
            return;
        }
        let Some(out) = &self.streamed else { return };
        if let Some((_, chunk)) = out.body.keep_alive()
            && self.written == self.output.len()
        {
            self.output.clear();
            self.written = 0;
            frame_chunk(&mut self.output, chunk, out.chunked);
        }
    }

    /// Lets go of the stream (its producer sees the client gone, if it was
    /// still producing) and queues the end of the chunked body.
    fn end_stream(&mut self) {
        if let Some(out) = self.streamed.take()
            && out.chunked
        {
            self.output.extend_from_slice(b"0\r\n\r\n");
        }
    }

    /// While a stream is sent: reads what the client sends (pipelined
    /// requests, kept for later, up to [`MAX_READ_AHEAD`]) to learn whether
    /// it has closed. Without this a quiet stream would never notice.
    fn client_left(&mut self, scratch: &mut [u8], now: Instant) -> io::Result<bool> {
        while self.readable && !self.peer_closed && self.input.len() < MAX_READ_AHEAD {
            if let Fill::WouldBlock = self.fill(scratch, now)? {
                break;
            }
        }
        Ok(self.peer_closed)
    }

    /// Reads once into `scratch` and appends what came to the input buffer.
    fn fill(&mut self, scratch: &mut [u8], now: Instant) -> io::Result<Fill> {
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
    /// A stream refills it the same way from its queue, and stops with
    /// `Ok(false)` when the queue is empty (the producer's wake-up brings the
    /// loop back). After [`FILE_CHUNKS_PER_FLUSH`] refills it also stops with
    /// `Ok(false)`, setting `yielded` so the loop knows to come back.
    ///
    /// # Errors
    /// The socket's, a file's read error, or a stream whose producer failed:
    /// the connection closes without ending the body properly, so the client
    /// sees that it was cut short.
    fn flush(&mut self, now: Instant) -> io::Result<bool> {
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
            if (self.file.is_some() || self.streamed.is_some()) && chunks == FILE_CHUNKS_PER_FLUSH {
                self.yielded = true;
                return Ok(false);
            }
            if let Some(file) = &mut self.file {
                if file.remaining() > 0 {
                    chunks += 1;
                    file.read_chunk(&mut self.output)?;
                } else {
                    self.file = None;
                }
                continue;
            }
            let Some(out) = &self.streamed else {
                return Ok(true);
            };
            match out.body.take(&mut self.output, out.chunked) {
                Took::Data => chunks += 1,
                Took::Pending => return Ok(false),
                Took::End => self.end_stream(),
                Took::Broken => return Err(io::Error::other("the streamed body was cut short")),
            }
        }
    }

    /// [`ClientConn::advance`] after the `101`: the application's messages
    /// into the output while it is under the high-water mark, the output to
    /// the socket, the client's bytes to the WebSocket while the output is
    /// under the mark (the back-pressure, `ws_conn.rs`). Once the close
    /// handshake is done and its frame sent: our FIN, then linger until the
    /// client closes.
    fn advance_ws(
        &mut self,
        now: Instant,
        scratch: &mut [u8],
        draining: bool,
    ) -> io::Result<Progress> {
        let mut reads = 0;
        loop {
            // The 101 head (and any answer before it) leaves first.
            if self.written < self.output.len() && !self.flush(now)? {
                return Ok(Progress::Wait);
            }
            let ws = self.ws.as_mut().expect("advance_ws on a WebSocket");
            if draining {
                ws.go_away("server shutting down", now);
            }
            let at_mark = ws.take_outgoing(now);
            let mut blocked = false;
            while !ws.output().is_empty() {
                match self.stream.write(ws.output()) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        ws.consume_output(n);
                        self.last_activity = now;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        blocked = true;
                        break;
                    }
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            if ws.is_abandoned() {
                return Ok(Progress::Close);
            }
            if ws.is_closed() {
                if blocked {
                    return Ok(Progress::Wait);
                }
                if self.peer_closed {
                    return Ok(Progress::Close);
                }
                self.stream.shutdown_write()?;
                self.phase = Phase::Lingering {
                    until: now + LINGER,
                };
                let closed = self.discard(scratch)?;
                return Ok(if closed {
                    Progress::Close
                } else {
                    Progress::Wait
                });
            }
            if self.peer_closed && !ws.is_closing() {
                ws.client_gone();
                return Ok(Progress::Close);
            }
            if !blocked && at_mark {
                continue; // all written: take more of what the application sent
            }
            if !ws.wants_input() || !self.readable {
                return Ok(Progress::Wait);
            }
            // Fairness, as for pipelined requests: a client sending without
            // pause gives way after a while, and goes on after the others.
            if reads == WS_READS_PER_TURN {
                return Ok(Progress::Again);
            }
            reads += 1;
            match self.fill(scratch, now)? {
                Fill::Data => {
                    let ws = self.ws.as_mut().expect("advance_ws on a WebSocket");
                    ws.feed(self.input.bytes());
                    self.input.consume(self.input.len());
                }
                Fill::Eof => {}
                Fill::WouldBlock => return Ok(Progress::Wait),
            }
        }
    }

    /// Reads and drops whatever the client sends; `Ok(true)` once it has
    /// closed (or sent more than [`MAX_DISCARD`]): time to close our side.
    fn discard(&mut self, scratch: &mut [u8]) -> io::Result<bool> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse_error::Limits;
    use crate::server::fake_socket::FakeSocket;

    const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

    struct Harness {
        conn: ClientConn<FakeSocket>,
        scratch: Vec<u8>,
        start: Instant,
    }

    impl Harness {
        fn new(reads: &[&[u8]]) -> Harness {
            let socket = FakeSocket {
                reads: reads.iter().map(|r| r.to_vec()).collect(),
                ..FakeSocket::default()
            };
            let start = Instant::now();
            let peer = "127.0.0.1:4000".parse().unwrap();
            Harness {
                conn: ClientConn::new(
                    socket,
                    peer,
                    1,
                    Wire::Http(RequestDecoder::new(Limits::default())),
                    start,
                ),
                scratch: vec![0; 4096],
                start,
            }
        }

        fn advance(&mut self) -> Progress {
            self.conn
                .advance(self.start, &mut self.scratch, false, false)
                .unwrap()
        }

        /// Advances, expecting a request, and returns its path.
        #[track_caller]
        fn request(&mut self) -> String {
            match self.advance() {
                Progress::Request(raw) => raw.head.target.clone(),
                other => panic!("expected a request, got {other:?}"),
            }
        }

        fn arrive(&mut self, bytes: &[u8]) {
            self.conn.stream.reads.push_back(bytes.to_vec());
            self.conn.mark_readable();
        }

        fn written(&self) -> String {
            String::from_utf8_lossy(&self.conn.stream.written).into_owned()
        }

        fn timer(&self, after: Duration) -> Option<Expired> {
            self.conn
                .timer(self.start + after, HEADER_TIMEOUT, IDLE_TIMEOUT)
        }
    }

    #[test]
    fn pipelined_requests_come_out_one_at_a_time_and_their_answers_in_order() {
        let mut h = Harness::new(&[
            b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
        ]);
        assert_eq!(h.request(), "/a");
        h.conn.begin_request(false);
        assert!(
            matches!(h.advance(), Progress::Wait),
            "no second request while the first is busy"
        );
        h.conn.deliver(b"A".to_vec(), true, None, false);
        assert_eq!(h.request(), "/b");
        h.conn.begin_request(true);
        h.conn.deliver(b"B".to_vec(), true, None, false);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "AB", "both answers, in order, in one write");
        assert!(h.conn.is_idle());
        assert!(h.conn.take_served());
        assert!(!h.conn.take_served(), "counted once");
    }

    #[test]
    fn a_request_split_across_reads_parses_once_it_is_whole() {
        let mut h = Harness::new(&[b"GET /split HT"]);
        assert!(matches!(h.advance(), Progress::Wait));
        h.arrive(b"TP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(h.request(), "/split");
    }

    #[test]
    fn an_answer_that_ends_the_connection_is_written_and_then_it_closes() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        h.conn.deliver(b"bye".to_vec(), false, None, false);
        assert!(matches!(h.advance(), Progress::Close));
        assert_eq!(h.written(), "bye");
        assert!(!h.conn.stream.shut.get(), "nothing unread: a plain close");
    }

    #[test]
    fn unread_bytes_make_a_closing_connection_linger_until_the_client_closes() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        h.conn.deliver(b"last".to_vec(), false, None, false);
        assert!(matches!(h.advance(), Progress::Wait));
        assert!(h.conn.stream.shut.get(), "our side is shut first");
        assert!(matches!(h.conn.phase, Phase::Lingering { .. }));
        h.arrive(b" HTTP/1.1\r\n");
        assert!(matches!(h.advance(), Progress::Wait), "read and dropped");
        h.conn.stream.eof = true;
        assert!(matches!(h.advance(), Progress::Close));
        assert_eq!(h.written(), "last");
        assert_eq!(
            h.timer(LINGER + Duration::from_millis(1)),
            Some(Expired::Close)
        );
    }

    #[test]
    fn bytes_that_are_no_request_get_an_error_page_and_the_connection_closes() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\n\r\n"]);
        let err = match h.advance() {
            Progress::Invalid(err) => err,
            other => panic!("expected an invalid request, got {other:?}"),
        };
        assert_eq!(err, ParseError::MissingHost);
        h.conn.answer_and_close(err.status());
        let progress = h.advance();
        // Closed at once, or lingering: the decoder may not know what was unread.
        assert!(
            matches!(progress, Progress::Close) || matches!(h.conn.phase, Phase::Lingering { .. }),
            "{progress:?} in {:?}",
            h.conn.phase
        );
        assert!(
            h.written().starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{}",
            h.written()
        );
        assert!(h.written().contains("Connection: close\r\n"));
    }

    #[test]
    fn expect_100_continue_is_answered_before_the_body_is_read() {
        let mut h = Harness::new(&[
            b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        ]);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "HTTP/1.1 100 Continue\r\n\r\n");
        assert!(h.conn.stream.nodelay.get());
        h.arrive(b"hello");
        match h.advance() {
            Progress::Request(raw) => assert_eq!(raw.body, b"hello"),
            other => panic!("expected the request, got {other:?}"),
        }
    }

    #[test]
    fn a_client_pipelining_without_pause_gives_way_when_its_turn_is_over() {
        let mut h = Harness::new(&[b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"]);
        let progress = h
            .conn
            .advance(h.start, &mut h.scratch, false, true)
            .unwrap();
        assert!(matches!(progress, Progress::Again));
        assert_eq!(h.request(), "/a", "still there on its next turn");
    }

    #[test]
    fn a_full_socket_takes_the_rest_of_an_answer_when_it_has_room() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        h.conn.stream.room = Some(3);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        h.conn.deliver(b"abcdef".to_vec(), true, None, false);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "abc");
        assert!(!h.conn.take_served(), "not served while bytes are queued");
        h.conn.stream.room = None;
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "abcdef");
        assert!(h.conn.take_served());
    }

    #[test]
    fn a_slow_head_is_408_but_a_connection_that_never_spoke_just_closes() {
        let late = HEADER_TIMEOUT + Duration::from_millis(1);
        let silent = Harness::new(&[]);
        assert_eq!(silent.timer(HEADER_TIMEOUT / 2), None);
        assert_eq!(silent.timer(late), Some(Expired::Close));

        let mut slow = Harness::new(&[b"GET / HT"]);
        assert!(matches!(slow.advance(), Progress::Wait));
        assert_eq!(slow.timer(HEADER_TIMEOUT / 2), None);
        assert_eq!(slow.timer(late), Some(Expired::RequestTimeout));
    }

    #[test]
    fn an_idle_keep_alive_connection_closes_after_the_idle_timeout_not_before() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        assert_eq!(
            h.timer(IDLE_TIMEOUT * 2),
            None,
            "a running handler has no timeout"
        );
        h.conn.deliver(b"ok".to_vec(), true, None, false);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.timer(IDLE_TIMEOUT / 2), None);
        assert_eq!(
            h.timer(IDLE_TIMEOUT + Duration::from_millis(1)),
            Some(Expired::Close)
        );
    }

    #[test]
    fn draining_closes_a_connection_between_requests_but_answers_one_in_flight() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        h.conn.deliver(b"ok".to_vec(), true, None, true);
        let progress = h
            .conn
            .advance(h.start, &mut h.scratch, true, false)
            .unwrap();
        assert!(matches!(progress, Progress::Close));
        assert_eq!(h.written(), "ok");
    }

    /// A streamed tail for `deliver`, chunked, and its sender.
    fn stream_tail() -> (crate::http::stream_body::BodySender, Option<Tail>) {
        use crate::http::response::BodyTail;
        use crate::http::stream_body::BodyChannel;
        let (tx, body) = BodyChannel::bounded(4);
        let tail = crate::server::stream::tail(Some(BodyTail::Stream(body)), true, None);
        (tx, tail)
    }

    #[test]
    fn a_streamed_body_goes_out_chunk_by_chunk_as_it_comes_and_ends_with_its_producer() {
        let mut h = Harness::new(&[
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n",
        ]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        let (tx, tail) = stream_tail();
        h.conn.deliver(b"HEAD|".to_vec(), true, tail, false);
        assert!(matches!(h.advance(), Progress::Wait), "nothing to send yet");
        assert_eq!(h.written(), "HEAD|");
        tx.send("abc").unwrap();
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "HEAD|3\r\nabc\r\n");
        drop(tx);
        // The end of the body, and only then the pipelined request.
        assert_eq!(h.request(), "/next");
        assert_eq!(h.written(), "HEAD|3\r\nabc\r\n0\r\n\r\n");
    }

    #[test]
    fn a_client_that_leaves_during_a_stream_closes_it_and_its_producer_learns_it() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        let (tx, tail) = stream_tail();
        h.conn.deliver(b"HEAD|".to_vec(), true, tail, false);
        assert!(matches!(h.advance(), Progress::Wait));
        h.conn.stream.eof = true;
        h.conn.mark_readable();
        h.conn.mark_fin_arrived();
        assert!(matches!(h.advance(), Progress::Close));
        drop(h);
        assert!(tx.send("anyone?").is_err());
    }

    #[test]
    fn a_stream_waiting_for_its_producer_has_no_idle_timeout_only_keep_alives() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        let (_tx, tail) = stream_tail();
        if let Some(Tail::Stream(out)) = &tail {
            out.body.set_keep_alive(IDLE_TIMEOUT * 3, b": ka\n\n");
        }
        h.conn.deliver(b"HEAD|".to_vec(), true, tail, false);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.timer(IDLE_TIMEOUT * 2), None, "quiet, but a stream");
        assert_eq!(h.timer(IDLE_TIMEOUT * 3), Some(Expired::KeepAlive));
        h.conn.send_keep_alive(h.start);
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.written(), "HEAD|6\r\n: ka\n\n\r\n");
    }

    #[test]
    fn a_client_that_does_not_read_its_stream_is_closed_after_the_idle_timeout() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        h.conn.stream.room = Some(5);
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        let (tx, tail) = stream_tail();
        h.conn.deliver(b"HEAD|".to_vec(), true, tail, false);
        tx.send("stuck").unwrap();
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(
            h.timer(IDLE_TIMEOUT + Duration::from_millis(1)),
            Some(Expired::Close)
        );
    }

    #[test]
    fn a_fin_that_came_with_the_last_request_closes_once_the_answer_is_out() {
        let mut h = Harness::new(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]);
        h.conn.stream.eof = true;
        h.conn.mark_fin_arrived();
        assert_eq!(h.request(), "/");
        h.conn.begin_request(false);
        h.conn.deliver(b"ok".to_vec(), true, None, false);
        assert!(
            matches!(h.advance(), Progress::Close),
            "the read after the answer sees the end, not the idle timeout"
        );
        assert_eq!(h.written(), "ok");
    }

    /// Runs the handler's jobs at once, on the test's thread.
    struct InlineJobs;

    impl crate::http::stream_body::StreamWaker for InlineJobs {
        fn wake(&self) {}
        fn run_off_loop(&self, job: Box<dyn FnOnce() + Send>) {
            job();
        }
    }

    const HEAD_101: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";

    /// An accepted upgrade to `handler`, as the dispatcher hands it over.
    fn ws_tail(handler: impl crate::http::websocket::WsHandler) -> Tail {
        use crate::http::websocket::{WsOptions, WsUpgrade};
        use crate::server::stream::WsOpen;
        let upgrade = WsUpgrade::new(
            HEAD_101.to_vec(),
            None,
            WsOptions::default(),
            std::sync::Arc::new(handler),
            crate::http::request::Request::new("GET", "/ws"),
        );
        upgrade.link.set_waker(std::sync::Arc::new(InlineJobs));
        Tail::WebSocket(WsOpen {
            upgrade,
            permit: None,
        })
    }

    fn masked_text(text: &str) -> Vec<u8> {
        let mut frame = Vec::new();
        crate::http::websocket::encode_frame(
            &mut frame,
            true,
            crate::http::websocket::Opcode::Text,
            text.as_bytes(),
            Some([9, 8, 7, 6]),
        );
        frame
    }

    fn echo(
        ws: &crate::http::websocket::WsSender,
        _: &crate::http::request::Request,
        m: crate::http::websocket::Message,
    ) {
        if let crate::http::websocket::Message::Text(t) = m {
            ws.send_text(t).unwrap();
        }
    }

    #[test]
    fn a_frame_read_with_the_upgrade_request_is_the_websockets_first_input() {
        let mut wire = b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        wire.extend(masked_text("hi"));
        let mut h = Harness::new(&[&wire]);
        assert_eq!(h.request(), "/ws");
        h.conn.begin_request(false);
        h.conn
            .deliver(HEAD_101.to_vec(), true, Some(ws_tail(echo)), false);
        assert!(matches!(h.advance(), Progress::Wait));
        let mut expected = HEAD_101.to_vec();
        expected.extend([0x81, 2, b'h', b'i']);
        assert_eq!(h.conn.stream.written, expected, "the 101, then the echo");
        assert!(!h.conn.is_idle(), "a WebSocket is never idle");
        assert_eq!(h.timer(Duration::from_secs(20)), None, "no idle timeout");
        assert_eq!(
            h.timer(Duration::from_secs(31)),
            Some(Expired::KeepAlive),
            "the heartbeat is due"
        );
    }

    #[test]
    fn output_over_the_high_water_mark_stops_reading_and_taking_until_the_socket_drains() {
        use crate::http::websocket::{Message, WsSendError, WsSender};
        use crate::server::ws_conn::HIGH_WATER;
        let sender: std::sync::Arc<std::sync::Mutex<Option<WsSender>>> = Default::default();
        let keep = sender.clone();
        struct Keep(std::sync::Arc<std::sync::Mutex<Option<WsSender>>>);
        impl crate::http::websocket::WsHandler for Keep {
            fn on_open(&self, ws: &WsSender, _: &crate::http::request::Request) {
                *self.0.lock().unwrap() = Some(ws.clone());
            }
            fn on_message(&self, _: &WsSender, _: &crate::http::request::Request, _: Message) {}
        }
        let mut h = Harness::new(&[b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"]);
        h.request();
        h.conn.begin_request(false);
        h.conn.stream.room = Some(HEAD_101.len());
        h.conn
            .deliver(HEAD_101.to_vec(), true, Some(ws_tail(Keep(keep))), false);
        let ws = sender.lock().unwrap().clone().expect("on_open ran");
        let piece = vec![0u8; 700 * 1024];
        ws.send_binary(piece.clone()).unwrap();
        assert!(matches!(h.advance(), Progress::Wait));
        ws.send_binary(piece.clone()).unwrap();
        assert!(matches!(h.advance(), Progress::Wait));
        // 1.4 MiB in the output now: over the mark, nothing more is taken...
        ws.send_binary(piece.clone()).unwrap();
        assert_eq!(
            ws.send_binary(piece.clone()),
            Err(WsSendError::Full),
            "the sender's queue is bounded"
        );
        // ...and the client's next frame is not read.
        h.arrive(&masked_text("later"));
        assert!(matches!(h.advance(), Progress::Wait));
        assert_eq!(h.conn.stream.reads.len(), 1, "reading waits for the output");
        assert!(h.conn.ws.as_ref().unwrap().output().len() >= HIGH_WATER);
        // The client reads: everything leaves, the frame is read.
        h.conn.stream.room = None;
        assert!(matches!(h.advance(), Progress::Wait));
        assert!(h.conn.stream.reads.is_empty());
        assert!(h.conn.stream.written.len() > HEAD_101.len() + 3 * piece.len());
    }

    #[test]
    fn a_client_that_answers_neither_ping_nor_close_is_closed_with_1001_then_abandoned() {
        let mut h = Harness::new(&[b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"]);
        h.request();
        h.conn.begin_request(false);
        h.conn
            .deliver(HEAD_101.to_vec(), true, Some(ws_tail(echo)), false);
        assert!(matches!(h.advance(), Progress::Wait));
        let beat = |h: &mut Harness, secs: u64| {
            let at = Duration::from_secs(secs);
            assert_eq!(h.timer(at), Some(Expired::KeepAlive), "at {secs} s");
            h.conn.send_keep_alive(h.start + at);
            h.advance()
        };
        assert!(matches!(beat(&mut h, 31), Progress::Wait));
        assert_eq!(
            &h.conn.stream.written[HEAD_101.len()..][..2],
            [0x89, 6],
            "a ping"
        );
        assert!(matches!(beat(&mut h, 62), Progress::Wait));
        let close = &h.conn.stream.written[HEAD_101.len() + 8..];
        assert_eq!(&close[..4], [0x88, 9, 0x03, 0xe9], "a close with 1001");
        assert_eq!(h.timer(Duration::from_secs(70)), None);
        assert!(matches!(beat(&mut h, 93), Progress::Close), "abandoned");
    }
}
