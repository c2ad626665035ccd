#![doc = include_str!("../../docs/protocol.md")]

use std::io;
use std::net::SocketAddr;

pub use step06::split::protocol::{
    MAX_FRAME_BYTES, Message, PREFIX_BYTES, ProtocolError, Request, Response, VERSION, decode,
    encode, read_frame, write_frame,
};

use crate::http::headers::{FieldError, check_field};
use crate::http::request::Request as HttpRequest;
use crate::http::response::Response as HttpResponse;
use crate::http::status::Status;

/// Fields about one connection, not the message, which each side of the
/// split sets for itself (see the module docs).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "content-length",
    "keep-alive",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "upgrade",
];

/// The field names a message's `Connection` fields list: `close` and
/// `X-Trace` for `Connection: close, X-Trace`. Usually none, and then this
/// allocates nothing.
pub(crate) fn connection_options<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    fields
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|option| !option.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a field named `name` crosses the split: it is not hop-by-hop,
/// and the message's `Connection` field (its `options`) does not name it.
pub(crate) fn crosses(name: &str, options: &[String]) -> bool {
    !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
        && !options.iter().any(|o| name.eq_ignore_ascii_case(o))
}

/// The `request` message for `req`, to be sent with id `id`: method, path
/// and query apart, the headers in order (PROTOCOL.md: "as the client sent
/// them"), without the hop-by-hop ones and with a `Content-Length` that
/// tells the body's true length, and the body. The front adds its
/// `X-Forwarded-*` fields afterwards.
pub fn request_to_message(req: &HttpRequest, id: u64) -> Request {
    let fields = req.headers();
    let options = connection_options(fields.iter());
    let mut headers: Vec<(String, String)> = fields
        .iter()
        .filter(|(name, _)| crosses(name, &options))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    // A request announces a body with either field (RFC 9112 §6.1). The
    // front has read all of it, de-chunked: its length is now a plain fact.
    let has_body = fields.contains("content-length") || fields.contains("transfer-encoding");
    if has_body || !req.body().is_empty() {
        headers.push(("Content-Length".to_string(), req.body().len().to_string()));
    }
    Request {
        id,
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        headers,
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
    // Moved, not copied: the message's strings become the request's.
    for (name, value) in message.headers {
        req.append_header(name, value);
    }
    req
}

/// The `response` message answering request `id` with `res`. A body that is
/// a file (a static file) is read into memory: a frame carries all of it.
///
/// # Errors
/// A body longer than a frame can carry (checked before reading a file), a
/// file that cannot be read, or a reply a front would refuse ([`BadReply`]:
/// a `1xx`, a header field that would split the response). The backend
/// answers `500` instead, and logs why, where the handler's author looks.
pub fn response_to_message(id: u64, res: HttpResponse) -> io::Result<Response> {
    let len = res.body_len();
    if len > MAX_FRAME_BYTES as u64 {
        return Err(io::Error::other(format!(
            "a body of {len} bytes does not fit in one frame (at most {MAX_FRAME_BYTES}); \
             serve large files from the front (httprs-front --static)"
        )));
    }
    let status = res.status().code();
    let options = connection_options(res.headers().iter());
    let headers = res
        .headers()
        .iter()
        .filter(|(name, _)| crosses(name, &options))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect::<Vec<_>>();
    let fields = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    check_reply(status, fields).map_err(io::Error::other)?;
    Ok(Response {
        id,
        status,
        headers,
        body: res.into_body()?,
    })
}

/// A backend's reply that the front must not pass on to a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadReply {
    /// A status outside 200..=599: not three digits, a `1xx` (which
    /// announces a response rather than being one; the front would send
    /// it as the final answer), or a class HTTP does not define.
    Status(u16),
    /// A header field that would split the response: see
    /// [`crate::http::headers::check_field`].
    Field(FieldError),
}

impl std::fmt::Display for BadReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadReply::Status(status) => {
                write!(f, "status {status} is not a final HTTP status (200 to 599)")
            }
            BadReply::Field(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for BadReply {}

/// Whether a reply with `status` and `headers` may be sent to a browser;
/// the one check both ends of the split make (see [`BadReply`]).
pub(crate) fn check_reply<'a>(
    status: u16,
    mut headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), BadReply> {
    if !(200..=599).contains(&status) {
        return Err(BadReply::Status(status));
    }
    headers.try_for_each(|(name, value)| check_field(name, value).map_err(BadReply::Field))
}

/// The HTTP response the browser gets for `message`. The body is kept for a
/// `HEAD` too (PROTOCOL.md: the backend sends what a `GET` would get), so
/// that the front's `Content-Length` tells the truth; the front's HTTP layer
/// then sends the head only.
///
/// # Errors
/// [`BadReply`] for a status outside 200..=599 or a header field that is
/// not fit for the wire: a broken backend (or one that passes on what its
/// users typed), answered with `502` by the front. Checked here, not only
/// when the front's HTTP layer encodes the response, because a front must
/// not trust its backends: step 06's backend, or any other, makes no such
/// promise.
pub fn response_from_message(message: Response) -> Result<HttpResponse, BadReply> {
    check_reply(
        message.status,
        message
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str())),
    )?;
    let options = connection_options(
        message
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    let mut res = HttpResponse::new(Status::from(message.status));
    for (name, value) in message.headers {
        if crosses(&name, &options) {
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
    fn a_request_crosses_without_its_hop_by_hop_fields_and_with_its_true_length() {
        // As a chunked request reaches the front's handler: body de-chunked.
        let req = HttpRequest::new("POST", "/up")
            .with_header("Host", "example")
            .with_header("Connection", "keep-alive, X-Hop")
            .with_header("X-Hop", "for the front only")
            .with_header("Keep-Alive", "timeout=5")
            .with_header("Proxy-Connection", "keep-alive")
            .with_header("TE", "trailers")
            .with_header("Upgrade", "h2c")
            .with_header("Transfer-Encoding", "chunked")
            .with_header("X-End", "1")
            .with_body(b"abc".to_vec());
        let pairs = |m: &Request| {
            m.headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(&request_to_message(&req, 1)),
            ["Host: example", "X-End: 1", "Content-Length: 3"]
        );
        // A `Content-Length` the client sent is replaced by the true one, not doubled.
        let sized = HttpRequest::new("POST", "/up")
            .with_header("content-length", "3")
            .with_body(b"abc".to_vec());
        assert_eq!(pairs(&request_to_message(&sized, 1)), ["Content-Length: 3"]);
        let empty = HttpRequest::new("POST", "/up").with_header("Content-Length", "0");
        assert_eq!(pairs(&request_to_message(&empty, 1)), ["Content-Length: 0"]);
        // No body, no length: a GET stays as it was.
        let get = HttpRequest::new("GET", "/").with_header("Host", "a");
        assert_eq!(pairs(&request_to_message(&get, 1)), ["Host: a"]);
    }

    #[test]
    fn a_response_crosses_without_its_hop_by_hop_fields_either_way() {
        let res = HttpResponse::text("hi")
            .with_header("Connection", "X-Hop")
            .with_header("X-Hop", "1")
            .with_header("Upgrade", "websocket")
            .with_header("TE", "trailers")
            .with_header("Proxy-Connection", "close")
            .with_header("X-End", "1");
        let message = response_to_message(1, res).unwrap();
        let names = |m: &Response| m.headers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&message), ["Content-Type", "X-End"]);
        // And from a backend that sends them anyway (step 06's, or a test double).
        let mut message = message;
        for (n, v) in [
            ("connection", "x-other"),
            ("X-Other", "1"),
            ("Keep-Alive", "5"),
            ("upgrade", "h2c"),
        ] {
            message.headers.push((n.into(), v.into()));
        }
        let back = response_from_message(message).unwrap();
        let names = back.headers().iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names, ["Content-Type", "X-End"]);
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
    fn a_status_outside_200_to_599_is_refused_not_a_panic() {
        let reply = |status| Response {
            id: 1,
            status,
            headers: vec![],
            body: vec![],
        };
        for status in [70, 100, 101, 199, 600, 700, 1000] {
            assert_eq!(
                response_from_message(reply(status)).unwrap_err(),
                BadReply::Status(status)
            );
        }
        for status in [200, 204, 599] {
            let res = response_from_message(reply(status)).unwrap();
            assert_eq!(res.status().code(), status);
        }
    }

    #[test]
    fn a_reply_with_a_header_that_would_split_the_response_is_refused() {
        let reply = |name: &str, value: &str| Response {
            id: 1,
            status: 303,
            headers: vec![(name.into(), value.into())],
            body: vec![],
        };
        let err = response_from_message(reply("Location", "/x\r\nSet-Cookie: a=b")).unwrap_err();
        assert_eq!(err, BadReply::Field(FieldError::Value("Location".into())));
        assert!(err.to_string().contains("header Location"), "{err}");
        assert!(response_from_message(reply("X Y", "1")).is_err());
        assert!(response_from_message(reply("Location", "/x")).is_ok());
    }

    #[test]
    fn a_backend_does_not_send_what_a_front_would_refuse() {
        let forged = HttpResponse::redirect("/x\nSet-Cookie: a=b");
        let err = response_to_message(1, forged).unwrap_err();
        assert!(err.to_string().contains("header Location"), "{err}");
        let early = HttpResponse::text("hi").with_status(Status::EARLY_HINTS);
        let err = response_to_message(1, early).unwrap_err();
        assert!(err.to_string().contains("status 103"), "{err}");
    }
}
