//! The hot frames, without step 06's detours: on the backend, a `request`
//! payload decoded straight into its message, and a handler's response
//! encoded straight into the connection's output buffer; on the front, a
//! `response` payload decoded straight into its message. Byte for byte the
//! frames of step 06's module, which stays the one definition of the
//! protocol: the tests below hold these to it.
//!
//! Why a second path at all. Step 06's [`decode`](protocol::decode) parses a
//! payload twice, first into a JSON tree (to read `"v"` before trusting the
//! shape), then into the message; its [`encode`](protocol::encode) wants a
//! `protocol::Response`, for which every header of the handler's response
//! is copied into a new `String`, and the frame is a new `Vec` copied once
//! more into the output. Profiled under `wrk` (README, "Split mode against
//! nginx"), JSON and the allocator took about a quarter of the backend's
//! CPU time. Here the payload is parsed once, into the message's own
//! strings, and the reply is written from the response's headers as they
//! are, into a buffer the loop recycles.
//!
//! Anything unusual takes step 06's path, so its errors and its answers are
//! the only ones there are: a payload this fast path does not take whole (a
//! version other than ours, a message of the other kind, a base64 body, a duplicate field, any
//! malformation) is decoded again by [`protocol::decode`]; a reply with a
//! body that is not UTF-8 is encoded by [`protocol::encode`].

use std::borrow::Cow;
use std::io;

use serde::{Deserialize, Serialize, Serializer};

use crate::http::headers::Headers;
use crate::http::request::Request as HttpRequest;
use crate::http::response::Response as HttpResponse;
use crate::split::protocol::{
    self, MAX_FRAME_BYTES, Message, PREFIX_BYTES, Request, VERSION, check_reply,
    connection_options, crosses,
};
use step06::split::protocol::Body;

/// A version-1 `request` payload as it is on the wire.
#[derive(Deserialize)]
struct RequestPayload<'a> {
    v: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    id: u64,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Body<String>,
    /// Version 3's offer: the front takes streamed replies, this many
    /// bytes ahead of its grants (`streams.rs`).
    #[serde(default)]
    streams: Option<u32>,
}

/// The request frame at the start of `buf`, and how many bytes it takes,
/// if it is all there and plain (see the module docs); `None` for anything
/// else, which [`protocol::decode`] then looks at.
pub fn decode_request(buf: &[u8]) -> Option<(Request, usize)> {
    decode_offer(buf).map(|(request, _, used)| (request, used))
}

/// [`decode_request`], with the stream window the front offers, if it does
/// (version 3, `streams.rs`).
pub(crate) fn decode_offer(buf: &[u8]) -> Option<(Request, Option<u32>, usize)> {
    let prefix = buf.first_chunk::<PREFIX_BYTES>()?;
    let length = u32::from_be_bytes(*prefix) as usize;
    if length > MAX_FRAME_BYTES {
        return None;
    }
    let payload = buf.get(PREFIX_BYTES..PREFIX_BYTES + length)?;
    let wire: RequestPayload = serde_json::from_slice(payload).ok()?;
    let Body::Utf8(body) = wire.body else {
        return None;
    };
    if wire.v != VERSION || wire.kind != "request" {
        return None;
    }
    let request = Request {
        id: wire.id,
        method: wire.method,
        path: wire.path,
        query: wire.query,
        headers: wire.headers,
        body: body.into_bytes(),
    };
    Some((request, wire.streams, PREFIX_BYTES + length))
}

/// The stream window a request payload offers, read on its own: for a
/// request that step 06's decoder took (a `base64` body), whose message
/// has no such field.
pub(crate) fn offered_window(buf: &[u8]) -> Option<u32> {
    #[derive(Deserialize)]
    struct Offer {
        streams: Option<u32>,
    }
    let prefix = buf.first_chunk::<PREFIX_BYTES>()?;
    let length = u32::from_be_bytes(*prefix) as usize;
    let payload = buf.get(PREFIX_BYTES..PREFIX_BYTES + length)?;
    serde_json::from_slice::<Offer>(payload).ok()?.streams
}

/// A version-1 `response` payload as it is on the wire (the front's side).
#[derive(Deserialize)]
struct ReplyPayload<'a> {
    v: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    id: u64,
    status: u16,
    headers: Vec<(String, String)>,
    body: Body<String>,
}

/// The reply frame at the start of `buf`, and how many bytes it takes, if
/// it is all there and plain: [`decode_request`]'s twin, for the front.
/// `None` for anything else, which [`protocol::decode`] then looks at.
pub fn decode_response(buf: &[u8]) -> Option<(protocol::Response, usize)> {
    let prefix = buf.first_chunk::<PREFIX_BYTES>()?;
    let length = u32::from_be_bytes(*prefix) as usize;
    if length > MAX_FRAME_BYTES {
        return None;
    }
    let payload = buf.get(PREFIX_BYTES..PREFIX_BYTES + length)?;
    let wire: ReplyPayload = serde_json::from_slice(payload).ok()?;
    let Body::Utf8(body) = wire.body else {
        return None;
    };
    if wire.v != VERSION || wire.kind != "response" {
        return None;
    }
    let reply = protocol::Response {
        id: wire.id,
        status: wire.status,
        headers: wire.headers,
        body: body.into_bytes(),
    };
    Some((reply, PREFIX_BYTES + length))
}

/// A version-1 `response` payload, borrowing the handler's response.
#[derive(Serialize)]
struct ResponsePayload<'a> {
    v: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    status: u16,
    headers: Crossing<'a>,
    body: Body<&'a str>,
}

/// The header fields that cross the split, serialised as `[name, value]`
/// pairs straight from the response's own [`Headers`].
pub(crate) struct Crossing<'a> {
    headers: &'a Headers,
    options: &'a [String],
}

impl<'a> Crossing<'a> {
    /// The fields of `headers` that cross, given its `Connection` `options`.
    pub(crate) fn new(headers: &'a Headers, options: &'a [String]) -> Crossing<'a> {
        Crossing { headers, options }
    }
}

impl Serialize for Crossing<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.headers
                .iter()
                .filter(|(name, _)| crosses(name, self.options)),
        )
    }
}

/// Appends to `out` the frame answering request `id` with `res`: the frame
/// `protocol::encode(&Message::Response(protocol::response_to_message(id, res)?))`
/// would make, without copying a header.
///
/// # Errors
/// Those of [`protocol::response_to_message`] and [`protocol::encode`]; `out`
/// is then as it was.
pub(crate) fn encode_response(id: u64, mut res: HttpResponse, out: &mut Vec<u8>) -> io::Result<()> {
    let len = res.body_len();
    if len > MAX_FRAME_BYTES as u64 {
        // Step 06's path has the message that says what to do instead.
        return protocol::response_to_message(id, res).map(drop);
    }
    let status = res.status().code();
    let headers = std::mem::take(res.headers_mut());
    let options = connection_options(headers.iter());
    check_reply(
        status,
        headers.iter().filter(|(name, _)| crosses(name, &options)),
    )
    .map_err(io::Error::other)?;
    let body = res.into_body()?;
    let Ok(text) = std::str::from_utf8(&body) else {
        // Base64: rare enough to take step 06's path, copies and all.
        let message = protocol::Response {
            id,
            status,
            headers: headers
                .iter()
                .filter(|(name, _)| crosses(name, &options))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body,
        };
        let frame = protocol::encode(&Message::Response(message)).map_err(io::Error::other)?;
        out.extend_from_slice(&frame);
        return Ok(());
    };
    let payload = ResponsePayload {
        v: VERSION,
        kind: "response",
        id,
        status,
        headers: Crossing {
            headers: &headers,
            options: &options,
        },
        body: Body::Utf8(text),
    };
    write_frame_into(out, &payload).map_err(io::Error::other)
}

/// A version-1 `request` payload, borrowing the browser's request.
#[derive(Serialize)]
struct RequestOut<'a> {
    v: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Forwarding<'a>,
    body: Body<&'a str>,
    /// Version 3's offer (see [`RequestPayload`]); absent, the frame is
    /// step 06's byte for byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    streams: Option<u32>,
}

/// The request's fields as `protocol::request_to_message` lists them (those
/// that cross, then `Content-Length`), less those `keep` refuses, then `extra`.
struct Forwarding<'a> {
    headers: &'a Headers,
    options: &'a [String],
    keep: &'a dyn Fn(&str) -> bool,
    length: Option<&'a str>,
    extra: &'a [(&'a str, &'a str)],
}

impl Serialize for Forwarding<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.headers
                .iter()
                .filter(|(name, _)| crosses(name, self.options) && (self.keep)(name))
                .chain(self.length.map(|length| ("Content-Length", length)))
                .chain(self.extra.iter().copied()),
        )
    }
}

/// Appends to `out` the frame of request `id` for `req`: the frame
/// `protocol::encode` makes of `protocol::request_to_message(req, id)`
/// with the fields `keep` refuses taken out and `extra` added at the end
/// (the front's `X-Forwarded-*`), without copying a header; with
/// `streams`, version 3's offer of a stream window after the body.
///
/// # Errors
/// A frame over [`MAX_FRAME_BYTES`]; `out` is then as it was.
pub(crate) fn encode_request(
    id: u64,
    req: &HttpRequest,
    keep: &dyn Fn(&str) -> bool,
    extra: &[(&str, &str)],
    streams: Option<u32>,
    out: &mut Vec<u8>,
) -> Result<(), protocol::ProtocolError> {
    // Step 06's choice of body: text as it is, other bytes in base64.
    let encoded;
    let body = match std::str::from_utf8(req.body()) {
        Ok(text) => Body::Utf8(text),
        Err(_) => {
            use base64::Engine as _;
            encoded = base64::engine::general_purpose::STANDARD.encode(req.body());
            Body::Base64(encoded)
        }
    };
    let fields = req.headers();
    let options = connection_options(fields.iter());
    // As `request_to_message`: the body's true length, if it has one.
    let has_body = fields.contains("content-length") || fields.contains("transfer-encoding");
    let length = (has_body || !req.body().is_empty()).then(|| req.body().len().to_string());
    let payload = RequestOut {
        v: VERSION,
        kind: "request",
        id,
        method: req.method(),
        path: req.path(),
        query: req.query_string(),
        headers: Forwarding {
            headers: fields,
            options: &options,
            keep,
            length: length.as_deref(),
            extra,
        },
        body,
        streams,
    };
    write_frame_into(out, &payload)
}

/// Appends `payload`'s frame (prefix and JSON) to `out`, or leaves `out`
/// as it was if it does not fit.
pub(crate) fn write_frame_into(
    out: &mut Vec<u8>,
    payload: &impl Serialize,
) -> Result<(), protocol::ProtocolError> {
    let start = out.len();
    out.extend_from_slice(&[0; PREFIX_BYTES]);
    let written = serde_json::to_writer(&mut *out, payload);
    let length = out.len() - start - PREFIX_BYTES;
    if let Err(err) = written {
        out.truncate(start);
        return Err(protocol::ProtocolError::Malformed(err));
    }
    if length > MAX_FRAME_BYTES {
        out.truncate(start);
        return Err(protocol::ProtocolError::FrameTooLarge {
            length,
            limit: MAX_FRAME_BYTES,
        });
    }
    // At most MAX_FRAME_BYTES, so it fits in the u32 prefix.
    out[start..start + PREFIX_BYTES].copy_from_slice(&(length as u32).to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::http::status::Status;

    /// What step 06's module makes of `res`.
    fn step06_frame(id: u64, res: HttpResponse) -> Vec<u8> {
        let message = protocol::response_to_message(id, res).unwrap();
        protocol::encode(&Message::Response(message)).unwrap()
    }

    #[test]
    fn a_reply_is_encoded_byte_for_byte_as_step_06_encodes_it() {
        let responses = || {
            [
                HttpResponse::text("Hello, world!"),
                HttpResponse::new(204),
                HttpResponse::html("<p>\"quoted\" \\ and\ttabs é</p>")
                    .append_header("Set-Cookie", "a=1")
                    .append_header("Set-Cookie", "b=2"),
                HttpResponse::text("hop")
                    .with_header("Connection", "close, X-Hop")
                    .with_header("X-Hop", "1")
                    .with_header("Keep-Alive", "5")
                    .with_header("X-End", "kept"),
                HttpResponse::new(200).with_body(vec![0u8, 0xFF, b'h', b'i']),
                HttpResponse::error(Status::NOT_FOUND),
            ]
        };
        for (res, expected) in responses().into_iter().zip(responses()) {
            let mut out = b"before".to_vec();
            encode_response(41, res, &mut out).unwrap();
            assert_eq!(&out[..6], b"before");
            assert_eq!(
                String::from_utf8_lossy(&out[6..]),
                String::from_utf8_lossy(&step06_frame(41, expected))
            );
        }
    }

    #[test]
    fn a_reply_step_06_would_refuse_is_refused_and_leaves_the_buffer_alone() {
        let mut out = b"kept".to_vec();
        let forged = HttpResponse::redirect("/x\nSet-Cookie: a=b");
        let err = encode_response(1, forged, &mut out).unwrap_err();
        assert!(err.to_string().contains("header Location"), "{err}");
        let huge = HttpResponse::new(200).with_body(vec![b'x'; MAX_FRAME_BYTES + 1]);
        let err = encode_response(1, huge, &mut out).unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        // Under the body limit, over the frame limit once escaped.
        let quotes = HttpResponse::new(200).with_body(vec![b'"'; MAX_FRAME_BYTES / 2 + 1]);
        let err = encode_response(1, quotes, &mut out).unwrap_err();
        assert!(err.to_string().contains("over the limit"), "{err}");
        assert_eq!(out, b"kept");
    }

    #[test]
    fn what_the_fast_path_does_not_take_is_left_to_step_06() {
        let raw = |json: &str| {
            let mut frame = (json.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(json.as_bytes());
            frame
        };
        let plain = r#"{"v":1,"type":"request","id":1,"method":"GET","path":"/","query":"","headers":[],"body":{"utf8":""}}"#;
        assert!(decode_offer(&raw(plain)).is_some_and(|(_, window, _)| window.is_none()));
        for other in [
            r#"{"v":2,"type":"request","id":1,"method":"GET","path":"/","query":"","headers":[],"body":{"utf8":""}}"#,
            r#"{"v":1,"type":"request","id":1,"method":"GET","path":"/","query":"","headers":[],"body":{"base64":"AP8="}}"#,
            r#"{"v":1,"type":"request","id":1,"id":2,"method":"GET","path":"/","query":"","headers":[],"body":{"utf8":""}}"#,
            r#"{"v":1,"type":"response","id":1,"status":200,"headers":[],"body":{"utf8":""}}"#,
            "not json",
        ] {
            assert!(decode_request(&raw(other)).is_none(), "{other}");
        }
        assert!(decode_request(&raw(plain)[..10]).is_none(), "incomplete");
    }

    #[test]
    fn a_forwarded_request_is_encoded_byte_for_byte_as_step_06_encodes_it() {
        let keep = |name: &str| !name.eq_ignore_ascii_case("x-drop");
        let extra = [("X-Added", "1"), ("X-Also", "\"q\"")];
        let requests = [
            HttpRequest::new("GET", "/a?b=1&c=%20"),
            HttpRequest::new("POST", "/p")
                .with_header("Host", "h")
                .with_header("X-Drop", "gone")
                .with_header("Connection", "close, X-Hop")
                .with_header("X-Hop", "1")
                .with_header("Content-Length", "4")
                .with_header("X-Quote", "a\"b\\c é")
                .with_body(b"body".to_vec()),
            HttpRequest::new("PUT", "/bin").with_body(vec![0, 0xFF]),
        ];
        for req in &requests {
            let mut expected = protocol::request_to_message(req, 9);
            expected.headers.retain(|(n, _)| keep(n));
            expected
                .headers
                .extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
            let mut out = b"x".to_vec();
            encode_request(9, req, &keep, &extra, None, &mut out).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out[1..]),
                String::from_utf8_lossy(&protocol::encode(&Message::Request(expected)).unwrap())
            );
        }
    }

    #[test]
    fn a_front_that_takes_streams_offers_its_window_after_the_body() {
        let req = HttpRequest::new("GET", "/events");
        let mut out = Vec::new();
        encode_request(5, &req, &|_| true, &[], Some(65536), &mut out).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out[4..]),
            r#"{"v":1,"type":"request","id":5,"method":"GET","path":"/events","query":"","headers":[],"body":{"utf8":""},"streams":65536}"#
        );
        let (request, window, used) = decode_offer(&out).unwrap();
        assert_eq!((request.id, window, used), (5, Some(65536), out.len()));
        assert_eq!(offered_window(&out), Some(65536));
        // A version-1 backend reads the same frame, the offer ignored.
        let Some((Message::Request(old), _)) = protocol::decode(&out).unwrap() else {
            panic!("step 06 cannot read it");
        };
        assert_eq!(old.path, "/events");
    }

    fn any_request() -> impl Strategy<Value = Request> {
        let body = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            ".{0,40}".prop_map(String::into_bytes),
        ];
        (
            any::<u64>(),
            "[A-Z]{1,7}",
            ".{0,20}",
            ".{0,20}",
            prop::collection::vec((".{0,10}", ".{0,20}"), 0..5),
            body,
        )
            .prop_map(|(id, method, path, query, headers, body)| Request {
                id,
                method,
                path,
                query,
                headers,
                body,
            })
    }

    proptest! {
        #[test]
        fn the_fast_decoder_agrees_with_step_06_whenever_it_answers(request in any_request()) {
            let frame = protocol::encode(&Message::Request(request.clone())).unwrap();
            let expected = protocol::decode(&frame).unwrap();
            match decode_request(&frame) {
                Some((fast, used)) => prop_assert_eq!(Some((Message::Request(fast), used)), expected),
                // Only a body that is not text goes the slow way.
                None => prop_assert!(std::str::from_utf8(&request.body).is_err()),
            }
        }

        #[test]
        fn the_fast_reply_decoder_agrees_with_step_06_whenever_it_answers(
            id in any::<u64>(),
            status in any::<u16>(),
            headers in prop::collection::vec((".{0,10}", ".{0,20}"), 0..5),
            body in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let reply = protocol::Response { id, status, headers, body };
            let frame = protocol::encode(&Message::Response(reply.clone())).unwrap();
            let expected = protocol::decode(&frame).unwrap();
            match decode_response(&frame) {
                Some((fast, used)) => prop_assert_eq!(Some((Message::Response(fast), used)), expected),
                None => prop_assert!(std::str::from_utf8(&reply.body).is_err()),
            }
            prop_assert!(decode_response(&frame[..frame.len() - 1]).is_none());
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_fast_decoder(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_request(&bytes);
            let _ = decode_response(&bytes);
        }
    }
}
