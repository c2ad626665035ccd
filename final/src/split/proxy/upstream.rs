//! One connection from the front to a backend, owned by an event loop: its
//! socket, its buffers, the request in flight on it, and where it is in its
//! life (connecting, handshaking, ready).
//!
//! It is `server/connection.rs` seen from the other side. That file holds a
//! browser's connection between two wake-ups; this one holds the front's
//! connection to a backend, which never blocks either: the socket is a
//! non-blocking `mio` stream registered edge-triggered with the loop, the
//! request frame waits in `output` until the socket takes it, and the reply
//! collects in `input` until it is whole. [`Upstream::advance`] moves it as
//! far as it goes and says what happened ([`Outcome`]); what to do about it
//! (retry, mark the backend down, answer 502) is the loop's forwarder's
//! business (`forwarder.rs`), which decides from the [`Failure`] this file
//! names. The socket is any [`Link`], so the tests below drive the whole
//! machine with a scripted fake, no network at all.
//!
//! **One request in flight.** A connection carries one request at a time,
//! as nginx's upstream keep-alive connections do: a slow request holds its
//! own connection and nobody queues behind it. Step 06's `PROTOCOL.md` says
//! why the front does not multiplex.
//!
//! **Phases.** A connection is *connecting* until the kernel says whether
//! the backend accepted it, then *ready*. With a split key (version 2 of
//! the protocol, `split/auth.rs`) it is *handshaking* in between: the
//! request frame waits in `output`, unsent, until the backend's challenge
//! has come and the hello that answers it is queued ahead of the frame.
//! The two then leave together, so the handshake costs the front no round
//! trip of its own; the backend's welcome, which proves it holds the key
//! too, is checked before its first reply is believed. Without a key a
//! connected socket is ready at once (version 1).

use std::io::{self, Read, Write};

use mio::net::TcpStream;

use super::retry::{Failure, is_reset};
use crate::app::settings::SecretKey;
use crate::http::buffer::InputBuffer;
use crate::http::response::Response;
use crate::split::auth::{self, FrontHandshake, HandshakeError};
use crate::split::codec;
use crate::split::protocol::{self, Message};

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

/// The request on a connection: which exchange of the forwarder it is,
/// and the id its reply must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) exchange: usize,
    pub(crate) id: u64,
}

/// What [`Upstream::advance`] leaves for the forwarder to do.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Nothing more until the socket is ready again.
    Wait,
    /// The reply to the request in flight, already checked (a status and
    /// fields fit for a browser). The connection is free again, if
    /// [`Upstream::reusable`].
    Reply(InFlight, Response),
    /// The connection is of no more use: close it. `in_flight`: the request
    /// it carried (none for an idle connection the backend closed), and why.
    Dead {
        in_flight: Option<InFlight>,
        failure: Failure,
    },
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
pub(crate) struct Upstream<L: Link = TcpStream> {
    link: L,
    /// Which of the proxy's backends this connection goes to.
    pub(crate) backend: usize,
    phase: Phase,
    handshake: Handshake,
    /// The frame being sent, and how much of it the socket has taken.
    output: Vec<u8>,
    written: usize,
    input: InputBuffer,
    in_flight: Option<InFlight>,
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

impl<L: Link> Upstream<L> {
    /// A connection whose connect to `backend` is under way on `link`;
    /// with a `key`, it begins with version 2's handshake.
    pub(crate) fn new(link: L, backend: usize, key: Option<SecretKey>) -> Upstream<L> {
        Upstream {
            link,
            backend,
            phase: Phase::Connecting,
            handshake: key.map_or(Handshake::None, Handshake::Challenge),
            output: Vec::new(),
            written: 0,
            input: InputBuffer::new(),
            in_flight: None,
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

    /// Whether another request may go out on this connection: nothing in
    /// flight, nothing unexpected in the input buffer, not closed.
    pub(crate) fn reusable(&self) -> bool {
        self.in_flight.is_none() && self.input.is_empty() && !self.closed && !self.fin_arrived
    }

    /// The request in flight on this connection, if any.
    pub(crate) fn in_flight(&self) -> Option<InFlight> {
        self.in_flight
    }

    /// An event came: the socket may be readable (`read_closed`: with the
    /// backend's FIN behind the bytes), and may be writable.
    pub(crate) fn mark_ready(&mut self, readable: bool, read_closed: bool) {
        self.readable |= readable;
        self.fin_arrived |= read_closed;
    }

    /// Puts request `in_flight`'s `frame` on this free connection; it leaves
    /// at the next [`Upstream::advance`], once the connection is ready.
    pub(crate) fn send(&mut self, in_flight: InFlight, frame: &[u8]) {
        debug_assert!(
            self.in_flight.is_none(),
            "one request in flight per connection"
        );
        self.in_flight = Some(in_flight);
        // What has left is done with; a hello not yet sent stays in front.
        self.output.drain(..self.written);
        self.written = 0;
        self.output.extend_from_slice(frame);
    }

    /// Whether the whole frame in flight has left (the backend may act on it).
    fn frame_sent(&self) -> bool {
        self.written == self.output.len()
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
        let nonce = auth::fresh_nonce()
            .map_err(|err| Failure::Unreachable(format!("no random nonce: {err}")))?;
        match FrontHandshake::answer(key, nonce, self.input.bytes()) {
            Ok(None) => Ok(false),
            Ok(Some((hello, handshake, used))) => {
                self.input.consume(used);
                debug_assert_eq!(self.written, 0, "nothing leaves before the hello");
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
                    let failure = match self.in_flight {
                        Some(_) if !self.frame_sent() => {
                            Failure::Unreachable(format!("cannot send: {err}"))
                        }
                        _ => Failure::Died {
                            reason: err.to_string(),
                            replying: !self.input.is_empty(),
                        },
                    };
                    return self.dead(failure);
                }
                Err(err) => return self.dead(Failure::Broken(err.to_string())),
            }
        }
    }

    /// Why a connection the backend closed failed its request (if any).
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
        if self.in_flight.is_some() && !self.frame_sent() {
            return Failure::Unreachable(
                "it closed the connection before taking the request".to_string(),
            );
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

    /// The outcome of the bytes in the input buffer: a whole reply, a
    /// protocol error, or `None` for "not yet" (or nothing there).
    fn take_reply(&mut self) -> Option<Outcome> {
        if self.input.is_empty() {
            return None;
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
        let (reply, used) =
            match decoded {
                Ok(None) => return None,
                Ok(Some(decoded)) => decoded,
                // A keyed backend's challenge, read by a front without the key:
                // it runs nothing before a hello, so another backend may try.
                Err(protocol::ProtocolError::UnsupportedVersion(auth::VERSION)) => {
                    return Some(self.dead(Failure::Unreachable(
                    "it speaks version 2 (it has a split_key): give the front the same key \
                     (HTTPRS_SPLIT_KEY or --split-key-file)"
                        .to_string(),
                )));
                }
                Err(err) => return Some(self.dead(Failure::Broken(err.to_string()))),
            };
        let Some(in_flight) = self.in_flight else {
            return Some(self.dead(Failure::Broken("it sent a reply to no request".to_string())));
        };
        let reply = match reply {
            Ok(reply) if reply.id == in_flight.id => reply,
            Ok(reply) => {
                return Some(self.dead(Failure::Broken(format!(
                    "expected the reply to request {}, got the reply to request {}",
                    in_flight.id, reply.id
                ))));
            }
            Err(id) => {
                return Some(self.dead(Failure::Broken(format!(
                    "expected the reply to request {}, got a request (id {id})",
                    in_flight.id
                ))));
            }
        };
        self.input.consume(used);
        match protocol::response_from_message(reply) {
            Ok(res) => {
                self.in_flight = None;
                self.replies += 1;
                Some(Outcome::Reply(in_flight, res))
            }
            Err(bad) => Some(self.dead(Failure::Broken(bad.to_string()))),
        }
    }

    /// The connection is done for: what it carried, and why.
    fn dead(&mut self, failure: Failure) -> Outcome {
        Outcome::Dead {
            in_flight: self.in_flight.take(),
            failure,
        }
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
                Ok(n) => self.written += n,
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
                    // As in `connection.rs`: a short read emptied the socket,
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
    use std::collections::VecDeque;

    use super::*;

    /// A socket with scripted reads (then `WouldBlock`, or the end of the
    /// stream once `eof`), taking at most `room` bytes of writes, connected
    /// once `up` is set (or failing with `refuse`).
    #[derive(Default)]
    struct FakeLink {
        reads: VecDeque<Vec<u8>>,
        eof: bool,
        reset: bool,
        written: Vec<u8>,
        room: Option<usize>,
        up: bool,
        refuse: bool,
    }

    impl Read for FakeLink {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.reads.pop_front() {
                Some(chunk) => {
                    buf[..chunk.len()].copy_from_slice(&chunk);
                    Ok(chunk.len())
                }
                None if self.reset => Err(io::ErrorKind::ConnectionReset.into()),
                None if self.eof => Ok(0),
                None => Err(io::ErrorKind::WouldBlock.into()),
            }
        }
    }

    impl Write for FakeLink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room.unwrap_or(usize::MAX));
            if n == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            if let Some(room) = &mut self.room {
                *room -= n;
            }
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Link for FakeLink {
        fn connected(&self) -> io::Result<bool> {
            if self.refuse {
                return Err(io::ErrorKind::ConnectionRefused.into());
            }
            Ok(self.up)
        }
    }

    fn reply(id: u64, status: u16) -> Vec<u8> {
        protocol::encode(&Message::Response(protocol::Response {
            id,
            status,
            headers: vec![("X-A".into(), "1".into())],
            body: b"hi".to_vec(),
        }))
        .unwrap()
    }

    const FLIGHT: InFlight = InFlight { exchange: 3, id: 7 };

    fn ready(link: FakeLink) -> Upstream<FakeLink> {
        let mut up = Upstream::new(FakeLink { up: true, ..link }, 0, None);
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        up
    }

    #[test]
    fn a_frame_waits_for_the_connect_then_leaves_and_its_reply_frees_the_connection() {
        let mut up = Upstream::new(FakeLink::default(), 1, None);
        up.send(FLIGHT, b"frame");
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
        assert!(up.reusable() && up.is_reused());
    }

    #[test]
    fn a_full_socket_sends_the_rest_of_the_frame_when_writable_again() {
        let mut up = ready(FakeLink {
            room: Some(3),
            ..FakeLink::default()
        });
        up.send(FLIGHT, b"frame");
        assert!(matches!(up.advance(&mut [0; 4096]), Outcome::Wait));
        assert_eq!(up.link.written, b"fra");
        // Dying now: the tail never left, so nothing ran.
        up.link.reset = true;
        up.mark_ready(true, true);
        let Outcome::Dead { in_flight, failure } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        assert_eq!(in_flight, Some(FLIGHT));
        assert!(matches!(failure, Failure::Unreachable(_)), "{failure:?}");
    }

    #[test]
    fn a_refused_connect_is_unreachable() {
        let mut up = Upstream::new(
            FakeLink {
                refuse: true,
                ..FakeLink::default()
            },
            0,
            None,
        );
        up.send(FLIGHT, b"frame");
        let Outcome::Dead { in_flight, failure } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        assert_eq!(in_flight, Some(FLIGHT));
        assert!(
            matches!(&failure, Failure::Unreachable(r) if r.contains("cannot connect")),
            "{failure:?}"
        );
    }

    #[test]
    fn a_close_before_or_during_the_reply_says_which() {
        let mut up = ready(FakeLink::default());
        up.send(FLIGHT, b"frame");
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { failure, .. } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
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
        let mut up = ready(FakeLink::default());
        up.send(FLIGHT, b"frame");
        up.link.reads.push_back(reply(7, 200)[..6].to_vec());
        up.link.eof = true;
        up.mark_ready(true, true);
        let Outcome::Dead { failure, .. } = up.advance(&mut [0; 4096]) else {
            panic!("not dead");
        };
        assert!(
            matches!(failure, Failure::Died { replying: true, .. }),
            "{failure:?}"
        );
    }

    #[test]
    fn an_idle_connection_the_backend_closes_is_dead_with_nothing_in_flight() {
        let mut up = ready(FakeLink::default());
        up.link.eof = true;
        up.mark_ready(true, true);
        assert!(matches!(
            up.advance(&mut [0; 4096]),
            Outcome::Dead {
                in_flight: None,
                ..
            }
        ));
    }

    #[test]
    fn a_reply_with_another_id_a_bad_status_or_unasked_is_broken() {
        for (bytes, send) in [
            (reply(8, 200), true),
            (reply(7, 99), true),
            (reply(7, 200), false),
        ] {
            let mut up = ready(FakeLink::default());
            if send {
                up.send(FLIGHT, b"frame");
            }
            up.link.reads.push_back(bytes);
            up.mark_ready(true, false);
            let Outcome::Dead { failure, .. } = up.advance(&mut [0; 4096]) else {
                panic!("not dead");
            };
            assert!(matches!(failure, Failure::Broken(_)), "{failure:?}");
        }
    }
}
