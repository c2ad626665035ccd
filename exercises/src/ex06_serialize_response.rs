//! # Exercise 06: a response as bytes
//!
//! Chapter 3 of `TUTORIAL.md` (step 03) sends real HTTP responses. On the
//! wire a response is plain text followed by the body:
//!
//! ```text
//! HTTP/1.1 404 Not Found\r\n
//! Content-Type: text/plain\r\n
//! Content-Length: 9\r\n
//! \r\n
//! not found
//! ```
//!
//! Build [`serialize_response`], which turns a [`Response`] into exactly
//! those bytes:
//! 1. the status line `HTTP/1.1 {status} {reason}\r\n` (with an empty
//!    reason the space after the code stays);
//! 2. each header as `Name: value\r\n`, in order, except any
//!    `Content-Length` the caller set (in any letter case): it is dropped,
//!    because the only correct length is the body's real length;
//! 3. `Content-Length: {body length}\r\n`, written by you, after the other
//!    headers, so the client knows where the body ends; but not for 1xx,
//!    204 and 304 responses, which never have a body;
//! 4. the blank line `\r\n`, then the body.
//!
//! Refuse, with a [`SerializeError`], anything that would produce a broken
//! or dangerous response: a status outside 100..=999, a control character
//! in the reason, a header name that is not a token, a control character
//! (other than tab) in a header value, and a body on a 1xx/204/304
//! response. A `\r\n` smuggled into a header value would let whoever
//! controls that value add headers of their own ("response splitting").
//!
//! The tests (`tests/ex06_serialize_response.rs`) compare exact bytes, and
//! check each refusal.
//!
//! Check it with `cargo run -p exercises -- check ex06_serialize_response`.

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
// TODO: remove this `allow` once you use `response`.
#[allow(unused_variables)]
pub fn serialize_response(response: &Response) -> Result<Vec<u8>, SerializeError> {
    // TODO: validate first, then build a `Vec<u8>`: `write!(out, ...)` works on
    // a Vec once `std::io::Write` is in scope, or push `format!` strings'
    // bytes with `extend_from_slice`.
    todo!()
}
