//! One WebSocket connection as a state machine, with no socket in it.
//!
//! Like the request decoder, this is *sans-IO*: the event loop hands it the
//! bytes each read brought ([`WebSocket::feed`]) and takes events off it one
//! at a time ([`WebSocket::next_event`]): messages, pings, the close. The
//! application's sends and the answers the protocol owes (a pong for each
//! ping, the close echoed) pile up in an output buffer that the loop writes
//! when the socket can take it. The same code runs under a test that feeds
//! it bytes, a fuzzer, or a thread with a blocking socket.
//!
//! Why events are *pulled* one at a time rather than returned all at once:
//! order. If a read brings a message and then the peer's close, an echo
//! server must answer the message before it echoes the close (no data may
//! follow a close frame). Pulled one by one, the message is answered while
//! the close is still unread; decoded in one go, the close would already
//! have been answered.
//!
//! A server whose handler answers somewhere else cannot do that: the event
//! loop posts each message to the worker pool and reads on, so the close
//! may be read before the handler has answered what came before it. Such a
//! server calls [`hold_close_replies`](WebSocket::hold_close_replies): the
//! peer's close (or a fault) then moves the machine to `Closing`, where
//! nothing more is read but sends still go, and the close reply waits for
//! [`release_close`](WebSocket::release_close), which the loop calls once
//! the handler has caught up. (RFC 6455 §5.5.1: an endpoint "MAY delay
//! sending a Close frame until its current message is sent".)
//!
//! The payload of a frame is not held until the frame is whole: each piece
//! moves into the message being assembled, unmasked and (for text) checked
//! as it lands. So memory per connection is bounded by the maximum message
//! size plus what one read brought, however the peer splits or announces
//! its frames.
//!
//! The lifecycle: `Open` → (we call [`close`](WebSocket::close)) `CloseSent`
//! → (the peer's close arrives) `Closed`; or `Open` → (the peer's close
//! arrives; we echo it) `Closed`; or, from either, a protocol fault → the
//! close frame with its code is queued → `Closed`. With the reply held,
//! `Open` → (the peer's close, or a fault) `Closing` → (released) `Closed`.
//! Once closed, nothing
//! more is read; the loop writes what is left in the output and closes
//! the socket (RFC 6455 §7.1.1: the server closes TCP first).

use std::fmt;

use super::close::CloseFrame;
use super::close_code::CloseCode;
use super::error::ProtocolError;
use super::frame::{
    FrameHeader, MAX_CONTROL_PAYLOAD, Opcode, Role, apply_mask, encode_frame, parse_header,
};
use super::message::{Assembler, Message};
use crate::http::buffer::InputBuffer;

/// What [`WebSocket::next_event`] found in the bytes fed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole text or binary message.
    Message(Message),
    /// The peer pinged; the pong with the same payload is already queued.
    Ping(Vec<u8>),
    /// The peer's pong (or unasked heartbeat).
    Pong(Vec<u8>),
    /// The peer's close frame. If we had not closed first, our answer (its
    /// code echoed) is queued. Either way the connection is now closed.
    Closed(CloseFrame),
    /// The peer broke the protocol: a close frame with the error's code is
    /// queued and the connection is closed.
    Failed(ProtocolError),
}

/// Why a send was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// A close frame was already sent (or the connection failed): RFC 6455
    /// allows no data frame after it.
    Closed,
    /// A ping's payload over the 125 bytes a control frame holds.
    ControlTooLong,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed => f.write_str("the WebSocket is closing or closed"),
            SendError::ControlTooLong => f.write_str("a control frame holds at most 125 bytes"),
        }
    }
}

impl std::error::Error for SendError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// We sent a close frame and wait for the peer's.
    CloseSent,
    /// The peer's close came (or it broke the protocol), and our reply is
    /// held (see the module docs): read nothing more; sends still go.
    Closing,
    /// Both close frames went (or the connection failed): read nothing more.
    Closed,
}

/// The frame whose payload is arriving, and how much of it has.
#[derive(Debug)]
struct InFrame {
    header: FrameHeader,
    got: u64,
}

/// One end of a WebSocket connection, sans-IO: bytes in, events out, bytes
/// to write.
///
/// ```
/// use httprs::dev::websocket::{Event, Message, WebSocket};
///
/// let mut server = WebSocket::server(1 << 20);
/// // The RFC's example: a masked "Hello" from a client.
/// server.feed(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// assert_eq!(server.next_event(), Some(Event::Message(Message::Text("Hello".into()))));
/// assert_eq!(server.next_event(), None); // not enough bytes for another yet
/// server.send_text("Hi").unwrap();
/// assert_eq!(server.take_output(), [0x81, 0x02, b'H', b'i']);
/// ```
#[derive(Debug)]
pub struct WebSocket {
    role: Role,
    state: State,
    /// Bytes fed and not yet decoded.
    input: InputBuffer,
    frame: Option<InFrame>,
    assembler: Assembler,
    /// A control frame's payload as it arrives (at most 125 bytes).
    control: Vec<u8>,
    output: Vec<u8>,
    /// A client's masking keys: a xorshift sequence seeded from the OS.
    mask_seed: u32,
    /// Whether a close reply waits for [`WebSocket::release_close`].
    hold_close: bool,
    /// The close payload held in `Closing`.
    held_close: Option<Vec<u8>>,
}

impl WebSocket {
    /// The server's end: it expects masked frames and sends plain ones, and
    /// refuses messages over `max_message` bytes (1009).
    pub fn server(max_message: usize) -> WebSocket {
        WebSocket::new(Role::Server, max_message)
    }

    /// The client's end, for tests and tools: it expects plain frames and
    /// masks its own. Its keys come from a generator seeded by the OS, fit
    /// for a test client, not for a browser facing hostile proxies.
    pub fn client(max_message: usize) -> WebSocket {
        WebSocket::new(Role::Client, max_message)
    }

    fn new(role: Role, max_message: usize) -> WebSocket {
        let mut seed = [0; 4];
        // Only a client masks; a failed seed leaves a fixed non-zero start.
        let _ = getrandom::getrandom(&mut seed);
        WebSocket {
            role,
            state: State::Open,
            input: InputBuffer::new(),
            frame: None,
            assembler: Assembler::new(max_message),
            control: Vec::new(),
            output: Vec::new(),
            mask_seed: u32::from_ne_bytes(seed) | 1,
            hold_close: false,
            held_close: None,
        }
    }

    /// From now on, the answer to the peer's close (or to a fault) waits
    /// for [`release_close`](WebSocket::release_close) instead of being
    /// queued at once; until then sends still go (see the module docs).
    pub fn hold_close_replies(&mut self) {
        self.hold_close = true;
    }

    /// Queues the close reply held since the peer's close (or a fault), and
    /// closes; does nothing unless [`is_closing`](WebSocket::is_closing).
    pub fn release_close(&mut self) {
        if let Some(payload) = self.held_close.take() {
            self.write_frame(Opcode::Close, &payload);
        }
        if self.state == State::Closing {
            self.state = State::Closed;
        }
    }

    /// Whether a close reply is held (see [`hold_close_replies`](WebSocket::hold_close_replies)).
    pub fn is_closing(&self) -> bool {
        self.state == State::Closing
    }

    /// Takes bytes read from the socket, in any pieces. Nothing is decoded
    /// until [`next_event`](WebSocket::next_event); bytes fed after the
    /// connection closed are dropped.
    pub fn feed(&mut self, bytes: &[u8]) {
        if !matches!(self.state, State::Closed | State::Closing) {
            self.input.extend(bytes);
        }
    }

    /// Decodes what was fed until it completes one event; `None` when the
    /// bytes so far complete none (not enough bytes yet is not an error) or
    /// the connection is closed. A protocol fault is [`Event::Failed`], and
    /// the last event.
    pub fn next_event(&mut self) -> Option<Event> {
        // The input is taken out while a step reads it, so that the step may
        // change the rest of `self`; it goes back before returning.
        let mut input = std::mem::take(&mut self.input);
        let mut event = None;
        while event.is_none() && self.reading() && !input.is_empty() {
            match self.step(input.bytes()) {
                Ok((0, _)) => break,
                Ok((used, found)) => {
                    input.consume(used);
                    event = found;
                }
                Err(err) => {
                    self.fail(err);
                    event = Some(Event::Failed(err));
                }
            }
        }
        if !self.reading() {
            input = InputBuffer::new();
        }
        self.input = input;
        event
    }

    /// Whether input still means anything: not once the peer's close (or
    /// a fault) was read.
    fn reading(&self) -> bool {
        matches!(self.state, State::Open | State::CloseSent)
    }

    /// Feeds `bytes` and takes every event they complete. Handy in tests;
    /// a server that answers messages should pull them with
    /// [`next_event`](WebSocket::next_event), to answer each before a close
    /// that came behind it is read.
    pub fn feed_all(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.feed(bytes);
        std::iter::from_fn(|| self.next_event()).collect()
    }

    /// Queues a text message as one frame.
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] once a close frame has gone.
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.send(Opcode::Text, text.as_bytes())
    }

    /// Queues a binary message as one frame.
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] once a close frame has gone.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.send(Opcode::Binary, data)
    }

    /// Queues a ping (a heartbeat; the peer answers with a pong).
    ///
    /// # Errors
    ///
    /// [`SendError::ControlTooLong`] over 125 bytes; [`SendError::Closed`]
    /// once a close frame has gone.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong);
        }
        self.send(Opcode::Ping, payload)
    }

    /// Starts the close handshake: queues a close frame with `code` and
    /// `reason` (cut to fit 123 bytes); the peer's answer arrives as
    /// [`Event::Closed`].
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] if a close frame has already gone.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        let payload = CloseFrame {
            code: Some(code),
            reason: reason.to_owned(),
        }
        .payload();
        self.send(Opcode::Close, &payload)?;
        // While a reply is held the peer's close has come already: ours,
        // sent now, ends the handshake in its place.
        self.state = match self.state {
            State::Closing => State::Closed,
            _ => State::CloseSent,
        };
        self.held_close = None;
        Ok(())
    }

    /// The bytes waiting to be written, oldest first.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Drops the first `n` bytes of [`output`](WebSocket::output), once the
    /// socket took them.
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n.min(self.output.len()));
    }

    /// Takes all the bytes waiting to be written.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Whether the connection is over: nothing more is read or sent. The
    /// loop writes what [`output`](WebSocket::output) still holds, then
    /// closes the socket.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    fn send(&mut self, opcode: Opcode, payload: &[u8]) -> Result<(), SendError> {
        if !matches!(self.state, State::Open | State::Closing) {
            return Err(SendError::Closed);
        }
        self.write_frame(opcode, payload);
        Ok(())
    }

    fn write_frame(&mut self, opcode: Opcode, payload: &[u8]) {
        let mask = match self.role {
            Role::Server => None,
            Role::Client => Some(self.next_mask()),
        };
        encode_frame(&mut self.output, true, opcode, payload, mask);
    }

    fn next_mask(&mut self) -> [u8; 4] {
        // xorshift32: cheap, never zero from a non-zero seed.
        let mut x = self.mask_seed;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.mask_seed = x;
        x.to_ne_bytes()
    }

    /// Fails the connection: our close frame carries the fault's code,
    /// unless we had already sent one.
    fn fail(&mut self, err: ProtocolError) {
        if self.state == State::Open {
            let payload = CloseFrame {
                code: Some(err.close_code()),
                reason: err.to_string(),
            }
            .payload();
            self.reply_close(payload);
        } else {
            self.state = State::Closed;
        }
    }

    /// Answers the peer's close (or a fault) with `payload`, now or, when
    /// replies are held, at [`release_close`](WebSocket::release_close).
    fn reply_close(&mut self, payload: Vec<u8>) {
        if self.hold_close {
            self.held_close = Some(payload);
            self.state = State::Closing;
        } else {
            self.write_frame(Opcode::Close, &payload);
            self.state = State::Closed;
        }
    }

    /// Takes what it can from `bytes`: a header, or payload of the current
    /// frame. Returns how many bytes it used (0: not enough for a header
    /// yet) and the event a frame's end completed, if any.
    fn step(&mut self, bytes: &[u8]) -> Result<(usize, Option<Event>), ProtocolError> {
        let Some(frame) = &mut self.frame else {
            let Some(header) = parse_header(bytes, self.role)? else {
                return Ok((0, None));
            };
            if header.opcode.is_control() {
                self.control.clear();
            } else {
                self.assembler.start_frame(&header)?;
            }
            if header.payload_len > 0 {
                self.frame = Some(InFrame { header, got: 0 });
                return Ok((header.header_len, None));
            }
            return Ok((header.header_len, self.end_frame(header)?));
        };
        let header = frame.header;
        let left = header.payload_len - frame.got;
        let n = usize::try_from(left).map_or(bytes.len(), |left| left.min(bytes.len()));
        // A payload's length was checked against the maximum message size
        // (or 125) before it started, so its offsets fit a usize.
        let offset = frame.got as usize;
        frame.got += n as u64;
        let done = frame.got == header.payload_len;
        if header.opcode.is_control() {
            self.control.extend_from_slice(&bytes[..n]);
        } else {
            self.assembler.extend(&bytes[..n], header.mask, offset)?;
        }
        if !done {
            return Ok((n, None));
        }
        self.frame = None;
        Ok((n, self.end_frame(header)?))
    }

    /// A frame's payload is all here: what it completes.
    fn end_frame(&mut self, header: FrameHeader) -> Result<Option<Event>, ProtocolError> {
        if !header.opcode.is_control() {
            let message = self.assembler.end_frame(header.fin)?;
            return Ok(message.map(Event::Message));
        }
        let mut payload = std::mem::take(&mut self.control);
        if let Some(key) = header.mask {
            apply_mask(&mut payload, key, 0);
        }
        Ok(Some(match header.opcode {
            Opcode::Ping => {
                if self.state == State::Open {
                    self.write_frame(Opcode::Pong, &payload);
                }
                Event::Ping(payload)
            }
            Opcode::Pong => Event::Pong(payload),
            _ => {
                let close = CloseFrame::parse(&payload)?;
                if self.state == State::Open {
                    // Echo the code (none for an empty close), no reason.
                    let echo = CloseFrame {
                        code: close.code,
                        reason: String::new(),
                    };
                    self.reply_close(echo.payload());
                } else {
                    self.state = State::Closed;
                }
                Event::Closed(close)
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a client would send: masked frames.
    fn client_frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_frame(&mut out, fin, opcode, payload, Some([9, 8, 7, 6]));
        out
    }

    #[test]
    fn a_message_fed_one_byte_at_a_time_arrives_once() {
        let wire = client_frame(true, Opcode::Text, "héllo".as_bytes());
        let mut server = WebSocket::server(100);
        let mut events = Vec::new();
        for byte in &wire {
            events.extend(server.feed_all(std::slice::from_ref(byte)));
        }
        assert_eq!(events, [Event::Message(Message::Text("héllo".into()))]);
    }

    #[test]
    fn a_message_is_answered_before_the_close_behind_it_is_read() {
        let mut wire = client_frame(true, Opcode::Text, b"echo me");
        wire.extend(client_frame(true, Opcode::Close, &[0x03, 0xe8]));
        let mut server = WebSocket::server(100);
        server.feed(&wire);
        let Some(Event::Message(Message::Text(text))) = server.next_event() else {
            panic!("the message comes first");
        };
        server.send_text(&text).unwrap();
        assert!(matches!(server.next_event(), Some(Event::Closed(_))));
        assert_eq!(server.next_event(), None);
        let mut expected = Vec::new();
        encode_frame(&mut expected, true, Opcode::Text, b"echo me", None);
        encode_frame(&mut expected, true, Opcode::Close, &[0x03, 0xe8], None);
        assert_eq!(server.take_output(), expected);
    }

    #[test]
    fn a_held_close_reply_lets_answers_out_first_and_goes_when_released() {
        let mut wire = client_frame(true, Opcode::Text, b"one");
        wire.extend(client_frame(true, Opcode::Text, b"two"));
        wire.extend(client_frame(true, Opcode::Close, &[0x03, 0xe8]));
        wire.extend(client_frame(true, Opcode::Text, b"after the close"));
        let mut server = WebSocket::server(100);
        server.hold_close_replies();
        // All read at once, as a loop that answers elsewhere reads them.
        let events = server.feed_all(&wire);
        assert_eq!(events.len(), 3, "two messages and the close: {events:?}");
        assert!(server.is_closing() && !server.is_closed());
        assert!(server.output().is_empty(), "no reply yet");
        assert!(
            server
                .feed_all(&client_frame(true, Opcode::Text, b"x"))
                .is_empty()
        );
        // The answers, late, still go, and before the close.
        server.send_text("one").unwrap();
        server.send_text("two").unwrap();
        server.release_close();
        assert!(server.is_closed());
        assert_eq!(server.send_text("late"), Err(SendError::Closed));
        let mut expected = Vec::new();
        encode_frame(&mut expected, true, Opcode::Text, b"one", None);
        encode_frame(&mut expected, true, Opcode::Text, b"two", None);
        encode_frame(&mut expected, true, Opcode::Close, &[0x03, 0xe8], None);
        assert_eq!(server.take_output(), expected);
    }

    #[test]
    fn a_fault_with_the_reply_held_keeps_its_code_for_the_release() {
        let mut server = WebSocket::server(100);
        server.hold_close_replies();
        let mut wire = client_frame(true, Opcode::Text, b"fine");
        encode_frame(&mut wire, true, Opcode::Text, b"unmasked", None);
        let events = server.feed_all(&wire);
        assert_eq!(events.last(), Some(&Event::Failed(ProtocolError::BadMask)));
        assert!(server.is_closing());
        server.send_text("fine").unwrap();
        server.release_close();
        let mut expected = Vec::new();
        encode_frame(&mut expected, true, Opcode::Text, b"fine", None);
        assert!(server.output().starts_with(&expected));
        let (frame, _) = super::super::frame::decode_frame(
            &server.output()[expected.len()..],
            Role::Client,
            125,
        )
        .unwrap()
        .unwrap();
        assert_eq!(frame.header.opcode, Opcode::Close);
        assert_eq!(&frame.payload[..2], &1002u16.to_be_bytes());
    }

    #[test]
    fn our_own_close_while_a_reply_is_held_ends_the_handshake_in_its_place() {
        let mut server = WebSocket::server(100);
        server.hold_close_replies();
        server.feed_all(&client_frame(true, Opcode::Close, &[0x03, 0xe8]));
        server.close(CloseCode::GOING_AWAY, "").unwrap();
        assert!(server.is_closed());
        server.release_close();
        assert_eq!(
            server.take_output(),
            [0x88, 0x02, 0x03, 0xe9],
            "one close only"
        );
    }

    #[test]
    fn a_ping_is_answered_with_a_pong_of_the_same_payload() {
        let mut server = WebSocket::server(100);
        let events = server.feed_all(&client_frame(true, Opcode::Ping, b"are you there"));
        assert_eq!(events, [Event::Ping(b"are you there".to_vec())]);
        let mut pong = Vec::new();
        encode_frame(&mut pong, true, Opcode::Pong, b"are you there", None);
        assert_eq!(server.take_output(), pong);
    }

    #[test]
    fn the_peers_close_is_echoed_and_ends_the_connection() {
        let mut server = WebSocket::server(100);
        let close = CloseFrame {
            code: Some(CloseCode::GOING_AWAY),
            reason: "tab closed".into(),
        };
        let mut wire = client_frame(true, Opcode::Close, &close.payload());
        wire.extend(client_frame(true, Opcode::Text, b"ignored"));
        assert_eq!(server.feed_all(&wire), [Event::Closed(close)]);
        assert!(server.is_closed());
        assert_eq!(server.take_output(), [0x88, 0x02, 0x03, 0xe9]);
        assert_eq!(server.send_text("late"), Err(SendError::Closed));
    }

    #[test]
    fn our_close_waits_for_the_peers_answer() {
        let mut server = WebSocket::server(100);
        server.close(CloseCode::NORMAL, "done").unwrap();
        assert!(!server.is_closed());
        assert_eq!(
            server.take_output(),
            [0x88, 0x06, 0x03, 0xe8, b'd', b'o', b'n', b'e']
        );
        assert_eq!(server.close(CloseCode::NORMAL, ""), Err(SendError::Closed));
        let answer = client_frame(true, Opcode::Close, &[0x03, 0xe8]);
        let events = server.feed_all(&answer);
        assert!(matches!(&events[..], [Event::Closed(c)] if c.code == Some(CloseCode::NORMAL)));
        assert!(server.is_closed());
        assert!(server.output().is_empty(), "no second close frame");
    }

    #[test]
    fn a_protocol_fault_queues_a_close_with_its_code_and_stops_reading() {
        let mut server = WebSocket::server(100);
        let mut unmasked = Vec::new();
        encode_frame(&mut unmasked, true, Opcode::Text, b"hi", None);
        assert_eq!(
            server.feed_all(&unmasked),
            [Event::Failed(ProtocolError::BadMask)]
        );
        assert!(server.is_closed());
        let (frame, _) =
            super::super::frame::decode_frame(&server.take_output(), Role::Client, 125)
                .unwrap()
                .unwrap();
        assert_eq!(frame.header.opcode, Opcode::Close);
        assert_eq!(&frame.payload[..2], &1002u16.to_be_bytes());
        assert!(
            server
                .feed_all(&client_frame(true, Opcode::Text, b"x"))
                .is_empty()
        );
    }

    #[test]
    fn a_client_and_a_server_talk() {
        let mut client = WebSocket::client(1 << 16);
        let mut server = WebSocket::server(1 << 16);
        client.send_text("ping?").unwrap();
        client.send_binary(&[0; 300]).unwrap();
        let events = server.feed_all(&client.take_output());
        assert_eq!(
            events,
            [
                Event::Message(Message::Text("ping?".into())),
                Event::Message(Message::Binary(vec![0; 300]))
            ]
        );
        server.send_text("pong!").unwrap();
        assert_eq!(
            client.feed_all(&server.take_output()),
            [Event::Message(Message::Text("pong!".into()))]
        );
    }

    #[test]
    fn output_is_consumed_as_the_socket_takes_it() {
        let mut server = WebSocket::server(100);
        server.send_text("abc").unwrap();
        server.consume_output(2);
        assert_eq!(server.output(), b"abc");
        server.consume_output(99);
        assert!(server.output().is_empty());
    }

    #[test]
    fn a_ping_over_125_bytes_is_refused_before_it_is_sent() {
        let mut client = WebSocket::client(100);
        assert_eq!(client.send_ping(&[0; 126]), Err(SendError::ControlTooLong));
        assert!(client.output().is_empty());
    }
}
