//! Reference solution for exercise 19: checking a signed cookie in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC-SHA256 tag of `value` under `key`.
pub fn tag(key: &[u8], value: &str) -> [u8; 32] {
    // HMAC accepts a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `VALUE.TAG`, the tag in lowercase hex.
pub fn sign(key: &[u8], value: &str) -> String {
    let hex: String = tag(key, value).iter().map(|b| format!("{b:02x}")).collect();
    format!("{value}.{hex}")
}

/// The bytes of an even-length hex string, or `None` if it is not one.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Whether `a` and `b` are equal, in a time that does not depend on where
/// they differ.
///
/// # Examples
/// ```
/// use exercises::ex19_signed_cookie::constant_time_eq;
/// assert!(constant_time_eq(b"abc", b"abc"));
/// assert!(!constant_time_eq(b"abc", b"abd"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Every tag has the same length: refusing a different one at once
    // tells an attacker nothing they did not know.
    if a.len() != b.len() {
        return false;
    }
    // The key line: OR together the XOR of every pair. A difference sets
    // some bit for good, and the loop never stops early, so the time is the
    // same wherever (and whether) the bytes differ.
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

/// The value of a signed cookie `VALUE.TAG` if the tag is right.
pub fn verify<'a>(key: &[u8], cookie: &'a str) -> Option<&'a str> {
    // The last dot: a value may hold dots, a hex tag never does.
    let (value, sent) = cookie.rsplit_once('.')?;
    let sent = unhex(sent)?;
    constant_time_eq(&sent, &tag(key, value)).then_some(value)
}
