//! CSRF: a form another site makes the browser post is refused.
//!
//! A browser sends a site's cookies with every request to that site,
//! whichever page made the request. So a page on `evil.example` holding
//! `<form method=post action="http://127.0.0.1:7878/entries/7/delete">`
//! and a line of script would delete entry 7 with the admin's session, if
//! the admin opened that page while logged in. That is **cross-site request
//! forgery** (CSRF).
//!
//! Two defences, both here, for every *unsafe* method (one that changes
//! something: `POST`, `PUT`, `PATCH`, `DELETE`; `GET` and `HEAD` must never
//! change anything, so they need none):
//!
//! 1. **Where it comes from.** Browsers name the page that made a request:
//!    `Sec-Fetch-Site: cross-site`, and `Origin: http://evil.example`. A
//!    request is *same-origin* when its `Origin` has the scheme, host and
//!    port of the site itself (we compare the host and port with `Host`);
//!    one from another origin is refused outright.
//! 2. **A token.** Each session holds a random token; every form carries it
//!    in a hidden field (`csrf_token`), a script in an `X-CSRF-Token`
//!    header. Another site cannot read our pages, so it cannot know the
//!    token. A request without it, or with another one, is refused.
//!
//! The decision is a pure function of a few strings, so it is tested
//! without a server; the app gives it the request's parts.

use subtle::ConstantTimeEq;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";

/// The header that carries the token for scripts.
pub const HEADER: &str = "X-CSRF-Token";

/// Why a request was refused; the 403 page says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Sec-Fetch-Site: cross-site`, or an `Origin` that is not this site.
    CrossSite,
    /// No token was sent, or the request has no session to compare with.
    MissingToken,
    /// A token was sent, but not this session's.
    WrongToken,
}

impl Refusal {
    /// The reason, for the 403 page and the log.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::CrossSite => "it was sent from another site",
            Refusal::MissingToken => "it did not carry this site's form token",
            Refusal::WrongToken => "its form token is not the one this site gave",
        }
    }
}

/// What the decision looks at, taken from the request and its session.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsrfCheck<'a> {
    /// The request's method.
    pub method: &'a str,
    /// Its `Host` header.
    pub host: Option<&'a str>,
    /// Its `Origin` header.
    pub origin: Option<&'a str>,
    /// Its `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The token it carried (the header, else the form field).
    pub sent_token: Option<&'a str>,
    /// The token of its session, if it has one.
    pub session_token: Option<&'a str>,
}

/// Whether `method` may change something, and so needs the checks.
pub fn is_unsafe(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// `Ok` if the request may reach its handler, else why not.
///
/// # Errors
/// The [`Refusal`]: the app answers it with 403 and runs no handler.
pub fn check(req: &CsrfCheck<'_>) -> Result<(), Refusal> {
    if !is_unsafe(req.method) {
        return Ok(());
    }
    if req
        .sec_fetch_site
        .is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site"))
    {
        return Err(Refusal::CrossSite);
    }
    if let Some(origin) = req.origin {
        if !same_origin(origin, req.host) {
            return Err(Refusal::CrossSite);
        }
    }
    let (Some(sent), Some(expected)) = (req.sent_token, req.session_token) else {
        return Err(Refusal::MissingToken);
    };
    // Constant time, like the cookie's tag: the time a refusal takes must
    // not say how many leading characters of a guess were right.
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(Refusal::WrongToken)
    }
}

/// Whether `Origin: scheme://host[:port]` names the `Host` the request was
/// sent to. The scheme is not compared: behind a TLS proxy the app cannot
/// know its own.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let origin = origin.trim();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
        // `Origin: null` (a sandboxed frame, a file), another scheme, or no Host.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "5f1c0e";

    fn post<'a>() -> CsrfCheck<'a> {
        CsrfCheck {
            method: "POST",
            host: Some("127.0.0.1:7878"),
            sent_token: Some(TOKEN),
            session_token: Some(TOKEN),
            ..CsrfCheck::default()
        }
    }

    #[test]
    fn safe_methods_pass_without_anything() {
        for method in ["GET", "HEAD", "OPTIONS"] {
            let req = CsrfCheck {
                method,
                sec_fetch_site: Some("cross-site"),
                ..CsrfCheck::default()
            };
            assert_eq!(check(&req), Ok(()), "{method}");
        }
    }

    #[test]
    fn every_unsafe_method_needs_the_sessions_token() {
        for method in ["POST", "PUT", "PATCH", "DELETE", "PURGE"] {
            let right = CsrfCheck { method, ..post() };
            assert_eq!(check(&right), Ok(()), "{method}");
            let missing = CsrfCheck {
                sent_token: None,
                ..right
            };
            assert_eq!(check(&missing), Err(Refusal::MissingToken), "{method}");
            let wrong = CsrfCheck {
                sent_token: Some("5f1c0f"),
                ..right
            };
            assert_eq!(check(&wrong), Err(Refusal::WrongToken), "{method}");
            let short = CsrfCheck {
                sent_token: Some("5f1c0"),
                ..right
            };
            assert_eq!(check(&short), Err(Refusal::WrongToken), "{method}");
            let no_session = CsrfCheck {
                session_token: None,
                ..right
            };
            assert_eq!(check(&no_session), Err(Refusal::MissingToken), "{method}");
        }
    }

    #[test]
    fn another_origin_is_refused_even_with_the_right_token() {
        let cases = [
            (Some("http://127.0.0.1:7878"), None, Ok(())),
            (Some("https://127.0.0.1:7878"), None, Ok(())),
            (Some("http://evil.example"), None, Err(Refusal::CrossSite)),
            (Some("http://127.0.0.1:7879"), None, Err(Refusal::CrossSite)),
            (Some("null"), None, Err(Refusal::CrossSite)),
            (None, Some("same-origin"), Ok(())),
            (None, Some("cross-site"), Err(Refusal::CrossSite)),
            (None, Some(" Cross-Site "), Err(Refusal::CrossSite)),
        ];
        for (origin, site, expected) in cases {
            let req = CsrfCheck {
                origin,
                sec_fetch_site: site,
                ..post()
            };
            assert_eq!(check(&req), expected, "{origin:?} {site:?}");
        }
        let no_host = CsrfCheck {
            host: None,
            origin: Some("http://127.0.0.1:7878"),
            ..post()
        };
        assert_eq!(check(&no_host), Err(Refusal::CrossSite));
    }
}
