//! Cookies: reading `Cookie` from a request, writing `Set-Cookie` on a response.
//!
//! A browser sends every cookie it holds for a site in one header,
//! `Cookie: session=abc; theme=dark`, and the server sets them one per
//! `Set-Cookie` field, each with its attributes. Reading needs no copy (the
//! value is a slice of the header); writing is a small builder, because the
//! attributes (`Path`, `Domain`, `Expires`, `Max-Age`, `HttpOnly`, `Secure`,
//! `SameSite`) are where a web application's security lives and deserve
//! names, not a format string.
//!
//! The builder checks what it is given against RFC 6265 §4.1.1, because a
//! `Set-Cookie` line is a small language: a value holding `; Domain=evil`
//! would write an attribute of the caller's choosing, and one holding CR LF
//! a header of its own. So a name must be a token, a value cookie-octets
//! (no space, `"`, `,`, `;` or `\`, no control character; optionally in one
//! pair of double quotes), and a path or domain nothing that ends the
//! attribute. What fails is refused with a [`CookieError`], never written.
//! A value that must hold such characters is the caller's to encode (hex,
//! base64url, percent-encoding) and to decode on reading.
//!
//! Reading takes the first cookie of a name: a browser sends the one with
//! the longest path first (RFC 6265 §5.4), the most specific for the page.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::http::headers::is_tchar;

/// Finds cookie `name` in a `Cookie` header value such as `a=1; b=2`: the
/// first of that name, without one pair of surrounding double quotes.
pub(crate) fn find<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (n, v) = pair.trim().split_once('=')?;
        (n.trim() == name).then(|| {
            let v = v.trim();
            // A value may be wrapped in double quotes (RFC 6265 §4.1.1).
            v.strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(v)
        })
    })
}

/// When a browser sends a cookie along with requests from other sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Only with requests from this site.
    Strict,
    /// Also with top-level navigation from other sites (the browsers' default).
    Lax,
    /// Always (requires `Secure`).
    None,
}

/// Why a cookie was not made: which part, and the text refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The name is empty or not an RFC 9110 token (`=`, `;`, spaces...).
    Name(String),
    /// The value holds a character a cookie value may not (`;`, `,`, a
    /// space, `"` or `\` inside, a control character, non-ASCII).
    Value(String),
    /// The path is not absolute, or holds `;` or a control character.
    Path(String),
    /// The domain is not a host name (letters, digits, `-` and `.`).
    Domain(String),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::Name(name) => write!(f, "invalid cookie name {name:?}: not a token"),
            CookieError::Value(value) => write!(
                f,
                "invalid cookie value {value:?}: it may not hold spaces, quotes, commas, \
                 semicolons, backslashes or control characters (encode it first)"
            ),
            CookieError::Path(path) => write!(
                f,
                "invalid cookie path {path:?}: it must start with / and hold no ; or control characters"
            ),
            CookieError::Domain(domain) => {
                write!(f, "invalid cookie domain {domain:?}: not a host name")
            }
        }
    }
}

impl std::error::Error for CookieError {}

/// A cookie to set with [`crate::Response::with_cookie`].
///
/// # Examples
/// ```
/// use httprs::{Cookie, SameSite};
/// let c = Cookie::new("session", "abc")?.path("/")?.http_only().same_site(SameSite::Lax);
/// assert_eq!(c.to_string(), "session=abc; Path=/; HttpOnly; SameSite=Lax");
/// // A value that would add an attribute is refused, not written.
/// assert!(Cookie::new("theme", "dark; Domain=evil.example").is_err());
/// # Ok::<(), httprs::CookieError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    path: Option<String>,
    domain: Option<String>,
    expires: Option<SystemTime>,
    max_age: Option<i64>,
    http_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
}

impl Cookie {
    /// A session cookie (gone when the browser closes) with no attributes.
    ///
    /// # Errors
    /// [`CookieError::Name`] or [`CookieError::Value`] for text a
    /// `Set-Cookie` line cannot carry as it is.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Result<Cookie, CookieError> {
        let (name, value) = (name.into(), value.into());
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(CookieError::Name(name));
        }
        // One pair of quotes around the octets is allowed, and kept.
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(&value);
        if !inner.bytes().all(is_cookie_octet) {
            return Err(CookieError::Value(value));
        }
        Ok(Cookie {
            name,
            value,
            path: None,
            domain: None,
            expires: None,
            max_age: None,
            http_only: false,
            secure: false,
            same_site: None,
        })
    }

    /// Sends the cookie only for paths under `path` (`/`: the whole site).
    ///
    /// # Errors
    /// [`CookieError::Path`] unless it starts with `/` and holds no `;` or
    /// control character.
    pub fn path(mut self, path: impl Into<String>) -> Result<Cookie, CookieError> {
        let path = path.into();
        if !path.starts_with('/') || !path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';') {
            return Err(CookieError::Path(path));
        }
        self.path = Some(path);
        Ok(self)
    }

    /// Sends the cookie to `domain` and its subdomains too (without it, to
    /// the host that set it only).
    ///
    /// # Errors
    /// [`CookieError::Domain`] unless it is a host name: labels of letters,
    /// digits and `-`, separated by dots (a leading dot is allowed, and
    /// ignored by browsers).
    pub fn domain(mut self, domain: impl Into<String>) -> Result<Cookie, CookieError> {
        let domain = domain.into();
        let host = domain.strip_prefix('.').unwrap_or(&domain);
        let ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            return Err(CookieError::Domain(domain));
        }
        self.domain = Some(domain);
        Ok(self)
    }

    /// Keeps the cookie until `when` (an `Expires` date). Browsers prefer
    /// `Max-Age` when both are set; old ones know only `Expires`. An HTTP
    /// date cannot say a time before 1970 or after the year 9999, so `when`
    /// is held to that range (the date writer would panic past it).
    pub fn expires(mut self, when: SystemTime) -> Cookie {
        // 9999-12-31 23:59:59 UTC, the last second an HTTP date can say.
        let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
        self.expires = Some(when.clamp(UNIX_EPOCH, last));
        self
    }

    /// Keeps the cookie `seconds` seconds; 0 deletes it.
    pub fn max_age(mut self, seconds: i64) -> Cookie {
        self.max_age = Some(seconds);
        self
    }

    /// Hides the cookie from JavaScript.
    pub fn http_only(mut self) -> Cookie {
        self.http_only = true;
        self
    }

    /// Sends the cookie over HTTPS only.
    pub fn secure(mut self) -> Cookie {
        self.secure = true;
        self
    }

    /// Sets the `SameSite` attribute.
    pub fn same_site(mut self, same_site: SameSite) -> Cookie {
        self.same_site = Some(same_site);
        self
    }

    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie's value, as it will be sent.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// RFC 6265 `cookie-octet`: printable ASCII but space, `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

impl fmt::Display for Cookie {
    /// The `Set-Cookie` field value. Every part was checked when it was
    /// set, so nothing written here can end an attribute early.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(path) = &self.path {
            write!(f, "; Path={path}")?;
        }
        if let Some(domain) = &self.domain {
            write!(f, "; Domain={domain}")?;
        }
        if let Some(when) = self.expires {
            write!(f, "; Expires={}", httpdate::fmt_http_date(when))?;
        }
        if let Some(age) = self.max_age {
            write!(f, "; Max-Age={age}")?;
        }
        if self.http_only {
            write!(f, "; HttpOnly")?;
        }
        if self.secure {
            write!(f, "; Secure")?;
        }
        if let Some(s) = self.same_site {
            write!(f, "; SameSite={s:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_outside_what_an_http_date_can_say_is_held_to_its_range() {
        let before = Cookie::new("a", "b")
            .unwrap()
            .expires(UNIX_EPOCH - Duration::from_secs(1))
            .to_string();
        assert!(
            before.contains("Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            "{before}"
        );
        let after = Cookie::new("a", "b")
            .unwrap()
            .expires(UNIX_EPOCH + Duration::from_secs(400_000_000_000))
            .to_string();
        assert!(
            after.contains("Expires=Fri, 31 Dec 9999 23:59:59 GMT"),
            "{after}"
        );
    }

    #[test]
    fn cookies_are_found_by_exact_name_and_the_first_wins() {
        let header = "a=1; ab=2;  c=\"3\"; a=shadowed; d=\"\"q\"";
        assert_eq!(find(header, "a"), Some("1"));
        assert_eq!(find(header, "ab"), Some("2"));
        assert_eq!(find(header, "c"), Some("3"));
        assert_eq!(find(header, "b"), None);
        assert_eq!(find(header, "A"), None, "names are case-sensitive");
        assert_eq!(find(header, "d"), Some("\"q"), "one pair of quotes only");
    }

    #[test]
    fn every_attribute_is_written() {
        let c = Cookie::new("s", "v")
            .unwrap()
            .domain("example.com")
            .unwrap()
            .expires(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .max_age(0)
            .secure()
            .same_site(SameSite::None);
        assert_eq!(
            c.to_string(),
            "s=v; Domain=example.com; Expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Secure; SameSite=None"
        );
    }

    #[test]
    fn text_that_would_end_an_attribute_is_refused() {
        for value in [
            "a;b",
            "a b",
            "a,b",
            "a\\b",
            "a\"b",
            "a\r\nX: y",
            "é",
            "\"a;b\"",
        ] {
            assert_eq!(
                Cookie::new("n", value),
                Err(CookieError::Value(value.to_string())),
                "{value:?}"
            );
        }
        for name in ["", "a b", "a=b", "a;b", "a\t", "(a)"] {
            assert!(
                matches!(Cookie::new(name, "v"), Err(CookieError::Name(_))),
                "{name:?}"
            );
        }
        for ok in [
            "",
            "\"\"",
            "\"quoted\"",
            "abc-._~!#$%&'()*+/:<=>?@[]^`{|}",
            "a=b",
        ] {
            assert!(Cookie::new("n", ok).is_ok(), "{ok:?}");
        }
        let c = || Cookie::new("n", "v").unwrap();
        for path in ["", "relative", "/a;Domain=x", "/a\nb"] {
            assert!(
                matches!(c().path(path), Err(CookieError::Path(_))),
                "{path:?}"
            );
        }
        for domain in ["", ".", "a..b", "-a.com", "a.com;x", "a com", "a_b.com"] {
            assert!(
                matches!(c().domain(domain), Err(CookieError::Domain(_))),
                "{domain:?}"
            );
        }
        assert!(c().domain(".example.com").is_ok());
        assert!(c().path("/a b").is_ok(), "a space is allowed in a path");
        let err = Cookie::new("theme", "x; Domain=evil")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid cookie value"), "{err}");
    }
}
