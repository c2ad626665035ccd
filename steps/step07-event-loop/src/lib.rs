//! # Step 07: an event loop
//!
//! Steps 04–06 gave every connection a worker thread that blocked in `read`,
//! and so they closed every connection after one request: keeping it open
//! would have parked a worker on a client that may never speak again. This
//! step hands all the sockets to **one thread**, an event loop built on
//! `mio` (epoll on Linux, kqueue on macOS), which only ever reads or writes
//! what is ready. A connection that waits now costs a few hundred bytes of
//! buffer instead of a thread, so the server can keep it alive:
//!
//! - **keep-alive**: HTTP/1.1 connections stay open for the next request
//!   until `Connection: close`, HTTP/1.0, an error, or an idle timeout;
//! - **pipelining**: several requests sent in one go are answered one after
//!   the other, in order;
//! - an **incremental parse**: the bytes of a request arrive when they
//!   arrive; httparse's `Partial` means "keep them and wait for more".
//!
//! Handlers still run on step 04's pool: a handler may take its time (the
//! demo's `/sleep`), and the loop must never wait for one.
//!
//! What it deliberately leaves out: several loops (one thread does all the
//! I/O), chunked bodies (refused with 501), a limit on the number of
//! connections other than `ulimit -n`, and the split into two processes,
//! which step 06 showed and `final/` brings back on top of an event loop.
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03; [`pool`], [`shutdown`]: from step 04;
//!   [`router`]: from step 05; [`split`]: from step 06.
//! - [`event_loop`]: **the layer this step teaches**: readiness, non-blocking
//!   reads and writes, a connection's state machine, the waker.
//!
//! [`demo_app`] is the application (step 05's demo routes); [`start_or_exit`]
//! reads the flags of `cargo run -p step07`.
#![warn(missing_docs)]

pub mod event_loop;
pub use step06::{cli, pool, request, response, router, server, shutdown, split, testing};

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use event_loop::{App, Timeouts};
use shutdown::Shutdown;

/// Worker threads running handlers. The loop itself is one more thread.
pub const WORKERS: usize = 8;

/// Requests that may wait for a worker before the loop itself waits (see step 04).
pub const QUEUE_BOUND: usize = 32;

/// The application: step 05's demo routes, whose `/sleep` sleeps for `sleep`.
pub fn demo_app(sleep: Duration) -> App {
    let router = step05::demo_router_with(move || thread::sleep(sleep));
    Arc::new(move |head, body| router.dispatch(head, body))
}

/// The usage line of `cargo run -p step07`.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--addr HOST:PORT] [--sleep-ms N] [--idle-ms N]\n\n  \
         --addr HOST:PORT   where to listen (default {})\n  \
         --sleep-ms N       how long GET /sleep naps, in milliseconds (default {})\n  \
         --idle-ms N        how long a kept-alive connection may wait for its next request (default {})",
        cli::DEFAULT_ADDR,
        step04::SLEEP.as_millis(),
        Timeouts::default().idle.as_millis(),
    )
}

/// What `main` has before it serves.
pub struct Startup {
    /// The listening socket.
    pub listener: TcpListener,
    /// Where it listens (the real port, when asked for port 0).
    pub local: SocketAddr,
    /// Triggered by Ctrl-C or SIGTERM.
    pub shutdown: Shutdown,
    /// How long `GET /sleep` naps.
    pub sleep: Duration,
    /// The connection timeouts (`--idle-ms` sets the idle one).
    pub timeouts: Timeouts,
}

/// Parses `--addr`, `--sleep-ms` and `--idle-ms`, binds, and installs the
/// signal handler; prints a clear message and exits on a bad flag (status 2)
/// or an address that cannot be used (status 1).
pub fn start_or_exit(program: &str) -> Startup {
    let usage = usage(program);
    let flags = cli::flags_or_exit(&usage, &["addr", "sleep-ms", "idle-ms"]);
    let exit_usage = |err: String| -> ! {
        eprintln!("error: {err}\n\n{usage}");
        std::process::exit(2);
    };
    let sleep = step04::sleep_from_flag(flags.get("sleep-ms")).unwrap_or_else(|e| exit_usage(e));
    let mut timeouts = Timeouts::default();
    if let Some(idle) = flags.get("idle-ms") {
        timeouts.idle = idle_from_flag(idle).unwrap_or_else(|e| exit_usage(e));
    }
    let (listener, local, shutdown) = step04::listen_or_exit(&flags);
    Startup {
        listener,
        local,
        shutdown,
        sleep,
        timeouts,
    }
}

/// The idle timeout from an `--idle-ms N` value.
///
/// # Errors
/// A sentence naming the value, unless it is a positive whole number.
pub fn idle_from_flag(value: &str) -> Result<Duration, String> {
    match value.parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "--idle-ms needs a positive whole number of milliseconds, not {value:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idle_flag_takes_positive_milliseconds_only() {
        assert_eq!(idle_from_flag("250"), Ok(Duration::from_millis(250)));
        for bad in ["0", "-1", "soon", ""] {
            assert!(
                idle_from_flag(bad).unwrap_err().contains("--idle-ms"),
                "{bad}"
            );
        }
    }
}
