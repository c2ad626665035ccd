//! # httprs: a small, hardened web framework built from the socket up
//!
//! `final/` is where the seven steps of the workspace meet, rebuilt to
//! production grade in one crate. Its folders are the steps' layers, from
//! the bytes on the wire up to the app; each file is one concept, and each
//! descends from a step. No two files import each other, directly or in a
//! loop.
//!
//! | folder / file | concept | grown from |
//! |---|---|---|
//! | **`http/`** | **the protocol: bytes in, bytes out** | |
//! | `http/buffer.rs` | bytes read but not yet parsed; pipelined requests taken off its front | step 07 |
//! | `http/parse.rs`, `http/chunked.rs`, `http/parse_error.rs`, `http/host.rs` | requests from bytes in arbitrary pieces; limits; smuggling defences; the `Host` grammar | step 02 |
//! | `http/request.rs`, `http/headers.rs`, `http/cookie.rs` | what a handler reads: [`Request`], [`Headers`], [`Cookie`] | step 02 |
//! | `http/state.rs` | the app's values (templates, the database, yours) a request carries to its handler | step 05 |
//! | `http/response.rs`, `http/status.rs`, `http/date.rs` | what a handler returns, and its bytes on the wire: [`Response`], [`Status`] | step 03 |
//! | `http/into_response.rs` | what a handler may return: [`IntoResponse`] (text, `(Status, T)`, `Result`) | step 03 |
//! | `http/file_body.rs` | a body streamed from an open file, chunk by chunk | step 03 |
//! | `http/trusted_proxies.rs`, `http/request_id.rs` | who the client is behind a trusted proxy ([`TrustedProxies`]); each request's id | nginx's `real_ip` |
//! | **`app/`** | **the application: what answers a request** | |
//! | `app/router.rs` | the URL table, its patterns, 404 and 405 with `Allow`: [`Route`] | step 05 |
//! | `app/handler.rs` | [`Handler`]: a type or a closure that answers requests | step 05 |
//! | `app/middleware.rs` | code around every handler: [`AccessLog`], [`Timing`] | step 05 |
//! | `app/core.rs` | router, middleware and state as the server calls them; a panic becomes a 500 | step 05 |
//! | `app/session/`, `app/csrf.rs` | sessions in the database with signed cookies, the CSRF token in a cookie of its own, expired rows swept; forged forms refused: [`Session`] | Django, by way of httppy |
//! | `app/secure_headers.rs`, `app/login_limit.rs` | safe defaults on every HTML page; failed logins limited per address: [`LoginLimit`] | Django, by way of httppy |
//! | `app/static_files.rs` | a folder at a URL prefix: types, caching, ranges, no traversal: [`StaticFiles`] | step 05 |
//! | `app/templates.rs` | HTML pages from template files: inheritance, escaping, debug reload: [`Templates`] | step 05 |
//! | `app/settings.rs`, `app/logger.rs` | operating it: config from file, environment and flags; logs: [`Settings`] | all steps' `main` |
//! | **`data/`** | **the data layer** | httppy's data layer |
//! | `data/pool.rs` | a bounded pool of SQLite or PostgreSQL connections: [`Database`] | httppy's data layer |
//! | `data/connection.rs`, `data/value.rs` | one API for both engines: [`Connection`], [`Value`], [`Row`] | httppy's data layer |
//! | `data/sqlite.rs`, `data/postgres.rs` | each engine's connection, placeholders, values and types | httppy's data layer |
//! | `data/error.rs` | every database failure, and the status it answers (404/409/422/503/500): [`DbError`] | httppy's data layer |
//! | `data/request.rs` | `req.db()?`: a handler borrows a connection | httppy's data layer |
//! | `data/model.rs` | a struct mapped to a table, with bound parameters: [`Model`] | httppy's data layer |
//! | `data/migrate.rs` | schema changes applied once each, in order, under a lock, before the server listens: [`Migration`] | httppy's data layer |
//! | **`server/`** | **the server: sockets, threads, timeouts** | |
//! | `server/mod.rs` | addresses bound, threads started, a handle to stop them: [`Server`] | step 01 (accept loop) |
//! | `server/event_loop.rs` | mio event loops owning the sockets; accept, read, write, timeouts | step 07 |
//! | `server/connection.rs` | one connection's buffers, phase and timers; keep-alive, pipelining; HTTP or frames | step 07 |
//! | `server/shared.rs`, `server/stats.rs` | what the loops and workers share, how they talk; the counters: [`Stats`] | step 07 |
//! | `server/dispatch/` | where a handler runs: on the loop or on a worker, and how a route earns the loop | step 04 |
//! | `server/runner.rs`, `server/pool.rs` | who runs a loop (and the watchdog that replaces it); the worker threads | step 04 |
//! | `server/shutdown.rs` | a graceful stop from any thread: [`ShutdownHandle`] | step 04 |
//! | **`split/`** | **split mode: an HTTP front and app backends** | step 06 |
//! | `split/auth.rs` | version 2: the handshake that proves both ends hold the split key, sans-IO: [`dev::auth`] | new |
//! | `split/protocol.rs` | the frames: step 06's module, plus conversions to and from [`Request`] and [`Response`] | step 06 |
//! | `split/backend.rs` | the same app serving a front's frames ([`Mode::Backend`]), on the event loops | step 06, on step 07's loops |
//! | `split/codec.rs` | the backend's frames decoded and encoded without copies, held to step 06's by tests | step 06 |
//! | `split/proxy/` | the front's forwarding, from its event loops: round robin, down and back, retries, 502/504: [`Proxy`] | step 06 |
//! | `split/front.rs` | `httprs-front`: its flags and the app around the proxy: [`FrontOptions`] | step 06 |
//! | [`dev`] | parser and protocol internals for benches, tests and other fronts; not covered by semver | |
//!
//! What it deliberately leaves out, for now: TLS (put a proxy in front),
//! HTTP/2; and, in the data layer, databases other than SQLite and
//! PostgreSQL, relations and query building (write the SQL, with bound
//! parameters).
//!
//! ```no_run
//! use httprs::{App, Handler, Request, Response};
//!
//! struct Index;
//! impl Handler for Index {
//!     fn handle(&self, _req: &Request) -> Response {
//!         Response::text("Hello httprs!")
//!     }
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     App::new()
//!         .route(r"^/index/$", Index)
//!         .get("/hello/{name}", |req: &Request| {
//!             Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
//!         })
//!         .bind("127.0.0.1:7777")
//!         .run()
//! }
//! ```
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod app;
mod config;
mod data;
mod http;
mod run;
mod server;
mod split;

pub use app::App;
pub use app::handler::Handler;
pub use app::login_limit::LoginLimit;
pub use app::middleware::{AccessLog, Middleware, Next, Timing};
pub use app::router::Route;
pub use app::session::handle::Session;
pub use app::static_files::StaticFiles;
pub use app::templates::{Context, TemplateError, TemplateErrorKind, Templates};
pub use config::keys::SecretKey;
pub use config::settings::{Mode, Settings, SettingsError};
pub use data::connection::{Connection, Engine};
pub use data::error::{ConstraintKind, DbError};
pub use data::migrate::Migration;
pub use data::model::{Column, Direction, Model, Order};
pub use data::pool::{Database, PooledConnection};
pub use data::value::{FromValue, Row, ToValue, Value};
pub use http::cookie::{Cookie, CookieError, SameSite};
pub use http::headers::Headers;
pub use http::into_response::IntoResponse;
pub use http::request::{BodyError, Request};
pub use http::response::Response;
pub use http::status::Status;
pub use http::trusted_proxies::{NetworkError, Scheme, TrustedProxies};
pub use run::front::{FlagError, FrontOptions};
pub use server::Server;
pub use server::shutdown::ShutdownHandle;
pub use server::stats::Stats;
pub use split::proxy::Proxy;

/// The SQLite bindings the data layer is built on, re-exported for
/// SQLite-only code behind [`Connection::sqlite`] (a `PRAGMA`, a backup),
/// so that it names the same version. A model, a view or a migration
/// needs none of it.
pub use rusqlite;

/// Internals for benches, tests, and other fronts and backends: the
/// request parser and the split protocol.
///
/// **Not covered by semver.** What is here may change in any release; an
/// app needs none of it. It is public because the workspace's benches
/// measure the parser, its property tests drive it with arbitrary bytes,
/// and a front or backend written outside httprs speaks the same frames
/// (as actix-web keeps such things in its `dev` module).
pub mod dev {
    pub use crate::http::buffer::InputBuffer;
    pub use crate::http::headers::{FieldError, check_field};
    pub use crate::http::parse::{Framing, RawRequest, RequestDecoder, RequestHead};
    pub use crate::http::parse_error::{Limits, MAX_HEADERS, ParseError};
    pub use crate::split::protocol;

    /// Version 2 of the split protocol: the handshake, and the split key it proves.
    pub mod auth {
        pub use crate::config::keys::parse_key;
        pub use crate::split::handshake::*;
    }
}
