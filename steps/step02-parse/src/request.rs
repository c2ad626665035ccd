//! Reading and parsing an HTTP/1.1 request.
//!
//! A request looks like this on the wire (every line ends in `\r\n`):
//!
//! ```text
//! GET /hello?x=1 HTTP/1.1        <- request line: method, target, version
//! Host: 127.0.0.1:7878           <- header lines: name, colon, value
//! User-Agent: curl/8.5.0
//!                                <- an empty line ends the head
//! (body, if Content-Length says there is one)
//! ```
//!
//! TCP gives us a stream of bytes, not messages, so the head may arrive in one
//! `read` or in ten. The loop is: read some bytes into a buffer, ask
//! `httparse` whether the buffer holds a complete head, and if it says
//! `Partial`, read more. "Not enough bytes yet" is a normal answer, not an
//! error, which is why [`parse_head`] returns `Ok(None)` for it.
//!
//! The buffer is bounded ([`MAX_HEAD_BYTES`]): without a bound, a client that
//! sends header lines forever would make us allocate forever. So is the body
//! ([`MAX_BODY_BYTES`]), for the same reason.

use std::fmt;
use std::io::{self, Read};
use std::time::Duration;

/// The largest request head we accept: 8 KiB, the common default of
/// nginx and Apache. Beyond it the answer is `431 Request Header Fields Too Large`.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The most header lines we accept; `httparse` needs a fixed-size array for them.
pub const MAX_HEADERS: usize = 64;

/// The largest body we read into memory: 1 MiB. Beyond it, `413 Content Too Large`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a server waits for a silent client before answering
/// `408 Request Timeout`. A server that serves one client at a time must not
/// let one client that never finishes its request block everyone else forever.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request head: everything before the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method, such as `GET` or `POST`, exactly as sent (methods are case-sensitive).
    pub method: String,
    /// The request target as sent, query string included: `/hello?x=1`.
    pub path: String,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    /// The headers in the order they were sent. Names keep their case;
    /// look them up with [`RequestHead::header`], which ignores it.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The value of the first header called `name`, compared case-insensitively
    /// (`content-length` finds `Content-Length`, as HTTP requires).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body length announced by `Content-Length`, or 0 if there is none.
    ///
    /// # Errors
    /// [`RequestError::BadContentLength`] if a value is not a plain decimal
    /// number, or if several `Content-Length` headers disagree: a server and a
    /// proxy that pick different ones would see different requests in the
    /// same bytes (request smuggling), so we refuse to guess.
    pub fn content_length(&self) -> Result<usize, RequestError> {
        let mut length = None;
        for (_, value) in self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            let bad = || RequestError::BadContentLength(value.clone());
            // `parse` alone would accept "+5"; HTTP allows digits only.
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let n: usize = value.parse().map_err(|_| bad())?;
            if length.is_some_and(|previous| previous != n) {
                return Err(bad());
            }
            length = Some(n);
        }
        Ok(length.unwrap_or(0))
    }
}

/// Why a request could not be read. Each maps to the status the client gets.
#[derive(Debug)]
pub enum RequestError {
    /// The client closed the connection before sending anything: nobody to answer.
    ConnectionClosed,
    /// The client closed the connection in the middle of a request.
    Incomplete,
    /// The bytes are not HTTP: `httparse` says what it tripped on.
    Malformed(httparse::Error),
    /// The head did not fit in [`MAX_HEAD_BYTES`], or had more than [`MAX_HEADERS`] lines.
    HeadTooLarge,
    /// A `Content-Length` value that is not a number, or several that disagree.
    BadContentLength(String),
    /// The body announced is larger than the limit.
    BodyTooLarge {
        /// What `Content-Length` announced.
        length: usize,
        /// The most we accept.
        limit: usize,
    },
    /// A `Transfer-Encoding` (such as `chunked`) this step does not implement.
    UnsupportedTransferEncoding(String),
    /// The client went quiet for longer than the socket's read timeout.
    Timeout,
    /// Any other I/O failure.
    Io(io::Error),
}

impl RequestError {
    /// The status code and reason phrase to answer this error with.
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            RequestError::ConnectionClosed
            | RequestError::Incomplete
            | RequestError::Malformed(_)
            | RequestError::BadContentLength(_)
            | RequestError::Io(_) => (400, "Bad Request"),
            RequestError::HeadTooLarge => (431, "Request Header Fields Too Large"),
            RequestError::BodyTooLarge { .. } => (413, "Content Too Large"),
            RequestError::UnsupportedTransferEncoding(_) => (501, "Not Implemented"),
            RequestError::Timeout => (408, "Request Timeout"),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::ConnectionClosed => write!(f, "connection closed before a request"),
            RequestError::Incomplete => write!(f, "connection closed in the middle of a request"),
            RequestError::Malformed(err) => write!(f, "malformed request: {err}"),
            RequestError::HeadTooLarge => write!(
                f,
                "request head larger than {MAX_HEAD_BYTES} bytes or {MAX_HEADERS} headers"
            ),
            RequestError::BadContentLength(value) => {
                write!(f, "invalid Content-Length {value:?}")
            }
            RequestError::BodyTooLarge { length, limit } => {
                write!(f, "body of {length} bytes is over the limit of {limit}")
            }
            RequestError::UnsupportedTransferEncoding(coding) => {
                write!(f, "Transfer-Encoding {coding:?} is not supported")
            }
            RequestError::Timeout => write!(f, "timed out waiting for the request"),
            RequestError::Io(err) => write!(f, "I/O error: {err}"),
        }
    }
}

impl std::error::Error for RequestError {}

impl From<io::Error> for RequestError {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            // A socket with a read timeout reports it as WouldBlock on Unix
            // and TimedOut on Windows; both mean "the client went quiet".
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => RequestError::Timeout,
            _ => RequestError::Io(err),
        }
    }
}

/// Tries to parse a request head from the start of `buf`.
///
/// Returns `Ok(Some((head, len)))` when the head is complete, `len` being how
/// many bytes of `buf` it used (the body, if any, starts there), and
/// `Ok(None)` when more bytes are needed.
///
/// # Errors
/// [`RequestError::Malformed`] for bytes that are not an HTTP head, and
/// [`RequestError::HeadTooLarge`] for more than [`MAX_HEADERS`] headers.
///
/// # Examples
/// ```
/// use step02::request::parse_head;
/// // Not finished yet: no empty line. That is Ok(None), not an error.
/// assert!(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap().is_none());
///
/// let (head, len) = parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY").unwrap().unwrap();
/// assert_eq!((head.method.as_str(), head.header("host"), len), ("GET", Some("x"), 27));
/// ```
pub fn parse_head(buf: &[u8]) -> Result<Option<(RequestHead, usize)>, RequestError> {
    // httparse writes the headers it finds into this array and never
    // allocates: the parsed request borrows from `buf`.
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(RequestError::HeadTooLarge),
        Err(err) => return Err(RequestError::Malformed(err)),
    };
    // A complete parse always fills in method, path and version.
    let head = RequestHead {
        method: request.method.unwrap_or_default().to_string(),
        path: request.path.unwrap_or_default().to_string(),
        version: request.version.unwrap_or_default(),
        headers: request
            .headers
            .iter()
            .map(|h| {
                // Header values are bytes; non-UTF-8 ones are rare and shown lossily.
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_string(), value)
            })
            .collect(),
    };
    Ok(Some((head, len)))
}

/// Reads from `reader` until a complete request head has arrived, and parses it.
///
/// Returns the head and the bytes that arrived after it: the start of the
/// body, which the same `read` may have brought along.
///
/// # Errors
/// See [`RequestError`]: each variant says what went wrong and which status
/// to answer with.
pub fn read_head(reader: &mut impl Read) -> Result<(RequestHead, Vec<u8>), RequestError> {
    let mut buf = vec![0u8; MAX_HEAD_BYTES];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            return Err(RequestError::HeadTooLarge);
        }
        let n = match reader.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Err(RequestError::ConnectionClosed),
            Ok(0) => return Err(RequestError::Incomplete),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.into()),
        };
        filled += n;
        // Parse from the start each time. A head is at most 8 KiB, so this is
        // cheap, and it keeps the code obviously right. (httparse is also fast
        // at saying "Partial".)
        if let Some((head, len)) = parse_head(&buf[..filled])? {
            return Ok((head, buf[len..filled].to_vec()));
        }
    }
}

/// Reads the body that `head` announces, starting with `already`, the bytes
/// that arrived with the head.
///
/// Only `Content-Length` bodies are supported; `chunked` and other transfer
/// codings are refused with [`RequestError::UnsupportedTransferEncoding`]
/// (the framework in `final/` implements chunked).
///
/// # Errors
/// [`RequestError::BodyTooLarge`] before reading anything if the announced
/// length is over `limit`; [`RequestError::Incomplete`] if the client closes
/// early; and the errors of [`RequestHead::content_length`].
pub fn read_body(
    reader: &mut impl Read,
    head: &RequestHead,
    already: Vec<u8>,
    limit: usize,
) -> Result<Vec<u8>, RequestError> {
    if let Some(coding) = head.header("transfer-encoding") {
        return Err(RequestError::UnsupportedTransferEncoding(
            coding.to_string(),
        ));
    }
    let length = head.content_length()?;
    // Refuse before reading: the point of a limit is not to read what is over it.
    if length > limit {
        return Err(RequestError::BodyTooLarge { length, limit });
    }
    let mut body = already;
    // Bytes beyond the announced length belong to a next request, which
    // this one-request-per-connection server does not read.
    body.truncate(length);
    let missing = (length - body.len()) as u64;
    reader.take(missing).read_to_end(&mut body)?;
    if body.len() < length {
        return Err(RequestError::Incomplete);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `data` at most `piece` bytes per `read`, like
    /// a slow network.
    struct Trickle<'a> {
        data: &'a [u8],
        piece: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.piece.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    const GET: &[u8] = b"GET /a?b=c HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n";

    #[test]
    fn a_head_parses_the_same_however_it_is_split() {
        for piece in [1, 2, 5, 13, GET.len()] {
            let mut reader = Trickle { data: GET, piece };
            let (head, rest) = read_head(&mut reader).unwrap();
            assert_eq!(head.method, "GET");
            assert_eq!(head.path, "/a?b=c");
            assert_eq!(head.version, 1);
            assert_eq!(head.header("ACCEPT"), Some("*/*"), "piece size {piece}");
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn a_bare_lf_ends_a_line_and_an_empty_line_ends_the_head_as_rfc_9112_allows() {
        // RFC 9112 §2.2: a recipient MAY take a bare LF as a line ending, and
        // httparse does. So `\n\n`, `\r\n\n` and `\n\r\n` all end a head, and
        // ex02 finds the end of a head the same way.
        let heads: [&[u8]; 3] = [
            b"GET /lf HTTP/1.1\nHost: x\n\nrest",
            b"GET /lf HTTP/1.1\r\nHost: x\r\n\nrest",
            b"GET /lf HTTP/1.1\nHost: x\n\r\nrest",
        ];
        for raw in heads {
            let (head, len) = parse_head(raw).unwrap().expect("a complete head");
            assert_eq!(head.path, "/lf");
            assert_eq!(head.header("host"), Some("x"));
            assert_eq!(&raw[len..], b"rest", "{:?}", String::from_utf8_lossy(raw));
        }
        // One line ending is not an empty line: still waiting.
        assert!(
            parse_head(b"GET /lf HTTP/1.1\nHost: x\n")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bytes_after_the_head_are_returned_as_the_start_of_the_body() {
        let mut reader = &b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"[..];
        let (head, rest) = read_head(&mut reader).unwrap();
        assert_eq!(rest, b"hello");
        assert_eq!(read_body(&mut reader, &head, rest, 100).unwrap(), b"hello");
    }

    #[test]
    fn malformed_and_oversized_heads_are_errors_with_the_right_status() {
        let cases: &[(&[u8], u16)] = &[
            (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
            (b"\x00\x01\x02\r\n\r\n", 400),
            (b"GET / HTTP/9.9\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\n", 400), // closed mid-head
            (b"", 400),                   // closed before anything
        ];
        for (input, status) in cases {
            let err = read_head(&mut &input[..]).unwrap_err();
            assert_eq!(err.status().0, *status, "{input:?} gave {err}");
        }
        let huge = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEAD_BYTES)
        );
        assert!(matches!(
            read_head(&mut huge.as_bytes()),
            Err(RequestError::HeadTooLarge)
        ));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(
            read_head(&mut many.as_bytes()),
            Err(RequestError::HeadTooLarge)
        ));
    }

    fn head_with(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "POST".into(),
            path: "/".into(),
            version: 1,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn content_length_accepts_digits_only_and_agreeing_duplicates() {
        type Headers<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Headers, Option<usize>)] = &[
            (&[], Some(0)),
            (&[("Content-Length", "42")], Some(42)),
            (&[("content-length", "7"), ("Content-Length", "7")], Some(7)),
            (&[("Content-Length", "7"), ("Content-Length", "8")], None),
            (&[("Content-Length", "+5")], None),
            (&[("Content-Length", "")], None),
            (&[("Content-Length", "1 2")], None),
            (&[("Content-Length", "99999999999999999999999")], None),
        ];
        for (headers, expected) in cases {
            let got = head_with(headers).content_length().ok();
            assert_eq!(got, *expected, "{headers:?}");
        }
    }

    #[test]
    fn bodies_are_bounded_and_must_arrive_whole() {
        let head = head_with(&[("Content-Length", "10")]);
        assert!(matches!(
            read_body(&mut &b"0123456789"[..], &head, Vec::new(), 9),
            Err(RequestError::BodyTooLarge {
                length: 10,
                limit: 9
            })
        ));
        assert!(matches!(
            read_body(&mut &b"0123"[..], &head, Vec::new(), 100),
            Err(RequestError::Incomplete)
        ));
        let chunked = head_with(&[("Transfer-Encoding", "chunked")]);
        assert_eq!(
            read_body(&mut &b""[..], &chunked, Vec::new(), 100)
                .unwrap_err()
                .status()
                .0,
            501
        );
    }
}
