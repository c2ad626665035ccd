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
//!
//! ## 中文说明
//!
//! ### 练习 15：中间件链
//!
//! `TUTORIAL.zh-CN.md` 第 8 章用*中间件*（middleware）把应用包裹起来：
//! 中间件是围绕每个处理函数（handler）运行的代码。一个中间件拿到请求和
//! `next`（链条的其余部分）。它可以修改请求；可以不调用 `next`，自己直接作答（即*短路*，
//! short-circuit：对没有密钥的请求返回 401）；也可以调用 `next.run(req)`，
//! 再在响应返回的路上修改它（见上面的示意）。
//!
//! 托管你这个留言板的人想要两层：一层给每个响应加上一个响应头，另一层拒绝任何没有 `X-Key`
//! 请求头的请求。实现这条链和这两层：
//!
//! - [`Next::run`]：运行 `self.layers` 的第一层，交给它一个持有其后各层的 `Next`；
//!   没有剩下的层时，调用处理函数。
//! - [`App::respond`]：对一个请求运行整条链。
//! - [`add_header`]：一个给每个响应加上一个响应头的层。
//! - [`require_header`]：一个层，当请求没有名为 `name` 的请求头时，回答 `401`（响应体为
//!   `"missing {name}\n"`），而不运行链条的其余部分；否则放行这个请求。
//!
//! 各层按加入的顺序运行：最先加入的层最先看到请求，最后看到响应。
//! 测试（`tests/ex15_middleware.rs`）检查：顺序、短路、修改请求的层，
//! 以及一条完全没有层的链。
//!
//! 用 `cargo run -p exercises -- check ex15_middleware` 检查。

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
