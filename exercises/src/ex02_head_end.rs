//! # Exercise 02: where does the request head end?
//!
//! Chapter 2 of `TUTORIAL.md` (step 02) reads an HTTP request from a socket.
//! TCP delivers a stream of bytes in pieces of any size: the head
//! `GET / HTTP/1.1\r\nHost: x\r\n\r\n` may arrive in one read, or split
//! right in the middle of the final `\r\n\r\n`. After every read the server
//! asks one question: *is the whole head here yet?*
//!
//! Build [`find_head_end`]. It looks for the empty line that ends the head
//! and answers with a value, not an error:
//! - [`HeadEnd::Complete`] with the head's length, *including* the empty
//!   line (any bytes after it belong to the body, or to the next request);
//! - [`HeadEnd::Partial`] when the terminator has not arrived yet: "not enough
//!   bytes yet" is the normal case while a request trickles in, so it is a
//!   value the caller loops on, not an `Err`;
//! - `Err(HeadTooLarge)` when the head cannot fit in `limit` bytes. Without a
//!   limit, a client that never sends the empty line makes the server
//!   buffer forever.
//!
//! A line ends in `\r\n`, or in a bare `\n`: RFC 9112 §2.2 lets a server
//! accept that, and httparse (which step 02 parses with) does. So the head
//! ends just after the first `\n` that is followed by `\n` or by `\r\n`:
//! `\r\n\r\n`, `\n\n`, `\r\n\n` and `\n\r\n` all end one. A lone `\r` ends
//! nothing.
//!
//! The tests (`tests/ex02_head_end.rs`) check complete heads, every way of
//! splitting one across reads, bytes after the head, the empty buffer,
//! bare `\n` line endings, and heads at, just under and just over the limit.
//!
//! Check it with `cargo run -p exercises -- check ex02_head_end`.

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
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn find_head_end(buf: &[u8], limit: usize) -> Result<HeadEnd, HeadTooLarge> {
    // TODO: find the first b'\n' followed by b"\n" or by b"\r\n" (a slice
    // pattern on `&buf[i + 1..]` helps). Found: the head ends just after
    // them; check it against `limit`.
    // Not found: `Partial`, unless `buf` is already `limit` bytes or longer.
    todo!()
}
