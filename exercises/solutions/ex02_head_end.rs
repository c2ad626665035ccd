//! Reference solution for exercise 02: where does the request head end?

use std::fmt;

/// The answer to "is the whole head here yet?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadEnd {
    /// The head is complete: it is `buf[..head_len]`, `\r\n\r\n` included.
    Complete {
        /// Length of the head in bytes, including the final `\r\n\r\n`.
        head_len: usize,
    },
    /// No `\r\n\r\n` yet: read more bytes and ask again.
    Partial,
}

/// The head is longer than the limit the server allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadTooLarge {
    /// The limit that was exceeded, in bytes.
    pub limit: usize,
}

impl fmt::Display for HeadTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request head longer than {} bytes", self.limit)
    }
}

impl std::error::Error for HeadTooLarge {}

/// Finds the end of the request head at the start of `buf`.
///
/// A head may be at most `limit` bytes long, `\r\n\r\n` included.
///
/// # Errors
/// [`HeadTooLarge`] when the head is complete but longer than `limit`, or
/// when it is still incomplete although `buf` already holds `limit` bytes
/// (so it can never end in time).
///
/// # Examples
/// ```
/// use exercises::ex02_head_end::{find_head_end, HeadEnd};
/// assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\nbody", 8192),
///            Ok(HeadEnd::Complete { head_len: 18 }));
/// assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r", 8192), Ok(HeadEnd::Partial));
/// ```
pub fn find_head_end(buf: &[u8], limit: usize) -> Result<HeadEnd, HeadTooLarge> {
    // `windows(4)` slides a 4-byte view along the buffer; the first one equal
    // to the terminator marks the end. Its start plus 4 is the head length.
    match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(start) if start + 4 <= limit => Ok(HeadEnd::Complete {
            head_len: start + 4,
        }),
        Some(_) => Err(HeadTooLarge { limit }),
        // The key line: no terminator is not an error, just "read more"...
        // unless `limit` bytes are already here, because then any terminator
        // still to come would end the head beyond the limit.
        None if buf.len() < limit => Ok(HeadEnd::Partial),
        None => Err(HeadTooLarge { limit }),
    }
}
