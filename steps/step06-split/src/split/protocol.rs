//! The wire protocol between the front and the backend: length-prefixed JSON frames.
//!
//! This is step 06's public teaching module: everything `pub` here is the
//! protocol itself (its frame bound, prefix and version, its messages, and
//! the four functions that move them), not a helper for someone else.
//! Used by `final/` too: httprs's split mode re-exports it unchanged, so
//! its front and backend speak to step 06's, frame for frame.
//!
//! Both binaries use this one module, so the two ends cannot drift apart.
//! The full specification, and what it borrows from FastCGI, SCGI, uwsgi and
//! ASGI, is in the crate's `PROTOCOL.md`. In short, a frame is:
//!
//! ```text
//! +----------------------+--------------------------------------------------+
//! | length: u32, big end | payload: `length` bytes of UTF-8 JSON            |
//! +----------------------+--------------------------------------------------+
//!   00 00 00 9c            {"v":1,"type":"request","id":1,"method":"GET",...}
//! ```
//!
//! The length comes first so a reader knows how much to wait for before it
//! parses anything (TCP has no message boundaries: step 01's lesson again),
//! and it is checked against [`MAX_FRAME_BYTES`] *before* a single byte of
//! the payload is buffered. A length field with no bound, or one too narrow
//! for what is put in it, is how real gateways got memory exhaustion and
//! buffer overflows; here both ends refuse a frame over the bound, the
//! sender before sending it and the receiver before reading it.
//!
//! The names come in symmetric pairs: [`encode`]/[`decode`] turn a message
//! into a frame and back, on buffers (for code that owns its buffers, such
//! as an event loop); [`write_frame`]/[`read_frame`] do the same over a
//! blocking socket (the front's and the backend's threads). As in step 02, "not enough bytes yet" is a
//! value: [`decode`] returns `Ok(None)`.

use std::fmt;
use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

/// The protocol version this code speaks, sent as `"v"` in every frame.
pub const VERSION: u64 = 1;

/// The largest payload either side sends or accepts: 4 MiB.
///
/// Sized for the biggest request the front lets through (a 1 MiB body,
/// a third larger once in base64, plus an 8 KiB head), with room to spare for
/// responses. A frame announcing more is refused before it is read.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// Bytes in the length prefix in front of every payload.
pub const PREFIX_BYTES: usize = 4;

/// An HTTP request, as the front hands it to the backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the sender, unique among its requests in flight on one
    /// connection; the reply carries the same id.
    pub id: u64,
    /// The method exactly as the client sent it: `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query string: `/hello/world`.
    pub path: String,
    /// The query string without its `?`, as sent (still percent-encoded);
    /// empty when there is none.
    pub query: String,
    /// Every header in the order the client sent them, repeats included.
    pub headers: Vec<(String, String)>,
    /// The body, any bytes (see [`Body`] for how they travel in JSON).
    #[serde(with = "body")]
    pub body: Vec<u8>,
}

/// An HTTP response, as the backend hands it back to the front.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The id of the request this answers.
    pub id: u64,
    /// The status code: `200`, `404`, ...
    pub status: u16,
    /// Headers in order. `Content-Length`, `Date` and `Connection` are left
    /// to the front, which knows how it talks to its client.
    pub headers: Vec<(String, String)>,
    /// The body, any bytes.
    #[serde(with = "body")]
    pub body: Vec<u8>,
}

/// Everything that travels in a frame: the `"type"` field says which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Message {
    /// Front to backend.
    Request(Request),
    /// Backend to front.
    Response(Response),
}

impl Message {
    /// The id the message carries, whichever way it goes.
    pub fn id(&self) -> u64 {
        match self {
            Message::Request(request) => request.id,
            Message::Response(response) => response.id,
        }
    }
}

/// How a body travels inside JSON, which has strings but no bytes.
///
/// A body that is valid UTF-8 (HTML, JSON, plain text: nearly all of them)
/// goes as itself, `{"utf8":"<h1>Hi</h1>"}`, readable in a packet capture.
/// Anything else (an image, a zip, a stray `0xFF`) goes as base64,
/// `{"base64":"AP8="}`, which every language can decode and which costs a
/// third more bytes. An array of numbers, serde's default for `Vec<u8>`,
/// would be binary-safe too but costs up to four bytes per byte.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body<T> {
    /// The body is this text, byte for byte.
    Utf8(T),
    /// The body is these bytes, base64-encoded with the standard alphabet and padding.
    Base64(String),
}

/// `#[serde(with = "body")]`: a `Vec<u8>` field written as a [`Body`].
mod body {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    use super::Body;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Body::Utf8(text).serialize(serializer),
            Err(_) => Body::<&str>::Base64(STANDARD.encode(bytes)).serialize(serializer),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Body::<String>::deserialize(deserializer)? {
            Body::Utf8(text) => Ok(text.into_bytes()),
            Body::Base64(encoded) => STANDARD
                .decode(encoded)
                .map_err(|err| D::Error::custom(format!("body is not valid base64: {err}"))),
        }
    }
}

/// Why a frame could not be sent or received.
#[derive(Debug)]
pub enum ProtocolError {
    /// A payload over [`MAX_FRAME_BYTES`]: announced by a peer, or about to be sent.
    FrameTooLarge {
        /// The payload length announced or needed.
        length: usize,
        /// The most either side allows.
        limit: usize,
    },
    /// The payload is not JSON, or not a message of this version's shape.
    Malformed(serde_json::Error),
    /// The payload has no `"v"` field, or one that is not a number.
    MissingVersion,
    /// The payload speaks a version of the protocol we do not.
    UnsupportedVersion(u64),
    /// The peer closed the connection in the middle of a frame.
    Truncated,
    /// The socket failed, or (for a socket with a read timeout) went quiet:
    /// see [`ProtocolError::is_timeout`].
    Io(io::Error),
}

impl ProtocolError {
    /// Whether this is a read that timed out, rather than a broken peer.
    /// The front answers the one with `504 Gateway Timeout`, the other with `502 Bad Gateway`.
    pub fn is_timeout(&self) -> bool {
        // Unix reports a socket read timeout as WouldBlock, Windows as TimedOut.
        matches!(self, ProtocolError::Io(err)
            if matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::FrameTooLarge { length, limit } => {
                write!(f, "frame of {length} bytes is over the limit of {limit}")
            }
            ProtocolError::Malformed(err) => write!(f, "malformed frame: {err}"),
            ProtocolError::MissingVersion => write!(f, "frame has no numeric \"v\" field"),
            ProtocolError::UnsupportedVersion(v) => {
                write!(f, "frame has protocol version {v}, we speak {VERSION}")
            }
            ProtocolError::Truncated => write!(f, "connection closed in the middle of a frame"),
            ProtocolError::Io(err) => write!(f, "I/O error: {err}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl From<io::Error> for ProtocolError {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::UnexpectedEof => ProtocolError::Truncated,
            _ => ProtocolError::Io(err),
        }
    }
}

/// What goes on the wire: the version, then the message's own fields.
#[derive(Serialize)]
struct Envelope<'a> {
    v: u64,
    #[serde(flatten)]
    message: &'a Message,
}

/// Turns `message` into a frame: the length prefix, then the JSON payload.
///
/// # Errors
/// [`ProtocolError::FrameTooLarge`] if the payload would be over
/// [`MAX_FRAME_BYTES`]: the peer would refuse it, so it is not sent.
///
/// # Examples
/// ```
/// use step06::split::protocol::{self, Message, Response};
/// let reply = Message::Response(Response {
///     id: 7, status: 200, headers: vec![], body: b"hi".to_vec(),
/// });
/// let frame = protocol::encode(&reply).unwrap();
/// assert_eq!(&frame[..4], [0, 0, 0, 79]); // the payload's length, big-endian
/// assert_eq!(
///     &frame[4..],
///     br#"{"v":1,"type":"response","id":7,"status":200,"headers":[],"body":{"utf8":"hi"}}"#
/// );
/// assert_eq!(protocol::decode(&frame).unwrap(), Some((reply, frame.len())));
/// ```
pub fn encode(message: &Message) -> Result<Vec<u8>, ProtocolError> {
    // Leave room for the prefix, write the JSON after it, then fill it in:
    // one buffer, one `write_all` later.
    let mut frame = vec![0u8; PREFIX_BYTES];
    let envelope = Envelope {
        v: VERSION,
        message,
    };
    // Writing into a Vec cannot fail for I/O reasons, and every field of a
    // Message serialises (map keys are all strings), so this error is
    // theoretical; it is passed on rather than unwrapped all the same.
    serde_json::to_writer(&mut frame, &envelope).map_err(ProtocolError::Malformed)?;
    let length = frame.len() - PREFIX_BYTES;
    if length > MAX_FRAME_BYTES {
        return Err(ProtocolError::FrameTooLarge {
            length,
            limit: MAX_FRAME_BYTES,
        });
    }
    // MAX_FRAME_BYTES fits in a u32, so after the check above this cannot truncate.
    frame[..PREFIX_BYTES].copy_from_slice(&(length as u32).to_be_bytes());
    Ok(frame)
}

/// Tries to take one frame from the start of `buf`.
///
/// Returns `Ok(Some((message, used)))` for a complete frame, `used` being how
/// many bytes of `buf` it took (the next frame, if any, starts there), and
/// `Ok(None)` when more bytes are needed.
///
/// # Errors
/// [`ProtocolError::FrameTooLarge`] as soon as the prefix announces too much,
/// so a reader never buffers it; [`ProtocolError::Malformed`],
/// [`ProtocolError::MissingVersion`] and [`ProtocolError::UnsupportedVersion`]
/// for a payload that is not a message we understand.
///
/// # Examples
/// ```
/// use step06::split::protocol::{decode, ProtocolError};
/// // Two bytes of a four-byte prefix: not an error, just not yet.
/// assert!(decode(&[0, 0]).unwrap().is_none());
/// // "GET " read as a length is about 1.2 GB: refused before any payload arrives.
/// assert!(matches!(decode(b"GET / HTTP/1.1\r\n"), Err(ProtocolError::FrameTooLarge { .. })));
/// ```
pub fn decode(buf: &[u8]) -> Result<Option<(Message, usize)>, ProtocolError> {
    let Some(length) = payload_length(buf)? else {
        return Ok(None);
    };
    let Some(payload) = buf.get(PREFIX_BYTES..PREFIX_BYTES + length) else {
        return Ok(None);
    };
    Ok(Some((decode_payload(payload)?, PREFIX_BYTES + length)))
}

/// Writes `message` to `out` as one frame.
///
/// # Errors
/// Those of [`encode`], and any I/O error (typically a peer that hung up).
pub fn write_frame(out: &mut impl Write, message: &Message) -> Result<(), ProtocolError> {
    out.write_all(&encode(message)?)?;
    out.flush()?;
    Ok(())
}

/// Reads one frame from `input`, blocking until it has arrived whole.
///
/// Returns `Ok(None)` if the peer closed the connection cleanly between
/// frames: the end of the conversation, not an error.
///
/// # Errors
/// Those of [`decode`]; [`ProtocolError::Truncated`] if the peer closes in
/// the middle of a frame; [`ProtocolError::Io`] for a socket error or a read
/// timeout (see [`ProtocolError::is_timeout`]).
pub fn read_frame(input: &mut impl Read) -> Result<Option<Message>, ProtocolError> {
    let mut prefix = [0u8; PREFIX_BYTES];
    // The first byte decides between "closed between frames" and "truncated".
    let first = loop {
        match input.read(&mut prefix[..1]) {
            Ok(0) => return Ok(None),
            Ok(n) => break n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.into()),
        }
    };
    input.read_exact(&mut prefix[first..])?;
    let length = payload_length(&prefix)?.expect("a full prefix has a length");
    // Allocate only now that the length is known to be within the bound.
    let mut payload = vec![0u8; length];
    input.read_exact(&mut payload)?;
    decode_payload(&payload).map(Some)
}

/// The payload length a prefix at the start of `buf` announces, checked
/// against the bound; `None` if the prefix is not all there yet.
fn payload_length(buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
    let Some(prefix) = buf.first_chunk::<PREFIX_BYTES>() else {
        return Ok(None);
    };
    let length = u32::from_be_bytes(*prefix) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(ProtocolError::FrameTooLarge {
            length,
            limit: MAX_FRAME_BYTES,
        });
    }
    Ok(Some(length))
}

/// Parses a payload in two passes: first far enough to read `"v"`, then as
/// the message that version promises. Checking the version first means a
/// future version 2 with a different shape gets a clear "unsupported
/// version", not a confusing "missing field".
fn decode_payload(payload: &[u8]) -> Result<Message, ProtocolError> {
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(ProtocolError::Malformed)?;
    let version = value
        .get("v")
        .and_then(serde_json::Value::as_u64)
        .ok_or(ProtocolError::MissingVersion)?;
    if version != VERSION {
        return Err(ProtocolError::UnsupportedVersion(version));
    }
    // `from_value` moves the strings out of `value` rather than copying them;
    // the `"v"` field is simply ignored, as unknown fields are.
    serde_json::from_value(value).map_err(ProtocolError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request(body: &[u8]) -> Message {
        Message::Request(Request {
            id: 42,
            method: "POST".into(),
            path: "/echo".into(),
            query: "a=1&a=2".into(),
            headers: vec![
                ("Host".into(), "example".into()),
                ("X-Dup".into(), "1".into()),
                ("X-Dup".into(), "2".into()),
            ],
            body: body.to_vec(),
        })
    }

    /// The payload of a frame as text.
    fn payload(frame: &[u8]) -> &str {
        std::str::from_utf8(&frame[PREFIX_BYTES..]).unwrap()
    }

    /// A frame with `json` as its payload, however wrong the JSON.
    fn raw_frame(json: &str) -> Vec<u8> {
        let mut frame = (json.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(json.as_bytes());
        frame
    }

    #[test]
    fn a_request_has_the_documented_shape_on_the_wire() {
        let frame = encode(&request(b"hi")).unwrap();
        assert_eq!(
            payload(&frame),
            r#"{"v":1,"type":"request","id":42,"method":"POST","path":"/echo","query":"a=1&a=2","headers":[["Host","example"],["X-Dup","1"],["X-Dup","2"]],"body":{"utf8":"hi"}}"#
        );
        let length = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(length, frame.len() - PREFIX_BYTES);
    }

    #[test]
    fn a_binary_body_travels_as_base64_and_comes_back_intact() {
        let bytes = [0x00, 0xFF, 0xFE, b'a', 0x80];
        let frame = encode(&request(&bytes)).unwrap();
        assert!(payload(&frame).ends_with(r#""body":{"base64":"AP/+YYA="}}"#));
        let (message, used) = decode(&frame).unwrap().unwrap();
        assert_eq!(message, request(&bytes));
        assert_eq!(used, frame.len());
    }

    #[test]
    fn every_prefix_of_a_frame_is_incomplete_not_an_error() {
        let frame = encode(&request(b"body")).unwrap();
        for end in 0..frame.len() {
            assert!(decode(&frame[..end]).unwrap().is_none(), "{end} bytes");
        }
    }

    #[test]
    fn an_oversized_length_is_refused_from_the_prefix_alone() {
        let too_big = (MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
        assert!(matches!(
            decode(&too_big),
            Err(ProtocolError::FrameTooLarge { length, .. }) if length == MAX_FRAME_BYTES + 1
        ));
        // read_frame refuses it before reading (or allocating) the payload:
        // here there is no payload at all, and the answer is still "too large".
        assert!(matches!(
            read_frame(&mut &too_big[..]),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
        // The largest possible prefix, 4 GiB: no overflow, just refused.
        assert!(matches!(
            decode(&[0xFF; 4]),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn a_message_too_large_to_send_is_refused_by_encode() {
        let huge = Message::Response(Response {
            id: 1,
            status: 200,
            headers: vec![],
            body: vec![b'x'; MAX_FRAME_BYTES],
        });
        assert!(matches!(
            encode(&huge),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn bad_payloads_get_precise_errors() {
        let cases: &[(&str, &str)] = &[
            ("not json", "malformed"),
            ("[1,2,3]", "no numeric \"v\""),
            (r#"{"type":"request"}"#, "no numeric \"v\""),
            (r#"{"v":"1","type":"request"}"#, "no numeric \"v\""),
            (r#"{"v":2,"type":"request"}"#, "version 2, we speak 1"),
            (
                r#"{"v":1,"type":"teapot","id":1}"#,
                "unknown variant `teapot`",
            ),
            (
                r#"{"v":1,"type":"response","id":1}"#,
                "missing field `status`",
            ),
            (
                r#"{"v":1,"type":"response","id":1,"status":200,"headers":[],"body":{"base64":"!!"}}"#,
                "body is not valid base64",
            ),
            (
                r#"{"v":1,"type":"response","id":1,"status":70000,"headers":[],"body":{"utf8":""}}"#,
                "malformed",
            ),
        ];
        for (json, expected) in cases {
            let err = decode(&raw_frame(json)).unwrap_err();
            assert!(err.to_string().contains(expected), "{json} gave: {err}");
        }
    }

    #[test]
    fn read_frame_tells_a_clean_close_from_a_truncated_frame() {
        assert!(read_frame(&mut &b""[..]).unwrap().is_none());
        let frame = encode(&request(b"x")).unwrap();
        for end in [1, 3, 4, frame.len() - 1] {
            assert!(
                matches!(
                    read_frame(&mut &frame[..end]),
                    Err(ProtocolError::Truncated)
                ),
                "{end} bytes"
            );
        }
    }

    #[test]
    fn frames_written_back_to_back_are_read_one_at_a_time() {
        let mut wire = Vec::new();
        write_frame(&mut wire, &request(b"one")).unwrap();
        write_frame(&mut wire, &request(&[0xFF])).unwrap();
        let mut input = &wire[..];
        assert_eq!(read_frame(&mut input).unwrap(), Some(request(b"one")));
        assert_eq!(read_frame(&mut input).unwrap(), Some(request(&[0xFF])));
        assert_eq!(read_frame(&mut input).unwrap(), None);
    }

    fn any_headers() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec((".{0,12}", ".{0,24}"), 0..6)
    }

    fn any_body() -> impl Strategy<Value = Vec<u8>> {
        // Half arbitrary bytes (mostly not UTF-8: base64), half text (utf8).
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            ".{0,100}".prop_map(String::into_bytes),
        ]
    }

    fn any_message() -> impl Strategy<Value = Message> {
        let request = (
            any::<u64>(),
            "[A-Z]{1,7}",
            ".{0,40}",
            ".{0,40}",
            any_headers(),
            any_body(),
        )
            .prop_map(|(id, method, path, query, headers, body)| {
                Message::Request(Request {
                    id,
                    method,
                    path,
                    query,
                    headers,
                    body,
                })
            });
        let response = (any::<u64>(), any::<u16>(), any_headers(), any_body()).prop_map(
            |(id, status, headers, body)| {
                Message::Response(Response {
                    id,
                    status,
                    headers,
                    body,
                })
            },
        );
        prop_oneof![request, response]
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(message in any_message()) {
            let frame = encode(&message).unwrap();
            prop_assert_eq!(decode(&frame).unwrap(), Some((message.clone(), frame.len())));
            prop_assert_eq!(read_frame(&mut &frame[..]).unwrap(), Some(message));
        }

        #[test]
        fn a_stream_of_frames_decodes_in_order_whatever_follows(
            messages in prop::collection::vec(any_message(), 1..5),
            trailing in prop::collection::vec(any::<u8>(), 0..3),
        ) {
            let mut wire = Vec::new();
            for message in &messages {
                wire.extend(encode(message).unwrap());
            }
            // Fewer than four stray bytes after the last frame: incomplete, never an error.
            wire.extend(&trailing);
            let mut rest = &wire[..];
            for message in &messages {
                let (decoded, used) = decode(rest).unwrap().unwrap();
                prop_assert_eq!(&decoded, message);
                rest = &rest[used..];
            }
            prop_assert!(decode(rest).unwrap().is_none());
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
            let _ = read_frame(&mut &bytes[..]);
        }
    }
}
