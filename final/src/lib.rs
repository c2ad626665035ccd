//! # httprs: a small, hardened web framework built from the socket up
//!
//! `final/` is where the seven steps of the workspace meet, rebuilt to
//! production grade in one crate. Each module is one concept, and each
//! descends from a step:
//!
//! | module | concept | grown from |
//! |---|---|---|
//! | [`server`] | addresses bound, threads started, a handle to stop them | step 01 (accept loop) |
//! | `event_loop` | mio event loops owning the sockets; accept, read, write, timeouts | step 07 |
//! | `connection` | one connection's buffers, phase and timers; keep-alive, pipelining | step 07 |
//! | `buffer` | bytes read but not yet parsed; pipelined requests taken off its front | step 07 |
//! | [`parse`], `chunked` | requests from bytes in arbitrary pieces; limits; smuggling defences | step 02 |
//! | [`request`], [`headers`], [`cookie`] | what a handler reads | step 02 |
//! | [`response`], [`status`], `date` | what a handler returns; bytes on the wire | step 03 |
//! | `file_body` | a body streamed from an open file, chunk by chunk | step 03 |
//! | `pool`, [`dispatch`], `runner` | worker threads for handlers; which handlers run inline; who runs a loop | step 04 |
//! | [`router`], [`handler`], [`app`] | URL table, handlers, the app builder | step 05 |
//! | [`app::session`], [`app::csrf`], [`app::secure_headers`], [`app::login_limit`] | sessions in the database, forged forms refused, safe defaults for pages, failed logins limited | Django, by way of httppy |
//! | [`middleware`] | code around every handler: access log, timing | step 05 |
//! | [`static_files`] | a folder served at a URL prefix: types, caching, ranges, no traversal | step 05 |
//! | [`state`] | values the app owns that handlers reach through the request | step 05 |
//! | [`db`] | the data layer's connections: a bounded SQLite pool, `req.db()?`, errors as 404/409/422/503 | httppy's data layer |
//! | [`model`] | a struct mapped to a table: insert, get, list, update, delete, all with bound parameters | httppy's data layer |
//! | [`migrate`] | schema changes applied once each, in order, before the server listens | httppy's data layer |
//! | [`templates`] | HTML pages from template files: inheritance, escaping, debug reload | step 05 |
//! | [`settings`], `logger`, [`shutdown`] | operating it: config, logs, graceful stop | all steps' `main` |
//! | `backend` | split mode's backend: the same app serving a front's frames (`mode = "backend"`) | step 06 (blocking frame reading) |
//! | [`protocol`] | split mode's frames: step 06's module, shared, plus conversions to and from [`Request`] and [`Response`] | step 06 |
//! | [`proxy`], [`front`] | split mode's front: a handler forwarding to backends (round robin, down/rejoin, 502/504), and the `httprs-front` app around it | step 06 |
//!
//! What it deliberately leaves out, for now: TLS (put a proxy in front),
//! HTTP/2; and, in the data layer, any database but SQLite, relations and
//! query building (write the SQL, with bound parameters).
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
#![warn(missing_docs)]

pub mod app;
mod backend;
mod buffer;
mod chunked;
mod connection;
pub mod cookie;
mod date;
pub mod db;
pub mod dispatch;
mod event_loop;
mod file_body;
pub mod front;
pub mod handler;
pub mod headers;
mod logger;
pub mod middleware;
pub mod migrate;
pub mod model;
pub mod parse;
mod pool;
pub mod protocol;
pub mod proxy;
pub mod request;
pub mod response;
pub mod router;
mod runner;
pub mod server;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod static_files;
pub mod status;
pub mod templates;

pub use app::App;
pub use app::login_limit::LoginLimit;
pub use app::session::Session;
pub use cookie::{Cookie, SameSite};
pub use db::{Database, DbError};
pub use handler::{Handler, IntoResponse};
pub use headers::Headers;
pub use middleware::{AccessLog, Middleware, Next, Timing};
pub use migrate::Migration;
pub use model::Model;
pub use request::{BodyError, Request};
pub use response::Response;
pub use router::Route;
pub use server::{Server, Stats};
pub use settings::{Settings, SettingsError};
pub use shutdown::ShutdownHandle;
pub use static_files::StaticFiles;
pub use status::Status;
pub use templates::{Context, TemplateError, TemplateErrorKind, Templates};

/// The SQLite bindings the data layer is built on, re-exported so that an
/// app implementing [`Model`] names the same version (`httprs::rusqlite::Row`).
pub use rusqlite;
