//! Reference solution for exercise 08: percent-decoding a path segment.

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
///
/// # Examples
/// ```
/// use exercises::ex08_percent_decode::percent_decode;
/// assert_eq!(percent_decode("caf%C3%A9").unwrap(), "café");
/// ```
pub fn percent_decode(segment: &str) -> Result<String, DecodeError> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let (Some(&high), Some(&low)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
            return Err(DecodeError::TruncatedEscape { at: i });
        };
        let (Some(high), Some(low)) = (hex_value(high), hex_value(low)) else {
            return Err(DecodeError::InvalidHex { at: i });
        };
        out.push(high << 4 | low);
        // The key line: skip past the escape, so its decoded byte is never
        // looked at again. That is what makes `%2541` decode to `%41`, once.
        i += 3;
    }
    // Escapes can produce any byte; only now do we know whether it is text.
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

/// The value of one hex digit, either case.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}
