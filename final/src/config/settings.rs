//! Settings: defaults, then `settings.toml`, then `HTTPRS_*` variables, then the command line.
//!
//! One concept over 500 lines: every setting with its default, its key and
//! its check, read from three sources by one set of functions, so that a new
//! setting is added in this file and nowhere else (its tests take a third).
//!
//! httppy read a `settings.py`; httprs reads `settings.toml`
//! from the working directory (or the file named by `HTTPRS_SETTINGS`). Each
//! layer overrides the one before it, so a deployment can change a limit
//! without touching code:
//!
//! 1. [`Settings::default`], sensible for development;
//! 2. addresses given in code with [`crate::App::bind`];
//! 3. the settings file;
//! 4. environment variables, `HTTPRS_` + the key in capitals (`HTTPRS_WORKERS=8`;
//!    `HTTPRS_ADDR` holds one or more comma-separated addresses);
//! 5. the command line: `--addr HOST:PORT` (repeatable) and `--backend`.
//!
//! ```toml
//! addrs = ["127.0.0.1:7777", "[::1]:7777"]
//! mode = "http"           # or "backend": serve a front (split mode)
//! workers = 4
//! max_body_bytes = 1048576
//! header_timeout = 10.0   # seconds
//! log_level = "info"
//! database = "data/app.sqlite3"   # relative to this file's folder, or postgres://user@host/db
//! secret_key = "..."      # signs session cookies; better in HTTPRS_SECRET_KEY
//! split_key = "..."       # backend mode: the key its fronts must prove; better in HTTPRS_SPLIT_KEY
//! trusted_proxies = ["10.0.0.5", "fd00::/8"]   # whose X-Forwarded-For/-Proto are believed
//! ```
//!
//! A mistake stops start-up with a message naming where, which key and what
//! is wrong (`settings.toml: key 'workers': expected a whole number of at
//! least 1, found "four"`), because a server that starts with a setting
//! silently ignored is worse than one that does not start.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use log::LevelFilter;

use crate::config::app_settings::AppSettings;
use crate::config::keys::{KeyError, SecretKey};
use crate::config::settings_error::SettingsError;
use crate::http::trusted_proxies::{NetworkError, TrustedProxies};

/// Where an app listens unless told otherwise.
pub(crate) const DEFAULT_ADDR: &str = "127.0.0.1:7777";

/// How an app serves its requests: `mode` in the settings file,
/// `HTTPRS_MODE`, or `--backend` on the command line.
///
/// The same [`crate::App`], routes, middleware and all, runs either way;
/// only what comes in on the sockets changes.
///
#[doc = include_str!("../../docs/backend-mode.md")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// HTTP/1.1, straight to browsers and other clients (`"http"`, the default).
    #[default]
    Http,
    /// Split mode's backend (`"backend"`): the addresses accept connections
    /// from a front such as `httprs-front`, which sends each request as a
    /// frame of step 06's protocol ([`crate::split::protocol`]).
    Backend,
}

/// Everything an operator may tune. Build one with `Settings::default()` and
/// struct update syntax, or let [`crate::App::run`] load it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Addresses to listen on, all at once (`addrs`).
    pub addrs: Vec<String>,
    /// HTTP, or split mode's backend protocol (`mode`: `"http"` or `"backend"`).
    pub mode: Mode,
    /// Worker threads for handlers (`workers`, default: four per core, at
    /// least 8). Fast handlers run inside the event loops and never need a
    /// worker; the workers are for handlers that block (a database query, a
    /// file, a call to another service), which spend their time waiting, not
    /// computing, so there can be more of them than cores.
    pub workers: usize,
    /// Event-loop threads owning the sockets (`event_loops`, default: the number of cores).
    pub event_loops: usize,
    /// Open connections beyond which new ones get 503 and are closed (`max_connections`).
    pub max_connections: usize,
    /// Streamed responses (server-sent events, ...) open at once (`max_streams`,
    /// 1,000): each holds a connection for as long as its producer likes, so
    /// past this a handler's stream is answered `503` with `Retry-After`.
    /// Streams count toward `max_connections` too.
    pub max_streams: usize,
    /// Longest request head in bytes (`max_head_bytes`, 8 KiB): 431, or 414 for the request line.
    pub max_head_bytes: usize,
    /// Longest request body in bytes (`max_body_bytes`, 1 MiB): 413. A
    /// route may set its own ([`Route::max_body`](crate::Route::max_body)).
    pub max_body_bytes: usize,
    /// Bytes of an uploaded file kept in memory before it goes to a
    /// temporary file (`upload_memory_bytes`, 64 KiB). See [`crate::Multipart`].
    pub upload_memory_bytes: usize,
    /// The folder uploads' temporary files are made in (`upload_dir`,
    /// relative to [`Settings::root`]; none by default: the system's temporary folder).
    pub upload_dir: Option<PathBuf>,
    /// Time allowed for a complete head (`header_timeout`, 10 s): 408.
    pub header_timeout: Duration,
    /// Time a keep-alive connection may sit idle, or a body or a write may stall (`idle_timeout`, 60 s).
    pub idle_timeout: Duration,
    /// Time in-flight requests get to finish on shutdown (`shutdown_timeout`, 10 s).
    pub shutdown_timeout: Duration,
    /// A handler that has finished within this many microseconds many times in a
    /// row runs inside the event loop, saving a thread hop (`inline_budget_us`,
    /// 200; 0 always uses the workers). See [`Server`](crate::Server), "Where a handler runs".
    pub inline_budget_us: u64,
    /// Show error details (panics, template errors) in 500 responses and
    /// re-read templates edited while the server runs (`debug`, false).
    pub debug: bool,
    /// The most verbose log level shown (`log_level`: off, error, warn, info, debug, trace).
    pub log_level: LevelFilter,
    /// Log one line per request (`access_log`, true).
    pub access_log: bool,
    /// Send text, JSON, JavaScript, SVG and XML bodies gzip- or
    /// brotli-encoded to clients that ask for it in `Accept-Encoding`
    /// (`compression`, true). On by default: a page or a style sheet
    /// shrinks to a fifth for every visitor, and the one secret httprs puts
    /// in pages, the CSRF token, is masked per response against BREACH. An
    /// app that echoes input beside its own secrets in one body, or runs
    /// behind a proxy that compresses, can switch it off.
    ///
    #[doc = include_str!("../../docs/compression.md")]
    pub compression: bool,
    /// Bodies shorter than this many bytes are never compressed
    /// (`compression_min_size`, 1024): below about one packet the saving
    /// is nothing and the CPU is not.
    pub compression_min_size: usize,
    /// The data layer's database, if the app has one (`database`,
    /// `httprs.sqlite3`): the path of a SQLite file, a relative one taken
    /// from [`Settings::root`], or a PostgreSQL server's URL,
    /// `postgres://user:password@host:port/name`. See [`Database`](crate::Database).
    pub database: PathBuf,
    /// Connections the data layer keeps open (`database_pool`, 4). SQLite
    /// lets many readers work beside one writer, so a few connections let
    /// reads overlap; more mostly wait for the write lock, and each costs
    /// its own page cache (up to 2 MiB). A PostgreSQL server runs
    /// connections in parallel; each instance's pool counts against its
    /// `max_connections` (100 by default).
    pub database_pool: usize,
    /// The key that signs session cookies (`secret_key`, at least 32 bytes;
    /// none by default). An app with [`crate::App::sessions`] refuses to
    /// start without one unless `debug` is on. See [`Session`](crate::Session).
    pub secret_key: Option<SecretKey>,
    /// How long a session lives after its last change (`session_max_age`,
    /// two weeks): the cookie's `Max-Age` and the stored row's expiry.
    pub session_max_age: Duration,
    /// How often expired sessions are deleted, by a background thread
    /// (`session_sweep_interval`, seconds; ten minutes by default).
    pub session_sweep_interval: Duration,
    /// Send the session cookie over HTTPS only (`session_cookie_secure`,
    /// false): turn it on wherever a TLS proxy stands in front.
    pub session_cookie_secure: bool,
    /// The key a backend and its fronts share (`split_key`, at least 32
    /// bytes; none by default): in backend mode, each front connection must
    /// prove it holds the key before its requests are served (the split
    /// protocol's version 2, [`crate::dev::auth`]). Required in backend mode
    /// unless `debug` is on; better in `HTTPRS_SPLIT_KEY` than in a file.
    pub split_key: Option<SecretKey>,
    /// The reverse proxies whose `X-Forwarded-For`, `X-Forwarded-Proto`,
    /// `Forwarded` and `X-Request-Id` are believed (`trusted_proxies`:
    /// addresses or networks, `["10.0.0.5", "fd00::/8"]`;
    /// `HTTPRS_TRUSTED_PROXIES=10.0.0.5,fd00::/8`). Empty by default:
    /// nobody's are. See [`crate::Request::client_ip`].
    pub trusted_proxies: TrustedProxies,
    /// The folder relative paths in settings are read from: the settings
    /// file's folder once one is loaded, else the working directory (`.`).
    /// Not a key: it follows from where the file is.
    pub root: PathBuf,
    /// The app's own keys: the `[app]` table, and `HTTPRS_APP_*` variables
    /// over it, which the framework does not check; the app reads them into
    /// its own type ([`AppSettings::parse`], [`App::app_settings`](crate::App::app_settings)).
    pub app: AppSettings,
}

impl Default for Settings {
    fn default() -> Settings {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Settings {
            addrs: Vec::new(),
            mode: Mode::Http,
            workers: (4 * cores).max(8),
            event_loops: cores,
            max_connections: 10_000,
            max_streams: 1_000,
            max_head_bytes: 8 * 1024,
            max_body_bytes: 1024 * 1024,
            upload_memory_bytes: 64 * 1024,
            upload_dir: None,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(10),
            inline_budget_us: 200,
            debug: false,
            log_level: LevelFilter::Info,
            access_log: true,
            compression: true,
            compression_min_size: 1024,
            database: PathBuf::from("httprs.sqlite3"),
            database_pool: 4,
            secret_key: None,
            session_max_age: Duration::from_secs(14 * 24 * 3600),
            session_sweep_interval: Duration::from_secs(600),
            session_cookie_secure: false,
            split_key: None,
            trusted_proxies: TrustedProxies::default(),
            root: PathBuf::from("."),
            app: AppSettings::default(),
        }
    }
}

/// What is wrong with one setting; [`SettingsError`] adds where it was
/// read and which key it is. Also what [`check_addr`] says of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The value is not one the key takes: what it takes, and what was
    /// found (as written, or in words for a secret).
    Expected {
        /// What the key takes: `a whole number of at least 1`.
        expected: String,
        /// What was there instead: `"four"`.
        found: String,
    },
    /// The value was refused as a key; it is never shown.
    Key(KeyError),
    /// No setting has this name (a typo, usually).
    UnknownKey,
}

impl Problem {
    fn expected(expected: impl Into<String>, found: impl Into<String>) -> Problem {
        Problem::Expected {
            expected: expected.into(),
            found: found.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Expected { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            Problem::Key(err) => err.fmt(f),
            Problem::UnknownKey => {
                write!(f, "unknown key; the known keys are {}", KEYS.join(", "))
            }
        }
    }
}

impl From<KeyError> for Problem {
    fn from(err: KeyError) -> Problem {
        Problem::Key(err)
    }
}

/// A raw value, from a TOML file or from an environment variable.
enum Raw<'a> {
    Toml(&'a toml::Value),
    Env(&'a str),
}

impl Raw<'_> {
    fn shown(&self) -> String {
        match self {
            Raw::Toml(v) => v.to_string(),
            Raw::Env(s) => format!("{s:?}"),
        }
    }

    fn count(&self, min: u64) -> Result<u64, Problem> {
        let n = match self {
            Raw::Toml(toml::Value::Integer(i)) => u64::try_from(*i).ok(),
            Raw::Env(s) => s.trim().parse().ok(),
            _ => None,
        };
        n.filter(|n| *n >= min).ok_or_else(|| {
            Problem::expected(format!("a whole number of at least {min}"), self.shown())
        })
    }

    fn seconds(&self) -> Result<Duration, Problem> {
        let secs = match self {
            Raw::Toml(toml::Value::Integer(i)) => Some(*i as f64),
            Raw::Toml(toml::Value::Float(f)) => Some(*f),
            Raw::Env(s) => s.trim().parse().ok(),
            _ => None,
        };
        secs.filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| Problem::expected("a positive number of seconds", self.shown()))
    }

    fn boolean(&self) -> Result<bool, Problem> {
        match self {
            Raw::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Raw::Env("true" | "1" | "yes") => Ok(true),
            Raw::Env("false" | "0" | "no") => Ok(false),
            _ => Err(Problem::expected("true or false", self.shown())),
        }
    }

    /// A list of addresses or networks: a TOML array of strings (or one
    /// string), or a comma-separated variable.
    fn networks(&self) -> Result<TrustedProxies, Problem> {
        let list: Option<Vec<&str>> = match self {
            Raw::Toml(toml::Value::String(s)) => Some(vec![s.as_str()]),
            Raw::Toml(toml::Value::Array(items)) => items.iter().map(|v| v.as_str()).collect(),
            // An empty variable: none trusted, as unset.
            Raw::Env(s) => Some(s.split(',').filter(|a| !a.trim().is_empty()).collect()),
            _ => None,
        };
        let list = list.ok_or_else(|| {
            Problem::expected(
                "a list of addresses or networks such as [\"10.0.0.0/8\"]",
                self.shown(),
            )
        })?;
        TrustedProxies::parse(list)
            .map_err(|err| Problem::expected(NetworkError::EXPECTED, format!("{:?}", err.entry())))
    }

    fn addrs(&self) -> Result<Vec<String>, Problem> {
        let list: Option<Vec<String>> = match self {
            Raw::Toml(toml::Value::String(s)) => Some(vec![s.clone()]),
            Raw::Toml(toml::Value::Array(items)) => {
                items.iter().map(|v| v.as_str().map(String::from)).collect()
            }
            Raw::Env(s) => Some(s.split(',').map(|a| a.trim().to_string()).collect()),
            _ => None,
        };
        let list =
            list.ok_or_else(|| Problem::expected("a list of \"HOST:PORT\" strings", self.shown()))?;
        for addr in &list {
            check_addr(addr)?;
        }
        Ok(list)
    }

    /// The value as a string, or `""` for a TOML value of another type
    /// (which then fails the caller's check, and the message shows it).
    fn text(&self) -> &str {
        match self {
            Raw::Toml(toml::Value::String(s)) => s,
            Raw::Env(s) => s,
            _ => "",
        }
    }

    fn path(&self) -> Result<PathBuf, Problem> {
        let text = self.text();
        if text.trim().is_empty() {
            return Err(Problem::expected("a file path", self.shown()));
        }
        Ok(PathBuf::from(text))
    }

    /// A file path, or a `postgres://` URL checked here, so that a typo in
    /// it stops start-up as any bad setting does.
    fn database(&self) -> Result<PathBuf, Problem> {
        let text = self.text();
        if crate::data::postgres::is_url(text) {
            crate::data::postgres::check_url(text).map_err(|err| {
                let found = crate::data::postgres::redacted(text);
                Problem::expected(
                    "a file path or a postgres:// URL",
                    format!("{found}: {err}"),
                )
            })?;
            return Ok(PathBuf::from(text));
        }
        self.path()
    }

    fn mode(&self) -> Result<Mode, Problem> {
        let text = self.text();
        match text {
            "http" => Ok(Mode::Http),
            "backend" => Ok(Mode::Backend),
            _ => Err(Problem::expected("\"http\" or \"backend\"", self.shown())),
        }
    }

    fn level(&self) -> Result<LevelFilter, Problem> {
        let text = self.text();
        text.parse().map_err(|_| {
            Problem::expected("one of off, error, warn, info, debug, trace", self.shown())
        })
    }
}

/// `HOST:PORT` with a numeric port; the host is checked when binding.
pub(crate) fn check_addr(addr: &str) -> Result<(), Problem> {
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(Problem::expected("HOST:PORT", format!("{addr:?}"))),
    }
}

/// The command line [`Settings::apply_args`] understands.
const USAGE: &str = "[--addr HOST:PORT]... [--backend]";

/// What an app's `--help` prints: [`Parsed::Help`] from [`Settings::apply_args`].
const HELP: &str = "usage: [--addr HOST:PORT]... [--backend]

  --addr HOST:PORT   where to listen (repeatable); replaces the addresses
                     from the code, settings.toml and HTTPRS_ADDR
  --backend          serve a front (httprs-front) over the split protocol
                     instead of HTTP; same as mode = \"backend\" or HTTPRS_MODE=backend

settings: settings.toml (or the file HTTPRS_SETTINGS names), HTTPRS_* variables";

/// What a command line was parsed into: a request to run, or to be told how.
///
/// `--help` is no mistake, so it is no error: a parser returns
/// `Ok(Parsed::Help(text))`, and `main` prints the text on standard
/// output and exits with status 0, where a mistake goes to standard error
/// with status 2. [`Settings::apply_args`] returns a `Parsed<()>` (the
/// flags are applied to the settings themselves),
/// [`FrontOptions::parse`](crate::FrontOptions::parse) a
/// `Parsed<FrontOptions>`.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a Parsed::Help asks for the usage to be printed instead of running"]
pub enum Parsed<T> {
    /// Run, with what the command line said.
    Run(T),
    /// `--help` or `-h`: print this usage text and exit successfully.
    Help(&'static str),
}

/// Every key, in the order the docs list them.
const KEYS: &[&str] = &[
    "addrs",
    "mode",
    "workers",
    "event_loops",
    "max_connections",
    "max_streams",
    "max_head_bytes",
    "max_body_bytes",
    "upload_memory_bytes",
    "upload_dir",
    "header_timeout",
    "idle_timeout",
    "shutdown_timeout",
    "inline_budget_us",
    "debug",
    "log_level",
    "access_log",
    "compression",
    "compression_min_size",
    "database",
    "database_pool",
    "secret_key",
    "session_max_age",
    "session_sweep_interval",
    "session_cookie_secure",
    "split_key",
    "trusted_proxies",
];

impl Settings {
    /// The `database` setting as [`Database::open`](crate::Database::open)
    /// takes it: a URL as it is, a relative path joined to [`Settings::root`].
    pub fn database_location(&self) -> PathBuf {
        match self.database.to_str() {
            Some(url) if crate::data::postgres::is_url(url) => self.database.clone(),
            // `join` keeps an absolute path as it is.
            _ => self.root.join(&self.database),
        }
    }

    /// How uploads are kept: `upload_memory_bytes` and `upload_dir` (joined to [`Settings::root`]).
    pub fn upload_config(&self) -> crate::UploadConfig {
        crate::UploadConfig {
            dir: self.upload_dir.as_ref().map(|dir| self.root.join(dir)),
            memory_limit: self.upload_memory_bytes,
            ..crate::UploadConfig::default()
        }
    }

    fn apply(&mut self, key: &str, raw: Raw<'_>) -> Result<(), Problem> {
        match key {
            "addrs" => self.addrs = raw.addrs()?,
            "mode" => self.mode = raw.mode()?,
            "workers" => self.workers = raw.count(1)? as usize,
            "event_loops" => self.event_loops = raw.count(1)? as usize,
            "max_connections" => self.max_connections = raw.count(1)? as usize,
            "max_streams" => self.max_streams = raw.count(0)? as usize,
            "max_head_bytes" => self.max_head_bytes = raw.count(64)? as usize,
            "max_body_bytes" => self.max_body_bytes = raw.count(0)? as usize,
            "upload_memory_bytes" => self.upload_memory_bytes = raw.count(0)? as usize,
            "upload_dir" => self.upload_dir = Some(raw.path()?),
            "header_timeout" => self.header_timeout = raw.seconds()?,
            "idle_timeout" => self.idle_timeout = raw.seconds()?,
            "shutdown_timeout" => self.shutdown_timeout = raw.seconds()?,
            "inline_budget_us" => self.inline_budget_us = raw.count(0)?,
            "debug" => self.debug = raw.boolean()?,
            "log_level" => self.log_level = raw.level()?,
            "access_log" => self.access_log = raw.boolean()?,
            "compression" => self.compression = raw.boolean()?,
            "compression_min_size" => self.compression_min_size = raw.count(0)? as usize,
            "database" => self.database = raw.database()?,
            "database_pool" => self.database_pool = raw.count(1)? as usize,
            // Never `raw.shown()`: the message must not print the key.
            "secret_key" => self.secret_key = Some(SecretKey::new(raw.text().as_bytes())?),
            "session_max_age" => self.session_max_age = raw.seconds()?,
            "session_sweep_interval" => self.session_sweep_interval = raw.seconds()?,
            "session_cookie_secure" => self.session_cookie_secure = raw.boolean()?,
            // Checked whatever `debug` says: a front must be given the same
            // key, and a development key there would be no better.
            "split_key" => self.split_key = Some(crate::config::keys::parse_key(raw.text())?),
            "trusted_proxies" => self.trusted_proxies = raw.networks()?,
            _ => return Err(Problem::UnknownKey),
        }
        Ok(())
    }

    /// Applies the settings in TOML text `text`, read from `source` (for messages).
    ///
    /// # Errors
    /// A [`SettingsError`] for invalid TOML, an unknown key or a bad value.
    ///
    /// # Examples
    /// ```
    /// use httprs::Settings;
    /// let mut s = Settings::default();
    /// s.apply_toml("workers = 3", "settings.toml").unwrap();
    /// assert_eq!(s.workers, 3);
    /// let err = s.apply_toml("workers = \"four\"", "settings.toml").unwrap_err();
    /// assert_eq!(err.to_string(),
    ///     "settings.toml: key 'workers': expected a whole number of at least 1, found \"four\"");
    /// ```
    pub fn apply_toml(&mut self, text: &str, source: &str) -> Result<(), SettingsError> {
        let table: toml::Table = text.parse().map_err(|err: toml::de::Error| SettingsError {
            source: source.to_string(),
            key: String::new(),
            problem: format!("invalid TOML: {}", err.to_string().trim()),
        })?;
        for (key, value) in &table {
            if key == "app" {
                // The app's own table: its type checks it, not this file.
                let Some(app) = value.as_table() else {
                    return Err(SettingsError {
                        source: source.to_string(),
                        key: key.clone(),
                        problem: Problem::expected("a table [app]", value.to_string()).to_string(),
                    });
                };
                self.app.merge(app, source);
                continue;
            }
            self.apply(key, Raw::Toml(value))
                .map_err(|problem| SettingsError {
                    source: source.to_string(),
                    key: key.clone(),
                    problem: problem.to_string(),
                })?;
        }
        Ok(())
    }

    /// Applies `HTTPRS_*` variables from `vars` (usually `std::env::vars()`).
    ///
    /// # Errors
    /// A [`SettingsError`] naming the variable for a bad value or an unknown name.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SettingsError> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("HTTPRS_") else {
                continue;
            };
            // HTTPRS_SETTINGS names the file; it is not a setting itself.
            if key == "SETTINGS" {
                continue;
            }
            if let Some(app_key) = key.strip_prefix("APP_") {
                let origin = format!("environment variable {name}");
                self.app.set_from_env(app_key, &value, &origin);
                continue;
            }
            let key = match key.to_ascii_lowercase().as_str() {
                "addr" => "addrs".to_string(),
                other => other.to_string(),
            };
            self.apply(&key, Raw::Env(&value))
                .map_err(|problem| SettingsError {
                    source: format!("environment variable {name}"),
                    key: key.clone(),
                    problem: problem.to_string(),
                })?;
        }
        Ok(())
    }

    /// Layers 3 and 4: the settings file `settings.toml` in the working
    /// directory (if present) and the environment. See [`Settings::load_from`].
    ///
    /// # Errors
    /// A [`SettingsError`] from either layer; an unreadable file is one too.
    pub fn load(self) -> Result<Settings, SettingsError> {
        self.load_from(Path::new("settings.toml"))
    }

    /// Layers 3 and 4: the settings file and the environment. The file is the
    /// one `HTTPRS_SETTINGS` names, which must exist, else `default_file`,
    /// which may be missing. [`Settings::root`] becomes the file's folder.
    ///
    /// # Errors
    /// A [`SettingsError`] from either layer; an unreadable file is one too.
    pub fn load_from(mut self, default_file: &Path) -> Result<Settings, SettingsError> {
        let named = std::env::var_os("HTTPRS_SETTINGS").map(PathBuf::from);
        let path = named.clone().unwrap_or_else(|| default_file.to_path_buf());
        // The default file is optional; a file named explicitly must exist.
        if named.is_some() || path.exists() {
            let source = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|err| SettingsError {
                source: source.clone(),
                key: String::new(),
                problem: format!("cannot read: {err}"),
            })?;
            self.apply_toml(&text, &source)?;
            self.root = match path.parent() {
                Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
                _ => PathBuf::from("."),
            };
        }
        self.apply_env(std::env::vars())?;
        Ok(self)
    }

    /// Layer 5: `--addr HOST:PORT` (or `--addr=HOST:PORT`), repeatable; any
    /// `--addr` replaces every address from the earlier layers. `--backend`
    /// sets [`Mode::Backend`]: the app serves a front instead of browsers.
    ///
    /// `--help` (or `-h`) is not a mistake: the answer is then
    /// [`Parsed::Help`] with the usage to print, and nothing is applied.
    /// Otherwise it is `Parsed::Run(())`.
    ///
    /// # Errors
    /// A [`SettingsError`] for an unknown flag, a missing value or a bad address.
    ///
    /// # Examples
    /// ```
    /// use httprs::{Mode, Parsed, Settings};
    /// let mut s = Settings::default();
    /// let command = s.apply_args(["--backend", "--addr", "127.0.0.1:7001"].map(String::from));
    /// assert_eq!(command, Ok(Parsed::Run(())));
    /// assert_eq!((s.mode, s.addrs[0].as_str()), (Mode::Backend, "127.0.0.1:7001"));
    /// let Ok(Parsed::Help(usage)) = s.apply_args(["--help".to_string()]) else { panic!() };
    /// assert!(usage.starts_with("usage: [--addr HOST:PORT]..."));
    /// ```
    pub fn apply_args(
        &mut self,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Parsed<()>, SettingsError> {
        let fail = |key: &str, problem: String| SettingsError {
            source: "command line".to_string(),
            key: key.to_string(),
            problem,
        };
        let mut addrs = Vec::new();
        let mut previous_was_backend = false;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(Parsed::Help(HELP));
            }
            let value = if let Some(v) = arg.strip_prefix("--addr=") {
                v.to_string()
            } else if arg == "--addr" {
                args.next()
                    .ok_or_else(|| fail("--addr", "needs a value HOST:PORT".into()))?
            } else if arg == "--backend" {
                self.mode = Mode::Backend;
                previous_was_backend = true;
                continue;
            } else if previous_was_backend && !arg.starts_with('-') {
                // `httprs-front --backend HOST:PORT` takes a value; an app's does not.
                return Err(fail(
                    "--backend",
                    format!(
                        "takes no value (found {arg:?}); \
                         use --addr HOST:PORT to say where the backend listens"
                    ),
                ));
            } else {
                return Err(fail(&arg, format!("unknown argument; usage: {USAGE}")));
            };
            previous_was_backend = false;
            check_addr(&value).map_err(|p| fail("--addr", p.to_string()))?;
            addrs.push(value);
        }
        if !addrs.is_empty() {
            self.addrs = addrs;
        }
        Ok(Parsed::Run(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_full_file_sets_every_key() {
        let mut s = Settings::default();
        s.apply_toml(
            r#"
            addrs = ["127.0.0.1:1", "127.0.0.1:2"]
            mode = "backend"
            workers = 3
            event_loops = 1
            max_connections = 10
            max_head_bytes = 1024
            max_body_bytes = 0
            header_timeout = 0.5
            idle_timeout = 2
            shutdown_timeout = 3
            inline_budget_us = 0
            debug = true
            log_level = "warn"
            access_log = false
            database = "data/app.sqlite3"
            database_pool = 2
            secret_key = "0123456789abcdef0123456789abcdef"
            session_max_age = 3600
            session_cookie_secure = true
            session_sweep_interval = 30
            trusted_proxies = ["10.0.0.5", "fd00::/8"]
            "#,
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.addrs, ["127.0.0.1:1", "127.0.0.1:2"]);
        assert_eq!(s.header_timeout, Duration::from_millis(500));
        assert_eq!(s.log_level, LevelFilter::Warn);
        assert!(s.debug && !s.access_log);
        assert_eq!(s.database, PathBuf::from("data/app.sqlite3"));
        assert_eq!(s.database_pool, 2);
        assert_eq!(s.mode, Mode::Backend);
        assert_eq!(s.secret_key.as_ref().map(|k| k.bytes().len()), Some(32));
        assert_eq!(s.session_max_age, Duration::from_secs(3600));
        assert!(s.session_cookie_secure);
        assert_eq!(s.session_sweep_interval, Duration::from_secs(30));
        assert!(s.trusted_proxies.contains("fd00::9".parse().unwrap()));
        assert!(!s.trusted_proxies.contains("10.0.0.6".parse().unwrap()));
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_a_comma_separated_variable() {
        let mut s = Settings::default();
        s.apply_env(env(&[("HTTPRS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]))
            .unwrap();
        assert!(s.trusted_proxies.contains("10.9.8.7".parse().unwrap()));
        let err = s
            .apply_env(env(&[("HTTPRS_TRUSTED_PROXIES", "10.0.0.0/8,nginx")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "environment variable HTTPRS_TRUSTED_PROXIES: key 'trusted_proxies': expected an IP \
             address or a network such as 10.0.0.0/8 or fd00::/8, found \"nginx\""
        );
        let err = s
            .apply_toml("trusted_proxies = 3", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected a list of addresses or networks"),
            "{err}"
        );
        s.apply_env(env(&[("HTTPRS_TRUSTED_PROXIES", "")])).unwrap();
        assert!(s.trusted_proxies.is_empty());
    }

    #[test]
    fn a_short_secret_key_is_refused_without_being_shown() {
        let mut s = Settings::default();
        let err = s
            .apply_env(env(&[("HTTPRS_SECRET_KEY", "hunter2")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected at least 32 bytes, found 7"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let key = SecretKey::new(vec![7; 40]).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(40 bytes)");
    }

    #[test]
    fn file_errors_name_file_key_and_problem() {
        let mut s = Settings::default();
        let cases = [
            (
                "wokers = 3",
                "s.toml: key 'wokers': unknown key; the known keys are",
            ),
            (
                "idle_timeout = -1",
                "s.toml: key 'idle_timeout': expected a positive number of seconds, found -1",
            ),
            (
                "addrs = [\"localhost\"]",
                "s.toml: key 'addrs': expected HOST:PORT, found \"localhost\"",
            ),
            ("workers = ", "s.toml: invalid TOML"),
            (
                "database = 3",
                "s.toml: key 'database': expected a file path, found 3",
            ),
            (
                "mode = \"front\"",
                "s.toml: key 'mode': expected \"http\" or \"backend\", found \"front\"",
            ),
        ];
        for (text, expected) in cases {
            let err = s.apply_toml(text, "s.toml").unwrap_err().to_string();
            assert!(err.starts_with(expected), "{text:?} gave {err:?}");
        }
    }

    #[test]
    fn environment_variables_override_and_are_named_in_errors() {
        let mut s = Settings::default();
        s.apply_env(env(&[
            ("HTTPRS_ADDR", "127.0.0.1:1, 127.0.0.1:2"),
            ("HTTPRS_DEBUG", "1"),
            ("PATH", "/bin"),
        ]))
        .unwrap();
        assert_eq!(s.addrs, ["127.0.0.1:1", "127.0.0.1:2"]);
        assert!(s.debug);
        let err = s.apply_env(env(&[("HTTPRS_WORKERS", "0")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable HTTPRS_WORKERS: key 'workers': expected a whole number of at least 1, found \"0\""
        );
    }

    #[test]
    fn addr_flags_replace_the_addresses() {
        let mut s = Settings {
            addrs: vec!["127.0.0.1:1".into()],
            ..Settings::default()
        };
        let args = ["--addr", "127.0.0.1:9000", "--addr=[::1]:9001"].map(String::from);
        assert_eq!(s.apply_args(args), Ok(Parsed::Run(())));
        assert_eq!(s.addrs, ["127.0.0.1:9000", "[::1]:9001"]);
        assert!(s.apply_args(["--adr".to_string()]).is_err());
        assert!(s.apply_args(["--addr".to_string()]).is_err());
    }

    #[test]
    fn the_backend_flag_and_variable_switch_the_mode_and_the_flag_takes_no_value() {
        let mut s = Settings::default();
        s.apply_env(env(&[("HTTPRS_MODE", "backend")])).unwrap();
        assert_eq!(s.mode, Mode::Backend);
        let mut s = Settings::default();
        assert_eq!(s.apply_args(["--backend".to_string()]), Ok(Parsed::Run(())));
        assert_eq!(s.mode, Mode::Backend);
        let err = s
            .apply_args(["--backend", "127.0.0.1:7001"].map(String::from))
            .unwrap_err();
        assert!(
            err.to_string().contains("--backend': takes no value"),
            "{err}"
        );
        assert!(err.to_string().contains("use --addr HOST:PORT"), "{err}");
    }

    #[test]
    fn a_loaded_file_becomes_the_root_for_relative_paths() {
        let folder = std::env::temp_dir().join(format!("httprs-settings-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("site.toml");
        std::fs::write(&file, "workers = 5\n").unwrap();
        let s = Settings::default().load_from(&file).unwrap();
        assert_eq!((s.workers, s.root.as_path()), (5, folder.as_path()));
        // A missing default file is fine, and leaves the root where it was.
        let s = Settings::default()
            .load_from(&folder.join("none.toml"))
            .unwrap();
        assert_eq!(s.root, PathBuf::from("."));
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn help_is_an_answer_not_an_error_and_applies_nothing() {
        let mut s = Settings::default();
        let parsed = s.apply_args(["--addr", "127.0.0.1:1", "-h"].map(String::from));
        assert_eq!(parsed, Ok(Parsed::Help(HELP)));
        assert!(s.addrs.is_empty(), "nothing applied: {:?}", s.addrs);
        assert!(HELP.starts_with(&format!("usage: {USAGE}\n")), "{HELP}");
    }
}
