//! The server: threads started, addresses bound, and a handle to stop it.
//! How the pieces fit (event loops, workers, inline handlers, the watchdog)
//! is in `final/docs/architecture.md`, which is also [`Server`]'s documentation.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`Server`], the handle [`crate::App::start`] returns: addresses, counters, shutdown |
//! | `shared.rs` | what the threads share (`Shared`) and how they talk (an `Inbox` per loop) |
//! | `event_loop.rs` | one loop: accept, poll, read, write, the timeout sweep |
//! | `loop_decisions.rs` | the loop's choices without its sockets: admit or refuse, where a request goes, who times out, whose late answer is dropped, when a drain ends |
//! | `client_conn.rs` | `ClientConn`: one accepted connection (a browser's, or a front's in backend mode) and its phase machine, testable without a socket |
//! | `forwarder.rs` | split mode's front: one loop's connections to the backends and queues, and each request's way: retry, 502, 504 (its tests in `forwarder/`: on fake sockets, and on loopback) |
//! | `backend_conn.rs` | `BackendConn`: one connection from the front to a backend, testable without a socket |
//! | `dialer.rs` | `Dialer`: how the forwarder opens and drops backend connections (the loop's `mio` registry, or a fake in tests) |
//! | `fake_socket.rs` | (tests only) the one scripted socket both connections' unit tests drive, and a fake `Dialer` handing them out |
//! | `stream.rs`, `loop_waker.rs` | a streamed response on its connection: `max_streams`, and the producer's way back to the loop |
//! | `relay_out.rs`, `relay_in.rs` | split mode's streams (protocol version 3): a backend's, sent beside its other replies within the front's credit; a front's, fed to its browsers and granted more as they read |
//! | `dispatch/` | a parsed request on its way to a handler: inline or on a worker |
//! | `tasks.rs`, `loop_db.rs` | a loop's async handlers (`Route::get_async`), polled by the loop when woken; the loop's PostgreSQL connection they share: made on a worker, polled beside the sockets, made again when lost |
//! | `runner.rs` | the thread running a loop, and the watchdog replacing a stuck one |
//! | `worker_pool.rs`, `shutdown.rs`, `stats.rs` | the workers; a stop from any thread; the counters |
//!
//! This is the floor that owns sockets: every `mio` stream is here, and the
//! sans-IO layers below (`http/`'s parser, `split/`'s frames and handshake)
//! only see bytes.
//!
//! Dropping a `Server` shuts it down and waits, so a test that panics never
//! leaves a server running. Backend mode ([`crate::Mode::Backend`]) runs on
//! the same loops, threads and handle; only its connections speak frames
//! instead of HTTP (`client_conn.rs`'s `Wire`, `split/backend_mode.rs`).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mio::{Poll, Waker};

use crate::app::core::AppCore;
use crate::config::settings::{Mode, Settings};
use crate::http::parse_error::Limits;
use crate::server::dispatch::policy::RouteTimings;
use crate::server::event_loop::EventLoop;
use crate::server::runner::{LoopCell, Runners};
use crate::server::shared::{Inbox, Shared};
use crate::server::shutdown::ShutdownHandle;
use crate::server::stats::{Counters, Stats};
use crate::server::worker_pool::WorkerPool;

pub(crate) mod backend_conn;
pub(crate) mod client_conn;
pub(crate) mod dialer;
pub(crate) mod dispatch;
pub(crate) mod event_loop;
#[cfg(test)]
pub(crate) mod fake_socket;
pub(crate) mod forwarder;
pub(crate) mod loop_db;
pub(crate) mod loop_decisions;
pub(crate) mod loop_waker;
pub(crate) mod relay_in;
pub(crate) mod relay_out;
pub(crate) mod runner;
pub(crate) mod shared;
pub(crate) mod shutdown;
pub(crate) mod stats;
pub(crate) mod stream;
pub(crate) mod tasks;
pub(crate) mod worker_pool;
pub(crate) mod ws_conn;

/// A running server; dropping it shuts it down and waits for it.
///
#[doc = include_str!("../../docs/architecture.md")]
pub struct Server {
    addrs: Vec<SocketAddr>,
    shutdown: ShutdownHandle,
    shared: Arc<Shared>,
    runners: Arc<Runners>,
    watchdog: Option<JoinHandle<()>>,
    /// The pool, until [`Server::wait`] has finished it.
    pool: Option<WorkerPool>,
    /// Set once [`Server::wait`] has run, so that `Drop` does not wait again.
    stopped: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addrs", &self.addrs)
            .field("mode", &self.shared.settings.mode)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Server {
    pub(crate) fn start(app: AppCore, settings: Settings) -> io::Result<Server> {
        let mut std_listeners = Vec::new();
        let mut addrs = Vec::new();
        for addr in &settings.addrs {
            let listener = std::net::TcpListener::bind(addr).map_err(|err| {
                io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}"))
            })?;
            listener.set_nonblocking(true)?;
            addrs.push(listener.local_addr()?);
            std_listeners.push(listener);
        }
        let pool = WorkerPool::new(settings.workers);
        let loops = settings.event_loops.max(1);
        let mut polls = Vec::new();
        let mut inboxes = Vec::new();
        for _ in 0..loops {
            let poll = Poll::new()?;
            let waker = Arc::new(Waker::new(poll.registry(), event_loop::WAKER)?);
            inboxes.push(Inbox {
                queue: Mutex::new(Vec::new()),
                waker,
            });
            polls.push(poll);
        }
        let shutdown = ShutdownHandle::new(inboxes.iter().map(|i| i.waker.clone()).collect());
        let timings = RouteTimings::new(app.router.routes.iter().map(|route| route.may_block));
        let shared = Arc::new(Shared {
            app,
            timings,
            limits: Limits {
                max_head: settings.max_head_bytes,
                max_body: settings.max_body_bytes,
            },
            inline_budget: Duration::from_micros(settings.inline_budget_us),
            counters: (0..loops).map(|_| Counters::default()).collect(),
            open: AtomicUsize::new(0),
            open_streams: Arc::new(AtomicUsize::new(0)),
            loads: (0..loops).map(|_| AtomicUsize::new(0)).collect(),
            inboxes,
            shutdown,
            settings,
        });
        // A forwarding route's timeout is a deadline the sweep applies too.
        let shortest = shared
            .app
            .router
            .routes
            .iter()
            .filter_map(|route| Some(route.forward.as_ref()?.timeout()))
            .fold(
                shared
                    .settings
                    .header_timeout
                    .min(shared.settings.idle_timeout),
                Duration::min,
            );
        let tick = (shortest / 8).clamp(Duration::from_millis(5), Duration::from_millis(250));
        let mut cells = Vec::new();
        for (index, poll) in polls.into_iter().enumerate() {
            let event_loop = EventLoop::new(
                index,
                poll,
                &std_listeners,
                shared.clone(),
                pool.clone(),
                tick,
            )?;
            cells.push(LoopCell::new(event_loop));
        }
        let runners = Arc::new(Runners::new(cells, shared.clone(), pool.clone()));
        for index in 0..loops {
            runner::spawn_runner(&runners, index)?;
        }
        // Only loops that run handlers inline need watching.
        let watchdog = if shared.inline_budget.is_zero() {
            None
        } else {
            // Well above a scheduler time slice: on a busy machine a fast
            // handler is often paused a few milliseconds by the kernel, and
            // that is not worth a new thread.
            let takeover_after = (shared.inline_budget * 50).max(Duration::from_millis(10));
            Some(runner::spawn_watchdog(&runners, takeover_after)?)
        };
        if let Some(limit) = open_file_limit()
            && shared.settings.max_connections as u64 + 64 > limit
        {
            log::warn!(
                "max_connections is {} but this process may open only {limit} files; \
                 raise the limit (ulimit -n) or lower max_connections",
                shared.settings.max_connections
            );
        }
        log::info!(
            "server started: {} event loop(s), {} worker(s)",
            loops,
            shared.settings.workers
        );
        // A backend's port speaks frames: say so where an operator looks.
        let what = match shared.settings.mode {
            Mode::Http => "",
            Mode::Backend => " (backend)",
        };
        crate::config::checks::warn_if_open(&shared.settings);
        for addr in &addrs {
            log::info!("listening on {addr}{what}");
        }
        Ok(Server {
            addrs,
            shutdown: shared.shutdown.clone(),
            shared,
            runners,
            watchdog,
            pool: Some(pool),
            stopped: false,
        })
    }

    /// The addresses actually bound (with the real port when asked for port 0).
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The first bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// A handle that stops this server from any thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// The counters right now. In backend mode a connection is a front's,
    /// and a response is a reply frame.
    pub fn stats(&self) -> Stats {
        let shared = &self.shared;
        Stats {
            streams: shared.open_streams.load(Ordering::Relaxed) as u64,
            ..Counters::sum(&shared.counters, shared.open.load(Ordering::Relaxed) as u64)
        }
    }

    /// Waits until the server has stopped (after a shutdown request) and its
    /// workers are done; logs the final counters.
    pub fn join(mut self) {
        self.wait();
    }

    /// Requests a graceful shutdown and waits for it.
    pub fn shutdown(self) {
        self.shutdown.shutdown();
        self.join();
    }

    fn wait(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        self.runners.wait_until_finished();
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
        if let Some(pool) = self.pool.take() {
            // The loops are gone: every connection is answered or was closed at
            // the deadline. A handler still running past it (stuck on a lock, a
            // socket, a very long sleep) is abandoned: the process exits anyway.
            match pool.unfinished() {
                0 => pool.join(),
                stuck => log::warn!(
                    "{stuck} handler(s) still running after the shutdown deadline; not waiting"
                ),
            }
            let s = self.stats();
            log::info!(
                "server stopped: {} responses on {} connections served ({} accepted, {} refused)",
                s.responses,
                s.served,
                s.accepted,
                s.refused
            );
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            self.shutdown.shutdown();
            self.wait();
        }
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux; `None` elsewhere).
/// Each connection is a file, so `max_connections` should stay below it.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}
