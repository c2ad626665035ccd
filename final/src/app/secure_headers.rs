//! Secure default headers: what every HTML page tells the browser not to do.
//!
//! A browser runs whatever it is given, however it is framed and whoever
//! linked to it. Three response fields narrow that, at no cost to a page
//! that does not need the freedom:
//!
//! | field | value | what it stops |
//! |---|---|---|
//! | `X-Content-Type-Options` | `nosniff` | a browser guessing that text is a script or a page |
//! | `X-Frame-Options` | `DENY` | another site showing the page in a frame, under its own buttons (clickjacking) |
//! | `Content-Security-Policy` | `frame-ancestors 'none'` | the same, in the field that replaced `X-Frame-Options` |
//! | `Referrer-Policy` | `strict-origin-when-cross-origin` | full URLs (with their queries) leaking to other sites |
//!
//! Every [`crate::App`] adds them to each response whose `Content-Type` is
//! `text/html`, after the handler and the middleware: a field the response
//! already has is left alone, so a handler that sets its own
//! `Content-Security-Policy` (or `X-Frame-Options: SAMEORIGIN`) keeps it.
//! [`crate::App::secure_headers`] turns them off, for an app that sets its
//! own in a proxy.

use crate::response::Response;

/// The fields, and their values.
const FIELDS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
];

/// Adds each of [`FIELDS`] that `res` lacks, if `res` is an HTML page.
pub(crate) fn apply(mut res: Response) -> Response {
    let is_html = res.header("content-type").is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"))
    });
    if !is_html {
        return res;
    }
    for (name, value) in FIELDS {
        if !res.headers().contains(name) {
            res.headers_mut().set(*name, *value);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_gets_the_fields_a_handler_did_not_set_and_text_gets_none() {
        let res = apply(Response::html("<p>hi</p>").with_header("X-Frame-Options", "SAMEORIGIN"));
        assert_eq!(res.header("x-frame-options"), Some("SAMEORIGIN"));
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            res.header("content-security-policy"),
            Some("frame-ancestors 'none'")
        );
        assert_eq!(
            res.header("referrer-policy"),
            Some("strict-origin-when-cross-origin")
        );
        let text = apply(Response::text("hi"));
        assert!(text.header("x-frame-options").is_none());
    }
}
