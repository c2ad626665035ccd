//! Bytes as hex digits and back: how the session id, the CSRF token and
//! their MACs travel in cookies and forms (nothing in hex needs escaping in
//! a cookie, a URL-encoded form or an HTML attribute).

/// `bytes` as lowercase hex digits, two per byte.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex digits to bytes; `None` for anything else.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    // Hex digits only: `from_str_radix` alone would also take a `+` sign
    // ("+f" as 0x0f), so two spellings of one tag would both verify (the
    // split handshake's fuzz target found the same slip there).
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_goes_there_and_back_and_refuses_what_is_not_hex() {
        assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
        assert_eq!(unhex("0fa0"), Some(vec![0x0f, 0xa0]));
        assert_eq!(unhex("0FA0"), Some(vec![0x0f, 0xa0]));
        assert_eq!(unhex("0fa"), None, "an odd number of digits");
        assert_eq!(unhex("+f"), None, "a '+' is not a hex digit");
        assert_eq!(unhex("zz"), None);
    }
}
