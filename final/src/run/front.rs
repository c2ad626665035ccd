//! `httprs-front`'s command line, and the app it builds: static folders,
//! then a [`Route::forward`] to the [`Proxy`] for everything else.
//!
//! The binary (`src/bin/httprs-front.rs`) only calls [`FrontOptions::parse`]
//! and [`FrontOptions::run`]; everything it does is here, where tests reach it.
//! The front reads no `settings.toml` and no `HTTPRS_*` variable but
//! `HTTPRS_BACKENDS` and `HTTPRS_SPLIT_KEY`: those belong to the backends,
//! which may well run in the same folder (a `mode = "backend"` there would
//! turn the front into one).
//!
//! **The split key.** With `--split-key-file PATH` or `HTTPRS_SPLIT_KEY`,
//! the front speaks version 2 of the protocol: each new connection proves
//! it holds the key its backends hold (`split_key`), and checks that they
//! do. There is no `--split-key VALUE`: a command line is visible to every
//! user of the machine (`ps`), a file readable by the front's user only is
//! not, and neither is a process's environment.
//!
//! **Workers.** The event loops forward requests themselves, on their own
//! connections to the backends, so a request waiting for its backend holds
//! no thread. The workers serve what may block: the `--static` files, read
//! from disk. Four ([`FrontOptions::DEFAULT_WORKERS`]) are plenty for
//! that; the front used to need 64, when each forwarded request held a
//! worker until its reply came.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::app::App;
use crate::app::router::Route;
use crate::app::static_files::StaticFiles;
use crate::config::keys::SecretKey;
use crate::config::settings::{DEFAULT_ADDR, Parsed, Settings, check_addr};
use crate::config::start_error::StartError;
use crate::http::trusted_proxies::TrustedProxies;
use crate::split::proxy::Proxy;

/// A mistake on `httprs-front`'s command line: the flag (or variable) it
/// is in, and what is wrong with it, as in `--timeout-ms: expected a
/// positive number of milliseconds, found "soon"`.
///
/// `main` prints it with [`FrontOptions::USAGE`] and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagError {
    /// The flag or variable at fault; empty when no one flag is
    /// (an unknown argument, no backend at all).
    flag: String,
    problem: String,
}

impl FlagError {
    /// `problem` with the flag or variable it is in.
    fn new(flag: &str, problem: impl Into<String>) -> FlagError {
        FlagError {
            flag: flag.to_string(),
            problem: problem.into(),
        }
    }

    /// A mistake no one flag is at fault for.
    fn whole(problem: impl Into<String>) -> FlagError {
        FlagError::new("", problem)
    }

    /// The flag (`--timeout-ms`) or variable (`HTTPRS_SPLIT_KEY`) at
    /// fault, or `None` for an unknown argument or a missing backend.
    pub fn flag(&self) -> Option<&str> {
        Some(self.flag.as_str()).filter(|flag| !flag.is_empty())
    }
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.flag() {
            Some(flag) => write!(f, "{flag}: {}", self.problem),
            None => f.write_str(&self.problem),
        }
    }
}

impl std::error::Error for FlagError {}

/// Everything `httprs-front` is told.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontOptions {
    /// Where to listen for browsers.
    pub addrs: Vec<String>,
    /// The backends, in round-robin order.
    pub backends: Vec<String>,
    /// `(URL prefix, folder)` pairs served by the front itself.
    pub statics: Vec<(String, PathBuf)>,
    /// How long a backend may take for one whole reply.
    pub timeout: Duration,
    /// Front worker threads, for the static files (forwarding needs none).
    pub workers: usize,
    /// Log a line per request (`--access-log false` to stop).
    pub access_log: bool,
    /// The key shared with the backends (`--split-key-file`, else
    /// `HTTPRS_SPLIT_KEY`): with one, version 2; without, version 1.
    pub split_key: Option<SecretKey>,
    /// Proxies in front of the front (nginx with TLS, say) whose
    /// `X-Forwarded-*` it believes and passes on (`--trusted-proxy`).
    pub trusted_proxies: TrustedProxies,
    /// The longest request body the front takes (`--max-body-bytes`, the
    /// backends' default `max_body_bytes`, 1 MiB, unless told): it knows no
    /// routes, so an upload route allowing more (`Route::max_body`) needs
    /// this raised too; the backend still holds each route to its own.
    pub max_body_bytes: usize,
}

impl FrontOptions {
    /// Front worker threads unless told otherwise: for the static files
    /// only, since the event loops forward without a worker.
    pub const DEFAULT_WORKERS: usize = 4;

    /// The command line of `httprs-front`.
    pub const USAGE: &str = "\
usage: httprs-front --backend HOST:PORT [--backend HOST:PORT]... [--addr HOST:PORT]...
                    [--static PREFIX=DIR]... [--timeout-ms N] [--workers N]
                    [--access-log true|false] [--split-key-file PATH]
                    [--trusted-proxy ADDR|NET]... [--max-body-bytes N]

  --backend HOST:PORT   a backend (an httprs app run with --backend); repeat for
                        several, used in turn. Default: HTTPRS_BACKENDS=HOST:PORT,...
  --addr HOST:PORT      where to listen for browsers (repeatable; default 127.0.0.1:7777)
  --static PREFIX=DIR   serve the files under DIR at URLs under PREFIX here, without
                        asking a backend (repeatable): --static /static=./static
  --timeout-ms N        how long a backend may take to reply before the browser
                        gets 504 Gateway Timeout (default 30000)
  --workers N           threads serving the --static files (default 4)
  --access-log BOOL     a log line per request (default true)
  --split-key-file PATH the key the backends hold (their split_key), read from a
                        file: each connection proves it. Default: HTTPRS_SPLIT_KEY.
                        Without either, the backends must run unkeyed (debug on).
  --trusted-proxy NET   a proxy in front of this one (nginx ending TLS, say) whose
                        X-Forwarded-For/-Proto are believed and passed on to the
                        backends: an address or a network, 10.0.0.0/8 (repeatable)
  --max-body-bytes N    the longest request body taken (default 1048576); raise it
                        for a backend route with a larger Route::max_body (uploads)

Other HTTPRS_* variables and settings.toml are not read: they are the backends'.";

    /// Reads the command line (`args`, without the program name);
    /// `backends_env` is `HTTPRS_BACKENDS`, used when no `--backend` is given.
    /// `--help` (or `-h`) asks for [`FrontOptions::USAGE`]:
    /// [`Parsed::Help`], whatever else is there.
    ///
    /// # Errors
    /// A [`FlagError`] naming the flag and what is wrong with it, or
    /// saying that no backend was given.
    ///
    /// # Examples
    /// ```
    /// use httprs::{FrontOptions, Parsed};
    /// let args = ["--backend", "127.0.0.1:7001", "--backend=127.0.0.1:7002"].map(String::from);
    /// let Ok(Parsed::Run(options)) = FrontOptions::parse(args, None) else { panic!() };
    /// assert_eq!(options.backends, ["127.0.0.1:7001", "127.0.0.1:7002"]);
    /// let Ok(Parsed::Run(options)) = FrontOptions::parse([], Some("10.0.0.1:7001, 10.0.0.2:7001")) else { panic!() };
    /// assert_eq!(options.backends.len(), 2);
    /// let err = FrontOptions::parse(["--timeout-ms", "soon"].map(String::from), None).unwrap_err();
    /// assert_eq!(err.to_string(), "--timeout-ms: expected a positive number of milliseconds, found \"soon\"");
    /// assert_eq!(FrontOptions::parse(["-h".to_string()], None), Ok(Parsed::Help(FrontOptions::USAGE)));
    /// ```
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        backends_env: Option<&str>,
    ) -> Result<Parsed<FrontOptions>, FlagError> {
        let invalid = FlagError::new;
        let mut options = FrontOptions {
            addrs: Vec::new(),
            backends: Vec::new(),
            statics: Vec::new(),
            timeout: Proxy::DEFAULT_TIMEOUT,
            workers: FrontOptions::DEFAULT_WORKERS,
            access_log: true,
            split_key: None,
            trusted_proxies: TrustedProxies::default(),
            max_body_bytes: Settings::default().max_body_bytes,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(Parsed::Help(FrontOptions::USAGE));
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value)),
                _ => (arg.clone(), None),
            };
            if !matches!(
                flag.as_str(),
                "--backend"
                    | "--addr"
                    | "--static"
                    | "--timeout-ms"
                    | "--workers"
                    | "--access-log"
                    | "--split-key-file"
                    | "--trusted-proxy"
                    | "--max-body-bytes"
            ) {
                return Err(FlagError::whole(format!("unknown argument {arg:?}")));
            }
            let value = match inline {
                Some(value) => value.to_string(),
                None => args
                    .next()
                    .ok_or_else(|| invalid(&flag, "needs a value".to_string()))?,
            };
            match flag.as_str() {
                "--backend" => {
                    check_addr(&value).map_err(|p| invalid(&flag, p.to_string()))?;
                    options.backends.push(value);
                }
                "--addr" => {
                    check_addr(&value).map_err(|p| invalid(&flag, p.to_string()))?;
                    options.addrs.push(value);
                }
                "--split-key-file" => {
                    let text = std::fs::read_to_string(&value)
                        .map_err(|err| invalid(&flag, format!("cannot read {value}: {err}")))?;
                    let key = crate::config::keys::parse_key(&text)
                        .map_err(|p| invalid(&flag, format!("the key in {value}: {p}")))?;
                    options.split_key = Some(key);
                }
                "--trusted-proxy" => {
                    let more = TrustedProxies::parse([value.as_str()])
                        .map_err(|err| invalid(&flag, err.to_string()))?;
                    options.trusted_proxies.extend(more);
                }
                "--static" => options.statics.push(parse_static(&value)?),
                "--max-body-bytes" => {
                    options.max_body_bytes = value.parse().map_err(|_| {
                        invalid(
                            &flag,
                            format!("expected a number of bytes, found {value:?}"),
                        )
                    })?;
                }
                "--timeout-ms" => {
                    let ms = value
                        .parse::<u64>()
                        .ok()
                        .filter(|ms| *ms > 0)
                        .ok_or_else(|| {
                            invalid(
                                &flag,
                                format!(
                                    "expected a positive number of milliseconds, found {value:?}"
                                ),
                            )
                        })?;
                    options.timeout = Duration::from_millis(ms);
                }
                "--access-log" => {
                    options.access_log = match value.as_str() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => {
                            let problem = format!("expected true or false, found {value:?}");
                            return Err(invalid(&flag, problem));
                        }
                    };
                }
                _ => {
                    options.workers = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        invalid(
                            &flag,
                            format!("expected a whole number of at least 1, found {value:?}"),
                        )
                    })?;
                }
            }
        }
        if options.backends.is_empty()
            && let Some(list) = backends_env
        {
            for addr in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                check_addr(addr).map_err(|p| invalid("HTTPRS_BACKENDS", p.to_string()))?;
                options.backends.push(addr.to_string());
            }
        }
        if options.backends.is_empty() {
            return Err(FlagError::whole(
                "no backend: give --backend HOST:PORT (or HTTPRS_BACKENDS=HOST:PORT,...)",
            ));
        }
        if options.addrs.is_empty() {
            options.addrs.push(DEFAULT_ADDR.to_string());
        }
        Ok(Parsed::Run(options))
    }

    /// Takes the split key from `HTTPRS_SPLIT_KEY` (`value`), unless
    /// `--split-key-file` gave one already: the flag wins, as `--backend`
    /// wins over `HTTPRS_BACKENDS`.
    ///
    /// # Errors
    /// A [`FlagError`] naming `HTTPRS_SPLIT_KEY`, for a key under 32 bytes
    /// or a development key, without showing it.
    pub fn split_key_from_env(mut self, value: Option<&str>) -> Result<FrontOptions, FlagError> {
        if let (None, Some(text)) = (&self.split_key, value) {
            let key = crate::config::keys::parse_key(text)
                .map_err(|p| FlagError::new("HTTPRS_SPLIT_KEY", p.to_string()))?;
            self.split_key = Some(key);
        }
        Ok(self)
    }

    /// The front's settings: its addresses and workers; the defaults for
    /// the rest (limits, timeouts, logging).
    pub fn settings(&self) -> Settings {
        Settings {
            addrs: self.addrs.clone(),
            workers: self.workers,
            access_log: self.access_log,
            trusted_proxies: self.trusted_proxies.clone(),
            max_body_bytes: self.max_body_bytes,
            ..Settings::default()
        }
    }

    /// The front as an app: a route per `--static` folder, then the
    /// catch-all [`Route::forward`], which the event loops forward to the
    /// backends themselves.
    pub fn app(&self) -> App {
        let mut app = App::new();
        for (prefix, folder) in &self.statics {
            let files = StaticFiles::new(prefix, folder);
            // Every method, so that a POST under the prefix gets the files'
            // 405 here rather than going to a backend.
            app = app.add_route(Route::any(&files.pattern(), files));
        }
        let mut proxy = Proxy::new(self.backends.clone(), self.timeout);
        if let Some(key) = &self.split_key {
            proxy = proxy.with_split_key(key.clone());
        }
        app.add_route(Route::forward("^.*", proxy))
    }

    /// Serves until SIGINT or SIGTERM, as [`App::run`] does, and logs what it forwards where.
    ///
    /// # Errors
    /// A [`StartError`] if the front cannot start (an address in use, say),
    /// as from [`App::run_with`]; `main` prints it and exits with its
    /// [`exit_code`](StartError::exit_code).
    pub fn run(self) -> Result<(), StartError> {
        let settings = self.settings();
        crate::config::logger::init(settings.log_level, settings.access_log);
        log::info!(
            "front: {} backend(s), in turn: {}; timeout {} ms, {} worker(s); {}",
            self.backends.len(),
            self.backends.join(", "),
            self.timeout.as_millis(),
            self.workers,
            if self.split_key.is_some() {
                "split key set (protocol version 2)"
            } else {
                "no split key (protocol version 1: backends must run without one)"
            }
        );
        for (prefix, folder) in &self.statics {
            log::info!("front: serving {prefix} from {} itself", folder.display());
        }
        self.app().run_with(settings)
    }
}

/// `/static=./static` → (`/static`, `./static`), the folder checked to exist.
/// The prefix `/` (or empty) is refused: its route would match every URL,
/// and since static routes come before the proxy, no request would ever
/// reach a backend (each would get the folder's 404 instead).
fn parse_static(value: &str) -> Result<(String, PathBuf), FlagError> {
    let invalid = |problem: String| FlagError::new("--static", problem);
    let Some((prefix, folder)) = value.split_once('=') else {
        return Err(invalid(format!("expected PREFIX=DIR, found {value:?}")));
    };
    // `StaticFiles` drops trailing slashes: `/` and `//` mean the root too.
    if prefix.trim_end_matches('/').is_empty() {
        return Err(invalid(format!(
            "the prefix {prefix:?} would serve every URL from {folder} and send none to \
             the backends; give a path such as /static"
        )));
    }
    if !prefix.starts_with('/') {
        return Err(invalid(format!(
            "the prefix must start with '/', found {prefix:?}"
        )));
    }
    let folder = PathBuf::from(folder);
    if !folder.is_dir() {
        return Err(invalid(format!("{} is not a folder", folder.display())));
    }
    Ok((prefix.to_string(), folder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_read_and_mistakes_named() {
        let here = std::env::temp_dir();
        let dir = here.display().to_string();
        let Ok(Parsed::Run(options)) = FrontOptions::parse(
            args(&[
                "--addr",
                "127.0.0.1:0",
                "--backend",
                "127.0.0.1:1",
                "--static",
                &format!("/s={dir}"),
                "--timeout-ms=250",
                "--workers",
                "3",
                "--access-log=false",
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy=::1",
                "--max-body-bytes=3145728",
            ]),
            Some("127.0.0.1:9"),
        ) else {
            panic!("the flags are valid")
        };
        assert_eq!(options.addrs, ["127.0.0.1:0"]);
        assert_eq!(
            options.backends,
            ["127.0.0.1:1"],
            "flags win over the variable"
        );
        assert_eq!(options.statics, [("/s".to_string(), here)]);
        assert_eq!(
            (options.timeout, options.workers),
            (Duration::from_millis(250), 3)
        );
        assert!(!options.access_log && !options.settings().access_log);
        assert_eq!(options.settings().max_body_bytes, 3 << 20);
        let trusted = options.settings().trusted_proxies;
        assert!(
            trusted.contains("10.1.2.3".parse().unwrap())
                && trusted.contains("::1".parse().unwrap())
        );
        let cases: &[(&[&str], &str)] = &[
            (
                &["--backend=127.0.0.1:1", "--trusted-proxy", "nginx"],
                "--trusted-proxy: expected an IP address or a network",
            ),
            (&[], "no backend: give --backend HOST:PORT"),
            (
                &["--backend=127.0.0.1:1", "--max-body-bytes", "2MB"],
                "--max-body-bytes: expected a number of bytes, found \"2MB\"",
            ),
            (&["--backend"], "--backend: needs a value"),
            (&["--backend", "localhost"], "--backend: expected HOST:PORT"),
            (
                &["--bakend", "127.0.0.1:1"],
                "unknown argument \"--bakend\"",
            ),
            (
                &["--backend=127.0.0.1:1", "--workers", "0"],
                "--workers: expected a whole number",
            ),
            (
                &["--backend=127.0.0.1:1", "--access-log", "quiet"],
                "--access-log: expected true or false, found \"quiet\"",
            ),
            (
                &["--backend=127.0.0.1:1", "--static", "static"],
                "--static: expected PREFIX=DIR",
            ),
            (
                &["--backend=127.0.0.1:1", "--static", "s=."],
                "must start with '/'",
            ),
            (
                &["--backend=127.0.0.1:1", "--static", "/=."],
                "--static: the prefix \"/\" would serve every URL from . and send none",
            ),
            (
                &["--backend=127.0.0.1:1", "--static=//=."],
                "the prefix \"//\" would serve every URL",
            ),
            (
                &["--backend=127.0.0.1:1", "--static", "=."],
                "the prefix \"\" would serve every URL",
            ),
            (
                &["--backend=127.0.0.1:1", "--static", "/s=/no/such/dir"],
                "is not a folder",
            ),
        ];
        for (list, expected) in cases {
            let err = FrontOptions::parse(args(list), None)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{list:?} gave {err:?}");
        }
        assert_eq!(
            FrontOptions::parse(args(&["-h"]), None),
            Ok(Parsed::Help(FrontOptions::USAGE))
        );
        let err = FrontOptions::parse(args(&[]), Some("127.0.0.1:1,nope")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("HTTPRS_BACKENDS: expected HOST:PORT"),
            "{err}"
        );
    }

    #[test]
    fn a_flag_error_names_its_flag_when_one_flag_is_at_fault() {
        let err = FrontOptions::parse(args(&["--timeout-ms", "soon"]), None).unwrap_err();
        assert_eq!(err.flag(), Some("--timeout-ms"));
        assert_eq!(
            err.to_string(),
            "--timeout-ms: expected a positive number of milliseconds, found \"soon\""
        );
        let err = FrontOptions::parse(args(&["--bakend"]), None).unwrap_err();
        assert_eq!(err.flag(), None, "an unknown argument is no flag of ours");
        assert_eq!(err.to_string(), "unknown argument \"--bakend\"");
        let err =
            FrontOptions::parse(args(&["--backend=127.0.0.1:1", "--static=/s"]), None).unwrap_err();
        assert_eq!(err.flag(), Some("--static"));
        let key = FrontOptions::parse(args(&["--backend=127.0.0.1:1"]), None)
            .map(|parsed| match parsed {
                Parsed::Run(options) => options.split_key_from_env(Some("hunter2")),
                Parsed::Help(_) => panic!("no --help given"),
            })
            .unwrap()
            .unwrap_err();
        assert_eq!(key.flag(), Some("HTTPRS_SPLIT_KEY"));
        assert!(!key.to_string().contains("hunter2"), "{key}");
    }
}
