//! Version 3 of the split protocol, "streams": a response whose body is
//! produced over time (a streamed body, server-sent events) crosses the
//! split as a head, then chunks, then an end, interleaved by id with the
//! other replies on the same connection. Sans-IO: frames in, frames out.
//!
//! Why a version of its own. A version-1 reply holds its whole body, and a
//! stream may never end. The new frames carry `"v":3`, so a peer that does
//! not speak it refuses them as "unsupported version" instead of misreading
//! them; and a backend sends them only to a front that asked: a request
//! frame offers a stream window (`"streams":65536`, a field a version-1
//! backend ignores), and without one the backend answers a stream `501`
//! as before. Step 06 stays on version 1: it neither offers nor sends them.
//!
//! Why credit. The front multiplexes many requests on one backend
//! connection (`server/backend_conn.rs`). If a stream's chunks could come
//! faster than its browser reads them, the front would have either to
//! buffer without bound or stop reading the connection, which stalls every
//! other request on it (FastCGI's old problem, see PROTOCOL.md). So the
//! backend may send a stream at most [`WINDOW`] bytes ahead of what the
//! front has handed to its browser; the front grants more (`credit`) as the
//! browser takes them. A slow browser then stops its own stream at the
//! backend, whose bounded queue fills and blocks the producer, and nothing
//! else. The protocol text, with a captured exchange, is in
//! `steps/step06-split/PROTOCOL.md`, "Version 3: streams".

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::http::headers::Headers;
use crate::split::codec::{Crossing, write_frame_into};
use crate::split::protocol::{
    BadReply, MAX_FRAME_BYTES, PREFIX_BYTES, ProtocolError, check_reply, connection_options,
    crosses,
};
use step06::split::protocol::Body;

/// The version number the stream frames carry.
pub const VERSION: u64 = 3;

/// Bytes of one stream the backend may send ahead of the front's grants:
/// what a request frame offers, and the most a front holds for one stream
/// besides the 64 KiB its browser connection is writing.
pub const WINDOW: u32 = 64 * 1024;

/// One frame of version 3; see the module docs and PROTOCOL.md. Every
/// frame names the request it belongs to by its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamFrame {
    /// Backend → front: request `id` is answered with a streamed body;
    /// `Chunk`s and one `End` follow.
    Head {
        /// The request answered.
        id: u64,
        /// Its HTTP status.
        status: u16,
        /// Its header fields, in order, repeats kept.
        headers: Vec<(String, String)>,
    },
    /// Backend → front: the next bytes of stream `id`.
    Chunk {
        /// The stream.
        id: u64,
        /// Its next bytes (at most the credit the front granted).
        data: Vec<u8>,
    },
    /// Backend → front: stream `id` is over; with an `error`, cut short
    /// (the front ends its browser's body as an error, not a success).
    End {
        /// The stream.
        id: u64,
        /// Why it was cut short, if it was.
        error: Option<String>,
    },
    /// Front → backend: stream `id` may send `bytes` more.
    Credit {
        /// The stream.
        id: u64,
        /// How many more bytes of data it may send.
        bytes: u64,
    },
    /// Front → backend: the browser of stream `id` has gone; stop it.
    Cancel {
        /// The stream.
        id: u64,
    },
}

impl StreamFrame {
    /// The request id the frame speaks of.
    pub fn id(&self) -> u64 {
        match self {
            StreamFrame::Head { id, .. }
            | StreamFrame::Chunk { id, .. }
            | StreamFrame::End { id, .. }
            | StreamFrame::Credit { id, .. }
            | StreamFrame::Cancel { id } => *id,
        }
    }
}

/// Why bytes that said `"v":3` are no frame of ours.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// Over the size limit, or not JSON of a frame's shape.
    Protocol(ProtocolError),
    /// A `type` version 3 does not have.
    UnknownType(String),
    /// A field the frame's type needs is missing.
    Missing {
        /// The frame's type.
        kind: &'static str,
        /// The field it lacks.
        field: &'static str,
    },
    /// A chunk's `base64` that does not decode.
    BadBase64,
}

impl std::error::Error for StreamError {}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Protocol(err) => write!(f, "{err}"),
            StreamError::UnknownType(kind) => {
                write!(f, "a version-3 frame of unknown type {kind:?}")
            }
            StreamError::Missing { kind, field } => {
                write!(f, "a version-3 {kind} frame without its {field:?} field")
            }
            StreamError::BadBase64 => f.write_str("a chunk whose base64 data does not decode"),
        }
    }
}

/// Whether the frame at the start of `buf` says version 3, as ours are
/// written (`{"v":3,` first): the cheap test that sends a frame to
/// [`decode`] before version 1's decoders. A peer that writes `"v"` later
/// or with spaces still gets there, through step 06's decoder answering
/// "unsupported version 3".
pub fn looks_like(buf: &[u8]) -> bool {
    buf.get(PREFIX_BYTES..)
        .is_some_and(|payload| payload.starts_with(br#"{"v":3,"#))
}

/// A version-3 payload as it is on the wire: every type's fields, each
/// checked for its type in [`decode`].
#[derive(Deserialize)]
struct Wire<'a> {
    v: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    id: u64,
    status: Option<u16>,
    headers: Option<Vec<(String, String)>>,
    body: Option<Marker>,
    data: Option<Body<String>>,
    error: Option<String>,
    bytes: Option<u64>,
}

/// The body of a streamed response's head: `{"stream":true}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Marker {
    stream: bool,
}

/// The version-3 frame at the start of `buf`, and how many bytes it takes;
/// `Ok(None)` for "not all there yet".
///
/// # Errors
/// [`StreamError`]: the framing is lost, and the connection must close.
pub fn decode(buf: &[u8]) -> Result<Option<(StreamFrame, usize)>, StreamError> {
    let Some(prefix) = buf.first_chunk::<PREFIX_BYTES>() else {
        return Ok(None);
    };
    let length = u32::from_be_bytes(*prefix) as usize;
    if length > MAX_FRAME_BYTES {
        return Err(StreamError::Protocol(ProtocolError::FrameTooLarge {
            length,
            limit: MAX_FRAME_BYTES,
        }));
    }
    let Some(payload) = buf.get(PREFIX_BYTES..PREFIX_BYTES + length) else {
        return Ok(None);
    };
    let wire: Wire = serde_json::from_slice(payload)
        .map_err(|err| StreamError::Protocol(ProtocolError::Malformed(err)))?;
    if wire.v != VERSION {
        return Err(StreamError::Protocol(ProtocolError::UnsupportedVersion(
            wire.v,
        )));
    }
    let id = wire.id;
    let frame = match &*wire.kind {
        "response" => {
            let missing = |field| StreamError::Missing {
                kind: "response",
                field,
            };
            match wire.body {
                Some(Marker { stream: true }) => {}
                _ => return Err(missing("body")),
            }
            StreamFrame::Head {
                id,
                status: wire.status.ok_or_else(|| missing("status"))?,
                headers: wire.headers.ok_or_else(|| missing("headers"))?,
            }
        }
        "chunk" => {
            let data = match wire.data {
                Some(Body::Utf8(text)) => text.into_bytes(),
                Some(Body::Base64(encoded)) => STANDARD
                    .decode(encoded)
                    .map_err(|_| StreamError::BadBase64)?,
                None => {
                    return Err(StreamError::Missing {
                        kind: "chunk",
                        field: "data",
                    });
                }
            };
            StreamFrame::Chunk { id, data }
        }
        "end" => StreamFrame::End {
            id,
            error: wire.error,
        },
        "credit" => StreamFrame::Credit {
            id,
            bytes: wire.bytes.ok_or(StreamError::Missing {
                kind: "credit",
                field: "bytes",
            })?,
        },
        "cancel" => StreamFrame::Cancel { id },
        other => return Err(StreamError::UnknownType(other.to_string())),
    };
    Ok(Some((frame, PREFIX_BYTES + length)))
}

/// A streamed response's head, borrowing the handler's headers.
#[derive(Serialize)]
struct HeadOut<'a> {
    v: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    status: u16,
    headers: Crossing<'a>,
    body: Marker,
}

/// Every other frame: the fields its type has.
#[derive(Serialize)]
struct FrameOut<'a> {
    v: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Body<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
}

impl FrameOut<'_> {
    fn new(kind: &'static str, id: u64) -> FrameOut<'static> {
        FrameOut {
            v: VERSION,
            kind,
            id,
            data: None,
            error: None,
            bytes: None,
        }
    }
}

/// Appends to `out` the head answering request `id` with a stream, with
/// `status` and the `headers` that cross the split.
///
/// # Errors
/// A reply no front would pass on ([`BadReply`]); `out` is then as it was.
pub fn encode_head(
    id: u64,
    status: u16,
    headers: &Headers,
    out: &mut Vec<u8>,
) -> Result<(), BadReply> {
    let options = connection_options(headers.iter());
    check_reply(
        status,
        headers.iter().filter(|(name, _)| crosses(name, &options)),
    )?;
    let head = HeadOut {
        v: VERSION,
        kind: "response",
        id,
        status,
        headers: Crossing::new(headers, &options),
        body: Marker { stream: true },
    };
    // A head is far below the frame limit: its fields passed the header limits.
    write_frame_into(out, &head).expect("a stream's head fits in a frame");
    Ok(())
}

/// Appends to `out` a chunk of stream `id` (`data`: at most [`WINDOW`]
/// bytes, so far below the frame limit even escaped or in base64).
pub fn encode_chunk(id: u64, data: &[u8], out: &mut Vec<u8>) {
    let encoded;
    let data = match std::str::from_utf8(data) {
        Ok(text) => Body::Utf8(text),
        Err(_) => {
            encoded = STANDARD.encode(data);
            Body::Base64(encoded)
        }
    };
    let frame = FrameOut {
        data: Some(data),
        ..FrameOut::new("chunk", id)
    };
    write_frame_into(out, &frame).expect("a chunk within the window fits in a frame");
}

/// Appends to `out` the end of stream `id`, cut short with `error` if some.
pub fn encode_end(id: u64, error: Option<&str>, out: &mut Vec<u8>) {
    let frame = FrameOut {
        error,
        ..FrameOut::new("end", id)
    };
    write_frame_into(out, &frame).expect("an end fits in a frame");
}

/// Appends to `out` a grant of `bytes` more for stream `id`.
pub fn encode_credit(id: u64, bytes: u64, out: &mut Vec<u8>) {
    let frame = FrameOut {
        bytes: Some(bytes),
        ..FrameOut::new("credit", id)
    };
    write_frame_into(out, &frame).expect("a credit fits in a frame");
}

/// Appends to `out` the cancel of stream `id`.
pub fn encode_cancel(id: u64, out: &mut Vec<u8>) {
    write_frame_into(out, &FrameOut::new("cancel", id)).expect("a cancel fits in a frame");
}

/// Appends `frame` to `out`, whichever it is: [`decode`]'s inverse, for a
/// test or another front or backend. A chunk's data must be within
/// [`WINDOW`], as a backend's are.
///
/// # Errors
/// A head no front would pass on ([`BadReply`]); `out` is then as it was.
pub fn encode(frame: &StreamFrame, out: &mut Vec<u8>) -> Result<(), BadReply> {
    match frame {
        StreamFrame::Head {
            id,
            status,
            headers,
        } => {
            let mut fields = Headers::new();
            for (name, value) in headers {
                fields.append(name.clone(), value.clone());
            }
            return encode_head(*id, *status, &fields, out);
        }
        StreamFrame::Chunk { id, data } => encode_chunk(*id, data, out),
        StreamFrame::End { id, error } => encode_end(*id, error.as_deref(), out),
        StreamFrame::Credit { id, bytes } => encode_credit(*id, *bytes, out),
        StreamFrame::Cancel { id } => encode_cancel(*id, out),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload of the one frame in `out`, as text.
    fn payload(out: &[u8]) -> &str {
        let length = u32::from_be_bytes(out[..4].try_into().unwrap()) as usize;
        assert_eq!(out.len(), 4 + length, "one whole frame");
        std::str::from_utf8(&out[4..]).unwrap()
    }

    #[test]
    fn each_frame_is_written_byte_for_byte_as_protocol_md_shows_it() {
        let mut headers = Headers::new();
        headers.append("Content-Type", "text/event-stream");
        headers.append("Connection", "close");
        let mut out = Vec::new();
        encode_head(7, 200, &headers, &mut out).unwrap();
        assert_eq!(
            payload(&out),
            r#"{"v":3,"type":"response","id":7,"status":200,"headers":[["Content-Type","text/event-stream"]],"body":{"stream":true}}"#
        );
        type Encoder<'a> = &'a dyn Fn(&mut Vec<u8>);
        let cases: [(Encoder, &str); 6] = [
            (
                &|out| encode_chunk(7, b"data: hi\n\n", out),
                r#"{"v":3,"type":"chunk","id":7,"data":{"utf8":"data: hi\n\n"}}"#,
            ),
            (
                &|out| encode_chunk(7, &[0, 0xFF], out),
                r#"{"v":3,"type":"chunk","id":7,"data":{"base64":"AP8="}}"#,
            ),
            (
                &|out| encode_end(7, None, out),
                r#"{"v":3,"type":"end","id":7}"#,
            ),
            (
                &|out| encode_end(7, Some("the producer failed"), out),
                r#"{"v":3,"type":"end","id":7,"error":"the producer failed"}"#,
            ),
            (
                &|out| encode_credit(7, 65536, out),
                r#"{"v":3,"type":"credit","id":7,"bytes":65536}"#,
            ),
            (
                &|out| encode_cancel(7, out),
                r#"{"v":3,"type":"cancel","id":7}"#,
            ),
        ];
        for (encode, expected) in cases {
            let mut out = Vec::new();
            encode(&mut out);
            assert_eq!(payload(&out), expected);
            assert!(looks_like(&out));
        }
    }

    #[test]
    fn every_frame_decodes_to_what_was_encoded_and_takes_its_length() {
        let mut headers = Headers::new();
        headers.append("X-A", "1");
        let mut out = b"".to_vec();
        encode_head(1, 201, &headers, &mut out).unwrap();
        encode_chunk(1, b"abc", &mut out);
        encode_chunk(1, &[0, 1, 0xFE], &mut out);
        encode_credit(1, 10, &mut out);
        encode_cancel(1, &mut out);
        encode_end(1, Some("cut"), &mut out);
        let mut frames = Vec::new();
        let mut at = 0;
        while let Some((frame, used)) = decode(&out[at..]).unwrap() {
            frames.push(frame);
            at += used;
        }
        assert_eq!(at, out.len());
        assert_eq!(
            frames,
            [
                StreamFrame::Head {
                    id: 1,
                    status: 201,
                    headers: vec![("X-A".into(), "1".into())]
                },
                StreamFrame::Chunk {
                    id: 1,
                    data: b"abc".to_vec()
                },
                StreamFrame::Chunk {
                    id: 1,
                    data: vec![0, 1, 0xFE]
                },
                StreamFrame::Credit { id: 1, bytes: 10 },
                StreamFrame::Cancel { id: 1 },
                StreamFrame::End {
                    id: 1,
                    error: Some("cut".into())
                },
            ]
        );
    }

    #[test]
    fn a_partial_frame_is_not_yet_and_a_bad_one_says_what_is_wrong() {
        let mut out = Vec::new();
        encode_chunk(3, b"hello", &mut out);
        for end in 0..out.len() {
            assert!(decode(&out[..end]).unwrap().is_none(), "{end}");
        }
        let frame = |json: &str| {
            let mut bytes = (json.len() as u32).to_be_bytes().to_vec();
            bytes.extend_from_slice(json.as_bytes());
            bytes
        };
        for (json, says) in [
            (r#"{"v":3,"type":"chunk","id":1}"#, "without its \"data\""),
            (
                r#"{"v":3,"type":"response","id":1,"status":200,"headers":[],"body":{"utf8":""}}"#,
                "expected `stream`",
            ),
            (
                r#"{"v":3,"type":"response","id":1,"status":200,"headers":[]}"#,
                "without its \"body\"",
            ),
            (r#"{"v":3,"type":"credit","id":1}"#, "without its \"bytes\""),
            (r#"{"v":3,"type":"push","id":1}"#, "unknown type \"push\""),
            (
                r#"{"v":3,"type":"chunk","id":1,"data":{"base64":"!!"}}"#,
                "does not decode",
            ),
            (r#"{"v":1,"type":"end","id":1}"#, "version"),
            ("[]", "malformed"),
        ] {
            let err = decode(&frame(json)).unwrap_err().to_string();
            assert!(err.contains(says), "{json}: {err}");
        }
        let huge = (MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
        assert!(decode(&huge).unwrap_err().to_string().contains("limit"));
    }

    #[test]
    fn a_head_a_front_would_refuse_is_refused_and_leaves_the_buffer_alone() {
        let mut headers = Headers::new();
        headers.append("X-Bad", "a\r\nb");
        let mut out = b"kept".to_vec();
        assert!(encode_head(1, 200, &headers, &mut out).is_err());
        assert!(encode_head(1, 101, &Headers::new(), &mut out).is_err());
        assert_eq!(out, b"kept");
    }
}
