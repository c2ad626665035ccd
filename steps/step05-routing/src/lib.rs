//! # Step 05: routing
//!
//! Step 04 served many clients at once, but its application was still one
//! `match` on method and path. This step replaces the `match` with a table,
//! a [`router::Router`]: each route is a method, a URL pattern (a literal
//! path, a path with `{name}` parameters, or a Django-style regular
//! expression), and a [`router::Handler`] that answers. The router also
//! answers what a `match` never did: `405` with `Allow` when only the method
//! is wrong, `HEAD` wherever `GET` works, a redirect for a missing trailing slash.
//!
//! What it deliberately leaves out: middleware, templates, state shared
//! between handlers (all in `final/`), keep-alive (still one request per
//! connection), and the split into two processes (step 06).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03; [`pool`], [`shutdown`]: from step 04.
//! - [`router`]: **the layer this step teaches**: patterns, parameters,
//!   percent-decoding, query strings, 404/405/HEAD.
//!
//! [`demo_router`] is this step's application; [`handle_connection`] serves
//! one connection with any router.
#![warn(missing_docs)]

pub mod router;
pub use step04::{cli, pool, request, response, server, shutdown, testing};
// Step 04's pooled accept loop and step 03's connection handling, for the
// step built on this one (step 06's front serves with them).
pub use step04::{handle_connection_with, serve};

use std::net::TcpStream;
use std::thread;
use std::time::SystemTime;

use response::Response;
use router::{Handler, Request, Router};

/// The page at `/`: the table of demo routes, with links to try them.
pub const INDEX_PAGE: &str = include_str!("pages/index.html");

/// The demo application: the routes of the index page, with a `/sleep` that
/// really sleeps for [`step04::SLEEP`].
pub fn demo_router() -> Router {
    demo_router_with(|| thread::sleep(step04::SLEEP))
}

/// [`demo_router`] with `/sleep` calling `nap` instead of sleeping, so tests
/// can decide when the nap ends.
pub fn demo_router_with(nap: impl Fn() + Send + Sync + 'static) -> Router {
    Router::new()
        .get("/", |_: &Request| Response::html(INDEX_PAGE))
        .get("/hello/{name}", hello)
        .get("/datetime", Clock)
        .get("/sleep", move |_: &Request| step04::sleep_page(&nap))
        .get("^/articles/(?P<year>[0-9]{4})/$", articles)
        // Step 04's application passes everything but `/sleep` on to step
        // 03's, where `POST /echo` lives: reuse it rather than rewrite it.
        .post("/echo", |req: &Request| {
            step04::respond(req.head(), req.body(), || {})
        })
}

/// `GET /hello/{name}`: greets `name`, with `?greeting=` if given.
fn hello(req: &Request) -> Response {
    // The router only calls this when the pattern matched, so `name` is there.
    let name = req.param("name").unwrap_or_default();
    let greeting = req.query("greeting").unwrap_or("Hello");
    // Plain text, not HTML: a name like `<script>` is shown, never run.
    Response::text(format!("{greeting}, {name}!\n"))
}

/// `GET /articles/{year}/`: the regular-expression route.
fn articles(req: &Request) -> Response {
    let year = req.param("year").unwrap_or_default();
    Response::text(format!("Articles from {year}: none yet.\n"))
}

/// `GET /datetime`: the server's clock. A handler can be a type, not just a
/// closure: useful when it carries configuration (here, none).
struct Clock;

impl Handler for Clock {
    fn handle(&self, _req: &Request) -> Response {
        let now = response::http_date(SystemTime::now());
        Response::text(format!("It is {now}.\n"))
    }
}

/// Reads one request from `stream` and answers it from `router`: step 03's
/// connection handling with the router as the application.
pub fn handle_connection(stream: TcpStream, router: &Router) {
    step04::handle_connection_with(stream, |head, body| router.dispatch(head, body));
}
