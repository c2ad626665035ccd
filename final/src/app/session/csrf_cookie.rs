//! The CSRF token in a signed cookie of its own, so that a visitor who only
//! reads pages costs no session row.
//!
//! A form must carry a token the site gave this browser, and the site must
//! remember which one it gave. It used to remember it in the session, and so
//! every anonymous page with a form stored a row (39,379 rows, each kept two
//! weeks, in five seconds of `wrk` on the guestbook's page). Django's answer
//! is ours: the token goes to the browser in a cookie, `httprs_csrf`, and a
//! form post must send the same token twice, in the cookie and in the form
//! (or the `X-CSRF-Token` header). Another site can make the browser send
//! the cookie, but cannot read it or the page, so it cannot put the token in
//! its form. The cookie is signed with the secret key (`TOKEN.MAC`, the
//! session cookie's shape, with another label), so a cookie the site did not
//! make is refused before it is compared.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::session::hex::{hex, unhex};

/// The token cookie's name.
pub(crate) const COOKIE_NAME: &str = "httprs_csrf";

/// A MAC of `text` under `key`, labelled with `label` so that a MAC made
/// with the same key for another purpose (a session id) never passes here.
pub(super) fn mac(key: &[u8], label: &[u8], text: &str) -> Hmac<Sha256> {
    // Any key length works for HMAC; `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(label);
    mac.update(text.as_bytes());
    mac
}

const LABEL: &[u8] = b"httprs csrf token:";

/// The cookie's value for `token`: `TOKEN.MAC`, both hex.
pub(super) fn signed(key: &[u8], token: &str) -> String {
    format!(
        "{token}.{}",
        hex(&mac(key, LABEL, token).finalize().into_bytes())
    )
}

/// The token in cookie value `TOKEN.MAC`, if its MAC is right.
pub(super) fn verified<'a>(key: &[u8], value: &'a str) -> Option<&'a str> {
    let (token, tag) = value.split_once('.')?;
    let tag = unhex(tag)?;
    mac(key, LABEL, token)
        .verify_slice(&tag)
        .ok()
        .map(|()| token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_and_a_session_mac_does_not() {
        let key = [7u8; 32];
        let value = signed(&key, "abc123");
        assert_eq!(verified(&key, &value), Some("abc123"));
        assert_eq!(verified(&[8u8; 32], &value), None, "another key");
        let session_style = format!(
            "abc123.{}",
            hex(&mac(&key, b"httprs session id:", "abc123")
                .finalize()
                .into_bytes())
        );
        assert_eq!(verified(&key, &session_style), None, "another label");
        assert_eq!(unhex("+f"), None, "a '+' is not a hex digit");
        assert_eq!(unhex("0f"), Some(vec![0x0f]));
        for bad in ["abc123", "abc123.zz", "", ".", "abc124.00"] {
            assert_eq!(verified(&key, bad), None, "{bad:?}");
        }
    }
}
