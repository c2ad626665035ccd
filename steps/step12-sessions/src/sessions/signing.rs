//! Signing a cookie's value, so that the server can tell its own cookies
//! from ones a visitor wrote.
//!
//! The browser keeps cookies, so the visitor can change them: edit one in
//! the developer tools, or send any `Cookie:` header with curl. A signed
//! value is `VALUE.TAG`, where the tag is an **HMAC** (a keyed hash) of the
//! value under a secret key only the server knows. Change one character of
//! the value and the tag no longer matches; make a new tag and you need the
//! key.
//!
//! **Constant time.** Comparing the tag that came with the
//! tag we compute must not stop at the first wrong byte: an attacker who
//! can measure how long a refusal takes would learn how many leading bytes
//! were right, and could find a valid tag byte by byte. `subtle`'s
//! `ct_eq` looks at every byte, whatever it finds.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The shortest key accepted: 32 bytes, the size of the hash.
pub const MIN_KEY_BYTES: usize = 32;

/// A key too short to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortKey {
    /// How many bytes it had.
    pub len: usize,
}

impl std::fmt::Display for ShortKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the secret key has {} bytes; it needs at least {MIN_KEY_BYTES}",
            self.len
        )
    }
}

impl std::error::Error for ShortKey {}

/// Signs and verifies values with one secret key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key, not even in a debug log.
        f.write_str("Signer { key: <hidden> }")
    }
}

impl Signer {
    /// A signer with this key.
    ///
    /// # Errors
    /// [`ShortKey`] if the key has fewer than [`MIN_KEY_BYTES`] bytes.
    pub fn new(key: &[u8]) -> Result<Signer, ShortKey> {
        if key.len() < MIN_KEY_BYTES {
            return Err(ShortKey { len: key.len() });
        }
        Ok(Signer { key: key.to_vec() })
    }

    /// A signer with 32 fresh random bytes: sessions then last only as long
    /// as the process.
    ///
    /// # Errors
    /// The operating system's, if it has no random bytes to give.
    pub fn random() -> Result<Signer, getrandom::Error> {
        let mut key = [0u8; MIN_KEY_BYTES];
        getrandom::getrandom(&mut key)?;
        Ok(Signer { key: key.to_vec() })
    }

    fn tag(&self, value: &str) -> [u8; 32] {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        // A label: a tag made with the same key for another purpose can
        // never pass as a session cookie's.
        mac.update(b"step12 session cookie:");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// `VALUE.TAG`, the tag in lowercase hex. `value` should hold no `.`
    /// of its own (ours are hex ids).
    pub fn sign(&self, value: &str) -> String {
        format!("{value}.{}", hex(&self.tag(value)))
    }

    /// The value of a signed `VALUE.TAG`, if the tag is right; `None` for
    /// anything else (no dot, a tag that is not 64 hex digits, a wrong tag).
    pub fn verify<'a>(&self, signed: &'a str) -> Option<&'a str> {
        let (value, tag) = signed.rsplit_once('.')?;
        let sent = unhex(tag)?;
        let expected = self.tag(value);
        // Lengths are public (every tag has 32 bytes); the bytes are not.
        let equal: bool = sent.ct_eq(&expected[..]).into();
        equal.then_some(value)
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of an even-length hex string, or `None`.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// `n` random bytes from the operating system, as hex: ids and tokens.
///
/// # Errors
/// The operating system's, if it has no random bytes to give.
pub fn random_hex(n: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(b"a test key that is thirty-two bytes or more").unwrap()
    }

    #[test]
    fn a_signed_value_verifies_to_itself() {
        let signed = signer().sign("abc123");
        assert!(signed.starts_with("abc123."));
        assert_eq!(signed.len(), "abc123.".len() + 64);
        assert_eq!(signer().verify(&signed), Some("abc123"));
    }

    #[test]
    fn every_kind_of_tampering_is_refused() {
        let signed = signer().sign("abc123");
        let (value, tag) = signed.split_once('.').unwrap();
        let flipped_tag = format!(
            "{value}.{}{}",
            if tag.starts_with('0') { '1' } else { '0' },
            &tag[1..]
        );
        let forged = [
            format!("abc124.{tag}"),                    // another value, the old tag
            flipped_tag,                                // the value, one hex digit changed
            format!("{value}.{}", &tag[..62]),          // a shortened tag
            format!("{value}.{tag}00"),                 // a lengthened tag
            format!("{value}.{}", "zz".repeat(32)),     // not hex
            value.to_string(),                          // no tag at all
            format!("{value}."),                        // an empty tag
            format!(".{tag}"),                          // no value
            Signer::new(&[7; 32]).unwrap().sign(value), // another key
            String::new(),
        ];
        for cookie in &forged {
            assert_eq!(signer().verify(cookie), None, "{cookie:?}");
        }
    }

    #[test]
    fn a_short_key_is_refused() {
        assert_eq!(Signer::new(b"short").unwrap_err(), ShortKey { len: 5 });
        assert!(Signer::new(&[0; 32]).is_ok());
        assert!(format!("{:?}", signer()).contains("<hidden>"));
    }

    #[test]
    fn random_hex_is_hex_of_the_asked_length_and_differs_each_time() {
        let a = random_hex(32).unwrap();
        let b = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
