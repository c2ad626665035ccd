//! Reference solution for exercise 15: a middleware chain.

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
    /// The chain `layers`, ending in `handler`.
    pub fn new(layers: &'a [Middleware], handler: &'a Handler) -> Next<'a> {
        Next { layers, handler }
    }

    /// Runs the rest of the chain on `req` and returns its answer.
    pub fn run(self, req: &mut Request) -> Response {
        match self.layers.split_first() {
            // The key line: the layer gets a `Next` of the layers *after* it,
            // so calling `next.run` inside the layer moves one step along.
            Some((layer, rest)) => layer(req, Next::new(rest, self.handler)),
            None => (self.handler)(req),
        }
    }
}

/// A handler wrapped in layers.
pub struct App {
    layers: Vec<Middleware>,
    handler: Handler,
}

impl App {
    /// An app whose every request `handler` answers.
    pub fn new(handler: impl Fn(&Request) -> Response + 'static) -> App {
        App {
            layers: Vec::new(),
            handler: Box::new(handler),
        }
    }

    /// The same app with one more layer, inside the ones added before.
    pub fn wrap(mut self, layer: Middleware) -> App {
        self.layers.push(layer);
        self
    }

    /// Answers `req` through every layer, then the handler.
    pub fn respond(&self, mut req: Request) -> Response {
        Next::new(&self.layers, &self.handler).run(&mut req)
    }
}

/// A layer that adds the header `name: value` to every response.
pub fn add_header(name: &'static str, value: &'static str) -> Middleware {
    Box::new(move |req: &mut Request, next: Next<'_>| {
        let mut response = next.run(req);
        response.headers.push((name.to_string(), value.to_string()));
        response
    })
}

/// A layer that answers `401` with the body `"missing {name}\n"` to a
/// request without the header `name`, and lets any other request through.
pub fn require_header(name: &'static str) -> Middleware {
    Box::new(move |req: &mut Request, next: Next<'_>| {
        if req.header(name).is_none() {
            // Not calling `next` is the short-circuit: nothing after us runs.
            return Response {
                status: 401,
                headers: Vec::new(),
                body: format!("missing {name}\n"),
            };
        }
        next.run(req)
    })
}
