//! Backend mode: the same app, serving a front's frames instead of HTTP.
//!
//! A backend runs on HTTP mode's own event loops (`server/`): the same
//! accept and connection limit, the same phase machine per connection, the
//! same choice between running a handler on the loop and on a worker, the
//! same watchdog, the same graceful stop. What differs is only what a
//! connection's input buffer yields (`Wire::Frames` in
//! `server/client_conn.rs`): a whole frame of
//! step 06's protocol instead of a request head, and what goes back: a
//! `response` frame instead of an HTTP response. This file is that
//! difference, in the three calls the loops make:
//!
//! - [`take_frame`]: one `request` frame off the front of the input buffer,
//!   "not enough bytes yet", or why the connection must close;
//! - [`refuse_large_body`]: the `413` for a body over `max_body_bytes`,
//!   answered without running the app, as in HTTP mode;
//! - [`reply_frame`]: a handler's response as the frame answering it.
//!
//! Why the event loops, where this file used to give each front connection
//! a thread of its own, and the failures and timeouts:
//! `final/docs/backend-mode.md` (in the documentation of [`Mode`](crate::Mode)).

use std::fmt;
use std::net::SocketAddr;

use crate::http::buffer::InputBuffer;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::split::codec;
use crate::split::handshake::{BackendHandshake, HandshakeError};
use crate::split::protocol::{self, Message, ProtocolError};
use crate::split::streams::{self, StreamError, StreamFrame};

/// Why a front connection's bytes are no frame of ours. The protocol has no
/// error message: the connection closes, and the backend logs this.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// Too large (from the prefix alone), malformed, or of another version.
    Protocol(ProtocolError),
    /// A `response` frame, which only a backend may send.
    NotARequest,
    /// With a `split_key`: no hello, or one not made with the key.
    Handshake(HandshakeError),
    /// A version-3 frame that is no frame of ours, or one only a backend
    /// may send (a stream's head, chunk or end).
    Stream(StreamError),
    /// A version-3 frame only a backend may send.
    NotAControl,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Protocol(err) => write!(f, "{err}"),
            FrameError::NotARequest => {
                write!(f, "sent a response, which only a backend may send")
            }
            FrameError::Handshake(err) => write!(f, "{err}"),
            FrameError::Stream(err) => write!(f, "{err}"),
            FrameError::NotAControl => {
                write!(
                    f,
                    "sent a stream's head, chunk or end, which only a backend may send"
                )
            }
        }
    }
}

/// What a front sends a backend: a request, or (version 3) word about a
/// stream the backend is relaying to it.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A request, and the stream window its front offers, if it takes
    /// streamed replies (`split/streams.rs`).
    Request(protocol::Request, Option<u32>),
    /// A `credit` or `cancel` for a stream (never a head, chunk or end).
    Control(StreamFrame),
}

/// Takes one frame off the front of `input` if it is all there.
///
/// `Ok(None)` means "not enough bytes yet": a frame is taken whole or not at
/// all, so nothing is half-parsed between two reads. A prefix announcing
/// more than [`protocol::MAX_FRAME_BYTES`] is an error at once, before the
/// payload is buffered.
///
/// # Errors
/// [`FrameError`]: the framing is lost, and the connection must close.
pub(crate) fn take_frame(input: &mut InputBuffer) -> Result<Option<Incoming>, FrameError> {
    // The usual frame, parsed once (`codec.rs`); anything else, step 06's way.
    if let Some((request, window, used)) = codec::decode_offer(input.bytes()) {
        input.consume(used);
        return Ok(Some(Incoming::Request(request, window)));
    }
    if streams::looks_like(input.bytes()) {
        return take_control(input);
    }
    match protocol::decode(input.bytes()) {
        Ok(None) => Ok(None),
        Ok(Some((Message::Request(request), used))) => {
            let window = codec::offered_window(input.bytes());
            input.consume(used);
            Ok(Some(Incoming::Request(request, window)))
        }
        Ok(Some((Message::Response(_), _))) => Err(FrameError::NotARequest),
        // Version 3 written otherwise than we write it.
        Err(ProtocolError::UnsupportedVersion(streams::VERSION)) => take_control(input),
        Err(err) => Err(FrameError::Protocol(err)),
    }
}

/// [`take_frame`] for a version-3 frame: a `credit` or a `cancel`.
fn take_control(input: &mut InputBuffer) -> Result<Option<Incoming>, FrameError> {
    match streams::decode(input.bytes()) {
        Ok(None) => Ok(None),
        Ok(Some((frame @ (StreamFrame::Credit { .. } | StreamFrame::Cancel { .. }), used))) => {
            input.consume(used);
            Ok(Some(Incoming::Control(frame)))
        }
        Ok(Some(_)) => Err(FrameError::NotAControl),
        Err(err) => Err(FrameError::Stream(err)),
    }
}

/// With a `split_key`, before any request: takes the front's hello off the
/// front of `input` and queues the welcome on `output`. `Ok(true)` once
/// done (request frames may follow in `input` at once: the front does not
/// wait for the welcome to send them), `Ok(false)` for "not all there yet".
///
/// # Errors
/// [`FrameError::Handshake`]: the connection must close, unserved.
pub(crate) fn take_hello(
    handshake: &BackendHandshake,
    input: &mut InputBuffer,
    output: &mut Vec<u8>,
) -> Result<bool, FrameError> {
    match handshake.receive(input.bytes()) {
        Ok(Some((welcome, used))) => {
            input.consume(used);
            output.extend_from_slice(&welcome);
            Ok(true)
        }
        Ok(None) => Ok(false),
        Err(err) => Err(FrameError::Handshake(err)),
    }
}

/// The reply frame for `request` if its body is over `max_body` bytes (a
/// `413`, logged as the access log would), or `None` to run the app.
pub(crate) fn refuse_large_body(
    request: &protocol::Request,
    max_body: usize,
    peer: SocketAddr,
) -> Option<Vec<u8>> {
    if request.body.len() <= max_body {
        return None;
    }
    log::info!(
        target: "httprs::access",
        "{peer} \"{} {}\" 413 (body of {} bytes, the route's limit is {max_body})",
        request.method,
        request.path,
        request.body.len(),
    );
    let mut frame = Vec::new();
    reply_frame(
        request.id,
        Response::error(Status::CONTENT_TOO_LARGE),
        &mut frame,
    );
    Some(frame)
}

/// Appends to `out` the frame answering request `id` with `res`; a `500`
/// instead if `res` does not fit in a frame or is a reply a front would
/// refuse (`protocol::response_to_message` says which, and it is logged).
pub(crate) fn reply_frame(id: u64, res: Response, out: &mut Vec<u8>) {
    if let Err(problem) = codec::encode_response(id, res, out) {
        log::error!("cannot send the response to request {id}: {problem}; sending a 500");
        let error = Response::error(Status::INTERNAL_SERVER_ERROR);
        // A 500 with a 26-byte body always fits in a frame.
        codec::encode_response(id, error, out).expect("a small 500 encodes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: u64, body: &[u8]) -> Vec<u8> {
        protocol::encode(&Message::Request(protocol::Request {
            id,
            method: "POST".into(),
            path: "/echo".into(),
            query: String::new(),
            headers: vec![("Host".into(), "a".into())],
            body: body.to_vec(),
        }))
        .unwrap()
    }

    #[test]
    fn frames_come_off_the_buffer_whole_and_one_at_a_time() {
        let mut wire = request(1, b"one");
        wire.extend(request(2, b"two"));
        let mut input = InputBuffer::new();
        // Byte by byte: "not yet" until a frame is complete, never an error.
        let mut taken = Vec::new();
        for &byte in &wire {
            input.extend(&[byte]);
            if let Some(Incoming::Request(frame, _)) = take_frame(&mut input).unwrap() {
                taken.push((frame.id, frame.body));
            }
        }
        assert_eq!(taken, [(1, b"one".to_vec()), (2, b"two".to_vec())]);
        assert!(input.is_empty());
    }

    #[test]
    fn an_oversized_prefix_or_a_response_frame_is_an_error() {
        let mut input = InputBuffer::new();
        input.extend(&(protocol::MAX_FRAME_BYTES as u32 + 1).to_be_bytes());
        let err = take_frame(&mut input).unwrap_err();
        assert!(err.to_string().contains("over the limit"), "{err}");
        let reply = protocol::encode(&Message::Response(protocol::Response {
            id: 1,
            status: 200,
            headers: vec![],
            body: vec![],
        }))
        .unwrap();
        let mut input = InputBuffer::new();
        input.extend(&reply);
        let err = take_frame(&mut input).unwrap_err();
        assert!(err.to_string().contains("only a backend may send"), "{err}");
    }

    #[test]
    fn credits_and_cancels_come_off_between_requests_and_a_chunk_is_refused() {
        let mut wire = request(1, b"");
        streams::encode_credit(1, 4096, &mut wire);
        streams::encode_cancel(1, &mut wire);
        let mut input = InputBuffer::new();
        input.extend(&wire);
        assert!(matches!(
            take_frame(&mut input).unwrap(),
            Some(Incoming::Request(_, None))
        ));
        assert!(matches!(
            take_frame(&mut input).unwrap(),
            Some(Incoming::Control(StreamFrame::Credit {
                id: 1,
                bytes: 4096
            }))
        ));
        assert!(matches!(
            take_frame(&mut input).unwrap(),
            Some(Incoming::Control(StreamFrame::Cancel { id: 1 }))
        ));
        assert!(input.is_empty());
        let mut chunk = Vec::new();
        streams::encode_chunk(1, b"x", &mut chunk);
        input.extend(&chunk);
        let err = take_frame(&mut input).unwrap_err();
        assert!(err.to_string().contains("only a backend may send"), "{err}");
    }

    #[test]
    fn a_reply_that_cannot_be_sent_becomes_a_500_frame() {
        let mut out = b"earlier".to_vec();
        reply_frame(7, Response::redirect("/x\r\nSet-Cookie: a=b"), &mut out);
        assert!(out.starts_with(b"earlier"), "appended, not replaced");
        let Some((Message::Response(reply), used)) = protocol::decode(&out[7..]).unwrap() else {
            panic!("not a response frame");
        };
        assert_eq!((reply.id, reply.status, used), (7, 500, out.len() - 7));
    }
}
