//! Log lines in httppy's style, through the `log` facade.
//!
//! Library code (and a user's handlers) call `log::info!` and friends; this
//! module decides what a line looks like and where it goes:
//!
//! ```text
//! 2026-11-20 20:19:04 INFO server started
//! 2026-11-20 20:19:04 INFO listening on 127.0.0.1:7777
//! 2026-11-20 20:19:05 INFO 127.0.0.1:51234 "GET /hello/you HTTP/1.1" 200 11B 0.052ms 5f3a9c1e-7
//! ```
//!
//! Timestamps are UTC, taken from the per-second cache in [`crate::http::date`].
//! Lines up to `INFO` go to standard output, warnings and errors to standard
//! error. Each line is written with one `write_all`, so lines from several
//! threads never interleave. [`crate::App::run`] installs this logger; a
//! program that installs its own `log` implementation first keeps it.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::http::date;

struct Logger {
    level: LevelFilter,
    access_log: bool,
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level && (self.access_log || metadata.target() != "httprs::access")
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line =
            date::with_log_timestamp(|ts| format!("{ts} {} {}\n", record.level(), record.args()));
        // A closed stdout (say, `| head`) must not take the server down.
        let _ = if record.level() <= Level::Warn {
            std::io::stderr().lock().write_all(line.as_bytes())
        } else {
            std::io::stdout().lock().write_all(line.as_bytes())
        };
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

/// Installs the logger with this level; does nothing if a logger is already set.
pub(crate) fn init(level: LevelFilter, access_log: bool) {
    // The logger lives as long as the process; leaking it is how `log` wants it.
    let logger: &'static Logger = Box::leak(Box::new(Logger { level, access_log }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
}
