//! Cookies, read from `Cookie:` and written as `Set-Cookie:`, as RFC 6265
//! spells them.
//!
//! A **cookie** is a name and a value the server asks the browser to keep
//! (`Set-Cookie: sid=abc; Path=/; HttpOnly`) and the browser sends back
//! with every later request to the same site (`Cookie: sid=abc; theme=dark`).
//! It is the only memory HTTP has: each request otherwise arrives alone.
//!
//! The grammar is small and strict: a name is an HTTP token, a value is a
//! run of "cookie-octets", printable ASCII without space, `"`, `,`, `;` and
//! `\`, optionally in double quotes. Writing, we refuse anything else,
//! because a `;` in a value would start a new attribute (a value
//! `x; Domain=evil.example` would set one). Reading, we skip a pair that
//! breaks the rules and keep the others: the browser sends every cookie of
//! the host, including other programs' odd ones, and one of those must not
//! cost the visitor their session.

use std::fmt;
use std::time::Duration;

/// A cookie the server cannot write, because the browser would misread it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieError {
    /// The name is empty or holds a byte that is not a token character.
    BadName(String),
    /// The value holds a byte outside the cookie-octets (space, `"`, `,`, `;`, `\`, controls, non-ASCII).
    BadValue(String),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::BadName(name) => write!(f, "{name:?} is not a valid cookie name"),
            CookieError::BadValue(value) => write!(
                f,
                "{value:?} is not a valid cookie value (printable ASCII without space, '\"', ',', ';' or '\\')"
            ),
        }
    }
}

impl std::error::Error for CookieError {}

/// RFC 9110's token characters, which a cookie's name is made of.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265's `cookie-octet`: `%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_token_byte)
}

/// A value as it may appear on the wire: bare, or in one pair of quotes.
fn unquoted_value(value: &str) -> Option<&str> {
    let inner = match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => value,
    };
    inner.bytes().all(is_cookie_octet).then_some(inner)
}

/// Every well-formed `name=value` pair of a `Cookie:` header, in order
/// (quotes around a value removed). Malformed pairs are skipped.
///
/// # Examples
/// ```
/// use step12::sessions::cookie::parse_cookie_header;
/// let pairs = parse_cookie_header("sid=abc; theme=\"dark\"; bad name=x; empty=");
/// assert_eq!(pairs, [("sid", "abc"), ("theme", "dark"), ("empty", "")]);
/// ```
pub fn parse_cookie_header(header: &str) -> Vec<(&str, &str)> {
    header
        .split(';')
        .filter_map(|pair| {
            // The RFC says "; " between pairs; browsers and tools vary, so
            // any amount of space around a pair is allowed.
            let (name, value) = pair.trim_matches([' ', '\t']).split_once('=')?;
            let value = unquoted_value(value)?;
            valid_name(name).then_some((name, value))
        })
        .collect()
}

/// The value of the first cookie called `name` in a `Cookie:` header.
/// Names are case-sensitive, as browsers treat them.
pub fn find_cookie<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    parse_cookie_header(header)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// When the browser may send a cookie along with a request another site started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Never from another site.
    Strict,
    /// From another site only on a top-level navigation with a safe method
    /// (a link followed), never on its `POST`s, frames or scripts.
    Lax,
}

/// A `Set-Cookie` header value, checked when made; `Display` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    max_age: Option<Duration>,
    same_site: SameSite,
    secure: bool,
}

impl SetCookie {
    /// A cookie for the whole site (`Path=/`), `HttpOnly`, `SameSite=Lax`,
    /// kept until the browser closes; the methods below change that.
    ///
    /// # Errors
    /// [`CookieError`] if the name is not a token or the value holds a
    /// byte that is not a cookie-octet.
    pub fn new(name: &str, value: &str) -> Result<SetCookie, CookieError> {
        if !valid_name(name) {
            return Err(CookieError::BadName(name.to_string()));
        }
        if !value.bytes().all(is_cookie_octet) {
            return Err(CookieError::BadValue(value.to_string()));
        }
        Ok(SetCookie {
            name: name.to_string(),
            value: value.to_string(),
            max_age: None,
            same_site: SameSite::Lax,
            secure: false,
        })
    }

    /// Asks the browser to forget the cookie: an empty value, `Max-Age=0`.
    pub fn removal(name: &str) -> Result<SetCookie, CookieError> {
        Ok(SetCookie::new(name, "")?.with_max_age(Duration::ZERO))
    }

    /// Kept for `max_age` (whole seconds) after it is set.
    pub fn with_max_age(mut self, max_age: Duration) -> SetCookie {
        self.max_age = Some(max_age);
        self
    }

    /// Its `SameSite` attribute.
    pub fn with_same_site(mut self, same_site: SameSite) -> SetCookie {
        self.same_site = same_site;
        self
    }

    /// Adds `Secure`: sent over HTTPS only. Right behind a TLS proxy; wrong
    /// on plain `http://127.0.0.1`, where the browser would drop it.
    pub fn with_secure(mut self, secure: bool) -> SetCookie {
        self.secure = secure;
        self
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}; Path=/", self.name, self.value)?;
        if let Some(max_age) = self.max_age {
            write!(f, "; Max-Age={}", max_age.as_secs())?;
        }
        // HttpOnly always: no script of ours needs the session cookie, and
        // a script injected by an XSS hole then cannot steal it.
        f.write_str("; HttpOnly")?;
        f.write_str(match self.same_site {
            SameSite::Strict => "; SameSite=Strict",
            SameSite::Lax => "; SameSite=Lax",
        })?;
        if self.secure {
            f.write_str("; Secure")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_split_trimmed_and_unquoted() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a=1", &[("a", "1")]),
            ("a=1; b=2", &[("a", "1"), ("b", "2")]),
            ("a=1;b=2", &[("a", "1"), ("b", "2")]),
            ("  a=1 ;\tb=2  ", &[("a", "1"), ("b", "2")]),
            ("a=\"quoted\"", &[("a", "quoted")]),
            ("a=x=y", &[("a", "x=y")]),
            ("a=", &[("a", "")]),
            ("", &[]),
            (";;", &[]),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_cookie_header(header), *expected, "{header:?}");
        }
    }

    #[test]
    fn a_malformed_pair_is_skipped_and_the_others_kept() {
        let header = "sid=ok; no-equals; bad name=1; =novalue; q=\"open; \
                      sp=a b; comma=a,b; back=a\\b; utf=é; good=2";
        assert_eq!(parse_cookie_header(header), [("sid", "ok"), ("good", "2")]);
    }

    #[test]
    fn find_cookie_takes_the_first_with_that_exact_name() {
        let header = "SID=upper; sid=first; sid=second";
        assert_eq!(find_cookie(header, "sid"), Some("first"));
        assert_eq!(find_cookie(header, "SID"), Some("upper"));
        assert_eq!(find_cookie(header, "nope"), None);
    }

    #[test]
    fn set_cookie_writes_the_safe_attributes() {
        let cookie = SetCookie::new("sid", "abc.123")
            .unwrap()
            .with_max_age(Duration::from_secs(3600));
        assert_eq!(
            cookie.to_string(),
            "sid=abc.123; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"
        );
        let strict = cookie.with_same_site(SameSite::Strict).with_secure(true);
        assert_eq!(
            strict.to_string(),
            "sid=abc.123; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure"
        );
        assert_eq!(
            SetCookie::removal("sid").unwrap().to_string(),
            "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn a_name_or_value_that_would_break_the_header_is_refused() {
        for name in ["", "a b", "a;b", "a=b", "é", "a\r\nSet-Cookie: x"] {
            assert_eq!(
                SetCookie::new(name, "v"),
                Err(CookieError::BadName(name.to_string()))
            );
        }
        for value in [
            "a b",
            "x; Domain=evil.example",
            "a,b",
            "\"q\"",
            "a\\b",
            "é",
            "a\nb",
        ] {
            assert_eq!(
                SetCookie::new("n", value),
                Err(CookieError::BadValue(value.to_string()))
            );
        }
    }
}
