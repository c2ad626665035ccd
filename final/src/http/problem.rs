//! Error responses that suit the client: RFC 9457 problem details for a
//! script, a small HTML page for a browser, a line of text for curl.
//!
//! Why a value and not a body: the error that becomes a response (a path
//! parameter that is not a number, a duplicate row) is converted with
//! `IntoResponse`, which sees the error and not the request, so it cannot
//! know who asked. It makes a [`Problem`] and rides in the response
//! ([`Response::problem`](crate::Response::problem)); the app, which has both, renders it for the
//! request just after the handler returns (`app/core.rs`), so middleware
//! sees the finished response. Who gets what:
//!
//! - `Accept` names a JSON type (`application/json`,
//!   `application/problem+json`, any `+json`) before `text/html`, or the
//!   request's own body is JSON and `Accept` does not name `text/html`:
//!   `application/problem+json`, `{"type", "title", "status", "detail"}`;
//! - `Accept` names `text/html` first (every browser's navigation): an HTML page;
//! - anything else (curl's `*/*`, no `Accept`): `text/plain`, as
//!   [`Response::error`](crate::Response::error) always answered.
//!
//! The `detail` is written for the client: what was wrong with its
//! request. Never what the server knows of itself: a database engine's
//! message goes to the log, not here.

use serde::Serialize;

use crate::http::request::Request;
use crate::http::status::Status;

/// An error response in RFC 9457's terms: a status, a short title (the
/// status's reason unless given), and a detail for this occurrence.
///
/// # Examples
/// ```
/// use httprs::{App, Problem, Request, Status};
/// let app = App::new().get("/", |_: &Request| {
///     Problem::new(Status::CONFLICT).with_detail("that name is taken")
/// });
/// let res = app.handle(Request::new("GET", "/").with_header("Accept", "application/json"));
/// assert_eq!(res.status().code(), 409);
/// assert_eq!(res.header("content-type"), Some("application/problem+json"));
/// assert_eq!(
///     res.body_text(),
///     r#"{"type":"about:blank","title":"Conflict","status":409,"detail":"that name is taken"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` means "the status says it".
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
}

/// How a problem is shown, from the request's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Html,
    Text,
}

impl Problem {
    /// A problem with this status, titled with its reason phrase.
    pub fn new(status: impl Into<Status>) -> Problem {
        let status = status.into();
        Problem {
            kind: "about:blank".to_string(),
            title: status.reason().to_string(),
            status: status.code(),
            detail: String::new(),
        }
    }

    /// Adds what was wrong this time, in words for the client.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = detail.into();
        self
    }

    /// Names the kind of problem with a URI of the app's own (the RFC's
    /// `type`), and gives it a title of its own.
    pub fn with_type(mut self, uri: impl Into<String>, title: impl Into<String>) -> Problem {
        self.kind = uri.into();
        self.title = title.into();
        self
    }

    /// The status.
    pub fn status(&self) -> Status {
        Status::from(self.status)
    }

    /// The detail, `""` if none.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The content type and the body for a client that asked in `format`.
    pub(crate) fn body(&self, format: Format) -> (&'static str, Vec<u8>) {
        let status = self.status();
        match format {
            // Only strings and a number: serializing cannot fail.
            Format::Json => (
                "application/problem+json",
                serde_json::to_vec(self).unwrap_or_default(),
            ),
            Format::Html => {
                let detail = if self.detail.is_empty() {
                    String::new()
                } else {
                    format!("<p>{}</p>\n", escape_html(&self.detail))
                };
                let page = format!(
                    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
                     <title>{status}</title></head>\n<body>\n<h1>{status}</h1>\n{detail}</body>\n</html>\n"
                );
                ("text/html; charset=utf-8", page.into_bytes())
            }
            Format::Text => {
                let text = if self.detail.is_empty() {
                    format!("{status}\n")
                } else {
                    format!("{status}\n\n{}\n", self.detail)
                };
                ("text/plain; charset=utf-8", text.into_bytes())
            }
        }
    }
}

/// Which format suits `req`; see the module docs.
pub(crate) fn format_for(req: &Request) -> Format {
    let accept = req.header("accept").unwrap_or("");
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        // `q=0` means "not this one".
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>() == Ok(0.0))
        });
        if refused {
            continue;
        }
        if is_json(&media) {
            return Format::Json;
        }
        if media == "text/html" {
            return Format::Html;
        }
    }
    let sent = req.header("content-type").unwrap_or("");
    let sent = sent
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if is_json(&sent) {
        return Format::Json;
    }
    Format::Text
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// `<`, `>`, `&` and quotes as entities: a detail may quote the request.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(headers: &[(&str, &str)]) -> Format {
        let req = headers
            .iter()
            .fold(Request::new("GET", "/"), |r, (n, v)| r.with_header(n, v));
        format_for(&req)
    }

    #[test]
    fn the_format_follows_accept_then_the_body_s_type() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let cases: &[(&[(&str, &str)], Format)] = &[
            (&[], Format::Text),
            (&[("Accept", "*/*")], Format::Text),
            (&[("Accept", browser)], Format::Html),
            (&[("Accept", "application/json")], Format::Json),
            (
                &[("Accept", "application/problem+json, text/html")],
                Format::Json,
            ),
            (&[("Accept", "text/html, application/json")], Format::Html),
            (
                &[("Accept", "application/json;q=0, text/html")],
                Format::Html,
            ),
            (
                &[("Content-Type", "application/json; charset=utf-8")],
                Format::Json,
            ),
            (
                &[
                    ("Content-Type", "application/json"),
                    ("Accept", "text/html"),
                ],
                Format::Html,
            ),
        ];
        for (headers, expected) in cases {
            assert_eq!(format(headers), *expected, "{headers:?}");
        }
    }

    #[test]
    fn each_format_carries_the_status_and_the_detail() {
        let problem = Problem::new(404).with_detail("no entry <7>");
        let (content_type, json) = problem.body(Format::Json);
        assert_eq!(content_type, "application/problem+json");
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["status"], 404);
        assert_eq!(value["title"], "Not Found");
        assert_eq!(value["detail"], "no entry <7>");
        assert_eq!(value["type"], "about:blank");
        let (content_type, html) = problem.body(Format::Html);
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(
            String::from_utf8(html)
                .unwrap()
                .contains("<p>no entry &lt;7&gt;</p>")
        );
        let (_, text) = problem.body(Format::Text);
        assert_eq!(text, b"404 Not Found\n\nno entry <7>\n");
        let (_, bare) = Problem::new(404).body(Format::Text);
        assert_eq!(bare, b"404 Not Found\n");
    }
}
