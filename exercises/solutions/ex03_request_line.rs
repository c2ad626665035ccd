//! Reference solution for exercise 03: parse a request line by hand.
//!
//! It also carries [`parse_request_head`], a complete request-head parser
//! (request line and headers in one call, borrowing from the input) written
//! straight through with lookup tables. The benches crate races it against
//! `httparse` through `exercises::reference::parse_request_head`.

use std::fmt;

/// The HTTP versions this parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`
    Http10,
    /// `HTTP/1.1`
    Http11,
}

/// A parsed request line, borrowing from the bytes it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'b> {
    /// The method, such as `GET`.
    pub method: &'b str,
    /// The request target, such as `/hello?name=ferris`.
    pub target: &'b str,
    /// The protocol version.
    pub version: Version,
}

/// Which part of a request line is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLineError {
    /// The method is empty or contains a byte that is not a token character.
    Method,
    /// The target is missing, empty, or contains a space or control byte.
    Target,
    /// The version is missing, is not `HTTP/1.0` or `HTTP/1.1`, or is followed by more bytes.
    Version,
}

impl fmt::Display for RequestLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestLineError::Method => "invalid method: expected one or more token characters",
            RequestLineError::Target => "invalid target: expected visible ASCII without spaces",
            RequestLineError::Version => "invalid version: expected HTTP/1.0 or HTTP/1.1",
        })
    }
}

impl std::error::Error for RequestLineError {}

/// Is `byte` a token character (`tchar` in RFC 9110, section 5.6.2)?
///
/// Letters, digits and ``!#$%&'*+-.^_`|~``. Given, so you need not look it up.
pub fn is_token_byte(byte: u8) -> bool {
    TOKEN[byte as usize]
}

/// Builds a 256-entry table at compile time: `table[b]` is the predicate's
/// answer for byte `b`. (A macro, because `const fn` cannot call a closure.)
macro_rules! byte_table {
    (|$b:ident| $pred:expr) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            table[i] = $pred;
            i += 1;
        }
        table
    }};
}

/// One lookup per byte instead of a chain of comparisons: the parser's hot
/// loops index these tables.
static TOKEN: [bool; 256] = byte_table!(|b| b.is_ascii_alphanumeric()
    || matches!(
        b,
        b'!' | b'#'
            | b'$'
            | b'%'
            | b'&'
            | b'\''
            | b'*'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~'
    ));
/// Request-target bytes: visible ASCII, `!` to `~`.
static TARGET: [bool; 256] = byte_table!(|b| matches!(b, b'!'..=b'~'));
/// Field-value bytes: tab, visible ASCII, space, and obs-text (0x80 and up),
/// which RFC 9110 tolerates for old clients. Never CR, LF, NUL or DEL.
static VALUE: [bool; 256] = byte_table!(|b| b == b'\t' || (b >= b' ' && b != 0x7f));

/// Parses a request line such as `GET / HTTP/1.1` (without its `\r\n`).
///
/// # Errors
/// A [`RequestLineError`] naming the first part (method, target, version)
/// that is missing or malformed.
///
/// # Examples
/// ```
/// use exercises::ex03_request_line::{parse_request_line, Version};
/// let line = parse_request_line(b"GET /hello HTTP/1.1").unwrap();
/// assert_eq!((line.method, line.target, line.version), ("GET", "/hello", Version::Http11));
/// ```
pub fn parse_request_line(line: &[u8]) -> Result<RequestLine<'_>, RequestLineError> {
    // The key line: `splitn(3, ..)` cuts at the first two spaces only, so any
    // further space stays inside the version part, where it is rejected.
    let mut parts = line.splitn(3, |&b| b == b' ');
    // `splitn` always yields at least one (possibly empty) part.
    let method = parts.next().unwrap_or_default();
    if method.is_empty() || !method.iter().all(|&b| TOKEN[b as usize]) {
        return Err(RequestLineError::Method);
    }
    let target = parts.next().ok_or(RequestLineError::Target)?;
    if target.is_empty() || !target.iter().all(|&b| TARGET[b as usize]) {
        return Err(RequestLineError::Target);
    }
    let version = match parts.next().ok_or(RequestLineError::Version)? {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        _ => return Err(RequestLineError::Version),
    };
    // Both parts were checked to be ASCII, so UTF-8 decoding cannot fail; the
    // `map_err` keeps that reasoning out of an `unwrap`.
    Ok(RequestLine {
        method: std::str::from_utf8(method).map_err(|_| RequestLineError::Method)?,
        target: std::str::from_utf8(target).map_err(|_| RequestLineError::Target)?,
        version,
    })
}

/// "Not enough bytes yet" is a value, as in `httparse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// The whole head was parsed.
    Complete(T),
    /// The head is not complete yet: read more and call again with all bytes so far.
    Partial,
}

/// One header field, borrowed from the request bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name as sent (compare it case-insensitively).
    pub name: &'b str,
    /// The field value, without surrounding spaces or tabs. Bytes, because a
    /// value may carry obs-text that is not UTF-8.
    pub value: &'b [u8],
}

/// A complete request head: request line, headers, and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead<'b> {
    /// The request line.
    pub line: RequestLine<'b>,
    /// The header fields, in the order they were sent, repeats included.
    pub headers: Vec<Header<'b>>,
    /// Length of the head in bytes, including the blank line that ends it.
    /// Anything after it is body (or the next request).
    pub len: usize,
}

/// What is wrong with a request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// The request line is malformed.
    Line(RequestLineError),
    /// A header name is empty, has a non-token byte, or is followed by a space before `:`.
    HeaderName,
    /// A header value contains a control byte.
    HeaderValue,
    /// A line ends in a bare `\n` instead of `\r\n`.
    NewLine,
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadError::Line(err) => write!(f, "bad request line: {err}"),
            HeadError::HeaderName => f.write_str("invalid header name"),
            HeadError::HeaderValue => f.write_str("invalid byte in a header value"),
            HeadError::NewLine => f.write_str("line ended by a bare \\n instead of \\r\\n"),
        }
    }
}

impl std::error::Error for HeadError {}

/// Parses a whole request head (request line and headers) from the start of `buf`.
///
/// Everything is borrowed from `buf`; the only allocation is the header
/// vector. Lines must end in `\r\n`.
///
/// # Errors
/// A [`HeadError`] for the first malformed line. An incomplete head is not
/// an error but `Ok(Status::Partial)`; limiting its size is the caller's job.
///
/// # Examples
/// ```
/// use exercises::reference::{parse_request_head, Status};
/// let buf = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\nbody";
/// let Ok(Status::Complete(head)) = parse_request_head(buf) else { panic!() };
/// assert_eq!(head.headers[0].value, b"example.com");
/// assert_eq!(&buf[head.len..], b"body");
/// assert_eq!(parse_request_head(&buf[..20]), Ok(Status::Partial));
/// ```
pub fn parse_request_head(buf: &[u8]) -> Result<Status<RequestHead<'_>>, HeadError> {
    let Some((line, mut pos)) = next_line(buf)? else {
        return Ok(Status::Partial);
    };
    let line = parse_request_line(line).map_err(HeadError::Line)?;
    // Most requests carry fewer than 16 headers: one allocation, no regrowth.
    let mut headers = Vec::with_capacity(16);
    loop {
        let Some((field, used)) = next_line(&buf[pos..])? else {
            return Ok(Status::Partial);
        };
        pos += used;
        if field.is_empty() {
            // The blank line: the head is complete.
            return Ok(Status::Complete(RequestHead {
                line,
                headers,
                len: pos,
            }));
        }
        headers.push(parse_header(field)?);
    }
}

/// The next `\r\n`-terminated line of `buf`, without its terminator, and how
/// many bytes it used; `None` when no `\n` has arrived yet.
#[inline]
fn next_line(buf: &[u8]) -> Result<Option<(&[u8], usize)>, HeadError> {
    match buf.iter().position(|&b| b == b'\n') {
        None => Ok(None),
        Some(lf) if lf > 0 && buf[lf - 1] == b'\r' => Ok(Some((&buf[..lf - 1], lf + 1))),
        Some(_) => Err(HeadError::NewLine),
    }
}

/// Parses `name: value` (the line without `\r\n`).
#[inline]
fn parse_header(field: &[u8]) -> Result<Header<'_>, HeadError> {
    // The name runs up to the first non-token byte, which must be the colon:
    // `Host : x` (space before the colon) is rejected, as RFC 9112 requires.
    let name_len = field.iter().take_while(|&&b| TOKEN[b as usize]).count();
    if name_len == 0 || field.get(name_len) != Some(&b':') {
        return Err(HeadError::HeaderName);
    }
    let mut value = &field[name_len + 1..];
    // Optional whitespace around the value is not part of it.
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    if !value.iter().all(|&b| VALUE[b as usize]) {
        return Err(HeadError::HeaderValue);
    }
    Ok(Header {
        // Token bytes are ASCII, so this cannot fail.
        name: std::str::from_utf8(&field[..name_len]).map_err(|_| HeadError::HeaderName)?,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> RequestHead<'_> {
        match parse_request_head(buf) {
            Ok(Status::Complete(head)) => head,
            other => panic!(
                "{:?} should parse, got {other:?}",
                String::from_utf8_lossy(buf)
            ),
        }
    }

    #[test]
    fn a_head_with_headers_parses_and_leaves_the_body() {
        let buf = b"POST /submit HTTP/1.0\r\nHost: a\r\nX-Empty:\r\nSet-Cookie: a=1\r\nSet-Cookie:  b=2 \t\r\n\r\nbody";
        let head = complete(buf);
        assert_eq!(head.line.method, "POST");
        assert_eq!(head.line.version, Version::Http10);
        let pairs: Vec<(&str, &[u8])> = head.headers.iter().map(|h| (h.name, h.value)).collect();
        assert_eq!(
            pairs,
            [
                ("Host", &b"a"[..]),
                ("X-Empty", b""),
                ("Set-Cookie", b"a=1"),
                ("Set-Cookie", b"b=2")
            ]
        );
        assert_eq!(&buf[head.len..], b"body");
    }

    #[test]
    fn every_prefix_of_a_head_is_partial() {
        let buf = b"GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
        for cut in 0..buf.len() {
            assert_eq!(
                parse_request_head(&buf[..cut]),
                Ok(Status::Partial),
                "cut at {cut}"
            );
        }
        assert_eq!(complete(buf).len, buf.len());
    }

    #[test]
    fn malformed_heads_are_rejected_with_the_right_error() {
        let cases: &[(&[u8], HeadError)] = &[
            (b"GET / HTTP/1.1\n\r\n", HeadError::NewLine),
            (b"GET / HTTP/1.1\r\nHost: a\n\r\n", HeadError::NewLine),
            (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HeadError::HeaderName),
            (b"GET / HTTP/1.1\r\n: a\r\n\r\n", HeadError::HeaderName),
            (b"GET / HTTP/1.1\r\nNoColon\r\n\r\n", HeadError::HeaderName),
            (b"GET / HTTP/1.1\r\n folded\r\n\r\n", HeadError::HeaderName),
            (
                b"GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n",
                HeadError::HeaderValue,
            ),
            (b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", HeadError::HeaderValue),
            (
                b"GET / HTTP/2\r\n\r\n",
                HeadError::Line(RequestLineError::Version),
            ),
        ];
        for (buf, expected) in cases {
            assert_eq!(
                parse_request_head(buf),
                Err(*expected),
                "{:?}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    /// The benches compare this parser with `httparse`; make sure they parse
    /// the same heads to the same result, so the race is fair.
    #[test]
    fn agrees_with_httparse_on_well_formed_and_malformed_heads() {
        let heads: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n",
            b"POST /api HTTP/1.0\r\nContent-Length: 5\r\nX-A:b\r\nX-Tab:\tv\r\n\r\nhello",
            b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET http://h/x HTTP/1.1\r\nCookie: a=1; b=2\r\nCookie: c=3\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n",
        ];
        for buf in heads {
            let mut storage = [httparse::EMPTY_HEADER; 16];
            let mut theirs = httparse::Request::new(&mut storage);
            let expected = theirs.parse(buf);
            let ours = parse_request_head(buf);
            let what = String::from_utf8_lossy(buf);
            match (ours, expected) {
                (Ok(Status::Complete(head)), Ok(httparse::Status::Complete(len))) => {
                    assert_eq!(head.len, len, "{what}");
                    assert_eq!(Some(head.line.method), theirs.method, "{what}");
                    assert_eq!(Some(head.line.target), theirs.path, "{what}");
                    let version = match head.line.version {
                        Version::Http10 => 0,
                        Version::Http11 => 1,
                    };
                    assert_eq!(Some(version), theirs.version, "{what}");
                    let ours: Vec<_> = head.headers.iter().map(|h| (h.name, h.value)).collect();
                    let expected: Vec<_> =
                        theirs.headers.iter().map(|h| (h.name, h.value)).collect();
                    assert_eq!(ours, expected, "{what}");
                }
                (Ok(Status::Partial), Ok(httparse::Status::Partial)) | (Err(_), Err(_)) => {}
                (ours, theirs) => panic!("{what}: ours {ours:?}, httparse {theirs:?}"),
            }
        }
    }
}
