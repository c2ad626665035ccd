//! # httprs: a small, hardened web framework built from the socket up
//!
//! `final/` is where the twelve steps of the workspace meet, rebuilt to
//! production grade in one crate. Its folders are **floors**: each file
//! names only files on its own floor or below, and no files import each
//! other in a loop. `tests/layering.rs` reads every `crate::` path and
//! fails on an upward one or a loop, naming the file, the line and the
//! import, so the order below is a promise the tests keep.
//!
//! ```text
//! run/      App::start, App::run; httprs-front's options       builds a Server from an App
//!  ↓
//! server/   every socket: event loops, ClientConn, BackendConn, the forwarder, workers
//!  ↓
//! app/      what answers a request: routes, handlers, middleware, sessions, templates
//!  ↓
//! split/    split mode's wire, sans-IO: frames, codec, handshake, the proxy's choices
//!  ↓
//! config/   settings, the secret keys, the start-up checks, the logger
//!  ↓
//! data/     the data layer: pools, both engines, values, models, migrations
//!  ↓
//! http/     the protocol, sans-IO: bytes to requests, responses to bytes
//! ```
//!
//! Two things hold the floors apart. A request carries what the floors
//! above attach to it in its [`Extensions`] (the session middleware's
//! [`Session`], yours), so `http/` never names the app. And what two floors
//! share gets a floor of its own below both: the keys that the settings
//! parse, the sessions sign with and the handshake proves live in
//! `config/keys.rs`, not in any of the three.
//!
//! | folder / file | concept | grown from |
//! |---|---|---|
//! | **`http/`** | **the protocol: bytes in, bytes out; no sockets** | |
//! | `http/buffer.rs` | bytes read but not yet parsed; pipelined requests taken off its front | step 07 |
//! | `http/parse.rs`, `http/chunked.rs`, `http/parse_error.rs`, `http/host.rs` | requests from bytes in arbitrary pieces; limits; smuggling defences; the `Host` grammar | step 02 |
//! | `http/request.rs`, `http/headers.rs`, `http/cookie.rs` | what a handler reads: [`Request`], [`Headers`], [`Cookie`] | step 02 |
//! | `http/extensions.rs` | values of any type a request carries for the floors above, by type: [`Extensions`] | the `http` crate |
//! | `http/state.rs` | the app's values (templates, the database, yours) a request carries to its handler | step 05 |
//! | `http/response.rs`, `http/status.rs`, `http/date.rs`, `http/decimal.rs` | what a handler returns, and its bytes on the wire: [`Response`], [`Status`] | step 03 |
//! | `http/typed_input.rs`, `http/form_de.rs` | a path parameter, the query, a form or a JSON body read into the handler's types; 404, 400, 415, 422: [`InputError`] | axum's extractors |
//! | `http/problem.rs` | an error answered as the client asks: problem details (RFC 9457), an HTML page, text: [`Problem`] | RFC 9457 |
//! | `http/into_response.rs` | what a handler may return: [`IntoResponse`] (text, `(Status, T)`, `Result`) | step 03 |
//! | `http/multipart.rs`, `http/upload.rs`, `http/body_plan.rs` | `multipart/form-data` parsed as it arrives (the decoder asks the routes at head time for the body's limit and whether to stream it); files past a threshold spooled to temporary files: [`Multipart`], [`UploadedFile`] | RFC 7578 |
//! | `http/file_body.rs` | a body streamed from an open file, chunk by chunk | step 09 |
//! | `http/accept_encoding.rs` | which coding a client takes (q-values, `*`, identity), `Vary`, an ETag per coding | RFC 9110 §12.5.3 |
//! | `http/stream_body.rs`, `http/sse.rs` | a body produced over time, with back-pressure: [`BodyChannel`], [`Response::stream`]; server-sent events: [`Event`], [`Response::event_stream`] | issue #26 |
//! | `http/websocket/` | WebSockets, sans-IO: the upgrade, frames, masking, messages, close codes: [`dev::websocket`]; the application's side, [`WsHandler`] and [`WsSender`] | RFC 6455 |
//! | `http/trusted_proxies.rs`, `http/request_id.rs` | who the client is behind a trusted proxy ([`TrustedProxies`]); each request's id | nginx's `real_ip` |
//! | **`data/`** | **the data layer** | step 11 |
//! | `data/pool.rs` | a bounded pool of SQLite or PostgreSQL connections: [`Database`] | step 11 |
//! | `data/connection.rs`, `data/value.rs`, `data/row.rs` | one API for both engines: [`Connection`], [`Value`] (and [`FromValueError`]), [`Row`] | step 11 |
//! | `data/sqlite.rs`, `data/postgres.rs` | each engine's connection, placeholders, values and types, and its error codes sorted | step 11 |
//! | `data/error.rs` | every database failure, and the status it answers (404/409/422/503/500): [`DbError`] | step 11 |
//! | `data/request_db.rs` | `req.db()?`: a handler borrows a connection | step 11 |
//! | `data/pg_link.rs`, `data/async_db.rs` | one PostgreSQL connection per event loop, polled by the loop, carrying every async handler's statements; `req.db_async()?`: [`AsyncDb`] | tokio-postgres's `Connection` |
//! | `data/model.rs` | a struct mapped to a table, with bound parameters: [`Model`] | step 11 |
//! | `data/migrate.rs` | schema changes applied once each, in order, under a lock, before the server listens: [`Migration`] | step 11 |
//! | **`config/`** | **what an operator sets, and what start-up checks** | all steps' `main` |
//! | `config/settings.rs` | config from file, environment and flags: [`Settings`], [`Mode`]; `--help` as [`Parsed::Help`] | step 08 |
//! | `config/settings_error.rs` | where a setting was read, which key, what is wrong: [`SettingsError`] | step 08 |
//! | `config/app_settings.rs` | the app's own keys: `[app]` and `HTTPRS_APP_*`, read into its type: [`AppSettings`] | Rocket's figment |
//! | `config/flags.rs` | the app's own command-line flags, shown in `--help`: [`Flag`], [`Flags`] | all steps' `main` |
//! | `config/keys.rs` | the session key and the split key, parsed and never shown: [`SecretKey`], [`KeyError`] | new |
//! | `config/checks.rs` | the start-up checks, run once: a key for the mode and `debug` in force | new |
//! | `config/start_error.rs` | why a start failed, and the exit status it suggests: [`StartError`] | all steps' `main` |
//! | `config/logger.rs` | the log lines and the access log | step 08 |
//! | **`split/`** | **split mode's wire, sans-IO: an HTTP front and app backends** | step 06 |
//! | `split/protocol.rs` | the frames: step 06's module, plus conversions to and from [`Request`] and [`Response`] | step 06 |
//! | `split/codec.rs` | the backend's frames decoded and encoded without copies, held to step 06's by tests | step 06 |
//! | `split/handshake.rs` | version 2: the handshake that proves both ends hold the split key: [`dev::auth`] | new |
//! | `split/streams.rs` | version 3: a streamed reply as a head, chunks and an end, with the front's credit and cancel | HTTP/2's windows |
//! | `split/backend_mode.rs` | what a backend's connection takes off its buffer and sends back ([`Mode::Backend`]) | step 06, on step 07's loops |
//! | `split/proxy/` | the front's choices: [`Proxy`], round robin, down and back, what may be retried, `X-Forwarded-*` | step 06 |
//! | **`app/`** | **the application: what answers a request** | |
//! | `app/mod.rs` | the builder: routes, middleware, state, sessions: [`App`] | step 08 (on step 05's router) |
//! | `app/router.rs` | the URL table, its patterns, 404 and 405 with `Allow`, groups under a prefix: [`Route`] | step 05 |
//! | `app/view_error.rs` | one error for a view: input, database, URLs, its own [`Problem`]; `?` on each: [`ViewError`] | axum's apps |
//! | `app/urls.rs` | a URL from a route's name: [`Request::url_for`], the templates' `url_for`, [`UrlError`] | Django's `reverse` |
//! | `app/handler.rs` | [`Handler`]: a type or a closure that answers requests | step 08 |
//! | `app/async_handler.rs` | [`AsyncHandler`]: an `async fn` that waits for the database without holding a thread ([`Route::get_async`]) | issue #25 |
//! | `app/middleware.rs` | code around every handler: [`AccessLog`], [`Timing`] | step 08 |
//! | `app/core.rs` | router, middleware and state as the server calls them; a panic becomes a 500 | step 08 |
//! | `app/cors.rs` | other origins' scripts allowed per prefix: preflights, `Vary: Origin`, what the CSRF check accepts: [`Cors`] | the Fetch standard |
//! | `app/session/`, `app/csrf.rs` | sessions in the database with signed cookies, the CSRF token in a cookie of its own (masked per page against BREACH), expired rows swept; forged forms refused: [`Session`] | step 12 |
//! | `app/broadcast.rs` | one event to every open event stream; a slow one is dropped and catches up on reconnect: [`Broadcast`] | issue #26 |
//! | `app/websocket.rs` | WebSocket routes ([`App::websocket`]) and groups; a member too slow for a broadcast is closed with 1013: [`WsGroup`] | issue #26 |
//! | `app/secure_headers.rs`, `app/login_limit.rs` | safe defaults on every HTML page; failed logins limited per address: [`LoginLimit`] | step 12 |
//! | `app/static_files.rs` | a folder at a URL prefix: types, caching, ranges, no traversal: [`StaticFiles`] | step 09 |
//! | `app/compression.rs`, `app/precompressed.rs` | gzip or brotli per response for those who ask; `.br`/`.gz` copies of static files, found and made | nginx's `gzip`, `gzip_static` |
//! | `app/templates.rs` | HTML pages from template files: inheritance, escaping, debug reload: [`Templates`] | step 10 (here on minijinja) |
//! | `app/compiled_templates.rs` | pages from templates compiled with the app, for routes where rendering time counts: [`Response::page`] | askama |
//! | **`server/`** | **the server: every socket, threads, timeouts** | |
//! | `server/mod.rs` | addresses bound, threads started, a handle to stop them: [`Server`] | step 01 (accept loop) |
//! | `server/event_loop.rs`, `server/loop_decisions.rs` | mio event loops owning the sockets; accept, read, write, timeouts; their choices, testable without sockets | step 07 |
//! | `server/client_conn.rs` | one accepted connection's buffers, phase and timers; keep-alive, pipelining; HTTP or frames | step 07 |
//! | `server/ws_conn.rs` | a connection after its `101`: frames to the handler, its messages out under a high-water mark, pings | issue #26 |
//! | `server/forwarder.rs`, `server/backend_conn.rs`, `server/dialer.rs` | split mode's front: one loop's connections to the backends; retries, 502, 504 | step 06 |
//! | `server/relay_out.rs`, `server/relay_in.rs` | split mode's streams: a backend's sent beside its replies within credit; a front's fed to its browsers | issue #26 |
//! | `server/shared.rs`, `server/stats.rs` | what the loops and workers share, how they talk; the counters: [`Stats`] | step 07 |
//! | `server/dispatch/` | where a handler runs: on the loop or on a worker, and how a route earns the loop | step 04 |
//! | `server/tasks.rs`, `server/loop_db.rs` | a loop's async handlers and who wakes them; its database connection: made on a worker, polled with the sockets, made again when lost | issue #25 |
//! | `server/runner.rs`, `server/worker_pool.rs` | who runs a loop (and the watchdog that replaces it); the worker threads | step 04 |
//! | `server/shutdown.rs` | a graceful stop from any thread: [`ShutdownHandle`] | step 04 |
//! | **`run/`** | **running: an app becomes a server** | |
//! | `run/start.rs` | [`App::start`], [`App::run`], [`App::run_with`]: settings loaded, checked once, the database opened, the server started | all steps' `main` |
//! | `run/front.rs` | `httprs-front`: its flags and the app around the proxy: [`FrontOptions`] | step 06 |
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
//! fn main() {
//!     App::new()
//!         .route(r"^/index/$", Index)
//!         .get("/hello/{name}", |req: &Request| {
//!             Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
//!         })
//!         .bind("127.0.0.1:7777")
//!         .run();
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

pub use app::async_handler::{AsyncHandler, ResponseFuture};
pub use app::broadcast::Broadcast;
pub use app::cors::Cors;
pub use app::handler::Handler;
pub use app::login_limit::LoginLimit;
pub use app::middleware::{AccessLog, Middleware, Next, Timing};
pub use app::router::Route;
pub use app::session::handle::Session;
pub use app::static_files::StaticFiles;
pub use app::templates::{Context, TemplateError, TemplateErrorKind, Templates};
pub use app::urls::UrlError;
pub use app::view_error::ViewError;
pub use app::websocket::WsGroup;
pub use app::{App, CommandError};
pub use config::app_settings::AppSettings;
pub use config::flags::{Flag, Flags};
pub use config::keys::{KeyError, SecretKey};
pub use config::settings::{Mode, Parsed, Settings};
pub use config::settings_error::SettingsError;
pub use config::start_error::{StartError, StartErrorKind};
pub use data::async_db::AsyncDb;
pub use data::connection::{Connection, Engine};
pub use data::error::{ConstraintKind, DbError};
pub use data::migrate::Migration;
pub use data::model::{Column, Direction, Model, Order};
pub use data::pool::{Database, PooledConnection};
pub use data::row::Row;
pub use data::value::{FromValue, FromValueError, ToValue, Value};
pub use http::cookie::{Cookie, CookieError, SameSite};
pub use http::extensions::Extensions;
pub use http::headers::Headers;
pub use http::into_response::IntoResponse;
pub use http::multipart::MultipartError;
pub use http::problem::Problem;
pub use http::request::{BodyError, Request};
pub use http::response::Response;
pub use http::sse::{Event, EventSender};
pub use http::status::Status;
pub use http::stream_body::{BodyChannel, BodySender, StreamBody, StreamClosed, TrySendError};
pub use http::trusted_proxies::{NetworkError, Scheme, TrustedProxies};
pub use http::typed_input::InputError;
pub use http::upload::{Multipart, UploadConfig, UploadedFile};
pub use http::websocket::{Message as WsMessage, WsHandler, WsOptions, WsSendError, WsSender};
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

/// The compiled-template engine of [`Response::page`], re-exported so that
/// an app's `#[derive(Template)]` names the same version without a
/// dependency of its own: `#[template(path = "page.html", askama = httprs::askama)]`.
pub use askama;

/// Internals for benches, tests, and other fronts and backends: the
/// request parser, the split protocol, and the WebSocket layer.
///
/// **Not covered by semver.** What is here may change in any release; an
/// app needs none of it. It is public because the workspace's benches
/// measure the parser, its property tests drive it with arbitrary bytes,
/// and a front or backend written outside httprs speaks the same frames
/// (as actix-web keeps such things in its `dev` module).
pub mod dev {
    pub use crate::http::body_plan::{BodyPlan, BodyPlanner};
    pub use crate::http::buffer::InputBuffer;
    pub use crate::http::headers::{FieldError, check_field};
    pub use crate::http::multipart::{
        MultipartLimits, MultipartParser, PartHead, PartSink, multipart_boundary,
    };
    pub use crate::http::parse::{BodyFraming, RawRequest, RequestDecoder, RequestHead};
    pub use crate::http::parse_error::{Limits, MAX_HEADERS, ParseError};
    /// WebSockets (RFC 6455), sans-IO: the handshake, frames, the connection's
    /// state machine. The event loop drives it; a handler API comes later.
    pub use crate::http::websocket;
    pub use crate::split::protocol;

    /// Version 2 of the split protocol: the handshake, and the split key it proves.
    pub mod auth {
        pub use crate::config::keys::parse_key;
        pub use crate::split::handshake::*;
    }
    /// Requests from one front a backend connection runs side by side.
    pub use crate::server::client_conn::FRAMES_IN_FLIGHT;
    /// The split frames' fast decoders: `None` wherever they leave a frame to
    /// [`protocol::decode`], which they match wherever they answer.
    pub use crate::split::codec::{decode_request, decode_response};
    /// Version 3 of the split protocol: a streamed reply's frames.
    pub mod streams {
        pub use crate::split::streams::*;
    }
}
