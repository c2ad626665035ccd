//! One connection from the front to a backend, owned by an event loop: its
//! socket, its buffers, the request in flight on it, and where it is in its
//! life (connecting, handshaking, ready).
//!
//! It is `server/client_conn.rs` seen from the other side. That file holds a
//! browser's connection between two wake-ups; this one holds the front's
//! connection to a backend, which never blocks either: the socket is a
//! non-blocking `mio` stream registered edge-triggered with the loop, the
//! request frame waits in `output` until the socket takes it, and the reply
//! collects in `input` until it is whole. [`BackendConn::advance`] moves it as
//! far as it goes and says what happened ([`Outcome`]); what to do about it
//! (retry, mark the backend down, answer 502) is the loop's forwarder's
//! business (`forwarder.rs`), which decides from the [`Failure`] this file
//! names. The socket is any [`Link`], so the tests below drive the whole
//! machine with a scripted fake, no network at all.
//!
//! **Several requests in flight.** A connection carries up to
//! [`MAX_IN_FLIGHT`] requests at once, each frame queued behind the last in
//! `output` and written together, each reply matched to its request by id
//! (step 06's `PROTOCOL.md`, "Ids, concurrency and back-pressure"), in
//! whatever order the replies come.
//!
//! **Streams** (version 3, `split/streams.rs`). A reply may be a stream's
//! head instead: its request is no longer in flight, but its chunks and
//! its end keep coming on this connection, between other replies, until
//! the end (or the front's cancel). The connection passes them up
//! ([`Outcome::Head`], [`Outcome::Chunk`], [`Outcome::End`]) and queues
//! the front's `credit` and `cancel` frames beside its requests; the
//! streams' bookkeeping is the forwarder's (`relay_in.rs`).
//!
//! **Phases.** A connection is *connecting* until the kernel says whether
//! the backend accepted it, then *ready*. With a split key (version 2 of
//! the protocol, `split/handshake.rs`) it is *handshaking* in between: the
//! request frame waits in `output`, unsent, until the backend's challenge
//! has come and the hello that answers it is queued ahead of the frame.
//! The two then leave together, so the handshake costs the front no round
//! trip of its own; the backend's welcome, which proves it holds the key
//! too, is checked before its first reply is believed. Without a key a
//! connected socket is ready at once (version 1).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::Instant;

use mio::net::TcpStream;

use crate::config::keys::SecretKey;
use crate::http::buffer::InputBuffer;
use crate::http::response::Response;
use crate::split::codec;
use crate::split::handshake::{self, FrontHandshake, HandshakeError};
use crate::split::protocol::{self, Message};
use crate::split::proxy::retry::{Failure, is_reset};
use crate::split::streams::{self, StreamFrame};

/// What a backend connection needs of its socket: bytes both ways, and
/// whether a non-blocking connect has finished. A `mio` TCP stream in the
/// front, a scripted fake in the tests.
pub(crate) trait Link: Read + Write {
    /// `Ok(true)` once connected, `Ok(false)` while the connect is still
    /// under way, the connect's error if it failed.
    fn connected(&self) -> io::Result<bool>;
}

impl Link for TcpStream {
    fn connected(&self) -> io::Result<bool> {
        // mio's recipe: an error first, then a peer address once connected.
        if let Some(err) = self.take_error()? {
            return Err(err);
        }
        match self.peer_addr() {
            Ok(_) => {
                // Frames are written whole; Nagle would only delay the last packet.
                let _ = self.set_nodelay(true);
                Ok(true)
            }
            Err(err) if err.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(err) => Err(err),
        }
    }
}

/// Where a connection is in its life; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The connect is under way: nothing can be sent yet.
    Connecting,
    /// Connected, keyed: waiting for the backend's challenge before
    /// anything goes out.
    Handshaking,
    /// Frames go out as the socket takes them.
    Ready,
}

/// Requests one connection carries at most at once.
pub(crate) const MAX_IN_FLIGHT: usize = 32;

/// The request on a connection: which exchange of the forwarder it is,
/// and the id its reply must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) exchange: usize,
    pub(crate) id: u64,
}

/// One request in flight on a connection.
#[derive(Debug)]
struct Entry {
    in_flight: InFlight,
    /// Where its frame ends in the bytes queued on the connection.
    end: u64,
    /// When it was queued.
    since: Instant,
}

/// What [`BackendConn::advance`] leaves for the forwarder to do.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing more until the socket is ready again.
    Wait,
    /// The reply to one request in flight, already checked (a status and
    /// fields fit for a browser). Call [`BackendConn::advance`] again: more
    /// replies may be in the buffer.
    Reply(InFlight, Response),
    /// The connection is of no more use: close it. `lost`: each request it
    /// carried (none for an idle connection the backend closed), and why
    /// that one failed (see [`BackendConn::dead`]). Its streams die with it.
    Dead { lost: Vec<(InFlight, Failure)> },
    /// The reply to one request in flight is a stream: its head (the
    /// response without a body, checked as a reply is). Chunks follow.
    Head(InFlight, Response),
    /// The next bytes of stream `id`.
    Chunk { id: u64, data: Vec<u8> },
    /// Stream `id` is over; cut short if `error`.
    End { id: u64, error: Option<String> },
}

/// What one look at the input buffer found (see [`BackendConn::take_reply`]).
enum Step {
    /// An outcome for the forwarder, or `None`: not a whole frame yet.
    Done(Option<Outcome>),
    /// A frame dropped (a cancelled stream's chunk): look at the next.
    Skipped,
}

/// Where version 2's handshake is, seen from the front.
enum Handshake {
    /// Version 1: none.
    None,
    /// Waiting for the challenge, to answer with this key.
    Challenge(SecretKey),
    /// The hello is queued or sent; the welcome must come before any reply.
    Welcome(FrontHandshake),
    /// The backend proved it holds the key.
    Done,
}

/// One front-to-backend connection; see the module docs.
pub(crate) struct BackendConn<L: Link = TcpStream> {
    link: L,
    /// Which of the proxy's backends this connection goes to.
    pub(crate) backend: usize,
    phase: Phase,
    handshake: Handshake,
    /// The frames queued, and how much of them the socket has taken.
    output: Vec<u8>,
    written: usize,
    /// Bytes queued and bytes written over the connection's life: a request
    /// has left whole once `sent` reaches the `queued` its frame ended at.
    queued: u64,
    sent: u64,
    input: InputBuffer,
    /// The requests sent, oldest first.
    in_flight: VecDeque<Entry>,
    /// The streams whose head came and whose end has not (their ids).
    streams: Vec<u64>,
    /// Replies received whole: a connection with one or more is *reused*,
    /// and its failure before a reply says little about the backend (see
    /// "Connections" in `docs/proxy.md`).
    replies: u64,
    /// The socket may have unread bytes (no `WouldBlock` since the last readable event).
    readable: bool,
    /// The kernel has said the backend's FIN is here.
    fin_arrived: bool,
    /// A read returned the end of the stream.
    closed: bool,
}

impl<L: Link> BackendConn<L> {
    /// A connection whose connect to `backend` is under way on `link`;
    /// with a `key`, it begins with version 2's handshake.
    pub(crate) fn new(link: L, backend: usize, key: Option<SecretKey>) -> BackendConn<L> {
        BackendConn {
            link,
            backend,
            phase: Phase::Connecting,
            handshake: key.map_or(Handshake::None, Handshake::Challenge),
            output: Vec::new(),
            written: 0,
            queued: 0,
            sent: 0,
            input: InputBuffer::new(),
            in_flight: VecDeque::new(),
            streams: Vec::new(),
            replies: 0,
            readable: false,
            fin_arrived: false,
            closed: false,
        }
    }

    /// The socket, to register or deregister it with the loop.
    pub(crate) fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    /// Whether an exchange on this connection has gone entirely right before.
    pub(crate) fn is_reused(&self) -> bool {
        self.replies > 0
    }

    /// Whether the connect (and the challenge, with a key) is done: what
    /// the forwarder's connect timeout waits for.
    pub(crate) fn is_connected(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// Whether the connection is waiting for a keyed backend's challenge.
    pub(crate) fn is_handshaking(&self) -> bool {
        self.phase == Phase::Handshaking
    }

    /// Whether another request may go out on this connection: fewer than
    /// [`MAX_IN_FLIGHT`] in flight, not closed.
    pub(crate) fn accepts(&self) -> bool {
        self.in_flight.len() < MAX_IN_FLIGHT && !self.closed && !self.fin_arrived
    }

    /// How many requests are in flight.
    pub(crate) fn load(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether nothing is in flight and no stream open: the connection is idle.
    pub(crate) fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && self.streams.is_empty()
    }

    /// Queues a grant of `bytes` more for stream `id`.
    pub(crate) fn credit(&mut self, id: u64, bytes: u64) {
        if self.streams.contains(&id) {
            let at = self.queue_start();
            streams::encode_credit(id, bytes, &mut self.output);
            self.queued += (self.output.len() - at) as u64;
        }
    }

    /// Queues the cancel of stream `id` (its browser has gone); chunks
    /// already on their way for it are dropped when they come.
    pub(crate) fn cancel(&mut self, id: u64) {
        if let Some(at) = self.streams.iter().position(|&s| s == id) {
            self.streams.swap_remove(at);
            let at = self.queue_start();
            streams::encode_cancel(id, &mut self.output);
            self.queued += (self.output.len() - at) as u64;
        }
    }

    /// Where the next frame goes in `output`: its end, the buffer emptied
    /// first if everything in it has been written.
    fn queue_start(&mut self) -> usize {
        if self.written == self.output.len() {
            self.output.clear();
            self.written = 0;
        }
        self.output.len()
    }

    /// The requests in flight on this connection.
    pub(crate) fn in_flight(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.in_flight.iter().map(|entry| entry.in_flight)
    }

    /// When the oldest request in flight was queued, if any.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        self.in_flight.front().map(|entry| entry.since)
    }

    /// The front gives up on this connection (a request on it timed out):
    /// the others it carried, and what their failure counts as, as if the
    /// backend had closed it (see [`BackendConn::dead`]).
    pub(crate) fn give_up(&mut self) -> Vec<(InFlight, Failure)> {
        let failure = Failure::Died {
            reason: "another request on its connection timed out".to_string(),
            replying: !self.input.is_empty(),
        };
        match self.dead(failure) {
            Outcome::Dead { lost } => lost,
            _ => Vec::new(),
        }
    }

    /// An event came: the socket may be readable (`read_closed`: with the
    /// backend's FIN behind the bytes), and may be writable.
    pub(crate) fn mark_ready(&mut self, readable: bool, read_closed: bool) {
        self.readable |= readable;
        self.fin_arrived |= read_closed;
    }

    /// Queues request `in_flight`'s `frame` on this connection (which
    /// [`BackendConn::accepts`] it); it leaves at the next [`BackendConn::advance`],
    /// with the others queued since, once the connection is ready.
    pub(crate) fn send(&mut self, in_flight: InFlight, frame: &[u8], now: Instant) {
        debug_assert!(self.accepts(), "a connection with room");
        self.queue_start();
        self.output.extend_from_slice(frame);
        self.queued += frame.len() as u64;
        self.in_flight.push_back(Entry {
            in_flight,
            end: self.queued,
            since: now,
        });
    }

    /// The connect finished: ready at once without a key; with one, the
    /// challenge comes first.
    fn connected(&mut self) {
        self.phase = match self.handshake {
            Handshake::Challenge(_) => Phase::Handshaking,
            _ => Phase::Ready,
        };
    }

    /// Answers the challenge if it is all in the input buffer: `Ok(true)`
    /// once the hello is queued (ahead of the request frame) and the
    /// connection is ready, `Ok(false)` while the challenge is incomplete.
    fn answer_challenge(&mut self) -> Result<bool, Failure> {
        let Handshake::Challenge(key) = &self.handshake else {
            return Ok(true);
        };
        let nonce = handshake::fresh_nonce()
            .map_err(|err| Failure::Unreachable(format!("no random nonce: {err}")))?;
        match FrontHandshake::answer(key, nonce, self.input.bytes()) {
            Ok(None) => Ok(false),
            Ok(Some((hello, handshake, used))) => {
                self.input.consume(used);
                debug_assert_eq!(self.written, 0, "nothing leaves before the hello");
                // The hello goes first, so every frame queued behind it
                // ends that much later in the connection's bytes.
                let extra = hello.len() as u64;
                self.queued += extra;
                for entry in &mut self.in_flight {
                    entry.end += extra;
                }
                self.output.splice(0..0, hello);
                self.handshake = Handshake::Welcome(handshake);
                self.phase = Phase::Ready;
                Ok(true)
            }
            Err(err) => Err(handshake_failure(&err)),
        }
    }

    /// Checks the welcome once it is whole: `Ok(false)` while it is not.
    fn check_welcome(&mut self) -> Result<bool, Failure> {
        let Handshake::Welcome(handshake) = &self.handshake else {
            return Ok(true);
        };
        match handshake.welcome(self.input.bytes()) {
            Ok(None) => Ok(false),
            Ok(Some(used)) => {
                self.input.consume(used);
                self.handshake = Handshake::Done;
                Ok(true)
            }
            Err(err) => Err(handshake_failure(&err)),
        }
    }

    /// Moves the connection forward as far as it goes without blocking:
    /// finish connecting, write the frame, read and check the reply.
    pub(crate) fn advance(&mut self, scratch: &mut [u8]) -> Outcome {
        match self.phase {
            Phase::Connecting => match self.link.connected() {
                Ok(true) => {
                    self.connected();
                    // Whatever came with the connect, read it now.
                    self.readable = true;
                }
                Ok(false) => return Outcome::Wait,
                Err(err) => {
                    return self.dead(Failure::Unreachable(format!("cannot connect: {err}")));
                }
            },
            Phase::Handshaking | Phase::Ready => {}
        }
        if let Err(err) = self.flush() {
            // Part of the frame never left: the backend cannot have acted on it.
            return self.dead(Failure::Unreachable(format!("cannot send: {err}")));
        }
        loop {
            if self.phase == Phase::Handshaking {
                match self.answer_challenge() {
                    Err(failure) => return self.dead(failure),
                    Ok(true) => {
                        if let Err(err) = self.flush() {
                            return self.dead(Failure::Unreachable(format!("cannot send: {err}")));
                        }
                        continue;
                    }
                    Ok(false) => {}
                }
            } else {
                match self.check_welcome() {
                    Err(failure) => return self.dead(failure),
                    // A reply may already be whole in the buffer.
                    Ok(true) => {
                        if let Some(outcome) = self.take_reply() {
                            return outcome;
                        }
                    }
                    Ok(false) => {}
                }
            }
            if self.closed {
                return self.dead(self.closed_failure());
            }
            if !self.readable {
                return Outcome::Wait;
            }
            match self.fill(scratch) {
                Ok(()) => {}
                Err(err) if is_reset(&err) => {
                    return self.dead(Failure::Died {
                        reason: err.to_string(),
                        replying: !self.input.is_empty(),
                    });
                }
                Err(err) => return self.dead(Failure::Broken(err.to_string())),
            }
        }
    }

    /// Why a connection the backend closed failed its requests (if any).
    fn closed_failure(&self) -> Failure {
        // A keyed backend runs nothing before a good hello: a close before
        // its welcome is a refused handshake (another key, most often; the
        // backend's log says which), and the request may go elsewhere.
        match self.handshake {
            Handshake::Challenge(_) => {
                return handshake_failure(&HandshakeError::NoChallenge {
                    found: "nothing (it closed the connection)".to_string(),
                });
            }
            Handshake::Welcome(_) => {
                return Failure::Unreachable(
                    "the split key's handshake failed: it closed the connection instead of \
                     welcoming our hello (does it hold the same split key? its log says why)"
                        .to_string(),
                );
            }
            Handshake::None | Handshake::Done => {}
        }
        if self.input.is_empty() {
            Failure::Died {
                reason: "it closed the connection without replying".to_string(),
                replying: false,
            }
        } else {
            Failure::Died {
                reason: "it closed the connection in the middle of its reply".to_string(),
                replying: true,
            }
        }
    }

    /// The outcome of the bytes in the input buffer: a whole reply (or a
    /// stream's head, chunk or end), a protocol error, or `None` for "not
    /// yet" (or nothing there).
    fn take_reply(&mut self) -> Option<Outcome> {
        loop {
            match self.take_frame() {
                Step::Done(outcome) => return outcome,
                Step::Skipped => {}
            }
        }
    }

    /// [`BackendConn::take_reply`]'s one frame.
    fn take_frame(&mut self) -> Step {
        if self.input.is_empty() {
            return Step::Done(None);
        }
        if streams::looks_like(self.input.bytes()) {
            return self.take_stream_frame();
        }
        let decoded = match codec::decode_response(self.input.bytes()) {
            Some((reply, used)) => Ok(Some((Ok(reply), used))),
            None => protocol::decode(self.input.bytes()).map(|message| {
                message.map(|(message, used)| match message {
                    Message::Response(reply) => (Ok(reply), used),
                    Message::Request(request) => (Err(request.id), used),
                })
            }),
        };
        let (reply, used) = match decoded {
            Ok(None) => return Step::Done(None),
            Ok(Some(decoded)) => decoded,
            // Version 3 written otherwise than we write it.
            Err(protocol::ProtocolError::UnsupportedVersion(streams::VERSION)) => {
                return self.take_stream_frame();
            }
            // A keyed backend's challenge, read by a front without the key:
            // it runs nothing before a hello, so another backend may try.
            Err(protocol::ProtocolError::UnsupportedVersion(handshake::VERSION)) => {
                return self.fail(Failure::Unreachable(
                    "it speaks version 2 (it has a split_key): give the front the same key \
                     (HTTPRS_SPLIT_KEY or --split-key-file)"
                        .to_string(),
                ));
            }
            Err(err) => return self.fail(Failure::Broken(err.to_string())),
        };
        let reply = match reply {
            Ok(reply) => reply,
            Err(id) => {
                let reason = format!("expected a reply, got a request (id {id})");
                return self.fail(Failure::Broken(reason));
            }
        };
        let Some(at) = (self.in_flight.iter()).position(|e| e.in_flight.id == reply.id) else {
            let reason = format!(
                "it sent a reply to request {}, which is not in flight",
                reply.id
            );
            return self.fail(Failure::Broken(reason));
        };
        // Whatever the reply holds, it is out of the buffer: the next one
        // starts behind it.
        self.input.consume(used);
        let entry = self.in_flight.remove(at).expect("found above");
        match protocol::response_from_message(reply) {
            Ok(res) => {
                self.replies += 1;
                Step::Done(Some(Outcome::Reply(entry.in_flight, res)))
            }
            Err(bad) => {
                // It fails with the rest, so put it back first.
                self.in_flight.push_front(entry);
                self.fail(Failure::Broken(bad.to_string()))
            }
        }
    }

    /// [`BackendConn::take_frame`] for a version-3 frame: a stream's head,
    /// chunk or end. A chunk or an end for a stream the front has
    /// cancelled (the cancel and they crossed) is dropped: [`Step::Skipped`].
    fn take_stream_frame(&mut self) -> Step {
        let (frame, used) = match streams::decode(self.input.bytes()) {
            Ok(None) => return Step::Done(None),
            Ok(Some(decoded)) => decoded,
            Err(err) => return self.fail(Failure::Broken(err.to_string())),
        };
        let open = self.streams.contains(&frame.id());
        let outcome = match frame {
            StreamFrame::Head {
                id,
                status,
                headers,
            } => {
                let Some(at) = (self.in_flight.iter()).position(|e| e.in_flight.id == id) else {
                    let reason =
                        format!("it sent a stream's head for request {id}, which is not in flight");
                    return self.fail(Failure::Broken(reason));
                };
                let head = protocol::Response {
                    id,
                    status,
                    headers,
                    body: Vec::new(),
                };
                // The checks a whole reply gets: a final status, clean fields.
                let res = match protocol::response_from_message(head) {
                    Ok(res) => res,
                    Err(bad) => return self.fail(Failure::Broken(bad.to_string())),
                };
                let entry = self.in_flight.remove(at).expect("found above");
                self.replies += 1;
                self.streams.push(id);
                Outcome::Head(entry.in_flight, res)
            }
            StreamFrame::Chunk { id, data } if open => Outcome::Chunk { id, data },
            StreamFrame::End { id, error } if open => {
                self.streams.retain(|&s| s != id);
                Outcome::End { id, error }
            }
            StreamFrame::Chunk { .. } | StreamFrame::End { .. } => {
                self.input.consume(used);
                return Step::Skipped;
            }
            StreamFrame::Credit { .. } | StreamFrame::Cancel { .. } => {
                let reason = "it sent a credit or a cancel, which only a front may send";
                return self.fail(Failure::Broken(reason.to_string()));
            }
        };
        self.input.consume(used);
        Step::Done(Some(outcome))
    }

    /// [`BackendConn::dead`] as a [`Step`].
    fn fail(&mut self, failure: Failure) -> Step {
        Step::Done(Some(self.dead(failure)))
    }

    /// The connection is done for: what it carried, and why each request
    /// failed. One whose frame had not left whole is `Unreachable` (the
    /// backend cannot have acted on it); of those sent, only the oldest can
    /// own the partial reply in the buffer (`replying`), since a backend
    /// writes each reply whole; a `Broken` connection fails them all.
    fn dead(&mut self, failure: Failure) -> Outcome {
        let mut lost = Vec::with_capacity(self.in_flight.len());
        let mut first_sent = true;
        // Before the welcome, nothing has run: a keyed backend of ours runs
        // no request before a good hello, and answers a good one with the
        // welcome ahead of any reply. So every request counts as unsent,
        // free to go to another backend whatever its method.
        let welcomed = matches!(self.handshake, Handshake::None | Handshake::Done);
        for Entry { in_flight, end, .. } in self.in_flight.drain(..) {
            let sent = welcomed && self.sent >= end;
            let own = match &failure {
                Failure::Broken(_) => failure.clone(),
                _ if !sent => Failure::Unreachable(match &failure {
                    Failure::Unreachable(reason) => reason.clone(),
                    _ => "it closed the connection before taking the request".to_string(),
                }),
                Failure::Unreachable(reason) => Failure::Died {
                    reason: reason.clone(),
                    replying: false,
                },
                Failure::Died { reason, replying } => Failure::Died {
                    reason: reason.clone(),
                    replying: *replying && first_sent,
                },
            };
            first_sent &= !sent;
            lost.push((in_flight, own));
        }
        Outcome::Dead { lost }
    }

    /// Writes what is queued, if the connection is ready, until done or
    /// the socket is full.
    fn flush(&mut self) -> io::Result<()> {
        if self.phase != Phase::Ready {
            return Ok(());
        }
        while self.written < self.output.len() {
            match self.link.write(&self.output[self.written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.written += n;
                    self.sent += n as u64;
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Reads once into `scratch` and appends what came to the input buffer.
    fn fill(&mut self, scratch: &mut [u8]) -> io::Result<()> {
        loop {
            return match self.link.read(scratch) {
                Ok(0) => {
                    self.closed = true;
                    self.readable = false;
                    Ok(())
                }
                Ok(n) => {
                    self.input.extend(&scratch[..n]);
                    // As in `client_conn.rs`: a short read emptied the socket,
                    // unless the FIN came with it (its edge is spent then).
                    if n < scratch.len() && !self.fin_arrived {
                        self.readable = false;
                    }
                    Ok(())
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    Ok(())
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => Err(err),
            };
        }
    }
}

/// A handshake that went wrong, as a failure of the connection: nothing
/// reached the application (a keyed backend runs no request before a valid
/// hello, and whatever sent a bad challenge or welcome is not our backend),
/// so the request may go to another backend, whatever its method.
fn handshake_failure(err: &HandshakeError) -> Failure {
    Failure::Unreachable(format!("the split key's handshake failed: it {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::fake_socket::FakeSocket;

    fn reply(id: u64, status: u16) -> Vec<u8> {
        protocol::encode(&Message::Response(protocol::Response {
            id,
            status,
            headers: vec![("X-A".into(), "1".into())],
            body: b"hi".to_vec(),
        }))
        .unwrap()
    }

    /// The failure of the one request a dead connection carried.
    fn only_failure(lost: Vec<(InFlight, Failure)>) -> Failure {
        let mut lost = lost.into_iter();
        match (lost.next(), lost.next()) {
            (Some((_, failure)), None) => failure,
            other => panic!("not one request lost: {other:?}"),
        }
    }

    const FLIGHT: InFlight = InFlight { exchange: 3, id: 7 };

    fn ready(link: FakeSocket) -> BackendConn<FakeSocket> {
        let mut up = BackendConn::new(FakeSocket { up: true, ..link }, 0, None);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        up
    }

    #[test]
    fn a_frame_waits_for_the_connect_then_leaves_and_its_reply_frees_the_connection() {
        let mut up = BackendConn::new(FakeSocket::default(), 1, None);
        up.send(FLIGHT, b"frame", Instant::now());
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert!(up.link.written.is_empty(), "nothing sent while connecting");
        up.link.up = true;
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert_eq!(up.link.written, b"frame");
        // The reply arrives in two pieces.
        let bytes = reply(7, 201);
        up.link.reads.push_back(bytes[..5].to_vec());
        up.mark_ready(true, false);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        up.link.reads.push_back(bytes[5..].to_vec());
        up.mark_ready(true, false);
        let Outcome::Reply(flight, res) = up.advance(&mut [0; 4096]) else {
            panic!("no reply");
        };
        assert_eq!((flight, res.status().code()), (FLIGHT, 201));
        assert_eq!(res.header("x-a"), Some("1"));
        assert!(up.accepts() && up.is_idle() && up.is_reused());
    }

    #[test]
    fn a_full_socket_sends_the_rest_of_the_frame_when_writable_again() {
        let mut up = ready(FakeSocket {
            room: Some(3),
            ..FakeSocket::default()
        });
        up.send(FLIGHT, b"frame", Instant::now());
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert_eq!(up.link.written, b"fra");
        // Dying now: the tail never left, so nothing ran.
        up.link.reset = true;
        up.mark_ready(true, true);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        let [(in_flight, failure)] = &lost[..] else {
            panic!("{lost:?}");
        };
        assert_eq!(*in_flight, FLIGHT);
        assert!(matches!(failure, Failure::Unreachable(_)), "{failure:?}");
    }

    #[test]
    fn a_refused_connect_is_unreachable() {
        let mut up = BackendConn::new(
            FakeSocket {
                refuse: true,
                ..FakeSocket::default()
            },
            0,
            None,
        );
        up.send(FLIGHT, b"frame", Instant::now());
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        let [(in_flight, failure)] = &lost[..] else {
            panic!("{lost:?}");
        };
        assert_eq!(*in_flight, FLIGHT);
        assert!(
            matches!(&failure, Failure::Unreachable(r) if r.contains("cannot connect")),
            "{failure:?}"
        );
    }

    #[test]
    fn a_close_before_or_during_the_reply_says_which() {
        let mut up = ready(FakeSocket::default());
        up.send(FLIGHT, b"frame", Instant::now());
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        let failure = only_failure(lost);
        assert!(
            matches!(
                failure,
                Failure::Died {
                    replying: false,
                    ..
                }
            ),
            "{failure:?}"
        );
        let mut up = ready(FakeSocket::default());
        up.send(FLIGHT, b"frame", Instant::now());
        up.link.reads.push_back(reply(7, 200)[..6].to_vec());
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        let failure = only_failure(lost);
        assert!(
            matches!(failure, Failure::Died { replying: true, .. }),
            "{failure:?}"
        );
    }

    #[test]
    fn an_idle_connection_the_backend_closes_is_dead_with_nothing_in_flight() {
        let mut up = ready(FakeSocket::default());
        up.link.eof = true;
        up.mark_ready(true, true);
        assert!(matches!(
            up.advance(&mut [0; 4096]),
            Outcome::Dead { lost } if lost.is_empty()
        ));
    }

    #[test]
    fn a_reply_with_another_id_a_bad_status_or_unasked_is_broken() {
        for (bytes, send) in [
            (reply(8, 200), true),
            (reply(7, 99), true),
            (reply(7, 200), false),
        ] {
            let mut up = ready(FakeSocket::default());
            if send {
                up.send(FLIGHT, b"frame", Instant::now());
            }
            up.link.reads.push_back(bytes);
            up.mark_ready(true, false);
            let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
                panic!("not dead");
            };
            // Unasked, the reply breaks a connection that carried nothing.
            if send {
                let failure = only_failure(lost);
                assert!(matches!(failure, Failure::Broken(_)), "{failure:?}");
            } else {
                assert!(lost.is_empty(), "{lost:?}");
            }
        }
    }

    fn flight(n: u64) -> InFlight {
        InFlight {
            exchange: n as usize,
            id: n,
        }
    }

    #[test]
    fn frames_queued_together_leave_in_one_write_and_replies_in_any_order_find_theirs() {
        let mut up = ready(FakeSocket::default());
        let now = Instant::now();
        for n in 1..=3 {
            up.send(flight(n), format!("f{n}").as_bytes(), now);
        }
        assert_eq!(up.load(), 3);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert_eq!(up.link.written, b"f1f2f3");
        // 3, then 1 and 2 in one read.
        up.link.reads.push_back(reply(3, 203));
        up.link
            .reads
            .push_back([reply(1, 201), reply(2, 202)].concat());
        up.mark_ready(true, false);
        let mut got = Vec::new();
        while let Outcome::Reply(flight, res) = up.advance(&mut [0; 4096]) {
            got.push((flight.id, res.status().code()));
            up.mark_ready(true, false);
        }
        assert_eq!(got, [(3, 203), (1, 201), (2, 202)]);
        assert!(up.is_idle() && up.accepts());
    }

    #[test]
    fn a_connection_full_of_requests_takes_no_more() {
        let mut up = ready(FakeSocket::default());
        for n in 0..MAX_IN_FLIGHT as u64 {
            assert!(up.accepts());
            up.send(flight(n), b"f", Instant::now());
        }
        assert!(!up.accepts());
    }

    #[test]
    fn a_death_with_several_in_flight_says_for_each_whether_it_ran_or_replied() {
        // Room for the first two frames only: the third never leaves whole.
        let mut up = ready(FakeSocket {
            room: Some(5),
            ..FakeSocket::default()
        });
        let now = Instant::now();
        up.send(flight(1), b"aa", now);
        up.send(flight(2), b"bb", now);
        up.send(flight(3), b"cc", now);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        // Part of a reply (the oldest's), then the backend goes away.
        up.link.reads.push_back(reply(1, 200)[..6].to_vec());
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        let kinds: Vec<(u64, &str)> = lost
            .iter()
            .map(|(f, failure)| {
                let kind = match failure {
                    Failure::Died { replying: true, .. } => "replying",
                    Failure::Died { .. } => "ran",
                    Failure::Unreachable(_) => "unsent",
                    Failure::Broken(_) => "broken",
                };
                (f.id, kind)
            })
            .collect();
        assert_eq!(kinds, [(1, "replying"), (2, "ran"), (3, "unsent")]);
    }

    #[test]
    fn giving_up_on_a_connection_hands_back_all_it_carried() {
        let mut up = ready(FakeSocket::default());
        let now = Instant::now();
        up.send(flight(1), b"aa", now);
        up.send(flight(2), b"bb", now);
        assert_eq!(up.oldest(), Some(now));
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        let lost = up.give_up();
        assert_eq!(lost.iter().map(|(f, _)| f.id).collect::<Vec<_>>(), [1, 2]);
        assert!(
            lost.iter().all(|(_, f)| matches!(
                f,
                Failure::Died {
                    replying: false,
                    ..
                }
            )),
            "{lost:?}"
        );
    }

    fn stream_frame(frame: &StreamFrame) -> Vec<u8> {
        let mut bytes = Vec::new();
        streams::encode(frame, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_streams_head_frees_its_request_and_its_chunks_come_between_other_replies() {
        let mut up = ready(FakeSocket::default());
        let now = Instant::now();
        up.send(flight(1), b"f1", now);
        up.send(flight(2), b"f2", now);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        let head = StreamFrame::Head {
            id: 1,
            status: 200,
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
        };
        let chunk = StreamFrame::Chunk {
            id: 1,
            data: b"data: a\n\n".to_vec(),
        };
        let end = StreamFrame::End { id: 1, error: None };
        up.link.reads.push_back(
            [
                stream_frame(&head),
                stream_frame(&chunk),
                reply(2, 200),
                stream_frame(&chunk),
                stream_frame(&end),
            ]
            .concat(),
        );
        up.mark_ready(true, false);
        let mut seen = Vec::new();
        loop {
            match up.advance(&mut [0; 4096]) {
                Outcome::Head(flight, res) => {
                    assert_eq!(res.header("content-type"), Some("text/event-stream"));
                    // The head answers the request: no longer in flight.
                    assert_eq!(up.load(), 1);
                    assert!(!up.is_idle(), "a stream is open");
                    seen.push(format!("head {}", flight.id));
                }
                Outcome::Chunk { id, data } => {
                    seen.push(format!("chunk {id} {}", String::from_utf8(data).unwrap()));
                }
                Outcome::Reply(flight, _) => seen.push(format!("reply {}", flight.id)),
                Outcome::End { id, error } => seen.push(format!("end {id} {error:?}")),
                Outcome::Wait => break,
                Outcome::Dead { lost } => panic!("dead: {lost:?}"),
            }
        }
        assert_eq!(
            seen,
            [
                "head 1",
                "chunk 1 data: a\n\n",
                "reply 2",
                "chunk 1 data: a\n\n",
                "end 1 None"
            ]
        );
        assert!(up.is_idle() && up.accepts());
    }

    #[test]
    fn after_a_cancel_the_streams_late_chunks_are_dropped_and_a_credit_from_a_backend_breaks() {
        let mut up = ready(FakeSocket::default());
        up.send(FLIGHT, b"frame", Instant::now());
        let head = StreamFrame::Head {
            id: 7,
            status: 200,
            headers: vec![],
        };
        up.link.reads.push_back(stream_frame(&head));
        up.mark_ready(true, false);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Head(..)));
        up.credit(7, 100);
        up.cancel(7);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        let written = String::from_utf8_lossy(&up.link.written).into_owned();
        assert!(
            written.ends_with(r#"{"v":3,"type":"cancel","id":7}"#),
            "{written}"
        );
        assert!(written.contains(r#"{"v":3,"type":"credit","id":7,"bytes":100}"#));
        // The chunk and the cancel crossed: dropped, and the reply behind it read.
        let late = StreamFrame::Chunk {
            id: 7,
            data: b"late".to_vec(),
        };
        up.send(flight(8), b"f8", Instant::now());
        up.link
            .reads
            .push_back([stream_frame(&late), reply(8, 200)].concat());
        up.mark_ready(true, false);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Reply(f, _) if f.id == 8));
        // Only a front grants credit.
        up.send(flight(9), b"f9", Instant::now());
        let credit = StreamFrame::Credit { id: 9, bytes: 1 };
        up.link.reads.push_back(stream_frame(&credit));
        up.mark_ready(true, false);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("a credit from a backend was believed");
        };
        assert!(matches!(only_failure(lost), Failure::Broken(_)));
    }

    /// A keyed connection with frames `one` and `two` queued, past the
    /// challenge, its socket taking at most `room` bytes: it, and the
    /// welcome the backend would send for the hello it wrote.
    fn keyed_past_the_challenge(room: Option<usize>) -> (BackendConn<FakeSocket>, Vec<u8>) {
        use crate::split::handshake::BackendHandshake;
        let key = SecretKey::new(*b"a unit test split key, 32 bytes at least").unwrap();
        let (backend, challenge) = BackendHandshake::new(key.clone(), [7; 32]);
        let mut up = BackendConn::new(
            FakeSocket {
                up: true,
                room,
                ..FakeSocket::default()
            },
            0,
            Some(key),
        );
        let now = Instant::now();
        up.send(flight(1), b"one", now);
        up.send(flight(2), b"two", now);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert!(up.is_handshaking() && up.link.written.is_empty());
        up.link.reads.push_back(challenge);
        up.mark_ready(true, false);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        // The hello first, then the frames, in one go.
        let written = up.link.written.clone();
        let (welcome, used) = backend.receive(&written).unwrap().unwrap();
        assert_eq!(&written[used..], &b"onetwo"[..written.len() - used]);
        (up, welcome)
    }

    #[test]
    fn with_a_key_frames_leave_behind_the_hello_and_replies_count_after_the_welcome() {
        let (mut up, welcome) = keyed_past_the_challenge(None);
        up.link
            .reads
            .push_back([welcome, reply(2, 200), reply(1, 201)].concat());
        up.mark_ready(true, false);
        let mut seen = Vec::new();
        while let Outcome::Reply(flight, res) = up.advance(&mut [0; 4096]) {
            seen.push((flight.id, res.status().code()));
        }
        assert_eq!(seen, [(2, 200), (1, 201)]);
        assert!(up.is_idle() && up.accepts());
    }

    #[test]
    fn a_reply_without_the_welcome_is_not_believed_and_nothing_counts_as_run() {
        let (mut up, _welcome) = keyed_past_the_challenge(None);
        up.link.reads.push_back(reply(1, 200));
        up.mark_ready(true, false);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("a reply without a welcome was believed");
        };
        // Whatever answered proved no key: not our backend, so none of
        // ours ran either request, and both may go elsewhere.
        assert_eq!(lost.len(), 2);
        for (flight, failure) in &lost {
            assert!(
                matches!(failure, Failure::Unreachable(_)),
                "request {}: {failure:?}",
                flight.id
            );
        }
    }

    #[test]
    fn the_hello_in_front_does_not_make_an_unsent_frame_look_sent() {
        // The hello's length, from a connection with room for everything.
        let (whole, _) = keyed_past_the_challenge(None);
        let hello = whole.link.written.len() - b"onetwo".len();
        // Room for the hello and `one`: `two` stays in the buffer.
        let (mut up, welcome) = keyed_past_the_challenge(Some(hello + 3));
        up.link.reads.push_back(welcome);
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { lost } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        // `one` left whole and may have run; `two` never left, and may go
        // to another backend whatever its method. Counting the hello's bytes
        // as the frames' would call `two` sent, and a GET a 502.
        let kinds: Vec<(u64, bool)> = lost
            .iter()
            .map(|(f, failure)| (f.id, matches!(failure, Failure::Unreachable(_))))
            .collect();
        assert_eq!(kinds, [(1, false), (2, true)], "{lost:?}");
    }
}
