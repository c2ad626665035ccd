//! Reference solution for exercise 12: a chunked request body.

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
/// Each call starts from the beginning of `input`; a server that calls it
/// after every read should also cap how many bytes it buffers.
///
/// # Errors
/// A [`ChunkedError`] for a malformed body or one longer than `max_body`.
///
/// # Examples
/// ```
/// use exercises::ex12_chunked::{decode_chunked, Chunked};
/// let input = b"5\r\nhello\r\n0\r\n\r\n";
/// assert_eq!(decode_chunked(input, 1024),
///            Ok(Chunked::Complete { body: b"hello".to_vec(), consumed: input.len() }));
/// ```
pub fn decode_chunked(input: &[u8], max_body: usize) -> Result<Chunked, ChunkedError> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some((line, next)) = line_at(input, pos)? else {
            return Ok(Chunked::Partial);
        };
        pos = next;
        let size = parse_size(line)?;
        // The key line: compare against what is *left* of the budget, which
        // cannot underflow because `body.len() <= max_body` holds throughout.
        if size > max_body - body.len() {
            return Err(ChunkedError::TooLarge { max: max_body });
        }
        if size == 0 {
            // Trailer fields until the blank line. We do not use them.
            loop {
                let Some((trailer, next)) = line_at(input, pos)? else {
                    return Ok(Chunked::Partial);
                };
                pos = next;
                if trailer.is_empty() {
                    return Ok(Chunked::Complete {
                        body,
                        consumed: pos,
                    });
                }
            }
        }
        // `size <= max_body`, and `input` holds fewer than that many bytes or
        // we return Partial, so `pos + size` fits a usize.
        let data = &input[pos..];
        if data.len() < size {
            return Ok(Chunked::Partial);
        }
        // Check as much of the `\r\n` after the data as has arrived.
        let after = &data[size..data.len().min(size + 2)];
        if !b"\r\n".starts_with(after) {
            return Err(ChunkedError::MissingCrlf);
        }
        if after.len() < 2 {
            return Ok(Chunked::Partial);
        }
        body.extend_from_slice(&data[..size]);
        pos += size + 2;
    }
}

/// The line starting at `pos` (without its `\r\n`) and where the next one
/// starts; `None` if its `\n` has not arrived yet.
fn line_at(input: &[u8], pos: usize) -> Result<Option<(&[u8], usize)>, ChunkedError> {
    let rest = &input[pos..];
    match rest.iter().position(|&b| b == b'\n') {
        None => Ok(None),
        Some(lf) if lf > 0 && rest[lf - 1] == b'\r' => Ok(Some((&rest[..lf - 1], pos + lf + 1))),
        Some(_) => Err(ChunkedError::MissingCrlf),
    }
}

/// Parses the hex size at the start of a chunk-size line, ignoring any
/// `;extension` and whitespace before it.
fn parse_size(line: &[u8]) -> Result<usize, ChunkedError> {
    let digits = line.split(|&b| b == b';').next().unwrap_or_default();
    let mut digits = digits;
    while let [rest @ .., b' ' | b'\t'] = digits {
        digits = rest;
    }
    if digits.is_empty() {
        return Err(ChunkedError::EmptySize);
    }
    let mut size: usize = 0;
    for &digit in digits {
        let value = (digit as char).to_digit(16).ok_or(ChunkedError::BadSize)?;
        // Checked arithmetic: 17 hex digits would silently wrap a `usize`.
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(value as usize))
            .ok_or(ChunkedError::SizeOverflow)?;
    }
    Ok(size)
}
