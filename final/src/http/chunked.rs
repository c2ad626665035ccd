//! The chunked transfer coding (RFC 9112 §7.1), decoded incrementally.
//!
//! A chunked body is a series of `SIZE-IN-HEX\r\n DATA \r\n`, ended by a
//! chunk of size zero and an optional trailer section:
//!
//! ```text
//! 5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n   ->   "hello world"
//! ```
//!
//! httparse offers `parse_chunk_size`, but it accepts a size line with no
//! digit at all (an empty line reads as size 0, ending the body early). Here
//! the size line is read by hand: at least one hex digit, nothing but hex
//! digits before an optional `;extension`, and no more than 16 digits, so
//! the size can never overflow. Any violation is [`ParseError::BadChunkSize`]:
//! a server that guesses at framing is exactly what request smuggling exploits.

use crate::http::buffer::InputBuffer;
use crate::http::parse_error::{Limits, ParseError, check_bare_cr};

/// Longest chunk-size line (with extensions) or trailer line we accept.
const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data, this many bytes to go.
    Data(usize),
    /// After a chunk's data, expecting its line ending.
    DataEnd,
    /// After the zero-size chunk: trailer lines until an empty one; bytes seen so far.
    Trailer(usize),
}

/// Where we are in a chunked body; see the module docs.
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    step: Step,
}

impl ChunkedDecoder {
    pub(crate) fn new() -> ChunkedDecoder {
        ChunkedDecoder { step: Step::Size }
    }

    /// Moves as much of `buf` as possible into `body`. Returns `Ok(true)`
    /// when the last chunk and trailers are done, `Ok(false)` when it needs
    /// more bytes (not an error: the rest has not arrived yet).
    pub(crate) fn decode(
        &mut self,
        buf: &mut InputBuffer,
        body: &mut Vec<u8>,
        limits: Limits,
    ) -> Result<bool, ParseError> {
        loop {
            match self.step {
                Step::Size => {
                    let Some(line) = take_line(buf, ParseError::BadChunkSize)? else {
                        return Ok(false);
                    };
                    let size = parse_chunk_size(&line)?;
                    if body.len().saturating_add(size) > limits.max_body {
                        return Err(ParseError::BodyTooLarge);
                    }
                    self.step = if size == 0 {
                        Step::Trailer(0)
                    } else {
                        Step::Data(size)
                    };
                }
                Step::Data(remaining) => {
                    let n = remaining.min(buf.len());
                    if n == 0 {
                        return Ok(false);
                    }
                    body.extend_from_slice(&buf.bytes()[..n]);
                    buf.consume(n);
                    self.step = if n == remaining {
                        Step::DataEnd
                    } else {
                        Step::Data(remaining - n)
                    };
                }
                Step::DataEnd => {
                    let Some(line) = take_line(buf, ParseError::BadChunk)? else {
                        return Ok(false);
                    };
                    if !line.is_empty() {
                        return Err(ParseError::BadChunk);
                    }
                    self.step = Step::Size;
                }
                Step::Trailer(seen) => {
                    let Some(line) = take_line(buf, ParseError::BadChunk)? else {
                        return Ok(false);
                    };
                    if line.is_empty() {
                        self.step = Step::Size;
                        return Ok(true);
                    }
                    // Trailer fields are read and dropped; their total counts
                    // against the head limit so they cannot grow without bound.
                    let seen = seen + line.len() + 2;
                    if seen > limits.max_head {
                        return Err(ParseError::HeadTooLarge);
                    }
                    if !line.contains(&b':') {
                        return Err(ParseError::BadChunk);
                    }
                    self.step = Step::Trailer(seen);
                }
            }
        }
    }
}

/// Takes one line (without its CRLF or bare LF) off `buf`, or `None` if no
/// line ending has arrived yet. A line longer than [`MAX_LINE`] is `too_long`.
///
/// The answer does not depend on how the bytes arrived: a line over the
/// limit is refused whether its LF is already here or not, and the bare CR
/// reported first is one within the first `MAX_LINE + 1` bytes, as a reader
/// given one byte at a time would see it.
fn take_line(buf: &mut InputBuffer, too_long: ParseError) -> Result<Option<Vec<u8>>, ParseError> {
    let bytes = buf.bytes();
    let lf = bytes.iter().position(|&b| b == b'\n');
    // The line's bytes before its LF (its CR included), or all of them so far.
    let line_len = lf.unwrap_or(bytes.len());
    if line_len > MAX_LINE {
        let seen = &bytes[..=MAX_LINE];
        check_bare_cr(seen.strip_suffix(b"\r").unwrap_or(seen))?;
        return Err(too_long);
    }
    let Some(lf) = lf else {
        // A CR as the last byte may still be followed by its LF; any other is bare.
        check_bare_cr(bytes.strip_suffix(b"\r").unwrap_or(bytes))?;
        return Ok(None);
    };
    let with_ending = &bytes[..=lf];
    check_bare_cr(with_ending)?;
    let line = with_ending
        .strip_suffix(b"\r\n")
        .or_else(|| with_ending.strip_suffix(b"\n"))
        .unwrap_or(with_ending)
        .to_vec();
    buf.consume(lf + 1);
    Ok(Some(line))
}

/// `1a;name=value` → 26. At least one and at most 16 hex digits.
fn parse_chunk_size(line: &[u8]) -> Result<usize, ParseError> {
    let digits_end = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, rest) = line.split_at(digits_end);
    if digits.is_empty() || digits.len() > 16 {
        return Err(ParseError::BadChunkSize);
    }
    // After the digits: optional whitespace, then nothing or an extension.
    let rest = rest.trim_ascii_start();
    if !(rest.is_empty() || rest.starts_with(b";")) {
        return Err(ParseError::BadChunkSize);
    }
    let text = std::str::from_utf8(digits).map_err(|_| ParseError::BadChunkSize)?;
    usize::from_str_radix(text, 16).map_err(|_| ParseError::BadChunkSize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<Option<Vec<u8>>, ParseError> {
        let mut buf = InputBuffer::new();
        buf.extend(bytes);
        let mut body = Vec::new();
        let limits = Limits {
            max_head: 1024,
            max_body: 100,
        };
        let done = ChunkedDecoder::new().decode(&mut buf, &mut body, limits)?;
        Ok(done.then_some(body))
    }

    #[test]
    fn chunks_and_extensions_and_trailers_decode() {
        assert_eq!(
            decode(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n"),
            Ok(Some(b"hello world".to_vec()))
        );
        assert_eq!(
            decode(b"A\nabcdefghij\n0\n\n"),
            Ok(Some(b"abcdefghij".to_vec()))
        );
    }

    #[test]
    fn a_body_without_its_last_chunk_is_incomplete() {
        assert_eq!(decode(b"5\r\nhello\r\n"), Ok(None));
        assert_eq!(decode(b"5\r\nhel"), Ok(None));
    }

    #[test]
    fn bad_chunk_sizes_are_refused() {
        for line in [
            &b"\r\n"[..],
            b";ext\r\n",
            b"xyz\r\n",
            b"5 5\r\n",
            b"-1\r\n",
            b"+5\r\n",
            b"0x5\r\n",
            b"10000000000000000\r\n",
            b"ffffffffffffffff\r\n",
        ] {
            let err = decode(line).unwrap_err();
            assert!(
                matches!(err, ParseError::BadChunkSize | ParseError::BodyTooLarge),
                "{:?} gave {err:?}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(decode(b"\r\n").unwrap_err(), ParseError::BadChunkSize);
        assert_eq!(
            decode(b"10000000000000000\r\n").unwrap_err(),
            ParseError::BadChunkSize
        );
    }

    #[test]
    fn data_not_followed_by_a_line_ending_is_refused() {
        assert_eq!(decode(b"2\r\nabc\r\n").unwrap_err(), ParseError::BadChunk);
        assert_eq!(decode(b"2\r\nab\rX").unwrap_err(), ParseError::BareCr);
    }

    #[test]
    fn a_line_over_the_limit_is_refused_however_it_arrives() {
        // Found by the chunked_body fuzz target: a chunk extension of 5000
        // bytes was refused when it arrived in pieces (no LF yet, over
        // MAX_LINE) and accepted when its LF came in the same read.
        let long = format!("5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(5000));
        assert_eq!(decode(long.as_bytes()), Err(ParseError::BadChunkSize));
        // At the limit, with CRLF or a bare LF, it is still a line.
        for eol in ["\r\n", "\n"] {
            let ext = "x".repeat(MAX_LINE - 2 - eol.len() + 1);
            let at_limit = format!("5;{ext}{eol}hello\r\n0\r\n\r\n");
            assert_eq!(
                decode(at_limit.as_bytes()),
                Ok(Some(b"hello".to_vec())),
                "{eol:?}"
            );
        }
        // A bare CR past the limit is not what stops it; the length is.
        let cr_late = format!("5;{}\rX\r\n", "x".repeat(5000));
        assert_eq!(decode(cr_late.as_bytes()), Err(ParseError::BadChunkSize));
        let trailer = format!("0\r\nX-T: {}\r\n\r\n", "x".repeat(5000));
        assert_eq!(decode(trailer.as_bytes()), Err(ParseError::BadChunk));
    }

    #[test]
    fn a_body_over_the_limit_is_refused_at_the_size_line() {
        assert_eq!(decode(b"65\r\n").unwrap_err(), ParseError::BodyTooLarge);
    }
}
