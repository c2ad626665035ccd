//! Middleware: code that runs around every handler, in a chain.
//! The design is in `final/docs/middleware.md` ([`Middleware`](crate::Middleware)'s documentation).

use std::sync::Arc;
use std::time::Instant;

use crate::http::decimal::push_decimal;
use crate::http::request::Request;
use crate::http::response::Response;

/// Code that wraps every request; see below.
///
/// Closures `Fn(&Request, Next) -> Response` are middleware too.
///
/// # Examples
/// ```
/// use httprs::{App, Next, Request, Response};
/// let app = App::new()
///     .wrap(|req: &Request, next: Next| next.run(req).with_header("X-Frame-Options", "DENY"))
///     .get("/", |_: &Request| Response::text("hi"));
/// let res = app.handle(Request::new("GET", "/"));
/// assert_eq!(res.header("x-frame-options"), Some("DENY"));
/// ```
///
#[doc = include_str!("../../docs/middleware.md")]
pub trait Middleware: Send + Sync + 'static {
    /// Handles `req`, usually by calling `next.run(req)` somewhere inside.
    fn call(&self, req: &Request, next: Next<'_>) -> Response;
}

impl<F> Middleware for F
where
    F: Fn(&Request, Next<'_>) -> Response + Send + Sync + 'static,
{
    fn call(&self, req: &Request, next: Next<'_>) -> Response {
        self(req, next)
    }
}

/// The rest of the middleware chain, ending in the router.
pub struct Next<'a> {
    pub(crate) chain: &'a [Arc<dyn Middleware>],
    pub(crate) endpoint: &'a dyn Fn(&Request) -> Response,
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("middleware_left", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Next<'_> {
    /// Runs the rest of the chain and returns its response.
    pub fn run(self, req: &Request) -> Response {
        match self.chain.split_first() {
            Some((first, rest)) => first.call(
                req,
                Next {
                    chain: rest,
                    endpoint: self.endpoint,
                },
            ),
            None => (self.endpoint)(req),
        }
    }
}

/// Logs one line per request at `INFO`: client, method, path, version,
/// status, body bytes, duration, and the request's id
/// ([`Request::id`], also on the response as `X-Request-Id`).
///
/// ```text
/// 2026-11-20 20:19:05 INFO 127.0.0.1:51234 "GET /hello/you HTTP/1.1" 200 11B 0.052ms 5f3a9c1e-7
/// ```
///
/// The client is the peer, port and all, or, behind a trusted proxy
/// ([`Request::client_ip`]), the address it named (no port: the proxy's
/// connection has the port, not the client's).
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLog;

impl Middleware for AccessLog {
    fn call(&self, req: &Request, next: Next<'_>) -> Response {
        // Checking first means a server with logging off does not even read the clock.
        if !log::log_enabled!(target: "httprs::access", log::Level::Info) {
            return next.run(req);
        }
        let started = Instant::now();
        let res = next.run(req);
        log_request(req, &res, started);
        res
    }
}

/// The access log's line for `req`, answered with `res` (`started`: when
/// it began): what [`AccessLog`] writes, and the event loop for an async
/// handler, which no middleware wraps.
pub(crate) fn log_request(req: &Request, res: &Response, started: Instant) {
    log_access(
        shown_client(req).as_deref(),
        req.method(),
        req.path(),
        req.version(),
        res,
        started,
        req.id(),
    );
}

/// The client as the access log shows it: the address a trusted proxy
/// named, or the peer's, port and all.
pub(crate) fn shown_client(req: &Request) -> Option<String> {
    match (req.forwarded_client(), req.peer_addr()) {
        (Some(client), _) => Some(client.to_string()),
        (None, peer) => peer.map(|p| p.to_string()),
    }
}

/// The access log's line for one request (`started`: when it began); also
/// written by the front for what it forwards, where no middleware runs.
pub(crate) fn log_access(
    peer: Option<&str>,
    method: &str,
    path: &str,
    version: &str,
    res: &Response,
    started: Instant,
    id: &str,
) {
    let peer = peer.unwrap_or("-");
    // The bytes of body that go on the wire: none for HEAD, 204 or 304,
    // whatever the handler put in the response (the server drops it).
    let sent = if method == "HEAD" || res.status().forbids_body() {
        0
    } else {
        res.body_len()
    };
    log::info!(
        target: "httprs::access",
        "{peer} \"{method} {path} {version}\" {} {sent}B {:.3}ms {id}",
        res.status().code(),
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// Adds `Server-Timing: app;dur=MILLISECONDS`, which browsers' developer
/// tools show in their network panel. Not on by default (every client would
/// learn how long each request took): add it with `App::new().wrap(Timing)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing;

impl Middleware for Timing {
    fn call(&self, req: &Request, next: Next<'_>) -> Response {
        let started = Instant::now();
        let res = next.run(req);
        // Milliseconds with three decimals, from integer microseconds, written
        // by hand: `format!` showed up in profiles, on every single response.
        let us = started.elapsed().as_micros() as u64;
        let mut value = Vec::with_capacity(24);
        value.extend_from_slice(b"app;dur=");
        push_decimal(&mut value, us / 1000);
        value.push(b'.');
        let frac = us % 1000;
        value.extend_from_slice(&[
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        // Only ASCII digits and punctuation were written.
        let value = String::from_utf8(value).unwrap_or_default();
        res.append_header("Server-Timing", value)
    }
}
