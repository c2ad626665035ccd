//! Parsing requests from a byte stream that arrives in arbitrary pieces.
//!
//! One concept over 500 lines: the decoder's states and the checks of the
//! head, with the table of tests that pins each check down (about 200
//! lines). What it refuses is in `parse_error.rs`, chunked bodies in
//! `chunked.rs`, the `Host` grammar in `host.rs`.
//!
//! This is step 02 grown up. TCP delivers bytes, not messages, so a request
//! may arrive one byte at a time, or three requests may arrive in one read.
//! [`RequestDecoder::decode`] is therefore called after *every* read with
//! everything buffered so far, and answers one of three things:
//!
//! - `Ok(Some(request))`: a whole request (head and body) was taken off the buffer;
//! - `Ok(None)`: **not enough bytes yet**, which is not an error but the normal
//!   state of a network server: read more and call again (httparse's
//!   `Status::Partial`, mini-redis's `Incomplete`);
//! - `Err(error)`: the bytes can never become a valid request. Every error
//!   maps to a status ([`ParseError::status`]) and the connection is closed
//!   after that answer, because once framing is in doubt the server no longer
//!   knows where the next request starts.
//!
//! The head is parsed by `httparse`; everything it leaves to its caller is
//! here: limits, framing (`Content-Length` vs chunked), and the request
//! smuggling defences of RFC 9112 §6.3: a request with both `Content-Length`
//! and `Transfer-Encoding`, or with two different lengths, is refused, since
//! two servers in a chain could otherwise disagree on where it ends.
//!
//! # Line endings (RFC 9112 §2.2)
//!
//! Lines end with CRLF. The RFC lets a recipient accept a **bare LF** as a
//! line terminator, and httprs does (as httparse, nginx and most servers do):
//! `GET / HTTP/1.1\nHost: a\n\n` is a valid request. A **bare CR** (a CR not
//! followed by LF) must be treated as invalid or replaced by a space; httprs
//! treats it as invalid: the request is answered with 400 and the connection
//! closed, in the head and in chunked framing lines alike.

use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::sync::Arc;

use crate::http::body_plan::{BodyPlan, BodyPlanner, StreamedUpload};
use crate::http::buffer::InputBuffer;
use crate::http::chunked::ChunkedDecoder;
use crate::http::headers::{Headers, is_tchar};
use crate::http::host::valid_host;
use crate::http::parse_error::{Limits, MAX_HEADERS, ParseError, check_bare_cr};
use crate::http::upload::Multipart;

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// Neither `Content-Length` nor `Transfer-Encoding`: no body.
    Empty,
    /// Exactly this many bytes follow the head.
    Length(usize),
    /// Chunks follow, ended by a zero-size chunk.
    Chunked,
}

/// A parsed request line and header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, such as `GET` (case-sensitive, as RFC 9110 says).
    pub method: Cow<'static, str>,
    /// The request target as sent, such as `/hello/world?x=1`.
    pub target: String,
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// The header fields in order.
    pub headers: Headers,
    /// How the body is delimited.
    pub framing: BodyFraming,
}

impl RequestHead {
    /// Whether the client wants the connection kept open after the answer:
    /// HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    pub fn keep_alive(&self) -> bool {
        if self.minor_version >= 1 {
            !self.headers.has_token("connection", "close")
        } else {
            self.headers.has_token("connection", "keep-alive")
        }
    }

    /// Whether the client waits for `100 Continue` before sending its body.
    pub fn expects_continue(&self) -> bool {
        self.minor_version >= 1
            && self
                .headers
                .get("expect")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }
}

/// A whole request as it came off the wire: head and decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The request line and header fields.
    pub head: RequestHead,
    /// The body, with any chunked framing removed; empty for an upload
    /// parsed as it streamed (see `uploads`).
    pub body: Vec<u8>,
    /// A `multipart/form-data` body parsed as it arrived, when the
    /// decoder's [`BodyPlanner`] asked for it (`http/body_plan.rs`).
    pub uploads: Option<Arc<Multipart>>,
}

#[derive(Debug)]
enum State {
    /// Waiting for a complete head; `scanned` bytes are known to hold no end of head.
    Head { scanned: usize },
    /// Reading a `Content-Length` body.
    Fixed { head: RequestHead, len: usize },
    /// Reading a chunked body, within `limits` (the route's body limit).
    Chunked {
        head: RequestHead,
        chunks: ChunkedDecoder,
        body: Vec<u8>,
        limits: Limits,
    },
    /// Parsing a `multipart/form-data` body as it arrives.
    Upload {
        head: RequestHead,
        upload: Box<StreamedUpload>,
    },
}

/// Turns buffered bytes into requests, one at a time; see the module docs.
pub struct RequestDecoder {
    state: State,
    limits: Limits,
    continue_pending: bool,
    /// Decides each body's limit and whether it is an upload to stream;
    /// without one, every body is gathered under `limits.max_body`.
    planner: Option<Arc<dyn BodyPlanner>>,
}

impl std::fmt::Debug for RequestDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestDecoder")
            .field("state", &self.state)
            .field("limits", &self.limits)
            .field("planner", &self.planner.is_some())
            .finish()
    }
}

impl RequestDecoder {
    /// A decoder waiting for the first request.
    pub fn new(limits: Limits) -> RequestDecoder {
        RequestDecoder {
            state: State::Head { scanned: 0 },
            limits,
            continue_pending: false,
            planner: None,
        }
    }

    /// The decoder asks `planner` about each body once its head is read
    /// (the server's routes: a per-route limit, uploads streamed).
    pub fn with_planner(mut self, planner: Arc<dyn BodyPlanner>) -> RequestDecoder {
        self.planner = Some(planner);
        self
    }

    /// Takes one request off the front of `buf` if it is all there.
    ///
    /// # Errors
    /// A [`ParseError`] when the bytes can never form a valid request.
    ///
    /// # Examples
    /// ```
    /// use httprs::dev::{InputBuffer, Limits, RequestDecoder};
    /// let mut decoder = RequestDecoder::new(Limits::default());
    /// let mut buf = InputBuffer::new();
    /// buf.extend(b"GET /hello HTTP/1.1\r\nHo");
    /// assert!(decoder.decode(&mut buf).unwrap().is_none()); // not enough bytes yet
    /// buf.extend(b"st: example\r\n\r\n");
    /// let request = decoder.decode(&mut buf).unwrap().unwrap();
    /// assert_eq!(request.head.target, "/hello");
    /// ```
    pub fn decode(&mut self, buf: &mut InputBuffer) -> Result<Option<RawRequest>, ParseError> {
        loop {
            match &mut self.state {
                State::Head { scanned } => {
                    let Some(head) = read_head(buf, scanned, self.limits)? else {
                        return Ok(None);
                    };
                    if head.framing == BodyFraming::Empty {
                        return Ok(Some(RawRequest {
                            head,
                            body: Vec::new(),
                            uploads: None,
                        }));
                    }
                    let plan = match &self.planner {
                        Some(planner) => planner.plan(&head.method, &head.target),
                        None => BodyPlan {
                            max_body: self.limits.max_body,
                            uploads: None,
                        },
                    };
                    // Refuse an announced body over the limit now, before a byte of it is read.
                    if let BodyFraming::Length(n) = head.framing
                        && n > plan.max_body
                    {
                        return Err(ParseError::BodyTooLarge);
                    }
                    self.continue_pending = head.expects_continue();
                    let limits = Limits {
                        max_body: plan.max_body,
                        ..self.limits
                    };
                    let length = match head.framing {
                        BodyFraming::Length(n) => Some(n),
                        _ => None,
                    };
                    let content_type = head.headers.get("content-type");
                    let upload = StreamedUpload::start(content_type, length, &plan)?;
                    self.state = match (upload, head.framing) {
                        (Some(upload), _) => State::Upload {
                            head,
                            upload: Box::new(upload),
                        },
                        (None, BodyFraming::Length(len)) => State::Fixed { head, len },
                        (None, _) => State::Chunked {
                            head,
                            chunks: ChunkedDecoder::new(),
                            body: Vec::new(),
                            limits,
                        },
                    };
                }
                State::Fixed { len, .. } => {
                    if buf.len() < *len {
                        return Ok(None);
                    }
                    let body = buf.bytes()[..*len].to_vec();
                    buf.consume(*len);
                    return Ok(Some(self.finish(body)));
                }
                State::Chunked {
                    chunks,
                    body,
                    limits,
                    ..
                } => {
                    let done = chunks.decode(buf, body, *limits)?;
                    if !done {
                        return Ok(None);
                    }
                    let body = std::mem::take(body);
                    return Ok(Some(self.finish(body)));
                }
                State::Upload { upload, .. } => {
                    let Some(form) = upload.take(buf, self.limits.max_head)? else {
                        return Ok(None);
                    };
                    let mut raw = self.finish(Vec::new());
                    raw.uploads = Some(Arc::new(form));
                    return Ok(Some(raw));
                }
            }
        }
    }

    /// True once after a head asking for `Expect: 100-continue` was parsed and
    /// its body is not all here yet: the caller then sends `100 Continue`.
    pub fn take_continue(&mut self) -> bool {
        std::mem::take(&mut self.continue_pending)
    }

    /// Whether the decoder is between requests (nothing half-parsed but bytes in `buf`).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Head { scanned: 0 })
    }

    /// Whether the decoder is still waiting for a complete head (not in a body).
    pub fn is_reading_head(&self) -> bool {
        matches!(self.state, State::Head { .. })
    }

    fn finish(&mut self, body: Vec<u8>) -> RawRequest {
        self.continue_pending = false;
        match std::mem::replace(&mut self.state, State::Head { scanned: 0 }) {
            State::Fixed { head, .. }
            | State::Chunked { head, .. }
            | State::Upload { head, .. } => RawRequest {
                head,
                body,
                uploads: None,
            },
            State::Head { .. } => unreachable!("finish is only called while reading a body"),
        }
    }
}

/// Finds and parses a complete head at the front of `buf`, consuming it.
fn read_head(
    buf: &mut InputBuffer,
    scanned: &mut usize,
    limits: Limits,
) -> Result<Option<RequestHead>, ParseError> {
    // RFC 9112 §2.2: a server SHOULD ignore empty lines before the request line
    // (some clients send a CRLF after a POST body).
    if *scanned == 0 {
        let skip = buf
            .bytes()
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        buf.consume(skip);
        // A request line starts with a method, a token. Anything else (0x16,
        // a TLS ClientHello on the plain port, say) can never become a
        // request: say so now rather than wait for the header timeout.
        if buf.bytes().first().is_some_and(|&b| !is_tchar(b)) {
            return Err(ParseError::Malformed(
                "not an HTTP/1.x request (TLS on a plain port?)",
            ));
        }
    }
    let bytes = buf.bytes();
    let Some(end) = find_end_of_head(bytes, *scanned) else {
        if bytes.len() > limits.max_head {
            // If the request line alone does not fit, it is the target that is too long.
            let line_end = bytes.iter().position(|&b| b == b'\n');
            return Err(match line_end {
                Some(end) if end <= limits.max_head => ParseError::HeadTooLarge,
                _ => ParseError::UriTooLong,
            });
        }
        *scanned = bytes.len();
        return Ok(None);
    };
    if end > limits.max_head {
        let line_end = bytes.iter().position(|&b| b == b'\n').unwrap_or(end);
        return Err(if line_end > limits.max_head {
            ParseError::UriTooLong
        } else {
            ParseError::HeadTooLarge
        });
    }
    let head_bytes = &bytes[..end];
    // A bare CR anywhere in a head breaks httparse's grammar (a CR must be
    // followed by LF), so a head that parses has none: only a head that
    // does not is searched for one, to name the error.
    let head = parse_head(head_bytes).map_err(|err| match check_bare_cr(head_bytes) {
        Err(bare) => bare,
        Ok(()) => err,
    })?;
    buf.consume(end);
    *scanned = 0;
    Ok(Some(head))
}

/// The length of the head (through its empty line), searching from `from`.
fn find_end_of_head(bytes: &[u8], from: usize) -> Option<usize> {
    // Back up so a terminator split across reads is still found.
    let start = from.saturating_sub(3);
    // `memchr` looks at 32 bytes at a time for the next LF, where a plain
    // loop looks at one: a head is a few lines of tens of bytes each.
    memchr::memchr_iter(b'\n', &bytes[start..]).find_map(|pos| {
        let lf = start + pos;
        // The empty line is "\n\n" or "\n\r\n".
        match bytes.get(lf + 1) {
            Some(b'\n') => Some(lf + 2),
            Some(b'\r') if bytes.get(lf + 2) == Some(&b'\n') => Some(lf + 3),
            _ => None,
        }
    })
}

fn parse_head(bytes: &[u8]) -> Result<RequestHead, ParseError> {
    // Room for MAX_HEADERS fields, left uninitialised: filling 3 KiB with
    // empty headers before every parse showed up as the parser's top cost.
    let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(bytes, &mut storage) {
        Ok(httparse::Status::Complete(_)) => {}
        // We only hand over a head that ends in an empty line, so a partial
        // result means the grammar went wrong somewhere.
        Ok(httparse::Status::Partial) => return Err(ParseError::Malformed("incomplete head")),
        Err(httparse::Error::TooManyHeaders) => return Err(ParseError::TooManyHeaders),
        Err(httparse::Error::Version) => {
            // RFC 9110 §2.5: a higher minor version is read as the highest we
            // implement. httparse knows only 1.0 and 1.1, so parse a copy
            // saying 1.1 (a rare request: the copy costs nothing on the hot path).
            return match higher_minor_digit(bytes) {
                Some(at) => {
                    let mut copy = bytes.to_vec();
                    copy[at] = b'1';
                    parse_head(&copy)
                }
                None => Err(version_error(bytes)),
            };
        }
        Err(httparse::Error::HeaderName) => return Err(ParseError::Malformed("header name")),
        Err(httparse::Error::HeaderValue) => return Err(ParseError::Malformed("header value")),
        Err(httparse::Error::Token) => return Err(ParseError::Malformed("method")),
        Err(httparse::Error::NewLine) => return Err(ParseError::Malformed("line ending")),
        Err(_) => return Err(ParseError::Malformed("request line")),
    }
    // With a Complete status these three are always set.
    let method = static_or_owned(req.method.unwrap_or_default(), COMMON_METHODS);
    let target = req.path.unwrap_or_default().to_string();
    let minor_version = req.version.unwrap_or(1);
    // CONNECT's target is `host:port` (authority-form): let it through, for
    // the router to answer 501, as it does every method httprs does not implement.
    if !(target.starts_with('/')
        || target == "*"
        || target.starts_with("http")
        || method == "CONNECT")
    {
        return Err(ParseError::Malformed("request target"));
    }
    let mut headers = Headers::new();
    for h in req.headers.iter() {
        let value = match std::str::from_utf8(h.value) {
            Ok(text) => static_or_owned(text, COMMON_HEADER_VALUES),
            // obs-text (bytes over 0x7F) is legal but rare: keep what we can.
            Err(_) => Cow::Owned(String::from_utf8_lossy(h.value).into_owned()),
        };
        headers.append(static_or_owned(h.name, COMMON_HEADER_NAMES), value);
    }
    match headers.get_all("host").count() {
        0 if minor_version >= 1 => return Err(ParseError::MissingHost),
        0 => {}
        1 => {
            let host = headers.get("host").unwrap_or_default();
            if !valid_host(host.as_bytes()) {
                return Err(ParseError::BadHost);
            }
        }
        _ => return Err(ParseError::DuplicateHost),
    }
    let framing = framing(&headers, minor_version)?;
    Ok(RequestHead {
        method,
        target,
        minor_version,
        headers,
        framing,
    })
}

/// Methods and header names that need no allocation when a request uses them:
/// nearly every request has a couple, and each saved allocation counts at
/// a hundred thousand requests a second.
const COMMON_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
const COMMON_HEADER_NAMES: &[&str] = &[
    "Host",
    "User-Agent",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Connection",
    "Content-Length",
    "Content-Type",
    "Cookie",
    "host",
    "user-agent",
    "accept",
    "connection",
    "content-length",
    "content-type",
    "cookie",
];

/// Values that many requests send word for word, whatever the site: the
/// `Connection` of every HTTP/1.1 client that says it (`keep-alive` is what
/// browsers, `wrk` and TechEmpower's load send), what an API client
/// accepts, and the encodings curl and the browsers offer.
const COMMON_HEADER_VALUES: &[&str] = &[
    "keep-alive",
    "close",
    "Keep-Alive",
    "Upgrade",
    "*/*",
    "application/json",
    "gzip",
    "gzip, deflate",
    "gzip, deflate, br",
    "gzip, deflate, br, zstd",
    "no-cache",
];

/// `text` as a `&'static str` from `common` if it is one of them, else a copy.
fn static_or_owned(text: &str, common: &[&'static str]) -> Cow<'static, str> {
    match common.iter().find(|c| **c == text) {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(text.to_string()),
    }
}

/// Where the minor digit is when the request line ends in `HTTP/1.2` to `HTTP/1.9`.
fn higher_minor_digit(bytes: &[u8]) -> Option<usize> {
    let line_end = bytes.iter().position(|&b| b == b'\n')?;
    let line = &bytes[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let version = &line[line.len().checked_sub(9)?..];
    matches!(
        version,
        [b' ', b'H', b'T', b'T', b'P', b'/', b'1', b'.', b'2'..=b'9']
    )
    .then(|| line.len() - 1)
}

/// httparse reports any version it does not know as an error: tell a
/// well-formed `HTTP/2.0` (505) from garbage (400).
fn version_error(bytes: &[u8]) -> ParseError {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let line = String::from_utf8_lossy(&bytes[..line_end]);
    let version = line.trim_end().rsplit(' ').next().unwrap_or("");
    let v = version.as_bytes();
    if v.len() == 8
        && v.starts_with(b"HTTP/")
        && v[5].is_ascii_digit()
        && v[6] == b'.'
        && v[7].is_ascii_digit()
    {
        ParseError::UnsupportedVersion(version.to_string())
    } else {
        ParseError::Malformed("version")
    }
}

/// Decides how the body is delimited, refusing every ambiguous combination.
fn framing(headers: &Headers, minor_version: u8) -> Result<BodyFraming, ParseError> {
    let has_te = headers.contains("transfer-encoding");
    let has_cl = headers.contains("content-length");
    if has_te && has_cl {
        return Err(ParseError::LengthAndTransferEncoding);
    }
    if has_te {
        let codings: Vec<&str> = headers
            .get_all("transfer-encoding")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(unknown) = codings.iter().find(|c| !c.eq_ignore_ascii_case("chunked")) {
            return Err(ParseError::UnknownTransferCoding(unknown.to_string()));
        }
        // Only "chunked", exactly once, and not on HTTP/1.0, which predates it.
        if codings.len() != 1 || minor_version == 0 {
            return Err(ParseError::BadTransferEncoding);
        }
        return Ok(BodyFraming::Chunked);
    }
    if has_cl {
        let mut length: Option<usize> = None;
        for value in headers.get_all("content-length").flat_map(|v| v.split(',')) {
            let value = value.trim();
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseError::BadContentLength);
            }
            let n: usize = value.parse().map_err(|_| ParseError::BadContentLength)?;
            if length.is_some_and(|l| l != n) {
                return Err(ParseError::BadContentLength);
            }
            length = Some(n);
        }
        return Ok(match length {
            Some(0) | None => BodyFraming::Empty,
            Some(n) => BodyFraming::Length(n),
        });
    }
    Ok(BodyFraming::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::status::Status;

    fn decode_all(bytes: &[u8]) -> Result<Option<RawRequest>, ParseError> {
        let mut buf = InputBuffer::new();
        buf.extend(bytes);
        RequestDecoder::new(Limits {
            max_head: 256,
            max_body: 64,
        })
        .decode(&mut buf)
    }

    /// `req!(bytes => error)`: three lines per case, as in httparse's tests.
    macro_rules! rejects {
        ($($bytes:expr => $err:expr;)*) => {
            $( assert_eq!(decode_all($bytes).map(|_| ()), Err($err), "{:?}", String::from_utf8_lossy($bytes)); )*
        };
    }

    #[test]
    fn a_simple_get_parses() {
        let req = decode_all(b"GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(req.head.method, "GET");
        assert_eq!(req.head.target, "/a?b=c");
        assert_eq!(req.head.minor_version, 1);
        assert_eq!(req.head.headers.get("HOST"), Some("x"));
        assert!(req.head.keep_alive());
    }

    #[test]
    fn common_header_values_are_kept_without_a_copy_and_read_back_as_sent() {
        for value in COMMON_HEADER_VALUES {
            assert!(
                matches!(static_or_owned(value, COMMON_HEADER_VALUES), Cow::Borrowed(v) if v == *value)
            );
        }
        // Exact bytes only: another case or a longer value is a copy of its own.
        for value in [
            "Keep-alive",
            "keep-alive, Upgrade",
            "gzip, deflate, br, zstd, x",
            "",
        ] {
            assert!(
                matches!(static_or_owned(value, COMMON_HEADER_VALUES), Cow::Owned(v) if v == value)
            );
        }
        let req = decode_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAccept: */*\r\n\
              Accept-Encoding: gzip, deflate, br;q=0.5\r\nX-Mine: close\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        let headers = &req.head.headers;
        assert_eq!(headers.get("connection"), Some("keep-alive"));
        assert_eq!(headers.get("accept"), Some("*/*"));
        assert_eq!(
            headers.get("accept-encoding"),
            Some("gzip, deflate, br;q=0.5")
        );
        assert_eq!(headers.get("x-mine"), Some("close"));
    }

    #[test]
    fn bad_requests_are_named() {
        rejects! {
            b"GET / HTTP/1.1\r\n\r\n" => ParseError::MissingHost;
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" => ParseError::DuplicateHost;
            b"GET / HTTP/2.0\r\nHost: a\r\n\r\n" => ParseError::UnsupportedVersion("HTTP/2.0".into());
            b"GET / HTTX/1.1\r\nHost: a\r\n\r\n" => ParseError::Malformed("version");
            b"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n" => ParseError::BareCr;
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n" => ParseError::LengthAndTransferEncoding;
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n" => ParseError::BadContentLength;
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n" => ParseError::BadContentLength;
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n" => ParseError::BadContentLength;
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n" => ParseError::BadContentLength;
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n" => ParseError::UnknownTransferCoding("gzip".into());
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" => ParseError::BadTransferEncoding;
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" => ParseError::BadTransferEncoding;
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" => ParseError::Malformed("header name");
            b"GET nowhere HTTP/1.1\r\nHost: a\r\n\r\n" => ParseError::Malformed("request target");
        }
    }

    #[test]
    fn a_bare_cr_anywhere_in_a_head_is_named_as_such() {
        // The check runs only when httparse refuses a head: this pins down
        // that it refuses every head with a bare CR, wherever it is.
        let heads: [&[u8]; 4] = [
            b"GET /a?b=c HTTP/1.1\r\nHost: x:80\r\nAccept: */*\r\n\r\n",
            b"POST /p HTTP/1.1\nHost: x\nContent-Length: 0\n\n",
            b"GET / HTTP/1.2\r\nHost: x\r\nX: caf\xc3\xa9 \t a\r\n\r\n",
            b"OPTIONS * HTTP/1.0\r\n\r\n",
        ];
        for head in heads {
            assert!(matches!(decode_all(head), Ok(Some(_))));
            let mut named = 0;
            // (Not before the request line: CRs and LFs there are skipped.)
            for at in 1..head.len() {
                if head[at] == b'\n' {
                    continue; // CR LF: a line ending, not a bare CR
                }
                let bad = [&head[..at], b"\r", &head[at..]].concat();
                match decode_all(&bad) {
                    Err(ParseError::BareCr) => named += 1,
                    // It broke the empty line: the head is not over yet.
                    Ok(None) => {}
                    other => panic!("{:?}: {other:?}", String::from_utf8_lossy(&bad)),
                }
            }
            assert!(named >= head.len() / 2, "{named} of {}", head.len());
        }
    }

    #[test]
    fn a_bare_lf_ends_lines() {
        let req = decode_all(b"GET / HTTP/1.1\nHost: a\n\n").unwrap().unwrap();
        assert_eq!(req.head.headers.get("host"), Some("a"));
    }

    #[test]
    fn limits_pick_414_for_a_long_line_and_431_for_long_headers() {
        let long_target = format!("GET /{} HTTP/1.1\r\n", "a".repeat(300));
        assert_eq!(
            decode_all(long_target.as_bytes()).unwrap_err(),
            ParseError::UriTooLong
        );
        let long_header = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(300));
        assert_eq!(
            decode_all(long_header.as_bytes()).unwrap_err(),
            ParseError::HeadTooLarge
        );
    }

    #[test]
    fn a_content_length_body_over_the_limit_fails_before_it_arrives() {
        let err = decode_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\n\r\n");
        assert_eq!(err.unwrap_err(), ParseError::BodyTooLarge);
    }

    #[test]
    fn pipelined_requests_come_out_one_by_one() {
        let mut buf = InputBuffer::new();
        buf.extend(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.0\r\n\r\n");
        let mut decoder = RequestDecoder::new(Limits::default());
        let mut seen = Vec::new();
        while let Some(req) = decoder.decode(&mut buf).unwrap() {
            seen.push((req.head.target, req.body));
        }
        assert_eq!(
            seen,
            [
                ("/1".to_string(), vec![]),
                ("/2".to_string(), b"hi".to_vec()),
                ("/3".to_string(), vec![])
            ]
        );
        assert!(buf.is_empty());
    }

    fn with_host(value: &str) -> Result<Option<RawRequest>, ParseError> {
        decode_all(format!("GET / HTTP/1.1\r\nHost: {value}\r\n\r\n").as_bytes())
    }

    #[test]
    fn a_host_is_a_name_or_an_address_with_an_optional_port() {
        for good in [
            "",
            "a",
            "example.com",
            "example.com:8080",
            "127.0.0.1:7777",
            "[::1]",
            "[2001:db8::7]:443",
            "[::ffff:192.0.2.1]",
            "[v1.fe80::a+en1]",
            "a%2Db",
            "a:0",
            "a:65535",
            "a:00080",
        ] {
            assert!(with_host(good).is_ok(), "{good:?} refused");
        }
        for bad in [
            "a b",
            "user@example.com",
            "user:pw@example.com",
            "a:",
            "a:http",
            "a:-1",
            "a:65536",
            "a:99999999999999999999",
            "a:80:80",
            "a/b",
            "a%2",
            "a%zz",
            "a\"b",
            "::1",
            "[::1",
            "[::g]",
            "[::1]x",
            "[::1]:",
            "[v.x]",
            "[127.0.0.1]",
        ] {
            assert_eq!(
                with_host(bad).map(|_| ()),
                Err(ParseError::BadHost),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_higher_minor_version_is_read_as_http_1_1() {
        for version in ["HTTP/1.2", "HTTP/1.9"] {
            let req =
                decode_all(format!("GET /v HTTP/{}\r\nHost: a\r\n\r\n", &version[5..]).as_bytes())
                    .unwrap()
                    .unwrap();
            assert_eq!(
                (req.head.minor_version, req.head.target.as_str()),
                (1, "/v")
            );
            assert!(req.head.keep_alive(), "{version}");
        }
        // Read as 1.1, it needs a Host as 1.1 does; with a bare LF too.
        rejects! {
            b"GET / HTTP/1.2\n\n" => ParseError::MissingHost;
            b"GET / HTTP/3.1\r\nHost: a\r\n\r\n" => ParseError::UnsupportedVersion("HTTP/3.1".into());
        }
        // Not an HTTP-version at all (one digit each side of the dot): 400.
        for bad in [
            &b"GET / HTTP/1.10\r\nHost: a\r\n\r\n"[..],
            b"GET / HTTP/1.a\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(decode_all(bad).unwrap_err().status(), Status::BAD_REQUEST);
        }
    }

    #[test]
    fn a_first_byte_that_cannot_start_a_method_fails_at_once() {
        const NOT_HTTP: ParseError =
            ParseError::Malformed("not an HTTP/1.x request (TLS on a plain port?)");
        // The start of a TLS ClientHello: no end of head, and yet an error, not "read more".
        assert_eq!(
            decode_all(b"\x16\x03\x01\x02\x00\x01").unwrap_err(),
            NOT_HTTP
        );
        assert_eq!(decode_all(b"\r\n\r\n\x16\x03\x01").unwrap_err(), NOT_HTTP);
        assert_eq!(decode_all(b" GET / HTTP/1.1\r\n").unwrap_err(), NOT_HTTP);
        // Empty lines before a request are still skipped (RFC 9112 §2.2).
        assert!(
            decode_all(b"\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
                .unwrap()
                .is_some()
        );
        assert!(decode_all(b"GE").unwrap().is_none());
    }
}
