//! CSRF protection: a form another site makes the browser post is refused.
//!
//! A browser sends a site's cookies with every request to it, whichever
//! page made the request. So a page on `evil.example` holding
//! `<form method="post" action="https://your.site/entries/7/delete">`
//! and a line of script would delete entry 7 with *your* admin's session:
//! cross-site request forgery. `SameSite=Lax` on the session cookie
//! ([`crate::app::session`]) already keeps the cookie off such posts in
//! current browsers; this module is the defence that does not depend on
//! the browser's cookie policy, and it is on wherever sessions are.
//!
//! The rule, for every `POST`, `PUT`, `PATCH` and `DELETE` (the methods
//! that change things; `GET`, `HEAD`, `OPTIONS` must not):
//!
//! 1. **Where it comes from.** A browser says which site made a request:
//!    `Sec-Fetch-Site` (`cross-site`, `same-site`, `same-origin`, `none`),
//!    and `Origin` on every POST. `Sec-Fetch-Site: cross-site`, or an
//!    `Origin` whose host and port are not the request's `Host` (or the
//!    opaque `Origin: null` of sandboxed frames and cross-site redirects),
//!    is refused outright. Either header missing proves nothing (old
//!    browsers, scripts, curl), so then the token decides.
//! 2. **Only what another site could send unasked needs the token.** A
//!    cross-site page can send only "simple" requests without asking the
//!    server first: `GET`, `HEAD` or `POST`, and a `POST` only with a
//!    form's three content types (`application/x-www-form-urlencoded`,
//!    `multipart/form-data`, `text/plain`). Anything else (a `PUT`, a
//!    `PATCH`, a `DELETE`, a `POST` with `Content-Type: application/json`)
//!    makes the browser ask first with an `OPTIONS` preflight, and httprs
//!    never answers one with the `Access-Control-Allow-*` fields that
//!    would allow it. So such a request that reached a handler was sent by
//!    the site's own pages or by a program that is not a browser (which
//!    has no victim's cookies to abuse), and needs no token. A `POST` with
//!    any other content type, or none, needs it. (An app that answers
//!    preflights itself, to allow other origins, must then check these
//!    requests itself.)
//! 3. **The token.** Each session holds a random token
//!    ([`Session::csrf_token`]); pages put it in their forms with
//!    `{{ csrf_field() }}`, a hidden field named `csrf_token`, and scripts
//!    may send it in an `X-CSRF-Token` header instead. Another site cannot
//!    read the page, so it cannot know the token. It is compared in
//!    constant time (`subtle`), so timing does not leak it byte by byte.
//!    (A `multipart/form-data` body is not parsed by httprs: such a form
//!    must send the header.)
//!
//! A refused request gets `403 Forbidden` with a short HTML page saying
//! why; the handler never runs and the session is not saved.
//!
//! Not done: masking the token per response (Django does, against the
//! BREACH attack on compressed HTTPS pages; httprs compresses nothing).

use minijinja::Value;
use subtle::ConstantTimeEq;

use super::session::{CSRF_KEY, Session};
use crate::request::Request;
use crate::response::Response;
use crate::status::Status;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";

/// The header that carries the token for scripts.
pub const HEADER: &str = "X-CSRF-Token";

/// Why a request was refused; the 403 page says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    CrossSite,
    MissingToken,
    WrongToken,
}

/// `Ok` if `req` may reach its handler, else the 403 to answer.
pub(crate) fn check(req: &Request, session: &Session) -> Result<(), Response> {
    if !matches!(req.method(), "POST" | "PUT" | "PATCH" | "DELETE") {
        return Ok(());
    }
    refusal(req, session).map_or(Ok(()), |why| Err(forbidden(why)))
}

fn refusal(req: &Request, session: &Session) -> Option<Refusal> {
    if req
        .header("sec-fetch-site")
        .is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site"))
    {
        return Some(Refusal::CrossSite);
    }
    if let Some(origin) = req.header("origin") {
        if !same_origin(origin, req.header("host")) {
            return Some(Refusal::CrossSite);
        }
    }
    // Not something a cross-site page can send without a preflight: rule 2.
    if req.method() != "POST" {
        return None;
    }
    let media_type = req
        .header("content-type")
        .and_then(|ct| ct.split(';').next())
        .map(str::trim)
        .unwrap_or("");
    if media_type.eq_ignore_ascii_case("application/json") {
        return None;
    }
    let sent = match req.header(HEADER).map(str::to_string) {
        Some(token) => token,
        None => match req.form_value(FIELD) {
            Some(token) => token,
            None => return Some(Refusal::MissingToken),
        },
    };
    let Some(expected) = session.get::<String>(CSRF_KEY) else {
        // No token was ever given to this session: whatever was sent is wrong.
        return Some(Refusal::MissingToken);
    };
    let equal: bool = sent.as_bytes().ct_eq(expected.as_bytes()).into();
    (!equal).then_some(Refusal::WrongToken)
}

/// Whether `Origin: scheme://host[:port]` names the `Host` the request was sent to.
/// The scheme is not compared: behind a TLS proxy the app cannot know its own.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let origin = origin.trim();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
        // `null`, another scheme, or no Host to compare with.
        _ => false,
    }
}

fn forbidden(why: Refusal) -> Response {
    let reason = match why {
        Refusal::CrossSite => "it was sent from another site",
        Refusal::MissingToken => "it did not carry this site's form token",
        Refusal::WrongToken => "its form token is not the one this site gave",
    };
    log::warn!("refused a request: {reason} (CSRF)");
    Response::html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>403 Forbidden</title></head>\n<body>\n<h1>403 Forbidden</h1>\n\
         <p>This request was refused because {reason}: a protection against \
         forms posted to this site by other sites (CSRF).</p>\n\
         <p>If you sent it yourself, go back, reload the page and try again; \
         a page left open from before the server restarted, or a session that \
         expired, has an old token.</p>\n</body>\n</html>\n"
    ))
    .with_status(Status::FORBIDDEN)
}

/// The template helpers of a request with a session: `csrf_field()`,
/// the hidden input, and `csrf_token()`, the bare token (for a `<meta>`
/// a script reads). Functions, not values, so that a page that never
/// calls them makes no token and stores no session.
pub(crate) fn template_helpers(req: &Request) -> Option<Value> {
    let session = req.attached_session()?;
    let for_field = session.clone();
    Some(minijinja::context! {
        csrf_field => Value::from_function(move || {
            // The token is hex: nothing in it needs escaping.
            Value::from_safe_string(format!(
                r#"<input type="hidden" name="{FIELD}" value="{}">"#,
                for_field.csrf_token()
            ))
        }),
        csrf_token => Value::from_function(move || session.csrf_token()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)], body: &str) -> Request {
        headers
            .iter()
            .fold(Request::new("POST", "/"), |req, (n, v)| {
                req.with_header(n, v)
            })
            .with_body(body.to_string())
    }

    #[test]
    fn unsafe_methods_need_the_session_token_unless_json() {
        let session = Session::default();
        let token = session.csrf_token();
        let form = ("Content-Type", "application/x-www-form-urlencoded");
        let cases: &[(Request, Option<Refusal>)] = &[
            (Request::new("GET", "/"), None),
            (post(&[form], "a=1"), Some(Refusal::MissingToken)),
            (post(&[form], &format!("a=1&csrf_token={token}")), None),
            (post(&[form], "csrf_token=00"), Some(Refusal::WrongToken)),
            (post(&[("X-CSRF-Token", &token)], ""), None),
            (
                post(&[("Content-Type", "text/plain")], "{}"),
                Some(Refusal::MissingToken),
            ),
            (
                post(&[("Content-Type", "application/json; charset=utf-8")], "{}"),
                None,
            ),
            (
                post(
                    &[
                        ("Content-Type", "application/json"),
                        ("Sec-Fetch-Site", "cross-site"),
                    ],
                    "{}",
                ),
                Some(Refusal::CrossSite),
            ),
            (
                post(
                    &[
                        ("Host", "a.test"),
                        ("Origin", "https://b.test"),
                        ("X-CSRF-Token", &token),
                    ],
                    "",
                ),
                Some(Refusal::CrossSite),
            ),
            (
                post(&[("Host", "a.test"), ("Origin", "null")], ""),
                Some(Refusal::CrossSite),
            ),
            (Request::new("DELETE", "/e/1"), None),
            (
                Request::new("DELETE", "/e/1").with_header("Sec-Fetch-Site", "cross-site"),
                Some(Refusal::CrossSite),
            ),
            (
                post(
                    &[
                        ("Host", "a.test:7777"),
                        ("Origin", "http://a.test:7777"),
                        ("X-CSRF-Token", &token),
                    ],
                    "",
                ),
                None,
            ),
        ];
        for (i, (req, expected)) in cases.iter().enumerate() {
            let got = if req.method() == "GET" {
                None
            } else {
                refusal(req, &session)
            };
            assert_eq!(got, *expected, "case {i}");
            assert_eq!(check(req, &session).is_ok(), expected.is_none(), "case {i}");
        }
        // A session that never made a token refuses every token.
        assert_eq!(
            refusal(&post(&[("X-CSRF-Token", &token)], ""), &Session::default()),
            Some(Refusal::MissingToken)
        );
    }

    #[test]
    fn the_refusal_is_a_403_page() {
        let res = forbidden(Refusal::WrongToken);
        assert_eq!(res.status().code(), 403);
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(res.body_text().contains("form token"));
    }
}
