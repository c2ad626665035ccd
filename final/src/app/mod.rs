//! The application: a URL table and middleware, and the ways to run it.
//!
//! [`App`] is a builder: `App::new().get(...).route(...).bind(...)`. Then:
//!
//! - [`App::run`]: load settings (file, environment, `--addr`, `--backend`),
//!   start the server, stop gracefully on Ctrl-C or SIGTERM. What `main`
//!   calls, and the one function that exits the process, with status 2 or
//!   1 when the start fails. [`App::run_with`] does the same with settings
//!   made by the caller, and returns the [`StartError`](crate::StartError)
//!   instead of exiting.
//! - [`App::start`]: start with explicit [`Settings`](crate::Settings) and get a [`Server`](crate::Server)
//!   handle back, or a [`StartError`](crate::StartError). What the integration tests call.
//! - [`App::handle`]: run one [`Request`] through middleware, router and
//!   handler, no socket at all. What a user's unit tests call.
//!
//! All three go through the same `AppCore::respond` (`core.rs`), so a
//! handler tested with `handle` behaves exactly as it will behind a socket
//! (except for [`App::sessions`], which needs the database and the key a
//! start makes).
//!
//! The folder is step 05's layer, what answers a request: the URL table
//! (`router.rs`), handlers (`handler.rs`), middleware, static files and
//! templates, the settings and logs an operator tunes, and what a
//! Django-style framework gives an app for free: sessions in the database
//! with signed cookies (`session/`), forged forms refused (`csrf.rs`),
//! secure headers on every HTML page (`secure_headers.rs`) and failed
//! logins limited per address (`login_limit.rs`).

use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::app::async_handler::AsyncHandler;
use crate::app::core::AppCore;
use crate::app::cors::{Cors, CorsMiddleware, CorsRules};
use crate::app::handler::Handler;
use crate::app::middleware::Middleware;
use crate::app::router::Route;
use crate::app::static_files::StaticFiles;
use crate::app::templates::Templates;
use crate::app::urls::Urls;
use crate::config::flags::{Flag, Flags};
use crate::config::settings::Settings;
use crate::config::settings_error::SettingsError;
use crate::data::migrate::Migration;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::state::AppState;

pub(crate) mod async_handler;
pub(crate) mod broadcast;
pub(crate) mod compiled_templates;
pub(crate) mod compression;
pub(crate) mod core;
pub(crate) mod cors;
pub(crate) mod csrf;
pub(crate) mod handler;
pub(crate) mod login_limit;
pub(crate) mod middleware;
pub(crate) mod precompressed;
pub(crate) mod router;
pub(crate) mod secure_headers;
pub(crate) mod session;
pub(crate) mod static_files;
pub(crate) mod templates;
pub(crate) mod urls;
pub(crate) mod view_error;
pub(crate) mod websocket;

/// A web application: routes, middleware, and where to listen.
///
/// # Examples
/// ```no_run
/// use httprs::{App, Request, Response};
/// fn main() {
///     App::new()
///         .get("/hello/{name}", |req: &Request| {
///             Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
///         })
///         .bind("127.0.0.1:7777")
///         .run();
/// }
/// ```
pub struct App {
    pub(crate) core: AppCore,
    pub(crate) addrs: Vec<String>,
    pub(crate) settings_file: Option<std::path::PathBuf>,
    /// `Some` once [`App::database`] switched the data layer on.
    pub(crate) migrations: Option<Vec<Migration>>,
    /// [`App::sessions`] was called.
    pub(crate) sessions: bool,
    /// The app's own flags ([`App::flag`], [`App::command`]), for [`App::run`].
    pub(crate) flags: Vec<Flag>,
    /// What runs instead of the server when its flag is given.
    pub(crate) commands: Vec<(String, Command)>,
    /// Each reads the `[app]` settings into the app's type, into the state, at start.
    pub(crate) app_settings: Vec<AppSettingsLoader>,
}

/// What [`App::command`] runs: the settings as loaded, and the app's flags.
/// `Sync` as well as `Send`, like everything else an [`App`] holds, so an
/// `App` can be shared between threads (a static, a test harness).
type Command = Box<dyn FnOnce(&Settings, &Flags) -> Result<(), CommandError> + Send + Sync>;

// An `App` is shared between threads (a static in the fuzz targets, test
// harnesses): this stops compiling if a field ever makes it lose `Sync`.
const _: fn() = || {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<App>();
};

/// Reads the `[app]` table into one type and stores it in the state.
pub(crate) type AppSettingsLoader =
    Box<dyn Fn(&Settings, &mut AppState) -> Result<(), SettingsError> + Send + Sync>;

/// Why an [`App::command`] failed: any error, printed after `error: `.
pub type CommandError = Box<dyn std::error::Error + Send + Sync>;

/// Handlers and middleware are closures and trait objects with nothing to
/// show, so an app shows its shape: how many routes and middleware, where
/// it listens, whether it has a database.
impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.core.router.routes)
            .field("middleware", &self.core.middleware.len())
            .field("addrs", &self.addrs)
            .field("settings_file", &self.settings_file)
            .field("database", &self.migrations.is_some())
            .field("sessions", &self.sessions)
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

impl Default for App {
    fn default() -> App {
        App::new()
    }
}

impl App {
    /// An app with no routes and the built-in [`AccessLog`](crate::AccessLog) middleware.
    ///
    /// [`Timing`](crate::Timing) is built in too but not switched on: a `Server-Timing`
    /// header tells every client how long each request took, which is handy
    /// while developing and a leak in production. Add it with `.wrap(Timing)`.
    pub fn new() -> App {
        App {
            core: AppCore::new(),
            addrs: Vec::new(),
            settings_file: None,
            migrations: None,
            sessions: false,
            flags: Vec::new(),
            commands: Vec::new(),
            app_settings: Vec::new(),
        }
    }

    /// Adds a route for any method. A pattern starting with `^` is a regular
    /// expression (named groups become parameters), one with `{name}` has
    /// parameters, any other is a literal path; see [`Route`](crate::Route).
    ///
    /// # Panics
    /// If the pattern is an invalid regular expression.
    pub fn route(self, pattern: &str, handler: impl Handler) -> App {
        self.add_route(Route::any(pattern, handler))
    }

    /// Adds a route for one method (`GET` routes also answer `HEAD`).
    ///
    /// # Panics
    /// If the pattern is an invalid regular expression, or the method is
    /// not one httprs serves (`GET`, `HEAD`, `POST`, `PUT`, `DELETE`,
    /// `PATCH`, `OPTIONS`, in capitals): `.method("GTE", ...)` is a typo to
    /// see at start-up, not a route that never matches.
    ///
    /// ```should_panic
    /// use httprs::{App, Request};
    /// App::new().method("GTE", "/", |_: &Request| "typo"); // panics here
    /// ```
    pub fn method(self, method: &str, pattern: &str, handler: impl Handler) -> App {
        self.add_route(Route::new(Some(method), pattern, handler))
    }

    /// Adds a `GET` (and `HEAD`) route.
    pub fn get(self, pattern: &str, handler: impl Handler) -> App {
        self.method("GET", pattern, handler)
    }

    /// Adds a `GET` (and `HEAD`) route with an async handler; see [`Route::get_async`].
    pub fn get_async(self, pattern: &str, handler: impl AsyncHandler) -> App {
        self.add_route(Route::get_async(pattern, handler))
    }

    /// Adds a `POST` route.
    pub fn post(self, pattern: &str, handler: impl Handler) -> App {
        self.method("POST", pattern, handler)
    }

    /// Adds a `PUT` route.
    pub fn put(self, pattern: &str, handler: impl Handler) -> App {
        self.method("PUT", pattern, handler)
    }

    /// Adds a `PATCH` route.
    pub fn patch(self, pattern: &str, handler: impl Handler) -> App {
        self.method("PATCH", pattern, handler)
    }

    /// Adds a `DELETE` route.
    pub fn delete(self, pattern: &str, handler: impl Handler) -> App {
        self.method("DELETE", pattern, handler)
    }

    /// Adds `routes` under `prefix`, in order: a group written once, with
    /// paths relative to where it is mounted. `/entries/{id}` mounted at
    /// `/api` answers `/api/entries/{id}`; a regular expression `^/x$`
    /// becomes `^/api/x$`; names stay as they are, and
    /// [`Request::url_for`] gives the mounted path.
    ///
    /// # Panics
    /// If `prefix` does not start with `/`.
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Route};
    /// let api = vec![
    ///     Route::get("/entries", |_: &Request| "all").name("entries"),
    ///     Route::delete("/entries/{id}", |r: &Request| format!("gone {}", r.param("id").unwrap())),
    /// ];
    /// let app = App::new().mount("/api", api);
    /// assert_eq!(app.handle(Request::new("GET", "/api/entries")).body_text(), "all");
    /// assert_eq!(app.handle(Request::new("DELETE", "/api/entries/7")).body_text(), "gone 7");
    /// assert_eq!(app.handle(Request::new("GET", "/entries")).status().code(), 404);
    /// ```
    pub fn mount(self, prefix: &str, routes: impl IntoIterator<Item = Route>) -> App {
        routes
            .into_iter()
            .fold(self, |app, route| app.add_route(route.under(prefix)))
    }

    /// Serves the files under `folder` at URLs starting with `prefix`:
    /// `.static_files("/static", "static/")` answers `/static/site.css`
    /// with `static/site.css`. A relative folder is read from the settings
    /// file's folder ([`Settings::root`](crate::Settings::root)), like the templates and the
    /// database; without a settings file, from the working directory. See
    /// [`StaticFiles`](crate::StaticFiles) for what it handles (caching, ranges,
    /// `index.html`) and how it refuses paths leading out of the folder.
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request};
    /// let app = App::new().static_files("/static", "no-such-folder/");
    /// assert_eq!(app.handle(Request::new("GET", "/static/a.css")).status().code(), 404);
    /// ```
    pub fn static_files(self, prefix: &str, folder: impl Into<std::path::PathBuf>) -> App {
        let files = StaticFiles::new(prefix, folder);
        let pattern = files.pattern();
        self.add_route(Route::get(&pattern, files))
    }

    /// Renders templates from `folder` for [`Response::render`]; see
    /// [`Templates`](crate::Templates) for the syntax and what `debug` changes.
    ///
    /// A relative folder is taken from [`Settings::root`](crate::Settings::root) when the app
    /// starts: beside the settings file, wherever the server was started
    /// from (from the working directory when there is no settings file, and
    /// for [`App::handle`], which starts nothing). An absolute one is used
    /// as it is.
    ///
    /// # Examples
    /// ```no_run
    /// use httprs::{App, Request, Response, context};
    /// App::new()
    ///     .templates("templates")
    ///     .get("/", |req: &Request| Response::render(req, "index.html", context! { title => "Home" }))
    ///     .run();
    /// ```
    pub fn templates(mut self, folder: impl Into<std::path::PathBuf>) -> App {
        Arc::make_mut(&mut self.core.state).insert(Templates::new(folder));
        self
    }

    /// Adds a prepared [`Route`]; a named one ([`Route::name`]) can then
    /// be found by [`Request::url_for`] and the templates' `url_for`.
    ///
    /// # Panics
    /// If the route's name already names a route with another pattern.
    pub fn add_route(mut self, route: Route) -> App {
        if let Some(name) = &route.name {
            let state = Arc::make_mut(&mut self.core.state);
            let mut urls = state.get::<Urls>().cloned().unwrap_or_default();
            urls.add(name, route.source());
            state.insert(urls);
        }
        self.core.router.add(route);
        self
    }

    /// Adds a whole URL table, in order, like httppy's `url = [...]`.
    pub fn urls(self, routes: impl IntoIterator<Item = Route>) -> App {
        routes.into_iter().fold(self, App::add_route)
    }

    /// Adds a value every handler can reach with [`Request::state`], by its
    /// type; a second value of the same type replaces the first.
    ///
    #[doc = include_str!("../../docs/state.md")]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> App {
        Arc::make_mut(&mut self.core.state).insert(value);
        self
    }

    /// Switches the data layer on: start-up opens the database named by
    /// the `database` setting (a SQLite file, `httprs.sqlite3` beside the
    /// settings file by default, or a `postgres://` URL), applies the
    /// `migrations` not applied yet, in order, and only then listens. Handlers reach the pool with [`Request::db`].
    /// See [`Database`](crate::Database) and [`Migration`](crate::Migration).
    ///
    /// A migration that fails stops start-up with an error naming it.
    pub fn database(mut self, migrations: impl IntoIterator<Item = Migration>) -> App {
        self.migrations = Some(migrations.into_iter().collect());
        self
    }

    /// Switches sessions on, and with them CSRF protection: handlers read and
    /// write [`Request::session`], and every `POST`, `PUT`, `PATCH` and
    /// `DELETE` is checked against forgery: a cross-site one is refused, and
    /// a form `POST` must carry the browser's token (kept in a signed cookie of
    /// its own, so that it stores no session row); see [`Session`](crate::Session)
    /// and the rules below. Sessions live in the app's database, so this switches
    /// the data layer on too (as [`App::database`] with no migrations, if
    /// the app has none), and start-up applies the framework's migration
    /// creating `httprs_sessions` first.
    ///
    /// Start-up without the `secret_key` setting, with `debug` off, stops:
    /// [`App::run`] exits with status 2, [`App::start`] returns the error.
    /// [`App::handle`] starts nothing, so in an app with sessions it
    /// answers 500: test such handlers through [`App::start`].
    ///
    #[doc = include_str!("../../docs/csrf.md")]
    pub fn sessions(mut self) -> App {
        if !self.sessions {
            self.sessions = true;
            // Right inside the access log, so every other middleware sees the session.
            let at = 1.min(self.core.middleware.len());
            self.core
                .middleware
                .insert(at, Arc::new(session::SessionMiddleware));
        }
        self
    }

    /// Lets scripts from other origins call the routes under `prefix`
    /// (`"/"` for all), as `cors` allows: preflights answered with `204`
    /// and the allowed set, allowed answers marked with
    /// `Access-Control-Allow-Origin`, every answer under the prefix with
    /// `Vary: Origin`, and nothing for an origin not allowed. With
    /// [`App::sessions`], the CSRF check lets these origins through (and
    /// only these): see [`Cors`](crate::Cors).
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Cors, Request};
    /// let app = App::new()
    ///     .cors("/api", Cors::new().allow_origin("https://app.example").allow_methods(["GET", "DELETE"]))
    ///     .get("/api/entries", |_: &Request| "[]");
    /// let preflight = Request::new("OPTIONS", "/api/entries")
    ///     .with_header("Origin", "https://app.example")
    ///     .with_header("Access-Control-Request-Method", "DELETE");
    /// let res = app.handle(preflight);
    /// assert_eq!(res.status().code(), 204);
    /// assert_eq!(res.header("access-control-allow-origin"), Some("https://app.example"));
    /// assert_eq!(res.header("access-control-allow-methods"), Some("GET, DELETE"));
    /// ```
    pub fn cors(mut self, prefix: &str, cors: Cors) -> App {
        let state = Arc::make_mut(&mut self.core.state);
        let first = state.get::<CorsRules>().is_none();
        let mut rules = state.get::<CorsRules>().cloned().unwrap_or_default();
        rules.add(prefix, cors);
        state.insert(rules);
        if first {
            // Outside the sessions and the app's own middleware: a
            // preflight is answered before a session is loaded.
            let at = 1.min(self.core.middleware.len());
            let cors: Arc<dyn Middleware> = Arc::new(CorsMiddleware);
            self.core.middleware.insert(at, cors.clone());
            // Async routes answer other origins too (`Route::get_async`).
            self.core.async_chain.push(cors);
        }
        self
    }

    /// Whether HTML responses get the secure headers below that a handler
    /// did not set itself (on by default); `false` turns them off.
    ///
    #[doc = include_str!("../../docs/secure-headers.md")]
    pub fn secure_headers(mut self, on: bool) -> App {
        self.core.secure_headers = on;
        self
    }

    /// Adds a middleware; the first added runs outermost (after the built-in ones).
    pub fn wrap(mut self, middleware: impl Middleware) -> App {
        self.core.middleware.push(Arc::new(middleware));
        self
    }

    /// Adds an address to listen on; call again for more. `--addr` and
    /// `HTTPRS_ADDR` (and `addrs` in `settings.toml`) replace these.
    pub fn bind(mut self, addr: &str) -> App {
        self.addrs.push(addr.to_string());
        self
    }

    /// Where [`App::run`] looks for its settings file, instead of
    /// `settings.toml` in the working directory (`HTTPRS_SETTINGS` still
    /// wins). Relative paths inside the file are taken from its folder.
    ///
    /// An app that keeps its settings, templates and static files together
    /// can be run from anywhere:
    /// `.settings_file(concat!(env!("CARGO_MANIFEST_DIR"), "/settings.toml"))`.
    pub fn settings_file(mut self, path: impl Into<std::path::PathBuf>) -> App {
        self.settings_file = Some(path.into());
        self
    }

    /// Reads the `[app]` table of the settings (and `HTTPRS_APP_*` over it)
    /// into the app's own type `T` when the app starts, and adds it to the
    /// state: handlers read it with `req.state::<T>()`. A value `T` refuses
    /// stops the start with a [`StartError`](crate::StartError) of kind
    /// [`Settings`](crate::StartErrorKind::Settings) naming the key (exit
    /// status 2 from [`App::run`]). See [`AppSettings`](crate::AppSettings).
    ///
    /// # Examples
    /// ```no_run
    /// use httprs::{App, Request};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Guestbook { title: String }
    ///
    /// // settings.toml:  [app]
    /// //                 title = "Sign here"
    /// App::new()
    ///     .app_settings::<Guestbook>()
    ///     .get("/", |req: &Request| req.state::<Guestbook>().unwrap().title.clone())
    ///     .run();
    /// ```
    pub fn app_settings<T: DeserializeOwned + Send + Sync + 'static>(mut self) -> App {
        self.app_settings.push(Box::new(|settings, state| {
            state.insert(settings.app.parse::<T>()?);
            Ok(())
        }));
        self
    }

    /// Declares a flag of the app's own for [`App::run`]: `--help` shows it
    /// with its help text, and its value reaches handlers as
    /// `req.state::<Flags>()`. A flag nobody declared is still refused.
    ///
    /// # Panics
    /// If it is declared twice (here or by [`App::command`]).
    pub fn flag(mut self, flag: Flag) -> App {
        assert!(
            !self.flags.iter().any(|f| f.name() == flag.name()),
            "flag {:?} is declared twice",
            flag.name()
        );
        self.flags.push(flag);
        self
    }

    /// Declares a flag that runs `command` instead of the server: with the
    /// flag given, [`App::run`] loads the settings, calls `command` with
    /// them and the flags, and exits: status 0 if it returned `Ok`, else 1
    /// after `error: ` and its message. A one-off task of the app, such as
    /// creating an admin (Django's management commands).
    ///
    /// # Examples
    /// ```no_run
    /// use httprs::{App, Flag};
    /// App::new()
    ///     .command(Flag::value("--greet", "NAME", "say hello, then exit"), |_settings, flags| {
    ///         println!("hello {}", flags.get("--greet").unwrap_or_default());
    ///         Ok(())
    ///     })
    ///     .run();
    /// ```
    pub fn command(
        mut self,
        flag: Flag,
        command: impl FnOnce(&Settings, &Flags) -> Result<(), CommandError> + Send + Sync + 'static,
    ) -> App {
        let name = flag.name().to_string();
        self = self.flag(flag);
        self.commands.push((name, Box::new(command)));
        self
    }

    /// Runs `req` through middleware, router and handler, without a socket.
    ///
    /// The response is the one the handler built; the server adds `Date`,
    /// `Content-Length`, `Connection` and `Server` only on the wire.
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Response};
    /// let app = App::new().get("/hello/{name}", |req: &Request| {
    ///     Response::text(format!("Hello, {}!", req.param("name").unwrap()))
    /// });
    /// let res = app.handle(Request::new("GET", "/hello/you"));
    /// assert_eq!(res.body_text(), "Hello, you!");
    /// assert_eq!(app.handle(Request::new("GET", "/nope")).status().code(), 404);
    /// assert_eq!(app.handle(Request::new("DELETE", "/hello/you")).header("allow"), Some("GET, HEAD"));
    /// ```
    pub fn handle(&self, mut req: Request) -> Response {
        let resolution = self.core.resolve(&mut req, &self.core.state);
        self.core.respond(&req, &resolution)
    }
}
