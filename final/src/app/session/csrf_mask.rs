//! The CSRF token masked afresh in every response, against BREACH.
//!
//! Compression (`app/compression.rs`) makes a body shorter the more it
//! repeats itself. BREACH (2013) turns that into a way to read a secret
//! out of an HTTPS page: an attacker who can make the victim's browser
//! request the page many times, with a guess of their own reflected in it
//! (`?q=csrf_token=a`), and can watch the encrypted lengths, sees the
//! response shrink when the guess matches the token's next character, and
//! reads the token one character at a time.
//!
//! The defence Django and Rails use is ours: the secret never appears in a
//! body as it is. Each time a page asks for the token it gets
//! `MASK || (TOKEN xor MASK)`, with a fresh random `MASK` of the token's
//! length, in hex. Two responses carry two unrelated strings, so there is
//! nothing stable to guess character by character; the check ([`matches`])
//! takes the mask off again and compares the result with the token in the
//! browser's cookie, in constant time. The cookie itself is a header, which
//! HTTP/1.1 never compresses.
//!
//! The token as it was before masking (64 hex digits) is still accepted,
//! so that a page left open across the upgrade still posts.

use subtle::ConstantTimeEq;

use crate::app::session::hex::{hex, unhex};

/// The bytes of a token: its hex decoded (what `random_hex` made), or, for
/// anything else, its text as it is (never the case for a token httprs
/// made, but masking stays total).
fn bytes_of(token: &str) -> Vec<u8> {
    unhex(token).unwrap_or_else(|| token.as_bytes().to_vec())
}

/// `token` under a fresh random mask: `hex(mask || token xor mask)`.
///
/// # Panics
/// If the operating system has no random numbers to give (as
/// `random_hex` in `handle.rs`).
pub(crate) fn mask(token: &str) -> String {
    let secret = bytes_of(token);
    let mut mask = vec![0u8; secret.len()];
    getrandom::getrandom(&mut mask).expect("the operating system's random generator failed");
    let masked: Vec<u8> = secret.iter().zip(&mask).map(|(s, m)| s ^ m).collect();
    mask.extend_from_slice(&masked);
    hex(&mask)
}

/// Whether `sent` (from a form or `X-CSRF-Token`) is `expected`, masked
/// or as it is; compared in constant time once the lengths fit.
pub(crate) fn matches(sent: &str, expected: &str) -> bool {
    let secret = bytes_of(expected);
    let Some(sent) = unhex(sent.trim()) else {
        return false;
    };
    let unmasked: Vec<u8> = if sent.len() == 2 * secret.len() {
        let (mask, masked) = sent.split_at(secret.len());
        masked.iter().zip(mask).map(|(x, m)| x ^ m).collect()
    } else {
        // The bare token, or a wrong length that the comparison refuses.
        sent
    };
    // `ct_eq` on slices of different lengths is false, without a timing
    // leak about the contents.
    unmasked.ct_eq(&secret).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mask_differs_and_each_unmasks_to_the_token() {
        let token = "0123456789abcdef".repeat(4);
        let (a, b) = (mask(&token), mask(&token));
        assert_ne!(a, b);
        assert_eq!(a.len(), 128);
        assert!(!a.contains(&token) && !b.contains(&token));
        assert!(matches(&a, &token) && matches(&b, &token));
        assert!(matches(&token, &token), "the bare token, from an old page");
    }

    #[test]
    fn forged_and_malformed_tokens_are_refused() {
        let token = "ab".repeat(32);
        let other = "cd".repeat(32);
        let mut flipped = mask(&token).into_bytes();
        // One hex digit of the masked half changed.
        flipped[100] = if flipped[100] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        for sent in [
            mask(&other),
            other.clone(),
            flipped,
            String::new(),
            "zz".repeat(64),
            "ab".repeat(31),
            "00".repeat(64),
            format!("{}00", mask(&token)),
        ] {
            assert!(!matches(&sent, &token), "{sent}");
        }
    }
}
