//! Cookies: reading `Cookie` from a request, writing `Set-Cookie` on a response.
//!
//! A browser sends every cookie it holds for a site in one header,
//! `Cookie: session=abc; theme=dark`, and the server sets them one per
//! `Set-Cookie` field, each with its attributes. Reading needs no copy (the
//! value is a slice of the header); writing is a small builder, because the
//! attributes (`Path`, `Max-Age`, `HttpOnly`, `Secure`, `SameSite`) are where
//! a web application's security lives and deserve names, not a format string.

use std::fmt;

/// Finds cookie `name` in a `Cookie` header value such as `a=1; b=2`.
pub(crate) fn find<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (n, v) = pair.trim().split_once('=')?;
        // A value may be wrapped in double quotes (RFC 6265 §4.1.1).
        (n == name).then(|| v.trim_matches('"'))
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

/// A cookie to set with [`crate::Response::with_cookie`].
///
/// # Examples
/// ```
/// use httprs::{Cookie, SameSite};
/// let c = Cookie::new("session", "abc").path("/").http_only().same_site(SameSite::Lax);
/// assert_eq!(c.to_string(), "session=abc; Path=/; HttpOnly; SameSite=Lax");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    path: Option<String>,
    max_age: Option<i64>,
    http_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
}

impl Cookie {
    /// A session cookie (gone when the browser closes) with no attributes.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Cookie {
        Cookie {
            name: name.into(),
            value: value.into(),
            path: None,
            max_age: None,
            http_only: false,
            secure: false,
            same_site: None,
        }
    }

    /// Sends the cookie only for paths under `path`.
    pub fn path(mut self, path: impl Into<String>) -> Cookie {
        self.path = Some(path.into());
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
}

impl fmt::Display for Cookie {
    /// The `Set-Cookie` field value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(path) = &self.path {
            write!(f, "; Path={path}")?;
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
    fn cookies_are_found_by_exact_name() {
        let header = "a=1; ab=2;  c=\"3\"";
        assert_eq!(find(header, "a"), Some("1"));
        assert_eq!(find(header, "ab"), Some("2"));
        assert_eq!(find(header, "c"), Some("3"));
        assert_eq!(find(header, "b"), None);
    }

    #[test]
    fn every_attribute_is_written() {
        let c = Cookie::new("s", "v")
            .max_age(0)
            .secure()
            .same_site(SameSite::None);
        assert_eq!(c.to_string(), "s=v; Max-Age=0; Secure; SameSite=None");
    }
}
