//! # Step 04: a thread pool
//!
//! Step 03 served one client at a time: while it answered one request, the
//! next waited in the kernel's accept queue. One slow request (a big upload,
//! a slow database, here a `/sleep` that naps two seconds) held up everyone.
//! This step hands each accepted connection to a [`pool::ThreadPool`], so
//! while one worker sleeps, the others keep answering.
//!
//! A pool brings a new question: how do you *stop* a server whose work is
//! spread over several threads? [`serve`] answers it with [`shutdown`]: on
//! Ctrl-C or SIGTERM it stops accepting, lets the requests in flight finish,
//! and returns, so the program exits 0.
//!
//! What it deliberately leaves out: routing (the `match` in step 03's
//! `respond` grows one arm for `/sleep`; step 05 replaces it with a table),
//! keep-alive (still one request per connection).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03.
//! - [`pool`]: **the layer this step teaches**: worker threads, a bounded job
//!   queue, panics caught, shutdown in `Drop`; and in [`pool::shutdown`]
//!   (re-exported as [`shutdown`]) the stop signal the pool makes necessary:
//!   a flag that wakes the accept loop, set by Ctrl-C, SIGTERM, or code.
#![warn(missing_docs)]

pub mod pool;
pub use pool::shutdown;
pub use step03::{cli, request, response, server, testing};
// Step 03's pages and connection handling, for the steps built on this one.
pub use step03::{HOME_PAGE, NOT_FOUND_PAGE, handle_connection_with};

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use pool::ThreadPool;
use request::RequestHead;
use response::Response;
use shutdown::Shutdown;

/// How many worker threads the binary runs: enough for the demos (two
/// browser tabs, a few `curl`s), small enough to read the logs.
pub const WORKERS: usize = 4;

/// How many accepted connections may wait for a worker before the accept
/// loop itself waits (back-pressure: see [`pool`]).
pub const QUEUE_BOUND: usize = 32;

/// How long `GET /sleep` sleeps in the binary, unless `--sleep-ms` says otherwise.
pub const SLEEP: Duration = Duration::from_secs(2);

/// The usage line of the step 04 and step 05 binaries, which share their flags.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--addr HOST:PORT] [--sleep-ms N]\n\n  \
         --addr HOST:PORT   where to listen (default {})\n  \
         --sleep-ms N       how long GET /sleep naps, in milliseconds (default {})",
        cli::DEFAULT_ADDR,
        SLEEP.as_millis()
    )
}

/// What the step 04 and step 05 binaries have done before they serve: a
/// bound listener, its address, a [`Shutdown`] wired to Ctrl-C and SIGTERM,
/// and the nap of `GET /sleep`.
pub struct Startup {
    /// The listening socket.
    pub listener: TcpListener,
    /// Where it listens (the real port, when asked for port 0).
    pub local: SocketAddr,
    /// Triggered by Ctrl-C or SIGTERM.
    pub shutdown: Shutdown,
    /// How long `GET /sleep` naps: `--sleep-ms`, or [`SLEEP`].
    pub sleep: Duration,
}

/// Binds `--addr` (or [`cli::DEFAULT_ADDR`]) and wires a [`Shutdown`] to
/// Ctrl-C and SIGTERM: the part of start-up every later step's `main`
/// shares. Exits with status 1 on an address that cannot be used.
pub fn listen_or_exit(flags: &cli::Flags) -> (TcpListener, SocketAddr, Shutdown) {
    listen_at_or_exit(flags.get("addr").unwrap_or(cli::DEFAULT_ADDR))
}

/// [`listen_or_exit`] for an address already read (step 08 reads it from
/// its settings): binds `addr`, wires the [`Shutdown`], exits with status 1
/// on an address that cannot be used.
pub fn listen_at_or_exit(addr: &str) -> (TcpListener, SocketAddr, Shutdown) {
    let listener = cli::bind_or_exit(addr);
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

/// Parses `--addr` and `--sleep-ms`, binds, and installs the signal handler,
/// printing a clear message and exiting on a bad flag (status 2) or an
/// address that cannot be used (status 1).
pub fn start_or_exit(program: &str) -> Startup {
    let flags = cli::flags_or_exit(&usage(program), &["addr", "sleep-ms"]);
    let sleep = sleep_from_flag(flags.get("sleep-ms")).unwrap_or_else(|err| {
        eprintln!("error: {err}");
        std::process::exit(2);
    });
    let (listener, local, shutdown) = listen_or_exit(&flags);
    Startup {
        listener,
        local,
        shutdown,
        sleep,
    }
}

/// The nap of `GET /sleep` from a `--sleep-ms N` value: [`SLEEP`] when the
/// flag is absent. Two seconds shows the pool to a person at a browser; the
/// benchmarks ask for 10 ms.
///
/// # Errors
/// A sentence naming the value, if it is not a whole number of milliseconds.
pub fn sleep_from_flag(value: Option<&str>) -> Result<Duration, String> {
    match value {
        None => Ok(SLEEP),
        Some(ms) => ms
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| format!("--sleep-ms needs a whole number of milliseconds, not {ms:?}")),
    }
}

/// This step's application: step 03's site plus `GET /sleep`, which calls
/// `nap` and then answers.
///
/// The binary's `nap` sleeps for [`SLEEP`]; tests pass one that waits until
/// they say so, which makes them fast and their outcome certain.
pub fn respond(head: &RequestHead, body: &[u8], nap: impl FnOnce()) -> Response {
    match (head.method.as_str(), head.path.as_str()) {
        ("GET", "/sleep") => sleep_page(nap),
        _ => step03::respond(head, body),
    }
}

/// `GET /sleep`: calls `nap` (the binary sleeps [`SLEEP`]), then answers.
pub fn sleep_page(nap: impl FnOnce()) -> Response {
    nap();
    Response::text("Slept, and answered. Meanwhile the other workers kept serving.\n")
}

/// Reads one request from `stream` and answers it with [`respond`]: step 03's
/// connection handling, with this step's application.
pub fn handle_connection(stream: TcpStream, nap: impl FnOnce()) {
    handle_connection_with(stream, |head, body| respond(head, &body, nap));
}

/// Accepts connections and runs `handle` for each one on `pool`, until
/// `shutdown` is triggered; then stops accepting, waits for the connections
/// in flight, and returns.
///
/// The listener and the pool are taken by value because stopping is done by
/// dropping them, in that order: first the listener (new clients are refused
/// at once instead of waiting in a backlog nobody will read), then the pool
/// (its `Drop` finishes the queued jobs and joins the workers).
pub fn serve(
    listener: TcpListener,
    pool: ThreadPool,
    shutdown: &Shutdown,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    // One handler shared by every worker: an `Arc` gives each job a handle on it.
    let handle = Arc::new(handle);
    for stream in listener.incoming() {
        // `trigger` sets the flag before it connects, so the connection that
        // wakes us finds it set. That connection, or a client's that arrived
        // at the same moment, is dropped unanswered: we have stopped.
        if shutdown.is_requested() {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "(unknown peer)".to_string(), |peer| peer.to_string());
        println!("connection opened: {peer}");
        let handle = Arc::clone(&handle);
        // Blocks while the queue is full: back-pressure reaches the accept loop.
        pool.execute(move || {
            handle(stream);
            println!("connection closed: {peer}");
        });
    }
    drop(listener);
    println!("stopped accepting; waiting for the requests in flight");
    drop(pool);
    println!("every request answered; stopped");
}

/// A pooled server on a background thread, for tests and for programs that
/// embed one: start it with [`spawn_server`], stop it with [`RunningServer::stop`].
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Triggers the server's shutdown; clone it to stop the server from elsewhere.
    pub shutdown: Shutdown,
    /// Receives one message when [`serve`] has returned.
    stopped: mpsc::Receiver<()>,
}

/// Starts [`serve`] on `127.0.0.1:0` with a pool of `workers` threads in a
/// background thread, running `handle` for each connection.
pub fn spawn_server(
    workers: usize,
    handle: impl Fn(TcpStream) + Send + Sync + 'static,
) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    let (done, stopped) = mpsc::channel();
    let server_shutdown = shutdown.clone();
    thread::spawn(move || {
        serve(
            listener,
            ThreadPool::new(workers, QUEUE_BOUND),
            &server_shutdown,
            handle,
        );
        let _ = done.send(());
    });
    RunningServer {
        addr,
        shutdown,
        stopped,
    }
}

impl RunningServer {
    /// Waits up to `timeout` for the server to stop (after someone triggered
    /// its shutdown); returns whether it did.
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        self.stopped.recv_timeout(timeout).is_ok()
    }

    /// Triggers shutdown and waits for the server to finish every request in
    /// flight and stop.
    ///
    /// # Panics
    /// If it has not stopped within [`testing::IO_TIMEOUT`].
    pub fn stop(self) {
        self.shutdown.trigger();
        assert!(
            self.wait_stopped(testing::IO_TIMEOUT),
            "the server did not stop within {:?}",
            testing::IO_TIMEOUT
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sleep_flag_defaults_to_two_seconds_and_rejects_non_numbers() {
        assert_eq!(sleep_from_flag(None), Ok(SLEEP));
        assert_eq!(sleep_from_flag(Some("10")), Ok(Duration::from_millis(10)));
        let err = sleep_from_flag(Some("ten")).unwrap_err();
        assert!(err.contains("\"ten\""), "{err}");
    }
}
