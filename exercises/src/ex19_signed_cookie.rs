//! # Exercise 19: checking a signed cookie in constant time
//!
//! Chapter 12 of `TUTORIAL.md` keeps the session id in a cookie, and the
//! visitor can write any cookie they like. So the server signs it: the
//! cookie is `VALUE.TAG`, where TAG is the HMAC-SHA256 of VALUE under a key
//! only the server has, in lowercase hex (64 digits). [`sign`] makes one;
//! you write the check.
//!
//! 1. [`constant_time_eq`]: whether two byte strings are equal, looking at
//!    EVERY byte even after a difference. A comparison that returns at the
//!    first wrong byte (which is what `==` does) takes longer the more
//!    leading bytes of a guess are right, and an attacker who can time
//!    many refusals finds a valid tag byte by byte. Different lengths may
//!    return `false` at once: every real tag has the same length, so the
//!    length tells nothing. (The tests cannot measure time, so they check
//!    the answers; the hint says how to make the time honest. Step 12
//!    uses the `subtle` crate's `ct_eq` for this.)
//! 2. [`verify`]: the VALUE of a signed cookie if its TAG is right, `None`
//!    for anything else. Split at the LAST `.` (a value may hold dots of
//!    its own), decode the tag with the given [`unhex`], compute the tag
//!    the value should have with [`tag`], and compare with your function.
//!
//! The tests (`tests/ex19_signed_cookie.rs`) check equal and unequal byte
//! strings, a signed cookie verifying to its value, and every way to
//! tamper with one: another value, a changed or shortened tag, no tag, a
//! tag that is not hex, another key.
//!
//! Check it with `cargo run -p exercises -- check ex19_signed_cookie`.

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
// TODO: remove this `allow` once you use `a` and `b`.
#[allow(unused_variables)]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // TODO: lengths first; then go through every pair of bytes without
    // stopping early, and decide only at the end.
    todo!()
}

/// The value of a signed cookie `VALUE.TAG` if the tag is right.
// TODO: remove this `allow` once you use `key` and `cookie`.
#[allow(unused_variables)]
pub fn verify<'a>(key: &[u8], cookie: &'a str) -> Option<&'a str> {
    // TODO: split at the last '.', unhex the tag, compare it with
    // `tag(key, value)` using `constant_time_eq`.
    todo!()
}
