//! # Step 06: split process — an HTTP front and an application backend
//!
//! Until now one process did everything: read HTTP, run the application,
//! write HTTP. This step cuts it in two, as real deployments do (nginx in
//! front of PHP-FPM, gunicorn, or a Java application server):
//!
//! - the **front** speaks HTTP to browsers, with step 04's thread pool and
//!   steps 02–03's request reading and response writing, and forwards each
//!   request to the backend;
//! - the **backend** runs the application (step 05's router and handlers)
//!   and speaks only a small protocol of length-prefixed JSON frames.
//!
//! Why bother: a crashing application no longer takes the web server with
//! it (the front answers 502 and carries on), the application restarts
//! without dropping the listening socket, several backends on several
//! machines can sit behind one front, and a backend can be written in any
//! language that can read JSON from a socket.
//!
//! What it deliberately leaves out: keep-alive between browser and front
//! (still one request per connection), streaming bodies (a body is one
//! frame, bounded), balancing over several backends (a front has one
//! `--backend`).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03; [`pool`], [`shutdown`]: from step 04;
//!   [`router`]: from step 05, the application the backend runs.
//! - [`split`]: **the layer this step teaches**: [`split::protocol`],
//!   [`split::front`], [`split::backend`] and [`split::child`].
//!
//! The functions below glue them into the three binaries: `step06` (the
//! launcher: the front plus a backend child), `front` and `backend`.
#![warn(missing_docs)]

pub mod split;
pub use step05::{cli, pool, request, response, router, server, shutdown, testing};

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use pool::ThreadPool;
use shutdown::Shutdown;
use split::backend::App;
use split::front::Front;

/// Where the backend listens unless told otherwise: the port after the front's.
pub const BACKEND_ADDR: &str = "127.0.0.1:7879";

/// Worker threads in each process's pool: the front's run connections, the
/// backend's run handlers.
pub const WORKERS: usize = 8;

/// Jobs that may wait for a worker before `execute` blocks (see step 04).
pub const QUEUE_BOUND: usize = 32;

/// How long the demo's `GET /sleep` sleeps unless the backend is given `--sleep-ms`.
pub const SLEEP: Duration = Duration::from_secs(2);

/// The application the backend serves: step 05's demo router, whose
/// `/sleep` sleeps for `sleep`.
pub fn demo_app(sleep: Duration) -> App {
    let router = step05::demo_router_with(move || thread::sleep(sleep));
    Arc::new(move |head, body| router.dispatch(head, body))
}

/// Serves `listener` as a backend until Ctrl-C or SIGTERM, or, for the
/// launcher's child (`launched`), until the launcher is gone. Its `/sleep`
/// sleeps for `sleep`.
pub fn run_backend(listener: TcpListener, launched: bool, sleep: Duration) {
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    // Only fails if a handler is already installed, and this is the only one.
    shutdown
        .trigger_on_signals()
        .expect("install the Ctrl-C handler");
    if launched {
        split::child::exit_when_stdin_closes();
    }
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    if let Err(err) = split::backend::serve(listener, demo_app(sleep), pool, &shutdown) {
        eprintln!("backend: failed: {err}");
        std::process::exit(1);
    }
    println!("backend: stopped");
}

/// Serves `listener` as the HTTP front of `front`'s backend until Ctrl-C or SIGTERM.
pub fn run_front(listener: TcpListener, front: Front) {
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    shutdown
        .trigger_on_signals()
        .expect("install the Ctrl-C handler");
    let front = Arc::new(front);
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    step05::serve(listener, pool, &shutdown, move |stream| {
        // Steps 02–03 read the request and write the response; the
        // application in between is now "ask the backend".
        step05::handle_connection_with(stream, |head, body| front.forward(head, body));
    });
}

/// The duration a `--NAME-ms` flag gives (`flag` is its name, for the error
/// message), or `default` without one; exits with a usage error (status 2)
/// for a value that is not a positive number.
pub fn millis_or_exit(flag: &str, value: Option<&str>, default: Duration) -> Duration {
    let Some(value) = value else {
        return default;
    };
    match value.parse::<u64>() {
        Ok(ms) if ms > 0 => Duration::from_millis(ms),
        _ => {
            eprintln!("error: --{flag} needs a positive number of milliseconds, not {value:?}");
            std::process::exit(2);
        }
    }
}
