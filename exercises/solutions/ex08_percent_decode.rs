//! Reference solution for exercise 08: percent-decoding a path segment, as step 05 does.

/// Decodes the `%XY` escapes in one path segment. A `%` not followed by two
/// hex digits is kept as it is, and bytes that are not UTF-8 become `�`.
///
/// # Examples
/// ```
/// use exercises::ex08_percent_decode::percent_decode;
/// assert_eq!(percent_decode("caf%C3%A9"), "café");
/// assert_eq!(percent_decode("100%"), "100%");
/// assert_eq!(percent_decode("%FF"), "\u{FFFD}");
/// ```
pub fn percent_decode(segment: &str) -> String {
    // Bytes, not chars: an escape makes one byte, and a `&str` slice taken in
    // the middle of `é` would panic.
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // `get` is `None` near the end, so `"abc%4"` needs no special case.
        let escape = match bytes.get(i + 1..i + 3) {
            Some(&[high, low]) if bytes[i] == b'%' => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        match escape {
            Some((high, low)) => {
                out.push(high << 4 | low);
                // The key line: skip past the escape, so its decoded byte is
                // never looked at again. That is what makes `%2541` decode to
                // `%41`, once.
                i += 3;
            }
            // Not an escape (or a malformed one): the byte stands for itself.
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    // Escapes can produce any byte; only now do we know whether it is text.
    // A best reading, not an error: `�` marks each byte that is not.
    String::from_utf8_lossy(&out).into_owned()
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
