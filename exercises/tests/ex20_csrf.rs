//! Exercise 20: the CSRF decision.
//! Run with `cargo run -p exercises -- check ex20_csrf`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex20_csrf.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex20_csrf.rs")]
#[allow(dead_code)]
mod ex20_csrf;

use ex20_csrf::{Refusal, Request, decide, is_unsafe, same_origin};

const TOKEN: &str = "9c1e77d0";
const HOST: &str = "127.0.0.1:7878";

/// A form post from our own page: the right token, our host.
fn form<'a>() -> Request<'a> {
    Request {
        method: "POST",
        host: Some(HOST),
        sent_token: Some(TOKEN),
        session_token: Some(TOKEN),
        ..Request::default()
    }
}

#[test]
fn only_get_head_options_and_trace_are_safe() {
    for method in ["GET", "HEAD", "OPTIONS", "TRACE"] {
        assert!(!is_unsafe(method), "{method}");
    }
    for method in ["POST", "PUT", "PATCH", "DELETE", "PURGE", "get"] {
        assert!(is_unsafe(method), "{method}");
    }
}

#[test]
fn same_origin_compares_host_and_port_ignoring_the_scheme_and_case() {
    let cases = [
        ("http://127.0.0.1:7878", Some(HOST), true),
        ("https://127.0.0.1:7878", Some(HOST), true),
        ("http://Example.COM", Some("example.com"), true),
        ("http://127.0.0.1:7879", Some(HOST), false),
        ("http://127.0.0.1", Some(HOST), false),
        ("http://evil.example", Some(HOST), false),
        ("null", Some(HOST), false),
        ("ftp://127.0.0.1:7878", Some(HOST), false),
        ("http://127.0.0.1:7878", None, false),
    ];
    for (origin, host, expected) in cases {
        assert_eq!(
            same_origin(origin, host),
            expected,
            "{origin:?} vs {host:?}"
        );
    }
}

#[test]
fn safe_methods_pass_with_nothing_at_all() {
    for method in ["GET", "HEAD"] {
        let req = Request {
            method,
            sec_fetch_site: Some("cross-site"),
            origin: Some("http://evil.example"),
            ..Request::default()
        };
        assert_eq!(decide(&req), Ok(()), "{method}");
    }
}

#[test]
fn a_form_with_the_sessions_token_passes_and_without_it_does_not() {
    assert_eq!(decide(&form()), Ok(()));
    let cases = [
        (None, Some(TOKEN), Refusal::MissingToken),
        (Some(TOKEN), None, Refusal::MissingToken),
        (None, None, Refusal::MissingToken),
        (Some("9c1e77d1"), Some(TOKEN), Refusal::WrongToken),
        (Some("9c1e77d"), Some(TOKEN), Refusal::WrongToken),
        (Some(""), Some(TOKEN), Refusal::WrongToken),
    ];
    for (sent, session, refusal) in cases {
        let req = Request {
            sent_token: sent,
            session_token: session,
            ..form()
        };
        assert_eq!(decide(&req), Err(refusal), "{sent:?} / {session:?}");
    }
    for method in ["PUT", "DELETE"] {
        let no_token = Request {
            method,
            sent_token: None,
            ..form()
        };
        assert_eq!(decide(&no_token), Err(Refusal::MissingToken), "{method}");
    }
}

#[test]
fn another_site_is_refused_even_with_the_right_token() {
    let cases = [
        (Some("http://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
        (None, Some(" Cross-Site")),
        (Some("http://127.0.0.1:7878"), Some("cross-site")),
    ];
    for (origin, site) in cases {
        let req = Request {
            origin,
            sec_fetch_site: site,
            ..form()
        };
        assert_eq!(decide(&req), Err(Refusal::CrossSite), "{origin:?} {site:?}");
    }
    // Our own origin, or the browser saying so, is fine.
    for (origin, site) in [
        (Some("http://127.0.0.1:7878"), None),
        (None, Some("same-origin")),
        (None, Some("none")),
    ] {
        let req = Request {
            origin,
            sec_fetch_site: site,
            ..form()
        };
        assert_eq!(decide(&req), Ok(()), "{origin:?} {site:?}");
    }
}

#[test]
fn where_it_comes_from_is_checked_before_the_token() {
    let req = Request {
        origin: Some("http://evil.example"),
        sent_token: None,
        ..form()
    };
    assert_eq!(decide(&req), Err(Refusal::CrossSite));
}
