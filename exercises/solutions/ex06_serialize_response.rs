//! Reference solution for exercise 06: a response as bytes.

use std::fmt;

/// A response about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, such as 200.
    pub status: u16,
    /// The reason phrase, such as `OK`. May be empty.
    pub reason: String,
    /// Header fields in the order they will be sent, except `Content-Length`,
    /// which the serializer always writes itself.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with no headers and an empty body. Given.
    pub fn new(status: u16, reason: &str) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header field. Given.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body. Given.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }
}

/// Why a response cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerializeError {
    /// The status code does not have exactly three digits (100 to 999).
    InvalidStatus {
        /// The offending code.
        status: u16,
    },
    /// The reason phrase contains a control character (CR and LF included).
    InvalidReason,
    /// A header name is not a token, or its value contains a control character.
    InvalidHeader {
        /// The name of the offending header, as given.
        name: String,
    },
    /// A 1xx, 204 or 304 response was given a body; HTTP forbids one.
    BodyNotAllowed {
        /// The status code that forbids a body.
        status: u16,
    },
}

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SerializeError::InvalidStatus { status } => {
                write!(f, "status {status} is not a three-digit code")
            }
            SerializeError::InvalidReason => {
                f.write_str("reason phrase contains a control character")
            }
            SerializeError::InvalidHeader { name } => write!(f, "header {name:?} is malformed"),
            SerializeError::BodyNotAllowed { status } => {
                write!(f, "a {status} response must not have a body")
            }
        }
    }
}

impl std::error::Error for SerializeError {}

/// Is `byte` a token character (`tchar` in RFC 9110)? Given.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Serialises `response` to HTTP/1.1 bytes, ready to write to a socket.
///
/// # Errors
/// A [`SerializeError`] when the response cannot be sent as it is.
///
/// # Examples
/// ```
/// use exercises::ex06_serialize_response::{serialize_response, Response};
/// let bytes = serialize_response(&Response::new(200, "OK").with_body("hi")).unwrap();
/// assert_eq!(bytes, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
/// ```
pub fn serialize_response(response: &Response) -> Result<Vec<u8>, SerializeError> {
    let status = response.status;
    if !(100..=999).contains(&status) {
        return Err(SerializeError::InvalidStatus { status });
    }
    // Only tab is a harmless control character; CR and LF would end the line early.
    let is_bad = |b: u8| b.is_ascii_control() && b != b'\t';
    if response.reason.bytes().any(is_bad) {
        return Err(SerializeError::InvalidReason);
    }
    // 1xx, 204 and 304 responses end at the blank line (RFC 9112, section 6.3).
    let bodyless = status < 200 || status == 204 || status == 304;
    if bodyless && !response.body.is_empty() {
        return Err(SerializeError::BodyNotAllowed { status });
    }

    let mut out = Vec::with_capacity(128 + response.body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", response.reason).as_bytes());
    for (name, value) in &response.headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) || value.bytes().any(is_bad) {
            return Err(SerializeError::InvalidHeader { name: name.clone() });
        }
        // The key line: never trust a caller's Content-Length. A wrong one
        // makes the client cut the body short or wait forever for more.
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !bodyless {
        out.extend_from_slice(format!("Content-Length: {}\r\n", response.body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&response.body);
    Ok(out)
}
