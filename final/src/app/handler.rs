//! Handlers: what turns a request into a response.
//!
//! A handler comes in two shapes: a type with a `handle` method (which can
//! hold state, such as a template or a database pool) and a closure for
//! one-liners. One trait covers both, because every `Fn(&Request) -> Response`
//! closure *is* a handler through the blanket impl below.
//!
//! A closure may return anything that becomes a response ([`IntoResponse`]):
//! a [`Response`], a `&'static str` or a `String` (200, plain text), a
//! `(Status, T)` pair, or `Result<T, E>` for any error type `E` that knows
//! its own response, so a handler can use `?`: a database error becomes
//! its 404 or 409 without a `match` in every view.
//!
//! `Send + Sync + 'static`: one handler value serves every request, from
//! whichever thread runs it (an event loop or a worker), at the same time.

use crate::http::into_response::IntoResponse;
use crate::http::request::Request;
use crate::http::response::Response;

/// Turns a request into a response.
///
/// # Examples
/// ```
/// use httprs::{Handler, Request, Response};
///
/// struct Greeter { greeting: String }
///
/// impl Handler for Greeter {
///     fn handle(&self, req: &Request) -> Response {
///         Response::text(format!("{}, {}!", self.greeting, req.param("name").unwrap_or("world")))
///     }
/// }
///
/// let greeter = Greeter { greeting: "Hello".into() };
/// assert_eq!(greeter.handle(&Request::new("GET", "/")).body(), b"Hello, world!");
/// // A closure is a handler too.
/// let ping = |_req: &Request| Response::text("pong");
/// assert_eq!(ping.handle(&Request::new("GET", "/ping")).body(), b"pong");
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Answers one request. It may block (on a database, a file, a sleep):
    /// the server runs handlers on worker threads when they are slow.
    fn handle(&self, req: &Request) -> Response;
}

impl<F, R> Handler for F
where
    F: Fn(&Request) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn handle(&self, req: &Request) -> Response {
        self(req).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::status::Status;

    #[test]
    fn closures_returning_text_or_a_status_pair_are_handlers() {
        let req = Request::new("GET", "/");
        let hello = |_: &Request| "hello";
        assert_eq!(hello.handle(&req).body_text(), "hello");
        let owned = |req: &Request| format!("{} {}", req.method(), req.path());
        assert_eq!(owned.handle(&req).body_text(), "GET /");
        let created = |_: &Request| (Status::CREATED, "made");
        let res = created.handle(&req);
        assert_eq!(
            (res.status(), res.body_text().as_str()),
            (Status::CREATED, "made")
        );
        // A closure that returns a Response, as every handler so far does.
        let plain = |_: &Request| Response::text("as before");
        assert_eq!(plain.handle(&req).body_text(), "as before");
    }
}
