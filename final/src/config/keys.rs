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
    /// [`KeyError::TooShort`], if there are fewer than [`SecretKey::MIN_BYTES`].
    ///
    /// # Examples
    /// ```
    /// use httprs::{KeyError, SecretKey};
    /// assert_eq!(SecretKey::new("hunter2"), Err(KeyError::TooShort { found: 7 }));
    /// assert!(SecretKey::new([7; 32]).is_ok());
    /// ```
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<SecretKey, KeyError> {
        let bytes = bytes.into();
        if bytes.len() < SecretKey::MIN_BYTES {
            return Err(KeyError::TooShort { found: bytes.len() });
        }
        Ok(SecretKey(bytes))
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether this is a published development key (the `insecure` prefix
    /// that `secret_key` refuses with debug off, and `split_key` always).
    pub(crate) fn is_development(&self) -> bool {
        self.0.starts_with(INSECURE_PREFIX.as_bytes())
    }
}

/// Why bytes were refused as a key: by [`SecretKey::new`], and for the
/// split key by [`dev::auth::parse_key`](crate::dev::auth::parse_key). The
/// message never shows the key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Fewer bytes than [`SecretKey::MIN_BYTES`].
    TooShort {
        /// How many bytes there were.
        found: usize,
    },
    /// A published development key (it starts with `insecure`), where only
    /// a key of one's own will do.
    Development,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::TooShort { found } => write!(
                f,
                "expected at least {} bytes, found {found} (the value is not shown)",
                SecretKey::MIN_BYTES
            ),
            KeyError::Development => write!(
                f,
                "starts with \"{INSECURE_PREFIX}\", a development key, which is public: \
                 set your own (openssl rand -hex 32)"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

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
/// [`KeyError::TooShort`] for a key under [`SecretKey::MIN_BYTES`],
/// [`KeyError::Development`] for a development key (see `check_split_key`
/// in `checks.rs`); the key itself is never shown.
pub fn parse_key(text: &str) -> Result<SecretKey, KeyError> {
    let key = SecretKey::new(text.trim_end_matches(['\r', '\n']).as_bytes())?;
    if key.is_development() {
        return Err(KeyError::Development);
    }
    Ok(key)
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
                .to_string()
                .contains("at least 32 bytes")
        );
        let err = parse_key("insecure-but-long-enough-to-pass-the-length-check").unwrap_err();
        assert!(err.to_string().contains("development key"), "{err}");
        assert_eq!(err, KeyError::Development);
    }

    #[test]
    fn key_errors_say_what_is_wrong_without_the_key() {
        let short = SecretKey::new("hunter2").unwrap_err();
        assert_eq!(short, KeyError::TooShort { found: 7 });
        assert_eq!(
            short.to_string(),
            "expected at least 32 bytes, found 7 (the value is not shown)"
        );
        assert_eq!(
            KeyError::Development.to_string(),
            "starts with \"insecure\", a development key, which is public: \
             set your own (openssl rand -hex 32)"
        );
    }
}
