//! # Exercise 12: a chunked request body
//!
//! Chapter 13 of `TUTORIAL.md` (what production adds, in `final/`) accepts request
//! bodies whose length is not known in advance. The client says
//! `Transfer-Encoding: chunked` and sends the body in pieces, each prefixed
//! by its size in **hex**, ending with a chunk of size zero:
//!
//! ```text
//! 5\r\n          size of the first chunk: 5 bytes
//! hello\r\n      its data, then \r\n
//! 7;note=x\r\n   a size may carry an extension after ';', which we ignore
//! , world\r\n
//! 0\r\n          the last chunk
//! Expires: 0\r\n optional trailer fields, which we skip
//! \r\n           the end
//! ```
//!
//! Build [`decode_chunked`]. Given the bytes after the request head, it
//! returns the decoded body and how many bytes it used, or
//! [`Chunked::Partial`] while the end has not arrived. Sizes come from the
//! network, so treat them as hostile:
//! - an empty size (`\r\n` alone, or `;ext` with no digits) is [`ChunkedError::EmptySize`];
//! - anything but hex digits (`0x5`, `-5`, `+5`, ` 5`, `5z`) is [`ChunkedError::BadSize`];
//!   spaces or tabs *after* the digits, before `;` or `\r\n`, are allowed;
//! - a size that does not fit a `usize` is [`ChunkedError::SizeOverflow`],
//!   not a panic and not a silent wrap-around;
//! - a body that would grow past `max_body` is [`ChunkedError::TooLarge`],
//!   decided as soon as the size line arrives, before the data;
//! - chunk data, and every line, must be followed by `\r\n`, or it is
//!   [`ChunkedError::MissingCrlf`].
//!
//! The tests (`tests/ex12_chunked.rs`) check one and several chunks, hex in
//! both cases, extensions, trailers, bytes after the end, every partial
//! prefix, and each error.
//!
//! Check it with `cargo run -p exercises -- check ex12_chunked`.

use std::fmt;

/// The answer to "has the whole chunked body arrived?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunked {
    /// The body is complete.
    Complete {
        /// The decoded body: every chunk's data, concatenated.
        body: Vec<u8>,
        /// How many input bytes the chunked body used, up to and including
        /// the blank line after the last chunk. Anything after is the next request.
        consumed: usize,
    },
    /// Not everything has arrived: read more and call again with all bytes so far.
    Partial,
}

/// What is wrong with a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedError {
    /// A chunk-size line has no size before its `\r\n` (or before `;`).
    EmptySize,
    /// A chunk size contains something other than hex digits.
    BadSize,
    /// A chunk size does not fit in a `usize`.
    SizeOverflow,
    /// The decoded body would be longer than the limit.
    TooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// A line or a chunk's data is not followed by `\r\n`.
    MissingCrlf,
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkedError::EmptySize => f.write_str("chunk-size line without a size"),
            ChunkedError::BadSize => f.write_str("chunk size is not a hex number"),
            ChunkedError::SizeOverflow => f.write_str("chunk size is too big to represent"),
            ChunkedError::TooLarge { max } => write!(f, "chunked body longer than {max} bytes"),
            ChunkedError::MissingCrlf => {
                f.write_str("expected \\r\\n after a chunk line or chunk data")
            }
        }
    }
}

impl std::error::Error for ChunkedError {}

/// Decodes a chunked body from the start of `input`.
///
/// # Errors
/// A [`ChunkedError`] for a malformed body or one longer than `max_body`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn decode_chunked(input: &[u8], max_body: usize) -> Result<Chunked, ChunkedError> {
    // TODO: loop over chunks with a position into `input`:
    //   1. find the `\r\n` ending the size line (none yet: Partial);
    //   2. cut the line at ';', parse the hex size with `checked_mul(16)` and
    //      `checked_add` (overflow: SizeOverflow), check it against `max_body`;
    //   3. size 0: skip trailer lines until an empty one, then Complete;
    //   4. otherwise take `size` bytes of data, then expect `\r\n`.
    todo!()
}
