//! The ways to run an [`App`]: [`App::start`] with explicit settings (what
//! tests call), [`App::run`] with settings loaded from the file, the
//! environment and the command line (what `main` calls), and
//! [`App::run_with`] between the two.
//!
//! Here, above the server, because each of them builds a [`Server`]: the
//! builder in `app/` only collects routes, middleware and state, and knows
//! nothing of sockets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::app::App;
use crate::app::session;
use crate::app::templates::Templates;
use crate::config::logger;
use crate::config::settings::{DEFAULT_ADDR, Settings};
use crate::data::pool::Database;
use crate::server::Server;
use crate::server::shutdown::ShutdownHandle;

impl App {
    /// Starts serving with exactly these settings (no file, environment or
    /// command line) and returns at once with a handle on the running server.
    /// Addresses come from `settings.addrs`, else from [`App::bind`], else
    /// `127.0.0.1:7777`.
    ///
    /// With [`App::database`], the database is opened and migrated first,
    /// before any address is bound.
    ///
    /// # Errors
    /// If an address cannot be bound (in use, malformed, not ours), naming
    /// it; if the database cannot be opened or reached, naming it; if a
    /// migration fails, naming the migration; in backend mode without a
    /// `split_key` and with `debug` off, saying so.
    pub fn start(mut self, mut settings: Settings) -> std::io::Result<Server> {
        // The keys, checked here once for every way of starting: a
        // setting's fault, so `run` exits with status 2 for it.
        crate::config::checks::check_start(&settings, self.sessions).map_err(|err| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, SettingRefused(err))
        })?;
        if self.sessions {
            // The session table first: the app's own migrations may rely on it.
            let mut migrations = vec![session::store::migration()];
            migrations.extend(self.migrations.take().unwrap_or_default());
            self.migrations = Some(migrations);
        }
        if settings.addrs.is_empty() {
            settings.addrs = std::mem::take(&mut self.addrs);
        }
        if settings.addrs.is_empty() {
            settings.addrs.push(DEFAULT_ADDR.to_string());
        }
        let state = Arc::make_mut(&mut self.core.state);
        state.debug = settings.debug;
        // Static files read a relative folder from here, at each request.
        state.root = settings.root.clone();
        // Templates are read from beside the settings file (`join` keeps an
        // absolute folder as it is), and re-read on change in debug.
        if let Some(templates) = state.get::<Templates>() {
            let folder = settings.root.join(templates.folder());
            state.insert(Templates::new(folder).with_debug(settings.debug));
        }
        // The database opens, and migrates, before the server listens.
        if let Some(migrations) = &self.migrations {
            let db = Database::open(settings.database_location(), settings.database_pool.max(1))
                .map_err(|err| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        SettingRefused(err.to_string()),
                    )
                })?;
            let applied = db
                .migrate(migrations)
                .map_err(|err| std::io::Error::other(format!("database {}: {err}", db.name())))?;
            for name in applied {
                log::info!("database {}: applied migration {name}", db.name());
            }
            if self.sessions {
                let store = session::store::SessionStore::new(&settings, db.clone())
                    .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?;
                state.insert(store);
            }
            state.insert(db);
        }
        Server::start(self.core, settings)
    }

    /// Loads settings, starts the server, and serves until SIGINT or SIGTERM;
    /// then finishes the requests in flight (up to `shutdown_timeout`) and returns.
    ///
    /// The same app serves HTTP, or, with `--backend` (`mode = "backend"`,
    /// `HTTPRS_MODE=backend`), serves a front such as `httprs-front`: see
    /// [`Mode`](crate::Mode).
    ///
    /// A bad settings file, variable or flag, an app with sessions
    /// missing its `secret_key` with `debug` off, a backend missing its
    /// `split_key` with `debug` off, or a `database` that
    /// cannot be opened or reached (a missing folder, a PostgreSQL server
    /// that does not answer) prints what is wrong and exits with status 2;
    /// an address that cannot be bound or a failing migration exits with
    /// status 1.
    ///
    /// # Errors
    /// None at present: failures to start exit the process with a message,
    /// which is what a `main` would do with them anyway. The `Result` leaves
    /// room for errors a caller could act on.
    pub fn run(self) -> std::io::Result<()> {
        let base = Settings {
            addrs: self.addrs.clone(),
            ..Settings::default()
        };
        let default_file = self
            .settings_file
            .clone()
            .unwrap_or_else(|| "settings.toml".into());
        let settings = base
            .load_from(&default_file)
            .and_then(|mut s| s.apply_args(std::env::args().skip(1)).map(|()| s));
        let settings = match settings {
            Ok(settings) => settings,
            Err(err) if err.problem == "help" => {
                println!(
                    "usage: {}\n\n  \
                     --addr HOST:PORT   where to listen (repeatable); replaces the addresses\n                     \
                     from the code, settings.toml and HTTPRS_ADDR\n  \
                     --backend          serve a front (httprs-front) over the split protocol\n                     \
                     instead of HTTP; same as mode = \"backend\" or HTTPRS_MODE=backend\n\n\
                     settings: settings.toml (or the file HTTPRS_SETTINGS names), HTTPRS_* variables",
                    crate::config::settings::USAGE
                );
                std::process::exit(0);
            }
            Err(err) => {
                eprintln!("error: {err}");
                std::process::exit(2);
            }
        };
        self.run_with(settings)
    }

    /// Like [`App::run`], with exactly these settings: no file, environment
    /// or command line is read. For a program with its own flags (such as
    /// `httprs-front`). Installs the logger and the SIGINT/SIGTERM handler,
    /// serves, and returns after the graceful stop.
    ///
    /// An address that cannot be bound exits the process with status 1.
    ///
    /// # Errors
    /// None at present; see [`App::run`].
    pub fn run_with(self, settings: Settings) -> std::io::Result<()> {
        logger::init(settings.log_level, settings.access_log);
        // The signal handler goes in before the server starts (and says where it
        // listens), so a signal sent as soon as that line appears is never lost.
        let pending: Arc<Mutex<Option<ShutdownHandle>>> = Arc::default();
        let signalled = Arc::new(AtomicBool::new(false));
        let handler = {
            let (pending, signalled) = (pending.clone(), signalled.clone());
            ctrlc::set_handler(move || {
                log::info!("shutting down");
                signalled.store(true, Ordering::SeqCst);
                if let Some(handle) = &*pending.lock().unwrap_or_else(|e| e.into_inner()) {
                    handle.shutdown();
                }
            })
        };
        if let Err(err) = handler {
            log::warn!("cannot handle Ctrl-C and SIGTERM: {err}");
        }
        let server = match self.start(settings) {
            Ok(server) => server,
            // A missing or public key (`check_start`), or a database that
            // cannot be opened or reached, is a settings mistake, and exits
            // as one.
            Err(err) if err.get_ref().is_some_and(|e| e.is::<SettingRefused>()) => {
                eprintln!("error: {err}");
                std::process::exit(2);
            }
            Err(err) => {
                log::error!("{err}");
                std::process::exit(1);
            }
        };
        let handle = server.shutdown_handle();
        *pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.clone());
        if signalled.load(Ordering::SeqCst) {
            handle.shutdown();
        }
        server.join();
        Ok(())
    }
}

/// A start-up failure that is a setting's fault (a key missing or public, the `database` cannot be
/// opened or reached): [`App::run`] exits with status 2 for it, as for a
/// bad settings file, where other start-up failures exit with 1.
#[derive(Debug)]
struct SettingRefused(String);

impl std::fmt::Display for SettingRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingRefused {}
