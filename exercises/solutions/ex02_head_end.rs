//! Reference solution for exercise 02: where does the request head end?

use std::fmt;

/// The answer to "is the whole head here yet?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadEnd {
    /// The head is complete: it is `buf[..head_len]`, its empty line included.
    Complete {
        /// Length of the head in bytes, including the empty line that ends it.
        head_len: usize,
    },
    /// No empty line yet: read more bytes and ask again.
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
/// A head may be at most `limit` bytes long, its empty line included.
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
/// assert_eq!(find_head_end(b"GET / HTTP/1.1\n\n", 8192),
///            Ok(HeadEnd::Complete { head_len: 16 }));
/// ```
pub fn find_head_end(buf: &[u8], limit: usize) -> Result<HeadEnd, HeadTooLarge> {
    // Every line ends in `\n` (with or without a `\r` before it), so the
    // empty line that ends the head is a `\n` followed at once by another
    // line ending: `\n` or `\r\n`. The head runs to the end of that.
    let end = buf.iter().enumerate().find_map(|(i, &byte)| {
        if byte != b'\n' {
            return None;
        }
        match &buf[i + 1..] {
            [b'\n', ..] => Some(i + 2),
            [b'\r', b'\n', ..] => Some(i + 3),
            _ => None,
        }
    });
    match end {
        Some(head_len) if head_len <= limit => Ok(HeadEnd::Complete { head_len }),
        Some(_) => Err(HeadTooLarge { limit }),
        // The key line: no terminator is not an error, just "read more"...
        // unless `limit` bytes are already here, because then any terminator
        // still to come would end the head beyond the limit.
        None if buf.len() < limit => Ok(HeadEnd::Partial),
        None => Err(HeadTooLarge { limit }),
    }
}
