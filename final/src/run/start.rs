//! The ways to run an [`App`]: [`App::start`] with explicit settings (what
//! tests call), [`App::run`] with settings loaded from the file, the
//! environment and the command line (what `main` calls), and
//! [`App::run_with`] between the two.
//!
//! Only [`App::run`] ends the process, in one place: the other two return
//! a [`StartError`] for their caller to handle, and `run` turns it into
//! `error: ...` on standard error and the exit status it suggests.
//!
//! Here, above the server, because each of them builds a [`Server`]: the
//! builder in `app/` only collects routes, middleware and state, and knows
//! nothing of sockets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::app::App;
use crate::app::compression::Compression;
use crate::app::session;
use crate::app::templates::Templates;
use crate::config::flags;
use crate::config::logger;
use crate::config::settings::{DEFAULT_ADDR, Parsed, Settings};
use crate::config::start_error::{StartError, StartErrorKind};
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
    /// A [`StartError`] naming what was wrong, of the kind
    /// ([`StartErrorKind`]) that says which exit status it deserves: in
    /// backend mode without a `split_key`, or with sessions without a
    /// `secret_key`, and with `debug` off, a [`StartErrorKind::Key`]; a
    /// database that cannot be opened or reached, naming it,
    /// [`StartErrorKind::Database`]; a failing migration, naming it,
    /// [`StartErrorKind::Migration`]; an address that cannot be bound (in
    /// use, malformed, not ours), naming it, [`StartErrorKind::Io`].
    pub fn start(mut self, mut settings: Settings) -> Result<Server, StartError> {
        // The keys, checked here once for every way of starting: a
        // setting's fault, so `run` exits with status 2 for it.
        crate::config::checks::check_start(&settings, self.sessions)?;
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
        self.core.compression = Compression {
            enabled: settings.compression,
            min_size: settings.compression_min_size,
        };
        let state = Arc::make_mut(&mut self.core.state);
        // The app's own `[app]` settings, read into its types.
        for load in &self.app_settings {
            load(&settings, state).map_err(|err| StartError::new(StartErrorKind::Settings, err))?;
        }
        state.debug = settings.debug;
        // Static files read a relative folder from here, at each request.
        state.root = settings.root.clone();
        state.uploads = Arc::new(settings.upload_config());
        // Templates are read from beside the settings file (`join` keeps an
        // absolute folder as it is), and re-read on change in debug.
        if let Some(templates) = state.get::<Templates>() {
            let folder = settings.root.join(templates.folder());
            state.insert(Templates::new(folder).with_debug(settings.debug));
        }
        // The database opens, and migrates, before the server listens.
        if let Some(migrations) = &self.migrations {
            // A database that cannot be opened or reached is the setting's
            // fault (a missing folder, a wrong host): fixed, not retried.
            let db = Database::open(settings.database_location(), settings.database_pool.max(1))
                .map_err(|err| StartError::new(StartErrorKind::Database, err))?;
            let applied = db.migrate(migrations).map_err(|err| {
                StartError::new(
                    StartErrorKind::Migration,
                    format!("database {}: {err}", db.name()),
                )
            })?;
            for name in applied {
                log::info!("database {}: applied migration {name}", db.name());
            }
            if self.sessions {
                state.insert(session::store::SessionStore::new(&settings, db.clone())?);
            }
            state.insert(db);
        }
        Server::start(self.core, settings).map_err(|err| StartError::new(StartErrorKind::Io, err))
    }

    /// Loads settings, starts the server, and serves until SIGINT or SIGTERM;
    /// then finishes the requests in flight (up to `shutdown_timeout`) and returns.
    ///
    /// The same app serves HTTP, or, with `--backend` (`mode = "backend"`,
    /// `HTTPRS_MODE=backend`), serves a front such as `httprs-front`: see
    /// [`Mode`](crate::Mode).
    ///
    /// # Exits
    /// This is the one function of httprs that ends the process, as the
    /// `main` it is made for would: `--help` prints the usage and exits
    /// with status 0, and a start that fails prints `error: ` and the
    /// [`StartError`] on standard error and exits with its
    /// [`exit_code`](StartError::exit_code): 2 for a bad settings file,
    /// variable or flag, an app with sessions missing its `secret_key`
    /// with `debug` off, a backend missing its `split_key` with `debug`
    /// off, or a `database` that cannot be opened or reached (a missing
    /// folder, a PostgreSQL server that does not answer); 1 for an address
    /// that cannot be bound or a failing migration. A program that would
    /// rather handle these itself calls [`App::run_with`] or [`App::start`].
    pub fn run(self) {
        if let Err(err) = self.load_and_run() {
            eprintln!("error: {err}");
            std::process::exit(err.exit_code().into());
        }
    }

    /// [`App::run`] short of the exit: the settings loaded from the file,
    /// the environment and the command line, then the usage printed for
    /// `--help`, or the server run.
    fn load_and_run(mut self) -> Result<(), StartError> {
        let base = Settings {
            addrs: self.addrs.clone(),
            ..Settings::default()
        };
        let default_file = self
            .settings_file
            .clone()
            .unwrap_or_else(|| "settings.toml".into());
        let mut settings = base
            .load_from(&default_file)
            .map_err(|err| StartError::new(StartErrorKind::Settings, err))?;
        // The app's own flags first; what is left is the framework's, and
        // `apply_args` refuses anything it does not know.
        let (flags, rest) = flags::take(std::env::args().skip(1), &self.flags)
            .map_err(|err| StartError::new(StartErrorKind::Settings, err))?;
        let parsed = settings
            .apply_args(rest)
            .map_err(|err| StartError::new(StartErrorKind::Settings, err))?;
        match parsed {
            Parsed::Run(()) => {
                let given = self
                    .commands
                    .iter()
                    .position(|(name, _)| flags.is_set(name));
                if let Some(at) = given {
                    let (_, command) = self.commands.swap_remove(at);
                    return command(&settings, &flags)
                        .map_err(|err| StartError::new(StartErrorKind::Command, err));
                }
                self.state(flags).run_with(settings)
            }
            Parsed::Help(usage) => {
                println!("{usage}{}", flags::help(&self.flags));
                Ok(())
            }
        }
    }

    /// Like [`App::run`], with exactly these settings: no file, environment
    /// or command line is read. For a program with its own flags (such as
    /// `httprs-front`). Installs the logger and the SIGINT/SIGTERM handler,
    /// serves, and returns after the graceful stop.
    ///
    /// # Errors
    /// A [`StartError`] if the server cannot start, as from [`App::start`];
    /// the process goes on, and its `main` decides (`httprs-front`'s
    /// prints it and exits with [`StartError::exit_code`]).
    pub fn run_with(self, settings: Settings) -> Result<(), StartError> {
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
        let server = self.start(settings)?;
        let handle = server.shutdown_handle();
        *pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.clone());
        if signalled.load(Ordering::SeqCst) {
            handle.shutdown();
        }
        server.join();
        Ok(())
    }
}
