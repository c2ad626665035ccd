//! One byte range: `Range: bytes=0-1023` is answered `206 Partial Content`.
//!
//! A video player jumps to minute 40 by asking for the bytes from there; a
//! download that broke at 600 MB resumes with `bytes=600000000-`. The three
//! forms of one range, for a file of 10 000 bytes:
//!
//! ```text
//!   bytes=0-499      the first 500 bytes        206, Content-Range: bytes 0-499/10000
//!   bytes=9500-      from byte 9500 to the end  206, Content-Range: bytes 9500-9999/10000
//!   bytes=-500       the last 500 bytes         206, Content-Range: bytes 9500-9999/10000
//!   bytes=20000-     starts past the end        416, Content-Range: bytes */10000
//! ```
//!
//! A range that ends past the end is cut at the end. Anything else, a unit
//! other than bytes, a malformed range, or several ranges at once
//! (`bytes=0-1,5-6`, which would need a `multipart/byteranges` body), is
//! ignored: HTTP lets a server answer 200 with the whole file instead.

/// What to send for a request's `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No usable range: the whole file, 200.
    Whole,
    /// Bytes `start..=end` (both inclusive, as HTTP counts): 206.
    Part {
        /// The first byte.
        start: u64,
        /// The last byte.
        end: u64,
    },
    /// The range starts past the end of the file: 416.
    Unsatisfiable,
}

/// Reads `header` (the `Range` value, if any) for a file of `len` bytes.
///
/// ```
/// use step09::static_files::{ByteRange, parse_range};
/// assert_eq!(parse_range(Some("bytes=-500"), 10_000), ByteRange::Part { start: 9_500, end: 9_999 });
/// assert_eq!(parse_range(Some("bytes=0-1,5-6"), 10_000), ByteRange::Whole);
/// ```
pub fn parse_range(header: Option<&str>, len: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return ByteRange::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    // Digits only: `parse` would also take a leading `+`.
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    };
    let (start, end) = match (first.trim().is_empty(), number(first), number(last)) {
        // `-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                return ByteRange::Unsatisfiable;
            }
            (len.saturating_sub(suffix), len - 1)
        }
        // `A-` and `A-B`.
        (false, Some(start), end) if last.trim().is_empty() || end.is_some() => {
            let end = end.unwrap_or(u64::MAX);
            if start > end {
                return ByteRange::Whole; // malformed: ignored
            }
            if start >= len {
                return ByteRange::Unsatisfiable;
            }
            (start, end.min(len - 1))
        }
        _ => return ByteRange::Whole,
    };
    ByteRange::Part { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_in_each_form_and_everything_else_ignored() {
        use ByteRange::{Part, Unsatisfiable, Whole};
        let cases: &[(Option<&str>, u64, ByteRange)] = &[
            (None, 100, Whole),
            (Some("bytes=0-9"), 100, Part { start: 0, end: 9 }),
            (Some(" bytes= 10 - 19 "), 100, Part { start: 10, end: 19 }),
            (Some("bytes=90-"), 100, Part { start: 90, end: 99 }),
            (Some("bytes=90-1000"), 100, Part { start: 90, end: 99 }),
            (Some("bytes=-10"), 100, Part { start: 90, end: 99 }),
            (Some("bytes=-1000"), 100, Part { start: 0, end: 99 }),
            (Some("bytes=99-99"), 100, Part { start: 99, end: 99 }),
            (Some("bytes=100-"), 100, Unsatisfiable),
            (Some("bytes=100-200"), 100, Unsatisfiable),
            (Some("bytes=-0"), 100, Unsatisfiable),
            (Some("bytes=0-"), 0, Unsatisfiable),
            (Some("bytes=-5"), 0, Unsatisfiable),
            (Some("bytes=5-4"), 100, Whole),
            (Some("bytes=0-1,5-6"), 100, Whole),
            (Some("bytes=a-b"), 100, Whole),
            (Some("bytes=+1-2"), 100, Whole),
            (Some("bytes=-"), 100, Whole),
            (Some("bytes=1"), 100, Whole),
            (Some("items=0-9"), 100, Whole),
            (Some("bytes=99999999999999999999-"), 100, Whole), // overflows u64
        ];
        for (header, len, expected) in cases {
            assert_eq!(parse_range(*header, *len), *expected, "{header:?} of {len}");
        }
    }
}
