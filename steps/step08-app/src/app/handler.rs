//! Handlers as types, one method per HTTP method: httppy's `RequestHandler`.
//!
//! httppy writes a page as a class, `class Index(RequestHandler)`, with a
//! `get` method, a `post` method, and so on; the URL table names the class.
//! A type groups what one URL does under each method, and can carry what
//! those methods share (a template, a database handle) in its fields.
//!
//! Rust cannot ask a value "which methods did you override?", so a handler
//! says it once, in [`RequestHandler::METHODS`]. The app registers one route
//! per listed method in step 05's table, and the table does the rest: any
//! other method gets `405 Method Not Allowed` with `Allow` naming the
//! listed ones (and `HEAD`, wherever `GET` is).

use std::any::type_name;

use super::request::Request;
use crate::response::Response;

/// A page as a type with a method per HTTP method, like httppy's
/// `RequestHandler` class.
///
/// ```
/// use step08::app::{App, Request, RequestHandler};
/// use step08::response::Response;
///
/// struct Index;
///
/// impl RequestHandler for Index {
///     const METHODS: &'static [&'static str] = &["GET"];
///     fn get(&self, _req: &Request) -> Response {
///         Response::text("Hello httprs!\n")
///     }
/// }
///
/// let app = App::new().route("/index/", Index);
/// assert_eq!(app.respond(Request::new("GET", "/index/")).body(), b"Hello httprs!\n");
/// let refused = app.respond(Request::new("POST", "/index/"));
/// assert_eq!((refused.status(), refused.header("Allow")), (405, Some("GET, HEAD")));
/// ```
pub trait RequestHandler: Send + Sync + 'static {
    /// The methods this type answers, among `GET`, `POST`, `PUT`, `PATCH`
    /// and `DELETE`: each needs its method below. Every other method gets 405.
    const METHODS: &'static [&'static str];

    /// Answers `GET` (and `HEAD`, whose body the app drops).
    fn get(&self, req: &Request) -> Response {
        unimplemented_method::<Self>(req)
    }

    /// Answers `POST`.
    fn post(&self, req: &Request) -> Response {
        unimplemented_method::<Self>(req)
    }

    /// Answers `PUT`.
    fn put(&self, req: &Request) -> Response {
        unimplemented_method::<Self>(req)
    }

    /// Answers `PATCH`.
    fn patch(&self, req: &Request) -> Response {
        unimplemented_method::<Self>(req)
    }

    /// Answers `DELETE`.
    fn delete(&self, req: &Request) -> Response {
        unimplemented_method::<Self>(req)
    }
}

/// The methods a [`RequestHandler`] can list in `METHODS`.
pub const HANDLER_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Calls the method of `handler` named by `method`, one of [`HANDLER_METHODS`].
pub(crate) fn call<H: RequestHandler>(handler: &H, method: &str, req: &Request) -> Response {
    match method {
        "GET" => handler.get(req),
        "POST" => handler.post(req),
        "PUT" => handler.put(req),
        "PATCH" => handler.patch(req),
        "DELETE" => handler.delete(req),
        // `App::route` refuses any other name when the route is added.
        other => unreachable!("{other} is not a RequestHandler method"),
    }
}

/// What a method listed in `METHODS` but not written answers: a 500 that
/// names the mistake, since it is the programmer's, not the client's.
fn unimplemented_method<H: ?Sized>(req: &Request) -> Response {
    let method = req.method();
    Response::text(format!(
        "500 Internal Server Error: {} lists {method} in METHODS but does not implement it\n",
        type_name::<H>()
    ))
    .with_status(500)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Forgetful;

    impl RequestHandler for Forgetful {
        const METHODS: &'static [&'static str] = &["GET", "POST"];
        fn get(&self, _req: &Request) -> Response {
            Response::text("got")
        }
    }

    #[test]
    fn a_listed_method_that_is_not_written_answers_500_naming_the_type() {
        let handler = Forgetful;
        assert_eq!(
            call(&handler, "GET", &Request::new("GET", "/")).body(),
            b"got"
        );
        let response = call(&handler, "POST", &Request::new("POST", "/"));
        assert_eq!(response.status(), 500);
        let text = String::from_utf8_lossy(response.body()).into_owned();
        assert!(text.contains("Forgetful lists POST in METHODS"), "{text}");
    }
}
