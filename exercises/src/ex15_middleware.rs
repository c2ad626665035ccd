//! # Exercise 15: a middleware chain
//!
//! Chapter 8 of `TUTORIAL.md` wraps an app in *middleware*: code that runs
//! around every handler. A middleware gets the request and `next`, the rest
//! of the chain. It can change the request, answer by itself without
//! calling `next` (a *short-circuit*: a 401 for a request without a key),
//! or call `next.run(req)` and change the response on its way out:
//!
//! ```text
//!   request ──▶ layer 0 ──▶ layer 1 ──▶ handler
//!   response ◀─ layer 0 ◀── layer 1 ◀──┘
//! ```
//!
//! Your guestbook's host wants two layers: one that adds a header to every
//! answer, and one that refuses any request without an `X-Key` header.
//! Build the chain and the two layers:
//!
//! - [`Next::run`]: run the first layer of `self.layers`, giving it a
//!   `Next` that holds the layers after it; with no layer left, call the
//!   handler.
//! - [`App::respond`]: run the whole chain on a request.
//! - [`add_header`]: a layer that adds a header to every response.
//! - [`require_header`]: a layer that answers `401` (body `"missing
//!   {name}\n"`) when the request has no header `name`, without running the
//!   rest of the chain; otherwise it lets the request through.
//!
//! Layers run in the order they were added: the first added sees the request
//! first and the response last. The tests (`tests/ex15_middleware.rs`) check
//! the order, a short-circuit, a layer that changes the request, and a chain
//! with no layers at all.
//!
//! Check it with `cargo run -p exercises -- check ex15_middleware`.

/// A request, cut down to what the layers look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The path, such as `/guestbook/`.
    pub path: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response, cut down too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

/// What answers at the end of the chain.
pub type Handler = Box<dyn Fn(&Request) -> Response>;

/// One layer: the request, and the rest of the chain.
pub type Middleware = Box<dyn Fn(&mut Request, Next<'_>) -> Response>;

/// The rest of the chain: the layers still to run, then the handler.
pub struct Next<'a> {
    layers: &'a [Middleware],
    handler: &'a Handler,
}

impl<'a> Next<'a> {
    /// The chain `layers`, ending in `handler`. Given.
    pub fn new(layers: &'a [Middleware], handler: &'a Handler) -> Next<'a> {
        Next { layers, handler }
    }

    /// Runs the rest of the chain on `req` and returns its answer.
    // TODO: remove this `allow` once you use the parameter.
    #[allow(unused_variables)]
    pub fn run(self, req: &mut Request) -> Response {
        // TODO: `self.layers.split_first()`: a first layer gets `req` and a
        // `Next::new(rest, self.handler)`; no layer left: the handler answers.
        todo!()
    }
}

/// A handler wrapped in layers.
pub struct App {
    layers: Vec<Middleware>,
    handler: Handler,
}

impl App {
    /// An app whose every request `handler` answers. Given.
    pub fn new(handler: impl Fn(&Request) -> Response + 'static) -> App {
        App {
            layers: Vec::new(),
            handler: Box::new(handler),
        }
    }

    /// The same app with one more layer, inside the ones added before. Given.
    pub fn wrap(mut self, layer: Middleware) -> App {
        self.layers.push(layer);
        self
    }

    /// Answers `req` through every layer, then the handler.
    // TODO: remove this `allow` once you use the parameter.
    #[allow(unused_variables)]
    pub fn respond(&self, req: Request) -> Response {
        // TODO: one `Next` over all the layers, run on a mutable copy of `req`.
        todo!()
    }
}

/// A layer that adds the header `name: value` to every response.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn add_header(name: &'static str, value: &'static str) -> Middleware {
    // TODO: `Box::new(move |req: &mut Request, next: Next<'_>| { ... })`:
    // run the rest, then push the header onto the response's headers.
    todo!()
}

/// A layer that answers `401` with the body `"missing {name}\n"` to a
/// request without the header `name`, and lets any other request through.
// TODO: remove this `allow` once you use the parameter.
#[allow(unused_variables)]
pub fn require_header(name: &'static str) -> Middleware {
    // TODO: the same shape; this time `next.run(req)` is only called when
    // `req.header(name)` is there.
    todo!()
}
