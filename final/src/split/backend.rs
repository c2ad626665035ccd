//! Backend mode: the same app, serving a front's frames instead of HTTP.
//!
//! An acceptor thread (mio: the listeners and a shutdown waker) gives each
//! front connection a thread, which reads frames with step 06's blocking
//! `read_frame` and runs each request on the worker pool through the same
//! `AppCore` as HTTP mode. Why threads here and event loops there, the
//! failures, the timeouts and the known limits: `final/docs/backend-mode.md`
//! (in the documentation of [`Mode`](crate::Mode)).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};

use crate::app::core::AppCore;
use crate::app::settings::Settings;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::server::pool::WorkerPool;
use crate::server::shutdown::ShutdownHandle;
use crate::server::stats::{Counters, Stats};
use crate::split::protocol::{self, Message};

/// The shutdown waker's token; listener `i` has token `FIRST_LISTENER + i`.
const WAKER: Token = Token(0);
const FIRST_LISTENER: usize = 1;
/// How soon the acceptor tries again after `accept` failed (out of file
/// descriptors, usually): the waiting connection will not announce itself again.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// A running backend: the acceptor thread and the worker pool.
pub(crate) struct Backend {
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the acceptor and the connection threads share.
struct Shared {
    app: AppCore,
    settings: Settings,
    pool: WorkerPool,
    counters: Counters,
    /// A clone of each open connection's socket, by connection number, so
    /// that shutdown can end the reads the connection threads are blocked in.
    open: Mutex<HashMap<u64, net::TcpStream>>,
    /// Signalled each time a connection ends (shutdown waits for the last).
    closed: Condvar,
    shutdown: ShutdownHandle,
}

impl Backend {
    /// Starts serving `listeners` (already bound) as a backend, running
    /// handlers on `pool`.
    ///
    /// # Errors
    /// If the poll, its waker or the acceptor thread cannot be created.
    pub(crate) fn start(
        app: AppCore,
        settings: Settings,
        listeners: Vec<net::TcpListener>,
        pool: WorkerPool,
    ) -> io::Result<(Backend, ShutdownHandle)> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut registered = Vec::new();
        for (i, listener) in listeners.into_iter().enumerate() {
            let mut listener = TcpListener::from_std(listener);
            poll.registry().register(
                &mut listener,
                Token(FIRST_LISTENER + i),
                Interest::READABLE,
            )?;
            registered.push(listener);
        }
        let shutdown = ShutdownHandle::new(vec![waker]);
        let shared = Arc::new(Shared {
            app,
            pool,
            settings,
            counters: Counters::default(),
            open: Mutex::new(HashMap::new()),
            closed: Condvar::new(),
            shutdown: shutdown.clone(),
        });
        let acceptor = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("httprs-backend-accept".to_string())
                .spawn(move || accept_loop(&shared, poll, registered))?
        };
        log::info!(
            "backend started: {} worker(s), a thread per front connection (at most {})",
            shared.settings.workers,
            shared.settings.max_connections
        );
        Ok((
            Backend {
                shared,
                acceptor: Some(acceptor),
            },
            shutdown,
        ))
    }

    /// The counters right now.
    pub(crate) fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        Stats {
            accepted: c.accepted.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            served: c.served.load(Ordering::Relaxed),
            responses: c.responses.load(Ordering::Relaxed),
            open: self.shared.lock_open().len() as u64,
        }
    }

    /// Waits until the acceptor has drained every connection (after a
    /// shutdown request). The pool is the caller's to finish.
    pub(crate) fn wait(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Shared {
    fn lock_open(&self) -> MutexGuard<'_, HashMap<u64, net::TcpStream>> {
        // A panic while holding it cannot leave the map half-changed.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a thread for a new front connection, unless `max_connections` are open.
    fn admit(self: &Arc<Self>, number: u64, stream: net::TcpStream, peer: SocketAddr) {
        {
            let mut open = self.lock_open();
            if open.len() >= self.settings.max_connections {
                self.counters.refused.fetch_add(1, Ordering::Relaxed);
                log::warn!("refused front {peer}: {} connections open", open.len());
                return;
            }
            // Accepted from a non-blocking listener, the socket is
            // non-blocking too; this thread's reads are meant to wait.
            let clone = stream
                .set_nonblocking(false)
                .and_then(|()| stream.try_clone());
            match clone {
                Ok(clone) => open.insert(number, clone),
                Err(err) => {
                    log::warn!("cannot set up front connection {peer}: {err}");
                    return;
                }
            };
        }
        self.counters.accepted.fetch_add(1, Ordering::Relaxed);
        let shared = self.clone();
        let spawned = thread::Builder::new()
            .name("httprs-backend-conn".to_string())
            .spawn(move || {
                serve_connection(&shared, &stream, peer);
                shared.lock_open().remove(&number);
                shared.closed.notify_all();
            });
        if let Err(err) = spawned {
            log::error!("cannot start a thread for front {peer}: {err}");
            self.lock_open().remove(&number);
        }
    }

    /// Ends every connection: at once for those waiting for a frame, after
    /// their reply for those running a handler, by force at the deadline.
    fn drain(&self) {
        let deadline = Instant::now() + self.settings.shutdown_timeout;
        let mut open = self.lock_open();
        for stream in open.values() {
            // A thread blocked in `read` on this socket now reads end-of-stream.
            let _ = stream.shutdown(net::Shutdown::Read);
        }
        while !open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                log::warn!(
                    "shutdown deadline passed; closing {} front connection(s)",
                    open.len()
                );
                for stream in open.values() {
                    let _ = stream.shutdown(net::Shutdown::Both);
                }
                return;
            }
            open = self
                .closed
                .wait_timeout(open, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The acceptor: waits for connections (or the shutdown waker) with `mio`,
/// starts a thread for each, and drains them all at shutdown.
fn accept_loop(shared: &Arc<Shared>, mut poll: Poll, listeners: Vec<TcpListener>) {
    let mut events = Events::with_capacity(64);
    let mut number = 0u64;
    let mut accept_failed = false;
    while !shared.shutdown.is_requested() {
        let timeout = accept_failed.then_some(ACCEPT_RETRY);
        if let Err(err) = poll.poll(&mut events, timeout) {
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            log::error!("the backend cannot poll its listeners: {err}");
            break;
        }
        if shared.shutdown.is_requested() {
            break;
        }
        // Readiness is edge-triggered: take every waiting connection. The
        // listeners are few, so trying them all on any wake-up costs little.
        accept_failed = false;
        for listener in &listeners {
            loop {
                match listener.accept() {
                    Ok((stream, peer)) => {
                        number += 1;
                        shared.admit(number, stream.into(), peer);
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => {
                        log::warn!("accept failed: {err}");
                        accept_failed = true;
                        break;
                    }
                }
            }
        }
    }
    // Dropping the listeners frees the ports: new fronts are refused from here on.
    drop(listeners);
    shared.drain();
}

/// A reader that counts what it read, so that a timeout between two frames
/// (an idle connection) can be told from one in the middle of a frame (a
/// stalled front).
struct Counted<'a> {
    stream: &'a net::TcpStream,
    bytes: usize,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // `Read` is implemented for `&TcpStream`: a shared reference can read.
        let mut stream = self.stream;
        let n = stream.read(buf)?;
        self.bytes += n;
        Ok(n)
    }
}

/// Serves one front connection: a frame in, a frame out, until it closes.
fn serve_connection(shared: &Arc<Shared>, stream: &net::TcpStream, peer: SocketAddr) {
    let idle = shared.settings.idle_timeout;
    // Replies are written whole; Nagle's algorithm would only delay the last packet.
    let _ = stream.set_nodelay(true);
    let timeouts = stream
        .set_read_timeout(Some(idle))
        .and_then(|()| stream.set_write_timeout(Some(idle)));
    if let Err(err) = timeouts {
        log::warn!("front {peer}: cannot set timeouts: {err}");
        return;
    }
    let mut replied = false;
    loop {
        let mut input = Counted { stream, bytes: 0 };
        let message = match protocol::read_frame(&mut input) {
            Ok(Some(message)) => message,
            // Closed between two frames: the front is done (or shutdown began).
            Ok(None) => return,
            Err(err) if err.is_timeout() && input.bytes == 0 => {
                log::debug!(
                    "front {peer}: idle for {:.1} s; closing",
                    idle.as_secs_f64()
                );
                return;
            }
            Err(err) => {
                log::warn!("front {peer}: {err}; closing this connection");
                return;
            }
        };
        let Message::Request(request) = message else {
            log::warn!("front {peer}: sent a response, which only a backend may send; closing");
            return;
        };
        let frame = answer(shared, request, peer);
        let mut out = stream;
        if let Err(err) = out.write_all(&frame) {
            log::info!("front {peer}: cannot send a reply: {err}; closing");
            return;
        }
        shared.counters.responses.fetch_add(1, Ordering::Relaxed);
        if !replied {
            replied = true;
            shared.counters.served.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs `request` through the app on a worker and returns the encoded reply.
fn answer(shared: &Arc<Shared>, request: protocol::Request, peer: SocketAddr) -> Vec<u8> {
    let id = request.id;
    if request.body.len() > shared.settings.max_body_bytes {
        log::info!(
            target: "httprs::access",
            "{peer} \"{} {}\" 413 (body of {} bytes, max_body_bytes is {})",
            request.method,
            request.path,
            request.body.len(),
            shared.settings.max_body_bytes
        );
        return reply_frame(id, Response::error(Status::CONTENT_TOO_LARGE));
    }
    let mut req = protocol::request_from_message(request, peer);
    // Room for the one reply, so the worker's `send` never waits.
    let (reply_in, reply) = mpsc::sync_channel(1);
    let job = shared.clone();
    shared.pool.execute(move || {
        let resolution = job.app.resolve(&mut req);
        let res = job.app.respond(&req, &resolution);
        let _ = reply_in.send(reply_frame(id, res));
    });
    // `respond` catches handler panics, so an error here means something
    // else on the worker panicked (and the pool replaced it).
    reply.recv().unwrap_or_else(|_| {
        log::error!("a worker died while answering request {id} from front {peer}");
        reply_frame(id, Response::error(Status::INTERNAL_SERVER_ERROR))
    })
}

/// `res` as a frame answering request `id`; a `500` if it does not fit in one.
fn reply_frame(id: u64, res: Response) -> Vec<u8> {
    let frame = protocol::response_to_message(id, res)
        .map_err(|err| err.to_string())
        .and_then(|message| {
            protocol::encode(&Message::Response(message)).map_err(|err| err.to_string())
        });
    frame.unwrap_or_else(|problem| {
        log::error!("cannot send the response to request {id}: {problem}; sending a 500");
        let error =
            protocol::response_to_message(id, Response::error(Status::INTERNAL_SERVER_ERROR))
                .and_then(|message| {
                    protocol::encode(&Message::Response(message)).map_err(io::Error::other)
                });
        // A 500 with a 26-byte body always fits in a frame.
        error.expect("a small 500 encodes")
    })
}
