//! The split protocol: the frames a front and a backend exchange. Shared
//! with step 06, not copied.
//!
//! In split mode one process speaks HTTP to browsers (the front,
//! `httprs-front`) and another runs the application (an [`crate::App`] in
//! backend mode, `backend.rs`); between them go length-prefixed JSON
//! frames, specified in `steps/step06-split/PROTOCOL.md`:
//!
//! ```text
//! +----------------------+--------------------------------------------------+
//! | length: u32, big end | payload: `length` bytes of UTF-8 JSON, at most   |
//! |                      | 4 MiB, checked from the prefix before reading it |
//! +----------------------+--------------------------------------------------+
//!   00 00 00 9c            {"v":1,"type":"request","id":1,"method":"GET",...}
//! ```
//!
//! **This module does not implement the protocol.** It re-exports step 06's
//! `split::protocol`, the one implementation both of step 06's binaries
//! already use. A protocol has two ends, and two copies of its code would
//! drift: a bound checked on one side and not the other, a field renamed in
//! one copy, a version bumped in one place. Each end would pass its own tests
//! and the two would disagree only on the wire. With one module, the frames
//! `httprs-front` writes are the frames step 06's backend reads, by
//! construction, and `tests/split.rs` runs the two crates against each
//! other to keep it so. The version field `v` ([`VERSION`]) belongs to that
//! module too: a version 2 would be written there, once, for every end.
//!
//! What this module adds is only the conversions between httprs's own
//! [`crate::Request`] and [`crate::Response`] and the protocol's messages
//! (named [`Request`] and [`Response`] here: `protocol::Request` is a frame's
//! content, `httprs::Request` what a handler reads):
//!
//! | conversion | used by |
//! |---|---|
//! | [`request_to_message`]: an HTTP request becomes a `request` message | the front |
//! | [`request_from_message`]: and back, for the handler | the backend |
//! | [`response_to_message`]: the handler's response becomes a `response` message | the backend |
//! | [`response_from_message`]: and back, for the browser | the front |
//!
//! They are public so that other fronts and backends (a test double, a
//! load generator) can be written with the same conversions.
//!
//! ```
//! use httprs::protocol::{self, Message};
//! let req = httprs::Request::new("GET", "/hello/world?lang=en").with_header("Host", "a");
//! let frame = protocol::encode(&Message::Request(protocol::request_to_message(&req, 1))).unwrap();
//! assert_eq!(
//!     &frame[4..],
//!     br#"{"v":1,"type":"request","id":1,"method":"GET","path":"/hello/world","query":"lang=en","headers":[["Host","a"]],"body":{"utf8":""}}"#
//! );
//! ```
//!
//! Header fields that describe one hop, not the message (`Content-Length`,
//! `Connection`, `Keep-Alive`, `Transfer-Encoding`), never cross: each side's
//! HTTP layer computes its own, as PROTOCOL.md says.

use std::io;
use std::net::SocketAddr;

pub use step06::split::protocol::{
    MAX_FRAME_BYTES, Message, PREFIX_BYTES, ProtocolError, Request, Response, VERSION, decode,
    encode, read_frame, write_frame,
};

use crate::request::Request as HttpRequest;
use crate::response::Response as HttpResponse;
use crate::status::Status;

/// Fields about one connection, which each side of the split sets for itself.
const HOP_BY_HOP: &[&str] = &[
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

fn crosses(name: &str) -> bool {
    !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// The `request` message for `req`, to be sent with id `id`: method, path
/// and query apart, every header in order (PROTOCOL.md: "as the client sent
/// them"), the body. The front adds its `X-Forwarded-*` fields afterwards.
pub fn request_to_message(req: &HttpRequest, id: u64) -> Request {
    Request {
        id,
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: req.body().to_vec(),
    }
}

/// The HTTP request a handler sees for `message`, which came from the front
/// at `peer` (the front, not the browser: the browser's address is in
/// `X-Forwarded-For`).
pub fn request_from_message(message: Request, peer: SocketAddr) -> HttpRequest {
    let target = if message.query.is_empty() {
        message.path
    } else {
        format!("{}?{}", message.path, message.query)
    };
    let mut req = HttpRequest::new(message.method, target)
        .with_body(message.body)
        .with_peer_addr(peer);
    for (name, value) in &message.headers {
        req = req.with_header(name, value);
    }
    req
}

/// The `response` message answering request `id` with `res`. A body that is
/// a file (a static file) is read into memory: a frame carries all of it.
///
/// # Errors
/// A body longer than a frame can carry (checked before reading a file), or
/// a file that cannot be read. The backend answers `500` instead.
pub fn response_to_message(id: u64, res: HttpResponse) -> io::Result<Response> {
    let len = res.body_len();
    if len > MAX_FRAME_BYTES as u64 {
        return Err(io::Error::other(format!(
            "a body of {len} bytes does not fit in one frame (at most {MAX_FRAME_BYTES}); \
             serve large files from the front (httprs-front --static)"
        )));
    }
    let status = res.status().code();
    let headers = res
        .headers()
        .iter()
        .filter(|(name, _)| crosses(name))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Ok(Response {
        id,
        status,
        headers,
        body: res.into_body()?,
    })
}

/// A status a backend sent that is not a three-digit HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadStatus(
    /// The status as sent.
    pub u16,
);

impl std::fmt::Display for BadStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "status {} is not an HTTP status (100 to 999)", self.0)
    }
}

impl std::error::Error for BadStatus {}

/// The HTTP response the browser gets for `message`. The body is kept for a
/// `HEAD` too (PROTOCOL.md: the backend sends what a `GET` would get), so
/// that the front's `Content-Length` tells the truth; the front's HTTP layer
/// then sends the head only.
///
/// # Errors
/// [`BadStatus`] for a status outside 100..=999, which `Status` cannot hold:
/// a broken backend, answered with `502` by the front.
pub fn response_from_message(message: Response) -> Result<HttpResponse, BadStatus> {
    if !(100..=999).contains(&message.status) {
        return Err(BadStatus(message.status));
    }
    let mut res = HttpResponse::new(Status::from(message.status));
    for (name, value) in message.headers {
        if crosses(&name) {
            res = res.append_header(name, value);
        }
    }
    Ok(res.with_body(message.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "10.0.0.1:5000".parse().unwrap()
    }

    #[test]
    fn a_request_survives_the_round_trip_through_a_message() {
        let req = HttpRequest::new("POST", "/echo?a=1&b=%20")
            .with_header("Host", "example")
            .with_header("X-Dup", "1")
            .with_header("X-Dup", "2")
            .with_body(vec![0, 255]);
        let message = request_to_message(&req, 9);
        assert_eq!(
            (message.path.as_str(), message.query.as_str()),
            ("/echo", "a=1&b=%20")
        );
        let frame = encode(&Message::Request(message.clone())).unwrap();
        let Some((Message::Request(decoded), _)) = decode(&frame).unwrap() else {
            panic!("not a request");
        };
        let back = request_from_message(decoded, peer());
        assert_eq!(back.method(), "POST");
        assert_eq!(back.path(), "/echo");
        assert_eq!(back.query("b").as_deref(), Some(" "));
        assert_eq!(
            back.headers().get_all("x-dup").collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert_eq!(back.body(), [0, 255]);
        assert_eq!(back.peer_addr(), Some(peer()));
        // No query: no `?` either.
        let plain =
            request_from_message(request_to_message(&HttpRequest::new("GET", "/"), 1), peer());
        assert_eq!((plain.path(), plain.query_string()), ("/", ""));
    }

    #[test]
    fn hop_by_hop_fields_do_not_cross_and_repeats_do() {
        let res = HttpResponse::text("hi")
            .with_header("Connection", "close")
            .append_header("Set-Cookie", "a=1")
            .append_header("Set-Cookie", "b=2");
        let message = response_to_message(4, res).unwrap();
        assert_eq!(message.id, 4);
        assert!(message.headers.iter().all(|(n, _)| n != "Connection"));
        let mut message = message;
        message
            .headers
            .push(("Transfer-Encoding".into(), "chunked".into()));
        let back = response_from_message(message).unwrap();
        assert_eq!(
            back.headers().get_all("set-cookie").collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );
        assert_eq!(back.header("transfer-encoding"), None);
        assert_eq!(back.body(), b"hi");
    }

    #[test]
    fn a_file_body_is_read_into_the_message_and_a_huge_one_refused() {
        let path = std::env::temp_dir().join(format!("httprs-protocol-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let message = response_to_message(1, HttpResponse::new(200).with_file(file, 2, 5)).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(message.body, b"23456");
        let huge = HttpResponse::new(200).with_body(vec![b'x'; MAX_FRAME_BYTES + 1]);
        let err = response_to_message(1, huge).unwrap_err();
        assert!(
            err.to_string().contains("does not fit in one frame"),
            "{err}"
        );
    }

    #[test]
    fn a_status_that_is_not_three_digits_is_refused_not_a_panic() {
        let reply = |status| Response {
            id: 1,
            status,
            headers: vec![],
            body: vec![],
        };
        assert_eq!(response_from_message(reply(70)).unwrap_err(), BadStatus(70));
        assert_eq!(
            response_from_message(reply(1000)).unwrap_err(),
            BadStatus(1000)
        );
        assert_eq!(
            response_from_message(reply(204)).unwrap().status().code(),
            204
        );
    }
}
