//! Compiled templates: pages from templates that [askama] turned into Rust
//! code when the app was built, for the routes where rendering time counts.
//!
//! [`Response::render`] runs minijinja, an interpreter: the template is
//! parsed once, then each render walks it, looks every `{{ a.b }}` up by
//! name in values converted from the context by serde, and writes the
//! page. That is what makes it convenient (templates re-read in debug, any
//! `Serialize` value as the context) and what makes it cost: a page of 13
//! table rows takes about 5 µs, most of a fast handler's time. askama reads
//! the same Jinja-like file at compile time and writes a function that
//! pushes the fixed text and the escaped fields straight into a `String`:
//! the page and its rows in 1.2 µs against minijinja's 5.6 (the benches'
//! `render_page`), and a misspelt field is a compile error, not a blank.
//!
//! The price: the page changes only when the app is rebuilt, and the
//! context is one struct per template. So minijinja stays the default, and
//! [`Response::page`] is the fast path a route opts into (final/docs/templates.md,
//! "Compiled templates").

use crate::http::response::Response;
use crate::http::status::Status;

impl Response {
    /// 200 with `page`, a template compiled by askama's
    /// `#[derive(Template)]`, rendered straight into the body, as
    /// `text/html; charset=utf-8`.
    ///
    /// askama escapes the fields of a template whose file ends in `.html`,
    /// `.htm`, `.xml` or `.svg` (what [`Response::render`] escapes too);
    /// give `page` such a template, since the answer is sent as HTML. The
    /// askama httprs uses is re-exported as `httprs::askama`, so the app
    /// needs no dependency of its own: name it in `askama = httprs::askama`.
    ///
    /// A render that fails (a filter of the app's returning an error) is
    /// logged and answered with a 500.
    ///
    /// # Examples
    /// ```
    /// use httprs::askama::Template;
    /// use httprs::{App, Request, Response};
    ///
    /// #[derive(Template)]
    /// // `path = "hello.html"` reads templates/hello.html at build time.
    /// #[template(ext = "html", source = "<h1>Hello {{ name }}!</h1>", askama = httprs::askama)]
    /// struct Hello<'a> {
    ///     name: &'a str,
    /// }
    ///
    /// let app = App::new().get("/hello/{name}", |req: &Request| {
    ///     Response::page(&Hello { name: req.param("name").unwrap_or("world") })
    /// });
    /// let res = app.handle(Request::new("GET", "/hello/%3Cyou%3E"));
    /// assert_eq!(res.body_text(), "<h1>Hello &#60;you&#62;!</h1>");
    /// assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    /// ```
    pub fn page(page: &impl askama::Template) -> Response {
        match page.render() {
            // `render` reserves the template's size hint up front: one
            // allocation for most pages, and the `String` becomes the body
            // without a copy.
            Ok(html) => Response::html(html),
            Err(err) => {
                log::error!("compiled template error: {err}");
                Response::error(Status::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use askama::Template;

    use super::*;

    #[derive(Template)]
    #[template(
        ext = "html",
        source = "<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>"
    )]
    struct List<'a> {
        items: &'a [&'a str],
    }

    #[test]
    fn a_page_is_html_with_every_field_escaped() {
        let res = Response::page(&List {
            items: &["<script>alert(1)</script>", "Tom & Jerry", "\"quoted\""],
        });
        assert_eq!(res.status(), Status::OK);
        assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(
            res.body_text(),
            "<ul><li>&#60;script&#62;alert(1)&#60;/script&#62;</li>\
             <li>Tom &#38; Jerry</li><li>&#34;quoted&#34;</li></ul>"
        );
    }

    /// A value whose `Display` fails, as a broken filter or field would.
    struct Broken;

    impl fmt::Display for Broken {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(ext = "html", source = "<p>{{ broken }}</p>")]
    struct Failing {
        broken: Broken,
    }

    #[test]
    fn a_render_that_fails_is_a_500_with_no_half_page() {
        let res = Response::page(&Failing { broken: Broken });
        assert_eq!(res.status(), Status::INTERNAL_SERVER_ERROR);
        assert!(!res.body_text().contains("<p>"), "{}", res.body_text());
    }
}
