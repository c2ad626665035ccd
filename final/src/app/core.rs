//! The app as the server calls it: the URL table, the middleware chain and
//! the state, behind two calls, [`AppCore::resolve`] and [`AppCore::respond`].
//!
//! Every way of running an app goes through these two: the event loops, the
//! split backend, and [`App::handle`](crate::App::handle) in a user's unit
//! test, so a handler tested without a socket behaves exactly as it will
//! behind one. A panic in a handler or a middleware becomes a 500 for that
//! request only.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::app::compression::Compression;
use crate::app::middleware::{AccessLog, Middleware, Next};
use crate::app::router::{ALLOW_IMPLEMENTED, Resolution, Router};
use crate::app::secure_headers;
use crate::http::request::Request;
use crate::http::request_id;
use crate::http::response::Response;
use crate::http::state::AppState;
use crate::http::status::Status;

/// Put in a request's extensions by a backend in split mode: what its
/// front can relay. A WebSocket route, and a streamed body that the front
/// did not offer to take (a version-1 front, step 06's), are answered
/// `501` here, inside the middleware chain, so that the access log and
/// every middleware see the status actually sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BehindFront {
    /// The front offered a stream window (version 3, `split/streams.rs`).
    pub(crate) streams: bool,
}

/// What the server threads share: the URL table and the middleware chain.
pub(crate) struct AppCore {
    pub(crate) router: Router,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    /// What an async route runs of it: the access log, then CORS if the
    /// app has it (`Route::get_async`: the framework's own layers, not the
    /// app's middleware, sessions or CSRF).
    pub(crate) async_chain: Vec<Arc<dyn Middleware>>,
    /// Values handlers reach through [`Request::state`], and the debug flag.
    pub(crate) state: Arc<AppState>,
    /// Add the secure headers to HTML responses (on unless
    /// [`App::secure_headers`](crate::App::secure_headers)`(false)`).
    pub(crate) secure_headers: bool,
    /// gzip or brotli for the clients that ask (`compression.rs`); on by
    /// default, set from the settings at start.
    pub(crate) compression: Compression,
}

impl AppCore {
    /// An app with no routes and the built-in [`AccessLog`](crate::AccessLog) middleware.
    pub(crate) fn new() -> AppCore {
        let access_log: Arc<dyn Middleware> = Arc::new(AccessLog);
        AppCore {
            router: Router::default(),
            middleware: vec![access_log.clone()],
            async_chain: vec![access_log],
            state: Arc::default(),
            secure_headers: true,
            compression: Compression::default(),
        }
    }

    /// Looks the request up in the URL table and stores its parameters in
    /// it, with `state` (the app's [`AppCore::state`], or an event loop's
    /// copy of it: see [`AppCore::state_copy`]).
    pub(crate) fn resolve(&self, req: &mut Request, state: &Arc<AppState>) -> Resolution {
        req.set_app(state.clone());
        let mut resolution = self.router.resolve(req.method(), req.path());
        if let Resolution::Found { params, .. } = &mut resolution {
            req.set_params(std::mem::take(params));
        }
        resolution
    }

    /// The app's state in an `Arc` of its own: the same values (they are
    /// behind `Arc`s), another reference count. Each event loop attaches
    /// its copy to its requests: with one `Arc` for all, two loops on two
    /// cores would both write its count at every request (a clone, then a
    /// drop), passing its cache line back and forth between the cores.
    pub(crate) fn state_copy(&self) -> Arc<AppState> {
        Arc::new(AppState::clone(&self.state))
    }

    /// Middleware, then the handler (or a 404, 405 or 501, or the answer to
    /// `OPTIONS *`), then the secure headers, then compression: a panic
    /// anywhere becomes a 500 for this request only.
    pub(crate) fn respond(&self, req: &Request, resolution: &Resolution) -> Response {
        let endpoint = |req: &Request| -> Response {
            match resolution {
                Resolution::Found { index, .. } => {
                    let route = &self.router.routes[*index];
                    if route.websocket && req.extensions().get::<BehindFront>().is_some() {
                        return websocket_not_relayed();
                    }
                    // Caught here, inside the chain, so the access log still sees the 500.
                    let res = catch_unwind(AssertUnwindSafe(|| route.handler.handle(req)))
                        .unwrap_or_else(|panic| self.panicked(req, panic))
                        // An error answered as the client asks: problem
                        // details, an HTML page or text (`http/problem.rs`).
                        .render_problem_for(req);
                    relayable(req, res)
                }
                Resolution::MethodNotAllowed(allow) => {
                    Response::error(Status::METHOD_NOT_ALLOWED).with_header("Allow", allow.clone())
                }
                Resolution::NotFound => Response::error(Status::NOT_FOUND),
                Resolution::NotImplemented => Response::error(Status::NOT_IMPLEMENTED),
                Resolution::ServerOptions => {
                    Response::new(Status::OK).with_header("Allow", ALLOW_IMPLEMENTED)
                }
            }
        };
        // An async route runs outside the app's middleware, as it does on
        // an event loop (`Route::get_async`): the access log and CORS.
        let chain = match resolution {
            Resolution::Found { index, .. } if self.router.routes[*index].awaits.is_some() => {
                &self.async_chain[..]
            }
            _ => &self.middleware[..],
        };
        let next = Next {
            chain,
            endpoint: &endpoint,
        };
        // And once more around the whole chain, for a panicking middleware.
        let res = catch_unwind(AssertUnwindSafe(|| next.run(req)))
            .unwrap_or_else(|panic| self.panicked(req, panic));
        self.finish(req, res)
    }

    /// An async handler's response `res`, finished on an event loop: what
    /// the chain would have added (the access log aside, which the loop
    /// writes with the request's start time), then [`AppCore::finish`].
    pub(crate) fn finish_async(&self, req: &Request, res: Response) -> Response {
        let res = match &self.async_chain[1..] {
            [] => res,
            layers => {
                let made = std::cell::Cell::new(Some(res));
                let endpoint = |_: &Request| {
                    made.take()
                        .unwrap_or_else(|| Response::error(Status::INTERNAL_SERVER_ERROR))
                };
                let next = Next {
                    chain: layers,
                    endpoint: &endpoint,
                };
                catch_unwind(AssertUnwindSafe(|| next.run(req)))
                    .unwrap_or_else(|panic| self.panicked(req, panic))
            }
        };
        self.finish(req, res)
    }

    /// What every response gets after the chain, wherever it was made:
    /// the request id, the secure headers, then compression.
    pub(crate) fn finish(&self, req: &Request, res: Response) -> Response {
        let res = with_request_id(res, req.id());
        let res = if self.secure_headers {
            secure_headers::apply(res)
        } else {
            res
        };
        // Last, so it sees every header the response will carry (`Vary`,
        // `ETag`, `Cache-Control`), and first to return for a tiny body.
        self.compression.apply(req, res)
    }

    pub(crate) fn panicked(&self, req: &Request, panic: Box<dyn std::any::Any + Send>) -> Response {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string());
        log::error!(
            "handler panicked on {} {} (request {}): {message}",
            req.method(),
            req.path(),
            req.id()
        );
        let res = Response::error(Status::INTERNAL_SERVER_ERROR);
        if req.debug() {
            res.with_body(format!("500 Internal Server Error\n\npanic: {message}\n"))
        } else {
            res
        }
    }
}

/// `res` as the front before this backend can relay it: a WebSocket
/// upgrade, or a streamed body to a front that did not offer to take one
/// (a version-1 front, step 06's), becomes a 501. Outside backend mode,
/// `res` as it is. Called where the status is still to be logged: inside
/// the middleware chain, and for an async handler's answer on the loop.
pub(crate) fn relayable(req: &Request, res: Response) -> Response {
    match req.extensions().get::<BehindFront>() {
        Some(_) if res.is_upgrade() => websocket_not_relayed(),
        Some(BehindFront { streams: false }) if res.is_streamed() => {
            log::error!(
                "{} {}: a streamed body, and the front did not offer to take one \
                 (a version-1 front: step 06's); sending a 501",
                req.method(),
                req.path()
            );
            // Dropping the stream tells its producer.
            Response::error(Status::NOT_IMPLEMENTED)
        }
        _ => res,
    }
}

/// A backend's answer to a WebSocket route: 501, with a sentence saying
/// why. Behind a front the upgrade's fields were dropped as hop-by-hop,
/// and the split protocol carries requests and replies, not a two-way
/// conversation (docs/websockets.md, "Split mode").
fn websocket_not_relayed() -> Response {
    log::warn!("a request for a WebSocket route reached a backend in split mode: 501");
    Response::text(
        "WebSockets are not relayed in split mode: this route needs the server \
         in HTTP mode (see docs/websockets.md).\n",
    )
    .with_status(Status::NOT_IMPLEMENTED)
}

/// `X-Request-Id: id` on the response, so that a user who reports a
/// problem can quote the id the access log line carries; a handler's own
/// value is kept.
pub(crate) fn with_request_id(mut res: Response, id: &str) -> Response {
    if res.header(request_id::HEADER).is_none() {
        // Appended: `with_header` would search the fields again to replace one.
        res.headers_mut().append(request_id::HEADER, id.to_string());
    }
    res
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU16, Ordering};

    use super::*;
    use crate::http::stream_body::BodyChannel;

    /// What the middleware chain saw of the answer to `GET path` on a
    /// backend whose front takes streams or not, and what was answered.
    fn seen_and_sent(path: &str, behind: Option<BehindFront>) -> (u16, u16) {
        let seen = Arc::new(AtomicU16::new(0));
        let saw = seen.clone();
        let core = crate::App::new()
            .wrap(move |req: &Request, next: Next| {
                let res = next.run(req);
                saw.store(res.status().code(), Ordering::SeqCst);
                res
            })
            .get("/stream", |_: &Request| {
                let (_tx, body) = BodyChannel::bounded(1);
                Response::new(200).with_stream(body)
            })
            .websocket(
                "/ws",
                |_: &crate::WsSender, _: &Request, _: crate::WsMessage| {},
            )
            .core;
        let mut req = Request::new("GET", path);
        if let Some(behind) = behind {
            req.extensions_mut().insert(behind);
        }
        let resolution = core.resolve(&mut req, &core.state);
        let sent = core.respond(&req, &resolution).status().code();
        (seen.load(Ordering::SeqCst), sent)
    }

    #[test]
    fn what_a_front_cannot_relay_is_a_501_that_every_middleware_and_the_access_log_see() {
        let old_front = Some(BehindFront { streams: false });
        let new_front = Some(BehindFront { streams: true });
        assert_eq!(seen_and_sent("/stream", old_front), (501, 501));
        assert_eq!(seen_and_sent("/stream", new_front), (200, 200));
        assert_eq!(seen_and_sent("/stream", None), (200, 200), "HTTP mode");
        assert_eq!(seen_and_sent("/ws", new_front), (501, 501));
    }
}
