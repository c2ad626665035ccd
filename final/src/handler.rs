//! Handlers: what turns a request into a response.
//!
//! Step 05 routed to plain functions. A framework wants two shapes, as the
//! seed framework had: a type with a `handle` method (which can hold state,
//! such as a template or a database pool) and a closure for one-liners. One
//! trait covers both, because every `Fn(&Request) -> Response` closure *is*
//! a handler through the blanket impl below.
//!
//! `Send + Sync + 'static`: one handler value serves every request, from
//! whichever thread runs it (an event loop or a worker), at the same time.

use crate::request::Request;
use crate::response::Response;

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

impl<F> Handler for F
where
    F: Fn(&Request) -> Response + Send + Sync + 'static,
{
    fn handle(&self, req: &Request) -> Response {
        self(req)
    }
}
