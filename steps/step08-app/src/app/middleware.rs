//! Middleware: code that runs around every handler.
//!
//! Some work belongs to no single page: logging each request, adding a
//! header to every answer, refusing a client before any page runs. A
//! middleware is a function of the request and of `next`, the rest of the
//! chain; it decides whether, and when, the rest runs:
//!
//! ```text
//!   request ──▶ access log ──▶ server header ──▶ router ──▶ handler
//!   response ◀─ access log ◀── server header ◀──────────────┘
//! ```
//!
//! Each layer can look at the request on the way in, change it, answer it
//! itself without calling `next` (a *short-circuit*: a 403 for a banned
//! address), and look at or change the response on the way out. Django
//! calls these middleware too; the shape, a function given `next`, is the
//! one `axum` and `express` use.

use super::request::Request;
use crate::response::Response;

/// Code that runs around the handlers: see the module docs.
///
/// Any closure `Fn(&mut Request, Next) -> Response` is one; a type with
/// settings of its own (the [`AccessLog`](super::AccessLog)) implements it.
///
/// ```
/// use step08::app::{App, Next, Request};
/// use step08::response::Response;
/// let app = App::new()
///     .get("/", |_: &Request| Response::text("home"))
///     // Adds a header to every answer, whatever the page.
///     .wrap(|req: &mut Request, next: Next| next.run(req).with_header("X-Powered-By", "step08"))
///     // Answers some requests itself, before any handler runs.
///     .wrap(|req: &mut Request, next: Next| {
///         if req.header("user-agent") == Some("BadBot") {
///             return Response::text("go away\n").with_status(403);
///         }
///         next.run(req)
///     });
/// let bot = app.respond(Request::new("GET", "/").with_header("User-Agent", "BadBot"));
/// assert_eq!(bot.status(), 403);
/// // The header middleware is outside the bot check, so even the 403 has it.
/// assert_eq!(bot.header("X-Powered-By"), Some("step08"));
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Answers `req`, calling `next.run(req)` for the rest of the chain if
    /// and when it wants the handler's answer.
    fn call(&self, req: &mut Request, next: Next<'_>) -> Response;
}

impl<F> Middleware for F
where
    F: Fn(&mut Request, Next<'_>) -> Response + Send + Sync + 'static,
{
    fn call(&self, req: &mut Request, next: Next<'_>) -> Response {
        self(req, next)
    }
}

/// The rest of the chain, after the middleware that holds it: the layers
/// still to run, then the router and the handler.
///
/// It is consumed by [`Next::run`], so a middleware runs the rest at most once.
pub struct Next<'a> {
    rest: &'a [Box<dyn Middleware>],
    endpoint: &'a (dyn Fn(&mut Request) -> Response + Sync),
}

impl<'a> Next<'a> {
    /// The chain `layers`, ending in `endpoint` (the router and its handler).
    pub(crate) fn new(
        layers: &'a [Box<dyn Middleware>],
        endpoint: &'a (dyn Fn(&mut Request) -> Response + Sync),
    ) -> Next<'a> {
        Next {
            rest: layers,
            endpoint,
        }
    }

    /// Runs the rest of the chain on `req` and returns its answer.
    pub fn run(self, req: &mut Request) -> Response {
        match self.rest.split_first() {
            // The next layer gets a `Next` holding the layers after it.
            Some((layer, rest)) => layer.call(req, Next::new(rest, self.endpoint)),
            None => (self.endpoint)(req),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn layers_run_in_the_order_added_on_the_way_in_and_reversed_on_the_way_out() {
        let trace = Arc::new(Mutex::new(Vec::new()));
        let layer = |name: &'static str| {
            let trace = Arc::clone(&trace);
            move |req: &mut Request, next: Next<'_>| {
                trace.lock().unwrap().push(format!("{name} in"));
                let response = next.run(req);
                trace.lock().unwrap().push(format!("{name} out"));
                response
            }
        };
        let layers: Vec<Box<dyn Middleware>> = vec![Box::new(layer("a")), Box::new(layer("b"))];
        let handler_trace = Arc::clone(&trace);
        let endpoint = move |_: &mut Request| {
            handler_trace.lock().unwrap().push("handler".to_string());
            Response::text("ok")
        };
        let response = Next::new(&layers, &endpoint).run(&mut Request::new("GET", "/"));
        assert_eq!(response.body(), b"ok");
        let expected = ["a in", "b in", "handler", "b out", "a out"];
        assert_eq!(*trace.lock().unwrap(), expected);
    }

    #[test]
    fn a_layer_that_does_not_call_next_keeps_the_handler_from_running() {
        let layers: Vec<Box<dyn Middleware>> = vec![Box::new(|_: &mut Request, _: Next<'_>| {
            Response::text("no").with_status(403)
        })];
        let endpoint = |_: &mut Request| -> Response { panic!("the handler must not run") };
        let response = Next::new(&layers, &endpoint).run(&mut Request::new("GET", "/"));
        assert_eq!(response.status(), 403);
    }
}
