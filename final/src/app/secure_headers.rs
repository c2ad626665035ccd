//! Secure default headers: what every HTML page tells the browser not to do.
//! Which fields, and what each stops: `final/docs/secure-headers.md` (in the
//! documentation of [`App::secure_headers`](crate::App::secure_headers)).

use crate::http::response::Response;

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
