//! # Step 08: the application layer
//!
//! Steps 05–07 served one demo router, fixed in the step. This step turns
//! the server into a framework: a program builds an [`app::App`] from a URL
//! table of its own handlers (types with `get`/`post` methods, as httppy's
//! `RequestHandler` classes, or closures), wraps it in middleware, gives it
//! shared state, reads its numbers from a settings file with environment
//! overrides, and writes an access log. Step 07's event loop serves it.
//!
//! What it deliberately leaves out: static files (step 09), templates
//! (step 10), a database (step 11), sessions and cookies (step 12).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03; [`pool`], [`shutdown`]: from step 04;
//!   [`router`]: from step 05; [`split`]: from step 06; [`event_loop`]: from step 07.
//! - [`app`]: **the layer this step teaches**: `App`, `Request`,
//!   `RequestHandler`, middleware, settings, the access log.
//!
//! [`demo_app`] is `cargo run -p step08`'s application; [`load_settings`]
//! reads its settings; [`listen_or_exit`] binds where they say.
#![warn(missing_docs)]

pub mod app;
pub use step07::{
    cli, event_loop, pool, request, response, router, server, shutdown, split, testing,
};

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use app::{AccessLog, App, Next, Request, RequestHandler, Settings, SettingsError};
use response::Response;
use shutdown::Shutdown;

/// The settings file read when `--settings` is not given: `step08.toml`
/// beside this crate's `Cargo.toml`, wherever you run the program from.
pub const DEFAULT_SETTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/step08.toml");

/// The prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "STEP08";

/// The page at `/`: the demo's routes, with links.
pub const INDEX_PAGE: &str = include_str!("pages/index.html");

/// httppy's hello world, as a handler type: `GET /index/` says hello, any
/// other method gets 405 (the `METHODS` list says which are answered).
pub struct IndexHandler;

impl RequestHandler for IndexHandler {
    const METHODS: &'static [&'static str] = &["GET"];

    fn get(&self, _req: &Request) -> Response {
        Response::text("Hello httprs!\n")
    }
}

/// The demo's shared state: how many times `/visits/` was asked for.
#[derive(Default)]
pub struct Visits(AtomicU64);

/// `cargo run -p step08`'s application; with the access log (to standard
/// output) when `access_log` is true.
pub fn demo_app(access_log: bool) -> App {
    let app = App::new();
    let app = if access_log {
        app.wrap(AccessLog::stdout())
    } else {
        app
    };
    app.wrap(|req: &mut Request, next: Next<'_>| {
        next.run(req).with_header("X-Powered-By", "step08")
    })
    .with_state(Visits::default())
    .get("/", |_: &Request| Response::html(INDEX_PAGE))
    .route("/index/", IndexHandler)
    .get("/hello/{name}", |req: &Request| {
        // Plain text, not HTML: a name like `<script>` is shown, never run.
        let name = req.param("name").unwrap_or_default();
        Response::text(format!("Hello, {name}!\n"))
    })
    .get("/visits/", |req: &Request| {
        let visits = req.state::<Visits>().expect("demo_app adds Visits");
        let count = visits.0.fetch_add(1, Ordering::Relaxed) + 1;
        Response::text(format!("Visits so far: {count}\n"))
    })
}

/// The usage line of `cargo run -p step08`.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--addr HOST:PORT] [--settings FILE]\n\n  \
         --addr HOST:PORT   where to listen (overrides the setting `addr`)\n  \
         --settings FILE    the settings file (default {})\n\n\
         Each setting can be overridden by an environment variable: {ENV_PREFIX}_WORKERS=2, ...",
        shown(Path::new(DEFAULT_SETTINGS)).display(),
    )
}

/// The settings: the defaults, then the settings file (`--settings`, or
/// [`DEFAULT_SETTINGS`] if it exists), then the `STEP08_*` variables in
/// `vars`, then the `--addr` flag. Every value is checked.
///
/// # Errors
/// The first bad setting, naming its key, its value and where it came from.
pub fn load_settings(
    settings_flag: Option<&str>,
    addr_flag: Option<&str>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, SettingsError> {
    let mut settings = Settings::defaults();
    match settings_flag {
        Some(path) => settings = settings.with_file(Path::new(path))?,
        None if Path::new(DEFAULT_SETTINGS).exists() => {
            settings = settings.with_file(&shown(Path::new(DEFAULT_SETTINGS)))?;
        }
        None => {}
    }
    settings = settings.with_env(ENV_PREFIX, vars)?;
    if let Some(addr) = addr_flag {
        settings = settings.with_flag("addr", addr)?;
    }
    settings.check()?;
    Ok(settings)
}

/// Binds `addr` and installs the Ctrl-C and SIGTERM handler: the listener,
/// where it listens (the real port, for port 0), and the shutdown switch.
/// Prints a clear message and exits with status 1 if `addr` cannot be used.
pub fn listen_or_exit(addr: SocketAddr) -> (TcpListener, SocketAddr, Shutdown) {
    let listener = cli::bind_or_exit(&addr.to_string());
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    // Only fails if a handler is already installed, and this is the only one.
    shutdown
        .trigger_on_signals()
        .expect("install the Ctrl-C handler");
    (listener, local, shutdown)
}

/// `path` relative to the current directory when it is inside it: what a
/// learner would type, and the same on every machine.
pub fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_says_hello_at_index_and_counts_visits() {
        let app = demo_app(false);
        let hello = app.respond(Request::new("GET", "/index/"));
        assert_eq!(hello.body(), b"Hello httprs!\n");
        assert_eq!(hello.header("X-Powered-By"), Some("step08"));
        app.respond(Request::new("GET", "/visits/"));
        let second = app.respond(Request::new("GET", "/visits/"));
        assert_eq!(second.body(), b"Visits so far: 2\n");
    }

    #[test]
    fn flags_override_variables_which_override_the_file() {
        let vars = [("STEP08_WORKERS".to_string(), "3".to_string())];
        let settings = load_settings(None, Some("127.0.0.1:0"), vars).unwrap();
        assert_eq!(settings.workers().unwrap(), 3);
        assert_eq!(settings.addr().unwrap().port(), 0);
        let bad = [("STEP08_IDLE_MS".to_string(), "soon".to_string())];
        let err = load_settings(None, None, bad).unwrap_err();
        assert!(err.to_string().contains("STEP08_IDLE_MS"), "{err}");
    }
}
