//! The secret keys and their checks: the `secret_key` that signs session
//! cookies and the `split_key` a front and its backends share.
//!
//! Both keys are settings ([`Settings`](crate::Settings) holds them), both are checked at
//! start-up (a development key, or none with `debug` off, stops it), and
//! both are read by layers above: the session store signs with one, split
//! mode's handshake proves the other. Kept here, below all of them, so that
//! the settings, the sessions and the handshake each import the keys and
//! none imports another. The checks that need the settings too (which mode,
//! `debug` on or off) are in `checks.rs`.

use std::fmt;

/// The `secret_key` setting: bytes that never show in logs or `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// The fewest bytes accepted: HMAC-SHA256's own output size.
    pub const MIN_BYTES: usize = 32;

    /// `bytes` as a key.
    ///
    /// # Errors
    /// A sentence, if there are fewer than [`SecretKey::MIN_BYTES`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<SecretKey, String> {
        let bytes = bytes.into();
        if bytes.len() < SecretKey::MIN_BYTES {
            return Err(format!(
                "expected at least {} bytes, found {} (the value is not shown)",
                SecretKey::MIN_BYTES,
                bytes.len()
            ));
        }
        Ok(SecretKey(bytes))
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes)", self.0.len())
    }
}

/// A key starting with this is a development key (the demo's settings file
/// holds one, in public): refused when `debug` is off, as Django's
/// `django-insecure-` keys are flagged.
pub(crate) const INSECURE_PREFIX: &str = "insecure";

/// A split key read from the front's `--split-key-file` or
/// `HTTPRS_SPLIT_KEY`, or a backend's `split_key`: the text, without the
/// line end a file (`openssl rand -hex 32 > key`) usually has.
///
/// # Errors
/// A sentence, for a key under [`SecretKey::MIN_BYTES`] or a development
/// key (see `check_split_key` in `checks.rs`); the key itself is never shown.
pub fn parse_key(text: &str) -> Result<SecretKey, String> {
    let key = SecretKey::new(text.trim_end_matches(['\r', '\n']).as_bytes())?;
    if is_development_key(&key) {
        return Err(format!(
            "starts with \"{}\", a development key, which is public: \
             set your own (openssl rand -hex 32)",
            INSECURE_PREFIX
        ));
    }
    Ok(key)
}

/// Whether `key` is a published development key (the `insecure` prefix
/// that `secret_key` refuses with debug off, too).
fn is_development_key(key: &SecretKey) -> bool {
    key.bytes().starts_with(INSECURE_PREFIX.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_too_short_or_for_development_are_refused_and_a_line_end_is_not_the_key() {
        let hex64 = "0123456789abcdef".repeat(4);
        assert_eq!(
            parse_key(&format!("{hex64}\n")).unwrap().bytes(),
            hex64.as_bytes()
        );
        assert!(
            parse_key("short")
                .unwrap_err()
                .contains("at least 32 bytes")
        );
        let err = parse_key("insecure-but-long-enough-to-pass-the-length-check").unwrap_err();
        assert!(err.contains("development key"), "{err}");
    }
}
