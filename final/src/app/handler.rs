//! Handlers: what turns a request into a response.
//!
//! A handler comes in two shapes: a type with a `handle` method (which can
//! hold state, such as a template or a database pool) and a closure for
//! one-liners. One trait covers both, because every `Fn(&Request) -> Response`
//! closure *is* a handler through the blanket impl below.
//!
//! A closure may also return `Result<Response, E>` for any error type `E`
//! that knows its own response ([`IntoResponse`]), so a handler can use `?`:
//! a database error becomes its 404 or 409 without a `match` in every view.
//!
//! `Send + Sync + 'static`: one handler value serves every request, from
//! whichever thread runs it (an event loop or a worker), at the same time.

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

/// What a handler closure may return: a [`Response`], or a `Result` whose
/// both sides are responses of their own.
///
/// Implement it for an error type to let handlers return that error with `?`.
///
/// # Examples
/// ```
/// use httprs::{App, IntoResponse, Request, Response};
///
/// enum ApiError { NoSuchUser }
///
/// impl IntoResponse for ApiError {
///     fn into_response(self) -> Response {
///         match self {
///             ApiError::NoSuchUser => Response::error(404).with_body("no such user"),
///         }
///     }
/// }
///
/// fn find(name: &str) -> Result<String, ApiError> {
///     if name == "ada" { Ok("Ada Lovelace".into()) } else { Err(ApiError::NoSuchUser) }
/// }
///
/// let app = App::new().get("/users/{name}", |req: &Request| -> Result<Response, ApiError> {
///     Ok(Response::text(find(req.param("name").unwrap_or(""))?))
/// });
/// assert_eq!(app.handle(Request::new("GET", "/users/ada")).body_text(), "Ada Lovelace");
/// assert_eq!(app.handle(Request::new("GET", "/users/bob")).status().code(), 404);
/// ```
pub trait IntoResponse {
    /// The response to send.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(ok) => ok.into_response(),
            Err(err) => err.into_response(),
        }
    }
}
