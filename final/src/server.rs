//! The server: threads started, addresses bound, and a handle to stop it.
//!
//! Step 01 accepted one connection and served it to the end; step 04 gave
//! each connection a pooled thread, parked in `read` while the client
//! thinks. This server keeps the pool for handlers but takes the sockets
//! away from it: a few **event-loop threads** (`event_loop.rs`) each
//! own a set of connections and ask the kernel (`epoll`, through `mio`)
//! which of them can make progress. An idle keep-alive connection is then a
//! few hundred bytes in a `Vec`, not a thread.
//!
//! ```text
//!  listeners ──accept──▶ least-loaded loop ──▶ Connection (read, parse)
//!                                                  │
//!                     fast route: run inline ◀─────┤ dispatch
//!                     other:  worker pool ◀────────┘
//!                                │ response bytes, via the loop's inbox + Waker
//!                                ▼
//!                          Connection (write) ──▶ socket
//! ```
//!
//! This module holds what the threads share (`Shared`), how they talk
//! (an `Inbox` per loop: a queue and a `mio::Waker`), and [`Server`], the
//! handle [`crate::App::start`] returns: its addresses, its counters, and
//! shutdown. Dropping a `Server` shuts it down and waits, so a test that
//! panics never leaves a server running.
//!
//! In backend mode ([`crate::settings::Mode::Backend`]) the same handle
//! runs `backend.rs` instead of the event loops: the addresses are bound
//! here, the same way, and everything else is the backend's.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Poll, Waker};

use crate::app::AppCore;
use crate::event_loop::{self, EventLoop};
use crate::parse::Limits;
use crate::pool::WorkerPool;
use crate::runner::{self, LoopCell, Runners};
use crate::settings::{Mode, Settings};
use crate::shutdown::ShutdownHandle;

/// Counters for the whole server; see [`Server::stats`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted (refused ones not included).
    pub accepted: u64,
    /// Connections refused because `max_connections` were open.
    pub refused: u64,
    /// Connections to which at least one complete response was written.
    pub served: u64,
    /// Responses sent (including 4xx/5xx from the server itself).
    pub responses: u64,
    /// Connections open right now.
    pub open: u64,
}

/// One loop's counters, alone on its cache line: each loop bumps its own
/// at every response, and two cores writing one line would slow both.
#[derive(Default)]
#[repr(align(64))]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) served: AtomicU64,
    pub(crate) responses: AtomicU64,
}

/// What other threads send to a loop.
pub(crate) enum Message {
    /// A worker finished the request of connection `slot`/`id`.
    Done {
        slot: usize,
        id: u64,
        bytes: Vec<u8>,
        keep_alive: bool,
        /// A body to stream after `bytes` (see [`crate::file_body`]).
        file: Option<crate::file_body::FileBody>,
    },
    /// Another loop accepted a connection and hands it over.
    Adopt(TcpStream, SocketAddr),
}

/// A loop's mailbox: a queue plus the `Waker` that interrupts its `poll`.
pub(crate) struct Inbox {
    pub(crate) queue: Mutex<Vec<Message>>,
    pub(crate) waker: Arc<Waker>,
}

impl Inbox {
    pub(crate) fn send(&self, message: Message) {
        let was_empty = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push(message);
            queue.len() == 1
        };
        // Only the first message needs a wake-up: the loop drains them all at once.
        if was_empty {
            let _ = self.waker.wake();
        }
    }
}

/// Everything the loops and workers share.
pub(crate) struct Shared {
    pub(crate) app: AppCore,
    pub(crate) settings: Settings,
    pub(crate) limits: Limits,
    pub(crate) inline_budget: Duration,
    /// One set per event loop; [`Server::stats`] adds them up.
    pub(crate) counters: Vec<Counters>,
    pub(crate) open: AtomicUsize,
    pub(crate) loads: Vec<AtomicUsize>,
    pub(crate) inboxes: Vec<Inbox>,
    pub(crate) shutdown: ShutdownHandle,
}

/// A running server; dropping it shuts it down and waits for it.
pub struct Server {
    addrs: Vec<SocketAddr>,
    shutdown: ShutdownHandle,
    engine: Engine,
    /// The pool, until [`Server::wait`] has finished it.
    pool: Option<WorkerPool>,
    /// Set once [`Server::wait`] has run, so that `Drop` does not wait again.
    stopped: bool,
}

/// What runs behind a [`Server`], by [`Mode`].
enum Engine {
    /// HTTP: event loops, their runners, and the watchdog.
    Http {
        shared: Arc<Shared>,
        runners: Arc<Runners>,
        watchdog: Option<JoinHandle<()>>,
    },
    /// Split mode's backend (`backend.rs`).
    Backend(crate::backend::Backend),
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
        if settings.mode == Mode::Backend {
            let (backend, shutdown) =
                crate::backend::Backend::start(app, settings, std_listeners, pool.clone())?;
            for addr in &addrs {
                log::info!("listening on {addr} (backend)");
            }
            return Ok(Server {
                addrs,
                shutdown,
                engine: Engine::Backend(backend),
                pool: Some(pool),
                stopped: false,
            });
        }
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
        let shared = Arc::new(Shared {
            app,
            limits: Limits {
                max_head: settings.max_head_bytes,
                max_body: settings.max_body_bytes,
            },
            inline_budget: Duration::from_micros(settings.inline_budget_us),
            counters: (0..loops).map(|_| Counters::default()).collect(),
            open: AtomicUsize::new(0),
            loads: (0..loops).map(|_| AtomicUsize::new(0)).collect(),
            inboxes,
            shutdown,
            settings,
        });
        let tick = (shared
            .settings
            .header_timeout
            .min(shared.settings.idle_timeout)
            / 8)
        .clamp(Duration::from_millis(5), Duration::from_millis(250));
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
        for addr in &addrs {
            log::info!("listening on {addr}");
        }
        Ok(Server {
            addrs,
            shutdown: shared.shutdown.clone(),
            engine: Engine::Http {
                shared,
                runners,
                watchdog,
            },
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
        let shared = match &self.engine {
            Engine::Http { shared, .. } => shared,
            Engine::Backend(backend) => return backend.stats(),
        };
        let sum = |field: fn(&Counters) -> &AtomicU64| -> u64 {
            shared
                .counters
                .iter()
                .map(|c| field(c).load(Ordering::Relaxed))
                .sum()
        };
        Stats {
            accepted: sum(|c| &c.accepted),
            refused: sum(|c| &c.refused),
            served: sum(|c| &c.served),
            responses: sum(|c| &c.responses),
            open: shared.open.load(Ordering::Relaxed) as u64,
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
        match &mut self.engine {
            Engine::Http {
                runners, watchdog, ..
            } => {
                runners.wait_until_finished();
                if let Some(watchdog) = watchdog.take() {
                    let _ = watchdog.join();
                }
            }
            Engine::Backend(backend) => backend.wait(),
        }
        if let Some(pool) = self.pool.take() {
            // The loops (or the backend's connections) are gone: every connection is answered or was closed at
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
