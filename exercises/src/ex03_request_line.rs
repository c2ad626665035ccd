//! # Exercise 03: parse a request line by hand
//!
//! Chapter 2 of `TUTORIAL.md` (step 02) hands the request head to the
//! `httparse` crate. Here you write the first part of that job yourself, to
//! see what it involves. Every HTTP/1.x request starts with one line:
//!
//! ```text
//! GET /hello?name=ferris HTTP/1.1
//! ^^^ ^^^^^^^^^^^^^^^^^^ ^^^^^^^^
//! method   target        version      separated by exactly one space each
//! ```
//!
//! Build [`parse_request_line`]. It receives the line *without* its `\r\n`
//! and returns the three parts, borrowed from the input (no copying), or a
//! [`RequestLineError`] naming the part that is wrong:
//! - the **method** is one or more token characters ([`is_token_byte`]).
//!   Methods are case-sensitive: `get` is a valid (if unknown) method;
//! - the **target** is one or more visible ASCII characters, `!` to `~`
//!   (so no spaces and no control bytes). `/`, `*` and `http://host/` are all fine;
//! - the **version** is exactly `HTTP/1.1` or `HTTP/1.0`, and nothing follows it.
//!
//! When a part is missing (the line ends early, or two spaces leave it
//! empty), the error names the missing part.
//!
//! The tests (`tests/ex03_request_line.rs`) are a table of good and bad
//! lines, including empty lines, double spaces, control bytes, lowercase
//! `http`, unknown versions and trailing spaces.
//!
//! The reference solution goes one step further with a whole-head parser
//! (request line plus headers) that the benches race against `httparse`.
//!
//! Check it with `cargo run -p exercises -- check ex03_request_line`.

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
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Parses a request line such as `GET / HTTP/1.1` (without its `\r\n`).
///
/// # Errors
/// A [`RequestLineError`] naming the first part (method, target, version)
/// that is missing or malformed.
// TODO: remove this `allow` once you use `line`.
#[allow(unused_variables)]
pub fn parse_request_line(line: &[u8]) -> Result<RequestLine<'_>, RequestLineError> {
    // TODO: split `line` at the first two spaces (`splitn(3, ...)` on a byte
    // slice works), check each part, and turn method and target into `&str`
    // with `std::str::from_utf8` (they are ASCII once checked).
    todo!()
}
