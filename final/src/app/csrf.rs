//! CSRF protection: a form another site makes the browser post is refused.
//! The rules, and why each, are in `final/docs/csrf.md` (in the documentation
//! of [`App::sessions`](crate::App::sessions)).

use minijinja::Value;

use crate::app::session::csrf_mask;
use crate::app::session::handle::Session;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf_token";

/// The header that carries the token for scripts.
pub(crate) const HEADER: &str = "X-CSRF-Token";

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
    // The one cross-site caller let through: an origin the app's CORS
    // rules allow for this path (`cors.rs`). The token rule still holds.
    let cors_allowed = crate::app::cors::origin_allowed(req);
    if !cors_allowed
        && req
            .header("sec-fetch-site")
            .is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site"))
    {
        return Some(Refusal::CrossSite);
    }
    if let Some(origin) = req.header("origin") {
        if !cors_allowed && !same_origin(origin, req.header("host")) {
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
        // An urlencoded form's field, or a multipart form's (an upload):
        // the connection parsed that form as it came, so this reads the
        // field it kept, never the upload again.
        None => match req.form_value(FIELD) {
            Some(token) => token,
            None => return Some(Refusal::MissingToken),
        },
    };
    // The token the browser's own cookie holds (`session/csrf_cookie.rs`).
    let Some(expected) = session.expected_csrf_token() else {
        // No token was ever given to this browser: whatever was sent is wrong.
        return Some(Refusal::MissingToken);
    };
    // Masked afresh in each page (`session/csrf_mask.rs`, BREACH): unmasked,
    // then compared in constant time.
    (!csrf_mask::matches(&sent, &expected)).then_some(Refusal::WrongToken)
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
/// the hidden input, and `csrf_token()`, the token alone (for a `<meta>`
/// a script reads). Functions, not values, so that a page that never
/// calls them makes no token and stores no session. Each call writes the
/// token under a new mask ([`Session::csrf_token`]).
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
        // As the browser's token cookie brought it.
        let token = "ab".repeat(32);
        let session = Session::loaded(None, Some(token.clone()));
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
        // A browser that never got a token refuses every token, and so does
        // one whose token was made in this very request (not yet its cookie's).
        assert_eq!(
            refusal(&post(&[("X-CSRF-Token", &token)], ""), &Session::default()),
            Some(Refusal::MissingToken)
        );
        let fresh = Session::default();
        let made_now = fresh.csrf_token();
        assert_eq!(
            refusal(&post(&[("X-CSRF-Token", &made_now)], ""), &fresh),
            Some(Refusal::MissingToken)
        );
    }

    #[test]
    fn the_token_may_come_in_a_multipart_form_field() {
        let token = "ab".repeat(32);
        let session = Session::loaded(None, Some(token.clone()));
        let upload = ("Content-Type", "multipart/form-data; boundary=b");
        let form = |field: &str| {
            format!(
                "--b\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{token}\r\n\
                 --b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--b--\r\n"
            )
        };
        assert_eq!(
            refusal(&post(&[upload], &form("csrf_token")), &session),
            None
        );
        assert_eq!(
            refusal(&post(&[upload], &form("other")), &session),
            Some(Refusal::MissingToken)
        );
        assert_eq!(
            refusal(&post(&[upload], "--b\r\ntruncated"), &session),
            Some(Refusal::MissingToken),
            "a malformed form carries no token"
        );
    }

    #[test]
    fn every_masked_form_of_the_token_is_accepted_and_a_forged_one_is_not() {
        let token = "ab".repeat(32);
        let session = Session::loaded(None, Some(token.clone()));
        let form = ("Content-Type", "application/x-www-form-urlencoded");
        let (first, second) = (session.csrf_token(), session.csrf_token());
        assert_ne!(first, second, "a new mask each time");
        assert!(!first.contains(&token), "the token itself is never shown");
        for shown in [&first, &second] {
            let field = post(&[form], &format!("a=1&csrf_token={shown}"));
            assert_eq!(refusal(&field, &session), None);
            assert_eq!(
                refusal(&post(&[("X-CSRF-Token", shown)], ""), &session),
                None
            );
        }
        let forged = Session::loaded(None, Some("cd".repeat(32))).csrf_token();
        assert_eq!(
            refusal(&post(&[form], &format!("csrf_token={forged}")), &session),
            Some(Refusal::WrongToken)
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
