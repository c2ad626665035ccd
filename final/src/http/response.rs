//! The response a handler returns, and how it becomes bytes.
//!
//! A handler builds a [`Response`] with chainable helpers, and the server
//! adds what the protocol requires and a handler should not have to think
//! about:
//! `Date`, `Content-Length`, `Connection`, `Server`, and no body at all for
//! `HEAD`, 204 and 304 (RFC 9110 §6.4.1). That last step is
//! `Response::encode`, which writes into a buffer the event loop then
//! sends.
//!
//! `encode` is also the last gate before the wire, so it refuses what a
//! handler must never send, and sends a plain `500` instead (with a log
//! line saying why): a header field that would split the response (a name
//! that is not a token, a value holding CR, LF or NUL: see
//! [`crate::http::headers::check_field`]), and a `1xx` status, which announces a
//! response rather than being one (RFC 9110 §15.2): a client would wait for
//! the real answer forever. A `500` is a bug report; a split response is a
//! forged cookie or a cache poisoned for everyone.
//!
//! A body is either bytes in memory (the common case, kept as a plain
//! `Vec<u8>` so it costs nothing extra) or a range of an open file
//! ([`Response::with_file`]), which `encode` hands back to the connection
//! to stream in chunks (module `file_body`), or chunks produced over time
//! ([`Response::stream`], [`Response::with_stream`]: module `stream_body`),
//! which go out with `Transfer-Encoding: chunked` (HTTP/1.1) or until the
//! connection closes (HTTP/1.0), since no length is known up front.

use std::borrow::Cow;

use std::fs::File;

use serde::Serialize;

use crate::http::cookie::Cookie;
use crate::http::date;
use crate::http::decimal::push_decimal;
use crate::http::file_body::FileBody;
use crate::http::headers::{Headers, check_field};
use crate::http::problem::{Format, Problem, format_for};
use crate::http::status::Status;
use crate::http::stream_body::StreamBody;
use crate::http::websocket::WsUpgrade;

/// An HTTP response: status, headers, body.
///
/// # Examples
/// ```
/// use httprs::{Response, Status};
/// let r = Response::text("made").with_status(Status::CREATED).with_header("X-Id", "7");
/// assert_eq!(r.status(), Status::CREATED);
/// assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
/// assert_eq!(r.body(), b"made");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: Status,
    headers: Headers,
    body: Vec<u8>,
    /// Sent instead of `body` when set: a file's range, or chunks produced
    /// over time. One field for both keeps a `Response` small (it is moved
    /// through every middleware).
    tail: Option<BodyTail>,
    /// An error still to be shown in the format the request asks for
    /// (`problem.rs`); boxed, so a response without one grows by a pointer.
    problem: Option<Box<Problem>>,
}

/// What [`Response::encode`] leaves for the connection to send after the
/// head: a body that is not in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyTail {
    /// A file's range, `Content-Length` bytes.
    File(FileBody),
    /// Chunks still to come: chunked (HTTP/1.1), or until the close (HTTP/1.0).
    Stream(StreamBody),
    /// No body: a `101` and the connection speaks WebSocket from then on.
    /// Boxed: it is rare, and every other response would carry its size.
    Upgrade(Box<WsUpgrade>),
}

/// How the server frames a response on a connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResponseFraming {
    /// The request was `HEAD`: send the headers of a GET, no body.
    pub head_only: bool,
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
    /// The request's minor version: HTTP/1.0 needs `Connection: keep-alive` spelled out.
    pub minor_version: u8,
}

impl Response {
    /// An empty response with this status.
    pub fn new(status: impl Into<Status>) -> Response {
        Response {
            status: status.into(),
            headers: Headers::new(),
            body: Vec::new(),
            tail: None,
            problem: None,
        }
    }

    /// 200 with a `text/plain; charset=utf-8` body.
    pub fn text(body: impl Into<String>) -> Response {
        Response::new(Status::OK)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body(body.into())
    }

    /// 200 with a `text/html; charset=utf-8` body.
    pub fn html(body: impl Into<String>) -> Response {
        Response::new(Status::OK)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_body(body.into())
    }

    /// 200 with `value` serialized as JSON; a value serde cannot serialize
    /// (a map with non-string keys, say) gives a 500 that says so.
    pub fn json(value: &impl Serialize) -> Response {
        match to_json(value) {
            Ok(body) => Response::new(Status::OK)
                .with_header("Content-Type", "application/json")
                .with_body(body),
            Err(err) => Response::text(format!("cannot serialize response: {err}"))
                .with_status(Status::INTERNAL_SERVER_ERROR),
        }
    }

    /// 200 with a body of `chunks`, produced while the response is sent:
    /// the iterator is pulled on the worker pool as the client takes what
    /// came before (never on the event loop, never far ahead of the client).
    /// An iterator that waits for events between chunks belongs in a
    /// [`BodyChannel`](crate::BodyChannel) instead, which holds no thread.
    ///
    /// # Examples
    /// ```
    /// use httprs::Response;
    /// let rows = (1..=3).map(|i| format!("row {i}\n"));
    /// let res = Response::stream("text/plain; charset=utf-8", rows);
    /// assert!(res.is_streamed());
    /// assert_eq!(res.body(), b"", "the chunks are not in memory");
    /// ```
    pub fn stream<I>(content_type: &'static str, chunks: I) -> Response
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Into<Vec<u8>> + 'static,
    {
        let chunks = Box::new(chunks.into_iter().map(Into::into));
        Response::new(Status::OK)
            .with_header("Content-Type", content_type)
            .with_stream(StreamBody::from_iter(chunks))
    }

    /// 303 See Other to `location`: after a POST, "now GET this".
    pub fn redirect(location: &str) -> Response {
        Response::new(Status::SEE_OTHER).with_header("Location", location.to_string())
    }

    /// A plain-text page for an error status, such as `404 Not Found`.
    pub fn error(status: impl Into<Status>) -> Response {
        let status = status.into();
        Response::text(format!("{status}\n")).with_status(status)
    }

    /// An error response for `problem`, shown as the request asks (problem
    /// details as JSON, an HTML page, or text: see [`Problem`]) once the
    /// app renders it; until then, and outside an app, plain text.
    pub fn problem(problem: Problem) -> Response {
        let mut res = Response::rendered(&problem, Format::Text);
        res.problem = Some(Box::new(problem));
        res
    }

    /// `problem` shown in `format`.
    fn rendered(problem: &Problem, format: Format) -> Response {
        let (content_type, body) = problem.body(format);
        Response::new(problem.status())
            .with_header("Content-Type", content_type)
            .with_body(body)
    }

    /// The problem this response is still to show, if any.
    pub fn pending_problem(&self) -> Option<&Problem> {
        self.problem.as_deref()
    }

    /// The response rendered for `req` if it carries a problem: what the
    /// app does with every handler's response.
    pub(crate) fn render_problem_for(self, req: &crate::http::request::Request) -> Response {
        match &self.problem {
            None => self,
            Some(problem) => {
                let format = format_for(req);
                if format == Format::Text {
                    return self;
                }
                // The handler's own headers (`Retry-After`, `Allow`, each
                // `Set-Cookie`) are kept, repeated ones too.
                let mut res = Response::rendered(problem, format);
                for (name, value) in self.headers.iter() {
                    if !name.eq_ignore_ascii_case("content-type") {
                        res.headers.append(name.to_string(), value.to_string());
                    }
                }
                res
            }
        }
    }

    /// Replaces the status.
    pub fn with_status(mut self, status: impl Into<Status>) -> Response {
        self.status = status.into();
        self
    }

    /// Sets a header, replacing any of the same name.
    pub fn with_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.set(name, value);
        self
    }

    /// Adds a header, keeping any of the same name.
    pub fn append_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.append(name, value);
        self
    }

    /// Adds a `Set-Cookie` field.
    pub fn with_cookie(mut self, cookie: Cookie) -> Response {
        self.headers.append("Set-Cookie", cookie.to_string());
        self
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self.tail = None;
        self
    }

    /// Replaces the body with `len` bytes of `file` from `offset`, streamed
    /// to the client in chunks as the socket drains: never read whole into
    /// memory. `len` must not run past the end of the file (the server
    /// promises it in `Content-Length`, and closes the connection if the
    /// file turns out shorter).
    ///
    /// [`Response::body`] is empty for such a response.
    pub fn with_file(mut self, file: File, offset: u64, len: u64) -> Response {
        self.body = Vec::new();
        self.tail = Some(BodyTail::File(FileBody::new(file, offset, len)));
        self
    }

    /// Replaces the body with `body`, produced over time (see
    /// [`BodyChannel`](crate::BodyChannel) and [`Response::stream`]).
    /// [`Response::body`] is empty for such a response.
    pub fn with_stream(mut self, body: StreamBody) -> Response {
        self.body = Vec::new();
        self.tail = Some(BodyTail::Stream(body));
        self
    }

    /// The streamed body, taken out (a backend relaying it to its front).
    pub(crate) fn take_stream(&mut self) -> Option<StreamBody> {
        match self.tail.take() {
            Some(BodyTail::Stream(body)) => Some(body),
            other => {
                self.tail = other;
                None
            }
        }
    }

    /// The streamed body, to adjust (`sse.rs`'s keep-alive interval).
    pub(crate) fn stream_mut(&mut self) -> Option<&mut StreamBody> {
        match &mut self.tail {
            Some(BodyTail::Stream(body)) => Some(body),
            _ => None,
        }
    }

    /// An accepted WebSocket upgrade: the loop sends its 101 head instead
    /// of this response's, and switches the connection.
    pub(crate) fn upgrade(upgrade: WsUpgrade) -> Response {
        let mut res = Response::new(200);
        res.tail = Some(BodyTail::Upgrade(Box::new(upgrade)));
        res
    }

    /// The accepted WebSocket upgrade this response carries, if any.
    pub(crate) fn take_upgrade(&mut self) -> Option<WsUpgrade> {
        match self.tail.take() {
            Some(BodyTail::Upgrade(up)) => Some(*up),
            other => {
                self.tail = other;
                None
            }
        }
    }

    /// Writes an accepted upgrade's `101` `head` into `out`, with this
    /// response's own fields added: what middleware set on the way out (a
    /// session's `Set-Cookie`, the request id). Fields that speak of a body
    /// or of the connection's framing are the handshake's business and are
    /// left out; a field that would split the head is dropped, logged.
    pub(crate) fn encode_upgrade_head(&self, head: &[u8], out: &mut Vec<u8>) {
        // The head ends with the blank line; the fields go before it.
        out.extend_from_slice(head.strip_suffix(b"\r\n").unwrap_or(head));
        for (name, value) in self.headers.iter() {
            let framing = [
                "content-length",
                "content-type",
                "connection",
                "transfer-encoding",
            ]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
            if framing
                || name.eq_ignore_ascii_case("upgrade")
                || starts_with_ci(name, "sec-websocket-")
            {
                continue;
            }
            if let Err(err) = check_field(name, value) {
                log::error!("{err}: left out of a 101");
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }

    /// Whether this response switches its connection to a WebSocket.
    pub(crate) fn is_upgrade(&self) -> bool {
        matches!(self.tail, Some(BodyTail::Upgrade(_)))
    }

    /// Whether the body is produced over time ([`Response::with_stream`]).
    pub fn is_streamed(&self) -> bool {
        matches!(self.tail, Some(BodyTail::Stream(_)))
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// All headers (as set by the handler; the server adds its own on the wire).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Mutable access to the headers, for middleware.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body bytes (empty when the body is a file: see [`Response::with_file`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (lossy), handy in tests.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the handler asked for the connection to be closed after it.
    pub(crate) fn wants_close(&self) -> bool {
        self.headers.has_token("connection", "close")
    }

    /// The length of the body, in memory or on disk; 0 for a streamed
    /// body, whose length nobody knows yet.
    pub fn body_len(&self) -> u64 {
        match &self.tail {
            Some(BodyTail::File(file)) => file.remaining(),
            Some(BodyTail::Stream(_) | BodyTail::Upgrade(_)) => 0,
            None => self.body.len() as u64,
        }
    }

    /// The whole body in memory: the bytes, or the file's range read from
    /// disk (nothing for a stream, which split mode refuses before this).
    /// For split mode, where a body travels inside one frame; the
    /// caller checks [`Response::body_len`] against the frame limit first.
    pub(crate) fn into_body(self) -> std::io::Result<Vec<u8>> {
        let Some(BodyTail::File(mut file)) = self.tail else {
            return Ok(self.body);
        };
        let mut out = Vec::with_capacity(usize::try_from(file.remaining()).unwrap_or(0));
        while file.remaining() > 0 {
            file.read_chunk(&mut out)?;
        }
        Ok(out)
    }

    /// Writes status line, headers and (unless forbidden) body into `out`.
    /// A body that is a file or a stream is not written but returned, for
    /// the connection to send after `out`.
    /// A response that must not be sent (see the module docs) becomes a
    /// `500`, logged.
    pub(crate) fn encode(&self, framing: ResponseFraming, out: &mut Vec<u8>) -> Option<BodyTail> {
        let status = self.status;
        if status.code() < 200 {
            log::error!(
                "a handler answered {status}, which is not a final response; sending a 500"
            );
            return Response::error(Status::INTERNAL_SERVER_ERROR).encode(framing, out);
        }
        // Where this response starts in `out`: a bad field found halfway
        // through the head is taken back before a byte of it is sent.
        let start = out.len();
        out.extend_from_slice(b"HTTP/1.1 ");
        push_decimal(out, u64::from(status.code()));
        out.push(b' ');
        out.extend_from_slice(status.reason().as_bytes());
        out.extend_from_slice(b"\r\n");
        if !self.headers.contains("server") {
            out.extend_from_slice(b"Server: httprs\r\n");
        }
        if !self.headers.contains("date") {
            date::with_http_date(|d| {
                out.extend_from_slice(b"Date: ");
                out.extend_from_slice(d.as_bytes());
                out.extend_from_slice(b"\r\n");
            });
        }
        if self.is_streamed() {
            // No length to promise: HTTP/1.1 frames each chunk, HTTP/1.0
            // reads until the close (the server sees to `keep_alive`).
            if !status.forbids_body() && framing.minor_version > 0 {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
            }
        } else if !status.forbids_body() {
            out.extend_from_slice(b"Content-Length: ");
            push_decimal(out, self.body_len());
            out.extend_from_slice(b"\r\n");
        }
        if !framing.keep_alive {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if framing.minor_version == 0 {
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        for (name, value) in self.headers.iter() {
            // Ours, computed above; a handler's value would contradict the framing.
            if name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("connection")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                continue;
            }
            if let Err(err) = check_field(name, value) {
                out.truncate(start);
                log::error!("{err}: it would split the response; sending a 500");
                // Terminates: the error page's own fields pass the check.
                return Response::error(Status::INTERNAL_SERVER_ERROR).encode(framing, out);
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if framing.head_only || status.forbids_body() {
            return None;
        }
        if self.tail.is_none() {
            out.extend_from_slice(&self.body);
        }
        self.tail.clone()
    }
}

/// Whether `name` starts with `prefix` (ASCII, any case).
fn starts_with_ci(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The most bytes [`to_json`]'s buffer keeps between two responses: a
/// rare large answer does not hold its memory for the thread's life.
const JSON_BUFFER_KEPT: usize = 64 * 1024;

thread_local! {
    /// Where this thread serializes JSON: its capacity stays from one
    /// response to the next.
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `value` as JSON bytes, in a `Vec` of exactly their length.
///
/// Why not `serde_json::to_vec`: it starts at 128 bytes and doubles as it
/// writes, so twenty rows of TechEmpower's `/queries` (about 700 bytes)
/// cost four allocations and three copies, and the last growth asks the
/// allocator for a kilobyte, past the sizes it keeps per thread
/// (`perf record` on `/queries`: a fifth of the allocator's time in that
/// request went to the JSON). Written into a
/// buffer that keeps its capacity, then copied once into an exact `Vec`:
/// one allocation, one copy of the bytes.
fn to_json(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    JSON_BUFFER.with(|buffer| {
        // A `Serialize` that itself builds a JSON response finds the
        // buffer taken: it gets a `Vec` of its own.
        let Ok(mut buffer) = buffer.try_borrow_mut() else {
            return serde_json::to_vec(value);
        };
        buffer.clear();
        let written = serde_json::to_writer(&mut *buffer, value).map(|()| buffer.to_vec());
        if buffer.capacity() > JSON_BUFFER_KEPT {
            *buffer = Vec::new();
        }
        written
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_are_serde_json_s_bytes_in_a_vec_of_their_own_length() {
        let rows: Vec<(u32, String)> = (0..40).map(|i| (i, "x".repeat(i as usize))).collect();
        for n in [0, 1, 5, 20, 40] {
            let slice = &rows[..n];
            let res = Response::json(&slice);
            assert_eq!(res.body(), serde_json::to_vec(&rows[..n]).unwrap());
            assert_eq!(
                res.body.capacity(),
                res.body.len(),
                "{n} rows: no spare capacity"
            );
            assert_eq!(res.header("content-type"), Some("application/json"));
        }
        // Larger than the buffer keeps: right, and the buffer let go.
        let big = vec!["y".repeat(1000); 100];
        assert_eq!(
            Response::json(&big).body(),
            serde_json::to_vec(&big).unwrap()
        );
        assert_eq!(JSON_BUFFER.with_borrow(Vec::capacity), 0);
        // And what cannot be JSON is a 500, as before.
        let map: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert_eq!(Response::json(&map).status().code(), 500);
    }

    /// A value whose serialization builds a JSON response of its own.
    struct Nested;

    impl Serialize for Nested {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let inner = Response::json(&[1, 2, 3]);
            s.serialize_str(&inner.body_text())
        }
    }

    #[test]
    fn a_json_response_made_while_another_is_serialized_gets_its_own_buffer() {
        assert_eq!(Response::json(&Nested).body_text(), r#""[1,2,3]""#);
    }

    #[test]
    fn a_problem_rendered_for_a_json_client_keeps_the_handler_s_headers() {
        let res = Response::problem(Problem::new(503).with_detail("busy"))
            .with_header("Retry-After", "1")
            .append_header("Set-Cookie", "a=1")
            .append_header("Set-Cookie", "b=2");
        let req = crate::http::request::Request::new("GET", "/")
            .with_header("Accept", "application/json");
        let rendered = res.clone().render_problem_for(&req);
        assert_eq!(rendered.status().code(), 503);
        assert_eq!(
            rendered.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(rendered.header("retry-after"), Some("1"));
        assert_eq!(rendered.headers().get_all("set-cookie").count(), 2);
        assert!(rendered.pending_problem().is_none());
        // curl's text is the response as the handler made it.
        let text = res
            .clone()
            .render_problem_for(&crate::http::request::Request::new("GET", "/"));
        assert_eq!(text, res);
    }

    fn encode(r: &Response, head_only: bool, keep_alive: bool, minor_version: u8) -> String {
        let mut out = Vec::new();
        r.encode(
            ResponseFraming {
                head_only,
                keep_alive,
                minor_version,
            },
            &mut out,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_server_adds_length_date_and_server() {
        let wire = encode(&Response::text("hi"), false, true, 1);
        assert!(wire.starts_with("HTTP/1.1 200 OK\r\nServer: httprs\r\nDate: "));
        assert!(wire.contains("\r\nContent-Length: 2\r\n"));
        assert!(!wire.contains("Connection"));
        assert!(wire.ends_with("\r\n\r\nhi"));
    }

    #[test]
    fn head_keeps_the_length_but_drops_the_body() {
        let wire = encode(&Response::text("hello"), true, true, 1);
        assert!(wire.contains("Content-Length: 5\r\n"));
        assert!(wire.ends_with("\r\n\r\n"));
    }

    #[test]
    fn connection_is_spelled_out_when_closing_and_for_http_1_0_keep_alive() {
        assert!(encode(&Response::text(""), false, false, 1).contains("Connection: close\r\n"));
        assert!(encode(&Response::text(""), false, true, 0).contains("Connection: keep-alive\r\n"));
    }

    #[test]
    fn no_content_has_neither_length_nor_body() {
        let wire = encode(&Response::new(204).with_body("x"), false, true, 1);
        assert!(!wire.contains("Content-Length"));
        assert!(wire.ends_with("\r\n\r\n"));
    }

    #[test]
    fn a_file_body_is_counted_in_the_length_and_handed_back_unless_head() {
        let path = std::env::temp_dir().join(format!("httprs-encode-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let r = Response::new(200).with_file(File::open(&path).unwrap(), 2, 5);
        std::fs::remove_file(&path).unwrap();
        for head_only in [false, true] {
            let mut out = Vec::new();
            let framing = ResponseFraming {
                head_only,
                keep_alive: true,
                minor_version: 1,
            };
            let file = r.encode(framing, &mut out);
            let wire = String::from_utf8(out).unwrap();
            assert!(wire.contains("Content-Length: 5\r\n"));
            assert!(
                wire.ends_with("\r\n\r\n"),
                "the file is not copied into the head"
            );
            assert_eq!(file.is_some(), !head_only);
        }
    }

    #[test]
    fn a_header_that_would_split_the_response_becomes_a_500() {
        let forged = [
            Response::redirect("/x\r\nSet-Cookie: a=b"),
            Response::text("hi").with_header("X-A", "1\n\nHTTP/1.1 200 OK"),
            Response::text("hi").with_header("X-A", "nul\0"),
            Response::text("hi").with_header("Set-Cookie: a=b\r\nX", "1"),
            Response::text("hi").with_header("", "1"),
        ];
        for res in forged {
            let wire = encode(&res, false, true, 1);
            assert!(
                wire.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
                "{wire:?}"
            );
            assert_eq!(wire.matches("HTTP/1.1").count(), 1, "{wire:?}");
            assert!(
                !wire.contains("Set-Cookie") && !wire.contains("X-A"),
                "{wire:?}"
            );
            assert!(
                wire.ends_with("\r\n\r\n500 Internal Server Error\n"),
                "{wire:?}"
            );
        }
        // What was in the buffer before (an earlier pipelined response) stays.
        let mut out = b"earlier".to_vec();
        let framing = ResponseFraming {
            head_only: false,
            keep_alive: true,
            minor_version: 1,
        };
        Response::redirect("/\r\nX: y").encode(framing, &mut out);
        assert!(out.starts_with(b"earlierHTTP/1.1 500 "));
    }

    #[test]
    fn an_informational_status_is_never_sent_as_the_final_response() {
        for code in [100, 101, 103, 199] {
            let wire = encode(&Response::text("hi").with_status(code), false, true, 1);
            assert!(wire.starts_with("HTTP/1.1 500 "), "{code}: {wire:?}");
        }
        assert!(encode(&Response::new(200), false, true, 1).starts_with("HTTP/1.1 200 "));
    }

    #[test]
    fn a_streamed_body_has_no_length_and_is_chunked_only_for_http_1_1() {
        let res =
            Response::stream("text/plain", ["a", "b"]).with_header("Transfer-Encoding", "gzip");
        let wire = encode(&res, false, true, 1);
        assert!(
            wire.contains("\r\nTransfer-Encoding: chunked\r\n"),
            "{wire}"
        );
        assert_eq!(
            wire.matches("Transfer-Encoding").count(),
            1,
            "the handler's is dropped"
        );
        assert!(!wire.contains("Content-Length"), "{wire}");
        assert!(wire.ends_with("\r\n\r\n"), "the chunks are not in the head");
        let wire = encode(&res, false, false, 0);
        assert!(!wire.contains("Transfer-Encoding") && !wire.contains("Content-Length"));
        let framing = ResponseFraming {
            head_only: false,
            keep_alive: true,
            minor_version: 1,
        };
        assert!(matches!(
            res.encode(framing, &mut Vec::new()),
            Some(BodyTail::Stream(_))
        ));
    }

    #[test]
    fn a_handler_cannot_forge_the_content_length() {
        let r = Response::text("abc").with_header("Content-Length", "99");
        let wire = encode(&r, false, true, 1);
        assert_eq!(wire.matches("Content-Length").count(), 1);
        assert!(wire.contains("Content-Length: 3\r\n"));
    }
    #[test]
    fn an_upgrade_head_takes_the_responses_own_fields_but_not_its_framing() {
        let res = Response::new(200)
            .with_header("Set-Cookie", "sid=1")
            .with_header("Content-Type", "text/plain")
            .with_header("Sec-WebSocket-Accept", "forged");
        let mut out = Vec::new();
        res.encode_upgrade_head(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSet-Cookie: sid=1\r\n\r\n"
        );
    }
}
