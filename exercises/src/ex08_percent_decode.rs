//! # Exercise 08: percent-decoding a path segment
//!
//! Chapter 5 of `TUTORIAL.md` (step 05) routes requests by path. A browser
//! cannot put every character in a URL, so it percent-encodes the rest: a
//! byte becomes `%` plus two hex digits. `/caf%C3%A9` is the path `/café`
//! (é is the two UTF-8 bytes C3 A9), and `/a%20b` is `/a b`.
//!
//! Build [`percent_decode`] for one path segment:
//! - each `%XY` (hex digits, either case) becomes the byte 0xXY;
//! - every other character is kept as is. In particular `+` stays `+`: it
//!   means a space only in HTML form data, never in a path;
//! - a `%` followed by fewer than two characters is
//!   [`DecodeError::TruncatedEscape`], and a `%` followed by anything but two
//!   hex digits is [`DecodeError::InvalidHex`], both with the byte offset of
//!   the `%`;
//! - the decoded bytes must be valid UTF-8, or it is
//!   [`DecodeError::InvalidUtf8`] (`%FF` alone is not text).
//!
//! Decoding happens exactly once: `%2541` decodes to `%41`, not to `A`.
//!
//! The tests (`tests/ex08_percent_decode.rs`) check plain text, spaces,
//! multi-byte characters, both hex cases, `+`, double encoding, `%00`, and
//! each error with its offset.
//!
//! Check it with `cargo run -p exercises -- check ex08_percent_decode`.

use std::fmt;

/// Why a path segment cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` is followed by fewer than two characters.
    TruncatedEscape {
        /// Byte offset of the `%` in the input.
        at: usize,
    },
    /// A `%` is followed by two characters that are not both hex digits.
    InvalidHex {
        /// Byte offset of the `%` in the input.
        at: usize,
    },
    /// The decoded bytes are not valid UTF-8.
    InvalidUtf8,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TruncatedEscape { at } => {
                write!(f, "'%' at byte {at} needs two hex digits after it")
            }
            DecodeError::InvalidHex { at } => {
                write!(f, "'%' at byte {at} is not followed by two hex digits")
            }
            DecodeError::InvalidUtf8 => f.write_str("decoded bytes are not valid UTF-8"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes the `%XY` escapes in one path segment.
///
/// # Errors
/// A [`DecodeError`] for a malformed escape or for bytes that are not UTF-8.
// TODO: remove this `allow` once you use `segment`.
#[allow(unused_variables)]
pub fn percent_decode(segment: &str) -> Result<String, DecodeError> {
    // TODO: walk `segment.as_bytes()` with an index. On `%`, read the next two
    // bytes as hex (`char::to_digit(16)` or a match), push the byte, skip 3;
    // otherwise push the byte and move on. Finally `String::from_utf8`.
    todo!()
}
