//! What the request decoder refuses, and the limits it enforces.
//!
//! Its own file because both halves of the decoder use it: the head and
//! `Content-Length` framing (`parse.rs`) and chunked bodies (`chunked.rs`).
//! Every error maps to the status the server answers before it closes the
//! connection ([`ParseError::status`]).

use std::fmt;

use crate::http::multipart::MultipartError;
use crate::http::status::Status;

/// How many header fields a request may carry; more is answered with 431.
pub const MAX_HEADERS: usize = 100;

/// Size limits the decoder enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest head (request line and header fields, with line endings), in bytes.
    pub max_head: usize,
    /// Longest body, in bytes, by `Content-Length` or after chunked decoding.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head: 8 * 1024,
            max_body: 1024 * 1024,
        }
    }
}

/// Why the buffered bytes can never become a valid request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The head is longer than [`Limits::max_head`] (431).
    HeadTooLarge,
    /// The request line alone is longer than [`Limits::max_head`] (414).
    UriTooLong,
    /// More than [`MAX_HEADERS`] header fields (431).
    TooManyHeaders,
    /// The request line or a header field does not follow the grammar (400).
    Malformed(&'static str),
    /// A CR not followed by LF, which RFC 9112 §2.2 lets us reject (400).
    BareCr,
    /// A well-formed version whose major is not 1, such as `HTTP/2.0` (505).
    /// (`HTTP/1.2` to `HTTP/1.9` are read as HTTP/1.1, as RFC 9110 §2.5 says.)
    UnsupportedVersion(String),
    /// An HTTP/1.1 request without `Host` (400).
    MissingHost,
    /// More than one `Host` field (400).
    DuplicateHost,
    /// A `Host` value that is not `host[:port]` (400, RFC 9112 §3.2).
    BadHost,
    /// Both `Content-Length` and `Transfer-Encoding` (400; a smuggling attempt or a broken client).
    LengthAndTransferEncoding,
    /// A `Content-Length` that is not a number, or several that disagree (400).
    BadContentLength,
    /// A transfer coding other than `chunked`, such as `gzip` (501).
    UnknownTransferCoding(String),
    /// `chunked` applied twice, not last, or on an HTTP/1.0 request (400).
    BadTransferEncoding,
    /// A chunk-size line with no hex digit, a non-hex character, or a size that overflows (400).
    BadChunkSize,
    /// Chunk data not followed by a line ending, or a bad trailer section (400).
    BadChunk,
    /// The body is longer than [`Limits::max_body`], or than its route's limit (413).
    BodyTooLarge,
    /// A `multipart/form-data` body parsed as it came is malformed (400;
    /// 500 if its file cannot be written).
    Multipart(MultipartError),
}

impl ParseError {
    /// The status the server answers with before it closes the connection.
    pub fn status(&self) -> Status {
        match self {
            ParseError::HeadTooLarge | ParseError::TooManyHeaders => {
                Status::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            ParseError::UriTooLong => Status::URI_TOO_LONG,
            ParseError::UnsupportedVersion(_) => Status::HTTP_VERSION_NOT_SUPPORTED,
            ParseError::UnknownTransferCoding(_) => Status::NOT_IMPLEMENTED,
            ParseError::BodyTooLarge => Status::CONTENT_TOO_LARGE,
            ParseError::Multipart(err) => err.status(),
            _ => Status::BAD_REQUEST,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::HeadTooLarge => write!(f, "request head too large"),
            ParseError::UriTooLong => write!(f, "request line too long"),
            ParseError::TooManyHeaders => write!(f, "more than {MAX_HEADERS} header fields"),
            ParseError::Malformed(what) => write!(f, "malformed request: {what}"),
            ParseError::BareCr => write!(f, "bare CR in a line ending"),
            ParseError::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            ParseError::MissingHost => write!(f, "HTTP/1.1 request without Host"),
            ParseError::DuplicateHost => write!(f, "more than one Host field"),
            ParseError::BadHost => write!(f, "invalid Host value"),
            ParseError::LengthAndTransferEncoding => {
                write!(f, "both Content-Length and Transfer-Encoding")
            }
            ParseError::BadContentLength => write!(f, "invalid or conflicting Content-Length"),
            ParseError::UnknownTransferCoding(c) => write!(f, "unknown transfer coding '{c}'"),
            ParseError::BadTransferEncoding => write!(f, "chunked is not the only coding"),
            ParseError::BadChunkSize => write!(f, "invalid chunk size"),
            ParseError::BadChunk => write!(f, "invalid chunked framing"),
            ParseError::BodyTooLarge => write!(f, "request body too large"),
            ParseError::Multipart(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Rejects any CR that is not immediately followed by LF.
pub(crate) fn check_bare_cr(bytes: &[u8]) -> Result<(), ParseError> {
    let mut rest = bytes;
    while let Some(pos) = rest.iter().position(|&b| b == b'\r') {
        if rest.get(pos + 1) != Some(&b'\n') {
            return Err(ParseError::BareCr);
        }
        rest = &rest[pos + 2..];
    }
    Ok(())
}
