//! An event loop: one thread, many connections, no blocking.
//!
//! One concept: one loop's turn (poll, accept, hand over, drive, deliver,
//! sweep). What a single connection does is in `client_conn.rs`; the
//! choices the loop makes on the way (admit or refuse, where a request
//! goes, who times out) in `loop_decisions.rs`; what the threads share is
//! in `shared.rs`.
//!
//! This is step 01's accept loop turned inside out. Instead of calling
//! `accept` and `read` and sleeping inside them, the loop asks `epoll`
//! (through `mio`) which sockets are ready, does only the work that will not
//! block, and goes back to asking:
//!
//! - a **listener** is ready (loop 0 only): accept every waiting connection
//!   and give each to the least busy loop ([`EventLoop::place`]). Only one
//!   loop listens because a listener registered with every loop wakes them
//!   *all* for each new connection, and all but one then find nothing to
//!   accept: measured with `Connection: close` traffic, that herd cost a
//!   quarter of the server's CPU time;
//! - a **connection** is ready: read, parse, run or dispatch the handler,
//!   write, as far as it goes without blocking ([`EventLoop::advance`]).
//!   In backend mode the same, with a front's frames for requests and
//!   replies (`split/backend_mode.rs`);
//! - the **waker** fired: a worker posted a response, or another loop handed
//!   over a connection ([`EventLoop::read_inbox`]);
//! - every *tick*: sweep for timeouts ([`EventLoop::sweep`]).
//!
//! Everything a connection needs between two wake-ups lives in its
//! [`ClientConn`], in a slot of `slots`; the slot's index is its `mio` token.
//!
//! The tests at the bottom build one loop as `Server::start` does and turn
//! it by hand, with a client socket of their own on loopback: a request
//! answered through a worker, a connection past `max_connections` refused,
//! a shutdown that drains. What one connection does is tested on a fake
//! socket in `client_conn.rs`, and each of the loop's choices in
//! `loop_decisions.rs`.

use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use crate::app::async_handler::AsyncHandler;
use crate::app::core::{BehindFront, relayable, with_request_id};
use crate::app::middleware::{log_access, log_request};
use crate::app::router::Resolution;
use crate::app::secure_headers;
use crate::config::settings::Mode;
use crate::http::parse::{RawRequest, RequestDecoder};
use crate::http::request::Request;
use crate::http::response::{Response, ResponseFraming};
use crate::http::state::AppState;
use crate::http::status::Status;
use crate::server::client_conn::{ClientConn, Expired, Progress, WRITE_BATCH, Wire};
use crate::server::dispatch::{self, Job, Reply, offload};
use crate::server::forwarder::{Finished, Forwarder, ReplyTo, TOKEN_SPAN};
use crate::server::loop_db::LoopDb;
use crate::server::loop_decisions::{self as decide, Admission, Destination};
use crate::server::loop_waker;
use crate::server::shared::{Message, Shared};
use crate::server::stream::Tail;
use crate::server::tasks::{self, Task};
use crate::server::worker_pool::WorkerPool;
use crate::split::backend_mode::{self, FrameError};
use crate::split::handshake::{self, BackendHandshake};
use crate::split::protocol;

// The token space, split in ranges so that an event's token alone says
// what it is for (see `Source::of`): the waker, then listeners, then client
// connections (one per slot), then backend connections (a span per
// forwarding route). Each range starts far above the most the one below it
// can use, so no range runs into the next.
pub(crate) const WAKER: Token = Token(0);
const FIRST_LISTENER: usize = 1;
const FIRST_CONNECTION: usize = 1 << 16;
/// Connections to backends (a front's forwarding routes), above every
/// client's token: forwarding route `k`'s take `TOKEN_SPAN` from
/// `FIRST_UPSTREAM + k * TOKEN_SPAN`.
const FIRST_UPSTREAM: usize = 1 << 40;
// Checked when compiling: the client range holds far more slots than a
// process can have sockets, and the listeners' range more than anyone binds.
const _: () = assert!(FIRST_UPSTREAM - FIRST_CONNECTION > 1 << 32);
/// The loop's database connection: just below the backends, far above any slot.
const DATABASE: Token = Token(FIRST_UPSTREAM - 1);
const _: () = assert!(FIRST_CONNECTION - FIRST_LISTENER > 1000);
/// How many bytes one read may take: a whole pipelined burst in one system call.
const READ_CHUNK: usize = 64 * 1024;
/// Requests one connection may start per wake-up before the others get a turn.
/// Without it, a client pipelining thousands of requests in one burst would
/// keep the loop, and every other connection on it, until its last answer.
const REQUESTS_PER_TURN: usize = 32;
/// Non-blocking polls (each followed by a yield) before a loop sleeps.
const SPINS_BEFORE_SLEEP: usize = 2;
/// Spare output buffers a loop keeps for reuse.
const MAX_SPARE_BUFFERS: usize = 256;
/// Rounds of futures and database reads in one turn, at most (`run_tasks`):
/// a round per statement in a row is what a handler normally needs.
const TASK_ROUNDS: usize = 64;

/// What an event's token is for; see the token constants.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    /// A worker or another loop posted to the inbox.
    Waker,
    /// Listener `i`: connections to accept.
    Listener(usize),
    /// The client connection in slot `i`.
    Client(usize),
    /// A forwarder's connection to a backend (the whole token: each
    /// forwarder knows its own span).
    Backend(usize),
    /// The loop's database connection, for async handlers (`loop_db.rs`).
    Database,
}

impl Source {
    fn of(token: Token) -> Source {
        // Highest range first: each arm only has to say where its range starts.
        match token {
            WAKER => Source::Waker,
            DATABASE => Source::Database,
            Token(t) if t >= FIRST_UPSTREAM => Source::Backend(t),
            Token(t) if t >= FIRST_CONNECTION => Source::Client(t - FIRST_CONNECTION),
            Token(t) => Source::Listener(t - FIRST_LISTENER),
        }
    }
}

/// How long a poll may sleep: not at all while work is left over from the
/// last turn (a connection that used up its turn, a request to answer on
/// this thread), else until the next sweep is due.
fn poll_timeout(work_left: bool, tick: Duration) -> Duration {
    if work_left { Duration::ZERO } else { tick }
}

/// One event-loop thread's state; see the module docs.
pub(crate) struct EventLoop {
    index: usize,
    poll: Poll,
    listeners: Vec<TcpListener>,
    /// Connection `i` is registered with token `FIRST_CONNECTION + i`.
    slots: Vec<Option<ClientConn>>,
    /// Empty slots, the last freed on top: a new connection takes the slot
    /// (and so the token) a closed one had. That is safe because closing
    /// drops the socket, which takes it out of epoll, and because answers
    /// carry the connection's `id` as well as its slot (`decide::addressee`).
    free: Vec<usize>,
    /// The last connection's number; never reused, unlike slots.
    next_id: u64,
    shared: Arc<Shared>,
    /// The app's state as this loop's requests carry it: a copy with a
    /// reference count of its own ([`crate::app::core::AppCore::state_copy`]).
    app_state: Arc<AppState>,
    pool: WorkerPool,
    scratch: Box<[u8]>,
    /// The time at the last wake-up: one clock read per batch of events.
    now: Instant,
    tick: Duration,
    drain_deadline: Option<Instant>,
    /// Connections that used up their turn with requests still buffered.
    again: Vec<usize>,
    /// An `accept` failed (out of file descriptors?): retry at the next sweep.
    accept_failed: bool,
    last_sweep: Instant,
    /// Requests to answer on this thread once the turn is over.
    inline_jobs: Vec<Job>,
    /// Output buffers to reuse, so that answering does not allocate one each time.
    spare_buffers: Vec<Vec<u8>>,
    /// The last poll's events (token, readable, read side closed), and how many are handled.
    ready: Vec<(Token, bool, bool)>,
    next_ready: usize,
    /// For each forwarding route (its index in the URL table), this loop's
    /// connections to its backends (`server/forwarder.rs`).
    forwarders: Vec<(usize, Forwarder)>,
    /// Answers from the forwarders being delivered (kept to reuse its allocation).
    forwarded: Vec<Finished>,
    /// The database connection of this loop's async handlers, and their futures.
    db: LoopDb,
}

impl EventLoop {
    /// A loop numbered `index`, polling `poll`; loop 0 also registers every
    /// listener and accepts for all (see the module docs).
    pub(crate) fn new(
        index: usize,
        poll: Poll,
        listeners: &[std::net::TcpListener],
        shared: Arc<Shared>,
        pool: WorkerPool,
        tick: Duration,
    ) -> io::Result<EventLoop> {
        let mut registered = Vec::new();
        for (i, l) in listeners.iter().enumerate().filter(|_| index == 0) {
            let mut listener = TcpListener::from_std(l.try_clone()?);
            poll.registry().register(
                &mut listener,
                Token(FIRST_LISTENER + i),
                Interest::READABLE,
            )?;
            registered.push(listener);
        }
        let forwarders = shared
            .app
            .router
            .routes
            .iter()
            .enumerate()
            .filter_map(|(i, route)| Some((i, route.forward.clone()?)))
            .enumerate()
            .map(|(k, (i, proxy))| (i, Forwarder::new(proxy, FIRST_UPSTREAM + k * TOKEN_SPAN)))
            .collect();
        let loop_waker = shared.inboxes[index].waker.clone();
        let mut db = LoopDb::new(index, DATABASE, &shared, loop_waker);
        db.connect_if_due(Instant::now(), &pool, &shared);
        Ok(EventLoop {
            index,
            poll,
            listeners: registered,
            slots: Vec::new(),
            free: Vec::new(),
            next_id: 0,
            app_state: shared.app.state_copy(),
            shared,
            pool,
            scratch: vec![0; READ_CHUNK].into_boxed_slice(),
            now: Instant::now(),
            tick,
            drain_deadline: None,
            again: Vec::new(),
            accept_failed: false,
            last_sweep: Instant::now(),
            inline_jobs: Vec::new(),
            spare_buffers: Vec::new(),
            ready: Vec::new(),
            next_ready: 0,
            forwarders,
            forwarded: Vec::new(),
            db,
        })
    }

    /// One turn: poll, then handle the events, the inbox, leftovers and
    /// timers. Returns `true` once shutdown has drained every connection.
    ///
    /// A turn *pauses* as soon as handling an event leaves a request to
    /// answer on this thread: the runner answers it at once (so the answer
    /// leaves before the other events are handled) and calls `turn` again,
    /// which resumes with the next event instead of polling.
    pub(crate) fn turn(&mut self, events: &mut Events) -> bool {
        // A future woken on this thread during the turn needs no wake-up
        // of the poll: `run_tasks` looks (`tasks.rs`).
        let _running = tasks::Running::enter(self.index);
        // A new poll only once every event of the last one is handled: a
        // turn that paused for an inline answer resumes where it stopped.
        if self.next_ready == self.ready.len() {
            // Work left over from the last turn: look for events, do not sleep.
            let work_left =
                !self.again.is_empty() || !self.inline_jobs.is_empty() || self.db.has_work();
            let timeout = poll_timeout(work_left, self.tick);
            if let Err(err) = self.wait_for_events(events, timeout) {
                // A signal interrupted the wait (EINTR): nothing is wrong, the
                // turn goes on with no events. Anything else means the poll
                // itself is broken, and the loop cannot go on.
                if err.kind() != io::ErrorKind::Interrupted {
                    log::error!("event loop {} cannot poll: {err}", self.index);
                    return true;
                }
            }
            // One clock read per batch: every event of it is handled "now".
            // A deadline is then late by at most one batch's work, and a
            // busy loop saves a system call per event.
            self.now = Instant::now();
            self.ready.clear();
            self.next_ready = 0;
            // Copied out of `events`: a turn may pause in the middle of
            // them (see above), and `events` is the runner's, refilled by
            // the next poll; `ready` keeps the rest for when `turn` resumes.
            for event in events.iter() {
                // Edge-triggered: a close or an error comes as its own kind
                // of event, and the only way to learn which is to read, so
                // each counts as "readable".
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                self.ready
                    .push((event.token(), readable, event.is_read_closed()));
            }
        }
        while let Some(&(token, readable, read_closed)) = self.ready.get(self.next_ready) {
            self.next_ready += 1;
            match Source::of(token) {
                // The inbox is read once per turn, below, whatever woke us:
                // the waker fires once for many messages (`Inbox::send`), and
                // a message posted while this loop was busy, whose wake-up
                // came with an earlier batch, is read all the same.
                Source::Waker => {}
                Source::Backend(t) => {
                    let registry = self.poll.registry();
                    if let Some((_, forwarder)) =
                        self.forwarders.iter_mut().find(|(_, f)| f.owns(t))
                    {
                        forwarder.event(registry, t, readable, read_closed, self.now);
                    }
                }
                Source::Client(slot) => {
                    // A slot closed earlier in this batch may have events
                    // still queued: an empty slot ignores them. If an accept
                    // in this batch already gave the slot to a new
                    // connection, that one gets a spurious event: it reads,
                    // finds nothing (`WouldBlock`) and waits, which costs one
                    // system call and harms nothing. So does any spurious
                    // wake-up: readiness is a hint, the read is the truth.
                    if let Some(conn) = self.slots.get_mut(slot).and_then(Option::as_mut) {
                        if readable {
                            conn.mark_readable();
                        }
                        if read_closed {
                            conn.mark_fin_arrived();
                        }
                        self.drive(slot);
                    }
                }
                Source::Listener(i) => self.accept(i),
                // Polled below, once per turn, with what the handlers queued.
                Source::Database => self.db.event(readable),
            }
            // A backend's reply (or a 502 or 504) that this event produced
            // goes to its client now, not after the rest of the batch.
            self.deliver_forwarded();
            // Pause to answer at once, unless this was the last event: the
            // tail below must run once after every poll, whatever happens.
            if !self.inline_jobs.is_empty() && self.next_ready < self.ready.len() {
                return false;
            }
        }
        self.read_inbox();
        // Connections that gave way (a pipelined burst, a download) go on
        // now, after every other event of the batch had its turn. No event
        // will come for them: their bytes are already buffered, or their
        // socket is still writable, and an edge-triggered poll reports only
        // changes. A slot closed meanwhile is skipped (taken: a connection
        // that gives way again is pushed anew).
        for slot in std::mem::take(&mut self.again) {
            if self.slots.get(slot).is_some_and(Option::is_some) {
                self.drive(slot);
            }
        }
        self.run_tasks();
        // Checked every turn: the shutdown handle's waker only interrupts
        // the poll, it carries no message.
        if self.shared.shutdown.is_requested() && self.drain_deadline.is_none() {
            self.begin_drain();
        }
        // The poll may return long before the tick (any event wakes it):
        // the sweep runs at most once a tick, however busy the loop.
        if self.now.duration_since(self.last_sweep) >= self.tick {
            self.last_sweep = self.now;
            self.sweep();
        }
        self.deliver_forwarded();
        // The frames this turn queued for the backends leave, one write per
        // connection; answers from failures are delivered, which may queue more.
        while self.flush_forwarders() {
            self.deliver_forwarded();
        }
        if let Some(deadline) = self.drain_deadline {
            let open = self.slots.iter().flatten().count();
            if decide::drain_over(open, self.now, deadline) {
                if open > 0 {
                    log::warn!("shutdown deadline passed; closing {open} connection(s)");
                }
                for slot in 0..self.slots.len() {
                    self.close(slot);
                }
                for (_, forwarder) in &mut self.forwarders {
                    forwarder.close_all(self.poll.registry());
                }
                return true;
            }
        }
        false
    }

    /// Polls for events, waiting up to `timeout`. Before going to sleep, it
    /// looks twice without waiting, yielding the processor in between:
    /// under load the next request is usually microseconds away, and a
    /// thread that sleeps in `epoll_wait` and is woken again costs two
    /// context switches, which measured as the largest difference between
    /// this server and hyper on keep-alive traffic.
    fn wait_for_events(&mut self, events: &mut Events, timeout: Duration) -> io::Result<()> {
        if !timeout.is_zero() && self.db.tasks.is_empty() {
            for _ in 0..SPINS_BEFORE_SLEEP {
                self.poll.poll(events, Some(Duration::ZERO))?;
                if !events.is_empty() {
                    return Ok(());
                }
                std::thread::yield_now();
            }
        }
        self.poll.poll(events, Some(timeout))
    }

    /// Accepts every connection waiting on `listener`. Until `WouldBlock`:
    /// the listener is edge-triggered, so one event may stand for many
    /// connections, and one left in the backlog would get no event of its
    /// own until yet another arrives.
    fn accept(&mut self, listener: usize) {
        loop {
            // Looked up each time: after a shutdown began, the listeners are gone.
            let Some(l) = self.listeners.get(listener) else {
                return;
            };
            match l.accept() {
                Ok((stream, peer)) => self.place(stream, peer),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                // A signal: the connection is still there, try again.
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    // Out of file descriptors, usually: the connection waits in the
                    // backlog. No new edge will come for it, so the sweep retries.
                    log::warn!("accept failed: {err}");
                    self.accept_failed = true;
                    return;
                }
            }
        }
    }

    /// Refuses the connection if the server is full, else keeps it or gives
    /// it to a less busy loop.
    fn place(&mut self, mut stream: TcpStream, peer: SocketAddr) {
        let shared = &self.shared;
        let (max, mine) = (shared.settings.max_connections, self.index);
        // Counts it in `open` and in a loop's load, or refuses it (`loop_decisions.rs`).
        let admission = decide::admit(&shared.open, max, mine, &shared.loads);
        let counters = &shared.counters[mine];
        match admission {
            Admission::Refuse { open } => {
                counters.refused.fetch_add(1, Ordering::Relaxed);
                decide::refuse(&mut stream, shared.settings.mode);
                log::warn!("refused {peer}: {open} connections open");
                // `stream` is dropped here: the close follows the 503.
            }
            Admission::HandOver(target) => {
                counters.accepted.fetch_add(1, Ordering::Relaxed);
                // The target registers it with its own poll: a socket is
                // watched by one loop only, the one that reads it.
                shared.inboxes[target].send(Message::Adopt(stream, peer));
            }
            Admission::Keep => {
                counters.accepted.fetch_add(1, Ordering::Relaxed);
                self.adopt(stream, peer);
            }
        }
    }

    /// Registers a connection with this loop and serves what it already sent.
    fn adopt(&mut self, mut stream: TcpStream, peer: SocketAddr) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        // Registered once, for both directions, and never re-armed: mio is
        // edge-triggered, so WRITABLE costs nothing until a full send buffer
        // drains (the one moment a waiting answer needs it), and READABLE
        // comes once per burst of bytes, which is why `ClientConn` reads until
        // `WouldBlock` every time it is told.
        let registered = self.poll.registry().register(
            &mut stream,
            Token(FIRST_CONNECTION + slot),
            Interest::READABLE | Interest::WRITABLE,
        );
        if let Err(err) = registered {
            log::warn!("cannot register {peer}: {err}");
            self.free.push(slot);
            self.forget();
            return;
        }
        self.next_id += 1;
        let settings = &self.shared.settings;
        // With a split key, a fresh nonce and the challenge, sent first.
        let mut challenge = None;
        let wire = match (settings.mode, &settings.split_key) {
            (Mode::Http, _) => Wire::Http(
                RequestDecoder::new(self.shared.limits).with_planner(self.shared.clone()),
            ),
            (Mode::Backend, None) => Wire::Frames(None),
            (Mode::Backend, Some(key)) => match handshake::fresh_nonce() {
                Ok(nonce) => {
                    let (handshake, frame) = BackendHandshake::new(key.clone(), nonce);
                    challenge = Some(frame);
                    Wire::Frames(Some(handshake))
                }
                Err(err) => {
                    log::error!("front {peer}: no random nonce for its challenge ({err}): closing");
                    self.free.push(slot);
                    self.shared.loads[self.index].fetch_sub(1, Ordering::Relaxed);
                    self.forget();
                    return;
                }
            },
        };
        let mut conn = ClientConn::new(stream, peer, self.next_id, wire, self.now);
        if let Some(frame) = challenge {
            conn.queue_first(&frame);
        }
        self.slots[slot] = Some(conn);
        // Driven at once, not at its first event: a client often sends its
        // request with the connect, and the bytes may already be here (a
        // new `ClientConn` starts out readable). It also sends a challenge.
        self.drive(slot);
    }

    fn read_inbox(&mut self) {
        // The whole queue in one swap: the lock is held for a pointer's
        // move, never while a message is handled (a worker posting its
        // answer never waits for this loop's work).
        let messages = std::mem::take(
            &mut *self.shared.inboxes[self.index]
                .queue
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for message in messages {
            match message {
                Message::Done {
                    slot,
                    id,
                    bytes,
                    keep_alive,
                    tail,
                } => self.deliver(slot, id, bytes, keep_alive, tail),
                // A stream's producer queued chunks or finished.
                Message::Wake { slot, id } => {
                    if self
                        .slots
                        .get(slot)
                        .and_then(Option::as_ref)
                        .map(ClientConn::id)
                        == Some(id)
                    {
                        self.drive(slot);
                    }
                }
                Message::Database(link) => {
                    self.db.connected(link, self.poll.registry(), self.now);
                }
                Message::Adopt(stream, peer) => {
                    // Handed over just before this loop began its drain: not
                    // served, closed (dropped) at once, and taken off the
                    // counts that `admit` added it to.
                    if self.drain_deadline.is_some() {
                        self.shared.loads[self.index].fetch_sub(1, Ordering::Relaxed);
                        self.forget();
                    } else {
                        self.adopt(stream, peer);
                    }
                }
            }
        }
    }

    /// Moves a connection forward as far as it can go without blocking
    /// ([`ClientConn::advance`]), and closes it if it is done.
    fn drive(&mut self, slot: usize) {
        // An I/O error (a reset, a broken pipe) ends the connection like a
        // close: nothing more can be said to that client.
        let keep = self.advance(slot).unwrap_or(false);
        // Before `close`: a connection closed after its last byte left
        // still counts as served.
        self.count_served(slot);
        if !keep {
            self.close(slot);
        } else if let Some(conn) = self.slots[slot].as_mut()
            && conn.take_yielded()
        {
            // A download gave its turn up with the socket still writable:
            // continue it after the other connections' events.
            self.again.push(slot);
        }
    }

    /// [`EventLoop::drive`]'s body: does what the connection asks for until
    /// it waits. `Ok(false)` or an error means close now.
    fn advance(&mut self, slot: usize) -> io::Result<bool> {
        let mut started = 0;
        loop {
            let conn = self.slots[slot]
                .as_mut()
                .expect("driven slot holds a connection");
            let draining = self.drain_deadline.is_some();
            // Its share of this wake-up used: it sends what it has and is
            // put on `again` (`Progress::Again`) to go on after the others.
            let turn_over = started == REQUESTS_PER_TURN;
            match conn.advance(self.now, &mut self.scratch, draining, turn_over)? {
                Progress::Wait => return Ok(true),
                Progress::Close => return Ok(false),
                Progress::Again => {
                    self.again.push(slot);
                    return Ok(true);
                }
                Progress::Request(raw) => {
                    started += 1;
                    self.start_request(slot, raw);
                }
                Progress::Invalid(err) => {
                    self.answer_and_close(slot, err.status(), &err.to_string());
                }
                Progress::Frame(request, window) => {
                    started += 1;
                    self.start_frame(slot, request, window);
                }
                Progress::BadFrame(err @ FrameError::Handshake(_)) => {
                    // "front 10.0.0.5:41234 sent a request without the split key's hello (...): closing"
                    log::warn!("front {} {err}: closing", conn.peer());
                }
                Progress::BadFrame(err) => {
                    log::warn!("front {}: {err}; closing this connection", conn.peer());
                }
            }
        }
    }

    /// Sends the plain page for an error `status` that ends the connection,
    /// and logs it with `why`.
    fn answer_and_close(&mut self, slot: usize, status: Status, why: &str) {
        let conn = self.slots[slot].as_mut().expect("slot holds a connection");
        log::info!(target: "httprs::access", "{} \"-\" {} ({why})", conn.peer(), status.code());
        conn.answer_and_close(status);
        self.responded();
    }

    /// Routes a parsed request and sends it to be answered: on this loop's
    /// own thread between two turns (see `runner.rs`) or on a worker.
    fn start_request(&mut self, slot: usize, raw: RawRequest) {
        let conn = self.slots[slot].as_mut().expect("slot holds a connection");
        let framing = ResponseFraming {
            head_only: raw.head.method == "HEAD",
            // Draining: this answer is the connection's last, and says so
            // (`Connection: close`), so the client does not send another.
            keep_alive: raw.head.keep_alive() && self.drain_deadline.is_none(),
            minor_version: raw.head.minor_version,
        };
        let mut req = Request::from_raw(raw, Some(conn.peer()));
        // Forwarding fields count only from the `trusted_proxies` setting's peers.
        req.believe_proxy(&self.shared.settings.trusted_proxies, false);
        self.dispatch(slot, req, Reply::Http(framing));
    }

    /// [`EventLoop::start_request`] for a front's frame (backend mode): the
    /// same routing, inline or on a worker, and a frame for an answer. A
    /// body over `max_body_bytes` is answered `413` without running the app.
    fn start_frame(&mut self, slot: usize, message: protocol::Request, window: Option<u32>) {
        let conn = self.slots[slot].as_mut().expect("slot holds a connection");
        // The route's limit, if it has one: the front knows no routes.
        let max_body = self.shared.body_limit(&message.method, &message.path);
        if let Some(refusal) = backend_mode::refuse_large_body(&message, max_body, conn.peer()) {
            conn.deliver(refusal, true, None, self.drain_deadline.is_some());
            self.responded();
            return;
        }
        let id = message.id;
        let mut req = protocol::request_from_message(message, conn.peer());
        // With a split key, only a front holding it gets this far (its
        // frames come after its hello): it is a trusted proxy, as the
        // `trusted_proxies` setting's peers are. Without, only those.
        let keyed = self.shared.settings.split_key.is_some();
        req.believe_proxy(&self.shared.settings.trusted_proxies, keyed);
        // What the front can relay, for the app to answer within it.
        let streams = window.is_some();
        req.extensions_mut().insert(BehindFront { streams });
        self.dispatch(slot, req, Reply::Frame { id, window });
    }

    /// Resolves `req` and sends it to its handler: inline or on a worker;
    /// or, for a forwarding route, to a backend from this loop.
    fn dispatch(&mut self, slot: usize, mut req: Request, reply: Reply) {
        let shared = &self.shared;
        let resolution = shared.app.resolve(&mut req, &self.app_state);
        // An async route: on this loop, with its database connection; or,
        // while that is being made, on a worker with the pool (never inline:
        // it would block this loop for a round trip).
        let mut to_worker = false;
        if let Resolution::Found { index, .. } = &resolution
            && let Some(handler) = &shared.app.router.routes[*index].awaits
        {
            if let Some(db) = self.db.handle() {
                let handler = handler.clone();
                req.extensions_mut().insert(db);
                self.start_task(slot, req, reply, handler.as_ref());
                return;
            }
            to_worker = self.db.wants_link();
        }
        let forwarded = self.forwarders.iter().map(|(route, _)| *route);
        let runs_inline =
            || dispatch::runs_inline(shared.timings.of(&resolution), shared.inline_budget);
        let inline = match decide::destination(&resolution, &reply, forwarded, runs_inline) {
            Destination::Forward {
                forwarder: k,
                framing,
            } => {
                let conn = self.slots[slot].as_mut().expect("slot holds a connection");
                // Not inline: what is queued for the client leaves now. The
                // answer comes back through `finished` (`deliver_forwarded`),
                // tagged with the slot and the connection's id, as a worker's does.
                conn.begin_request(false);
                let client = ReplyTo {
                    slot,
                    id: conn.id(),
                    framing,
                };
                let forwarder = &mut self.forwarders[k].1;
                forwarder.start(self.poll.registry(), &req, client, self.now);
                return;
            }
            Destination::Inline => !to_worker,
            Destination::Worker => false,
        };
        let conn = self.slots[slot].as_mut().expect("slot holds a connection");
        conn.begin_request(inline);
        let job = Job {
            slot,
            id: conn.id(),
            req,
            resolution,
            reply,
            out: self.spare_buffers.pop().unwrap_or_default(),
        };
        if inline {
            self.inline_jobs.push(job);
        } else {
            offload(&self.shared, &self.pool, self.index, job);
        }
    }

    /// Starts an async handler on this loop (`tasks.rs`): the handler makes
    /// its future, polled in this turn's `run_tasks`.
    fn start_task(&mut self, slot: usize, req: Request, reply: Reply, handler: &dyn AsyncHandler) {
        let conn = self.slots[slot].as_mut().expect("slot holds a connection");
        // Not inline: what is queued for the client leaves now.
        conn.begin_request(false);
        let req = Arc::new(req);
        // Calling an `async fn` only makes its future; still, a handler
        // written by hand may do work (and panic) before it returns one.
        let future = catch_unwind(AssertUnwindSafe(|| handler.call(req.clone())));
        let future = future.unwrap_or_else(|panic| {
            // A future that answers at once, with the panic's 500.
            let res = self.shared.app.panicked(&req, panic);
            Box::pin(std::future::ready(res))
        });
        self.db.tasks.spawn(Task {
            future,
            req,
            slot,
            id: conn.id(),
            reply,
            out: self.spare_buffers.pop().unwrap_or_default(),
            started: self.now,
        });
    }

    /// Polls the async handlers that were woken and the database connection
    /// they use, until neither has anything left to do: a handler's
    /// statement queued wakes the connection, which writes it with the
    /// others; an answer read wakes its handler, whose response is
    /// delivered at once, which may start the connection's next request.
    fn run_tasks(&mut self) {
        // Bounded: a future that wakes itself each time it is polled would
        // keep this loop here for ever. What is left waits for the next
        // turn, whose poll does not sleep (`has_work`).
        // A loop that wants no database connection runs no futures: no
        // lock, no atomics, for an app without async routes.
        if !self.db.wants_link() {
            return;
        }
        for _ in 0..TASK_ROUNDS {
            let mut finished = Vec::new();
            let woken = self.db.tasks.take_woken();
            if woken {
                let app = &self.shared.app;
                self.db
                    .tasks
                    .poll_woken(app, |task, res| finished.push((task, res)));
            }
            for (task, res) in finished {
                self.finish_task(task, res);
            }
            let polled = self.db.poll_link(self.poll.registry(), self.now);
            if !woken && !polled {
                return;
            }
        }
    }

    /// An async handler's response, finished as the middleware chain and
    /// `AppCore::respond` would have (error page, access log, request id,
    /// secure headers, compression), encoded and delivered.
    fn finish_task(&mut self, task: Task, res: Response) {
        let req = &task.req;
        // As `AppCore::respond` does inside its chain: a page for an
        // error, and what a front cannot relay made a 501 before it is logged.
        let res = relayable(req, res.render_problem_for(req));
        if log::log_enabled!(target: "httprs::access", log::Level::Info) {
            log_request(req, &res, task.started);
        }
        let res = self.shared.app.finish_async(req, res);
        let (bytes, keep_alive, tail) = dispatch::encode(&self.shared, res, task.reply, task.out);
        self.deliver(task.slot, task.id, bytes, keep_alive, tail);
    }

    /// Sends the frames the forwarders queued; `false` when there were none.
    fn flush_forwarders(&mut self) -> bool {
        let registry = self.poll.registry();
        let mut any = false;
        for (_, forwarder) in &mut self.forwarders {
            any |= forwarder.flush(registry, self.now);
        }
        any
    }

    /// Delivers the forwarders' answers as a worker's are delivered, each
    /// encoded for its client. Delivering drives the client's connection,
    /// which may forward its next request and so add answers: repeated
    /// until there are none.
    fn deliver_forwarded(&mut self) {
        while self.forwarders.iter().any(|(_, f)| !f.finished.is_empty()) {
            let mut batch = std::mem::take(&mut self.forwarded);
            for (_, forwarder) in &mut self.forwarders {
                batch.append(&mut forwarder.finished);
            }
            for done in batch.drain(..) {
                // A keyed backend answered with this id already (an unkeyed
                // one with an id of its own); a 502 of the front's has none.
                let res = with_request_id(done.res, &done.request_id);
                let res = if self.shared.app.secure_headers {
                    secure_headers::apply(res)
                } else {
                    res
                };
                if log::log_enabled!(target: "httprs::access", log::Level::Info) {
                    log_access(
                        done.client_shown.as_deref(),
                        &done.method,
                        &done.path,
                        done.version,
                        &res,
                        done.started,
                        &done.request_id,
                    );
                }
                let out = self.spare_buffers.pop().unwrap_or_default();
                let client = done.client;
                let (bytes, keep_alive, tail) =
                    dispatch::encode(&self.shared, res, Reply::Http(client.framing), out);
                self.deliver(client.slot, client.id, bytes, keep_alive, tail);
            }
            self.forwarded = batch;
        }
    }

    /// Requests waiting to be answered on this loop's own thread.
    /// Moves them into `jobs` (an empty `Vec` the runner reuses, so that no
    /// turn allocates one).
    pub(crate) fn take_inline_jobs(&mut self, jobs: &mut Vec<Job>) {
        std::mem::swap(&mut self.inline_jobs, jobs);
    }

    /// Puts an answer on its connection (unless that connection has gone):
    /// `bytes`, then `tail` sent after them if the body is a file or a stream.
    pub(crate) fn deliver(
        &mut self,
        slot: usize,
        id: u64,
        bytes: Vec<u8>,
        keep_alive: bool,
        tail: Option<Tail>,
    ) {
        // The client may have gone while its answer was made, and its slot
        // may hold a new connection by now: then the answer is dropped.
        let Some(conn) = decide::addressee(&mut self.slots, slot, id) else {
            return;
        };
        // A streamed answer's producer may wake this loop when it has
        // more: tell it where to knock (this loop, this slot, this id).
        loop_waker::attach(
            tail.as_ref(),
            &self.shared,
            &self.pool,
            self.index,
            slot,
            id,
        );
        // The order matters: the answer is queued, counted, then the
        // connection driven. Driving writes it at once (most answers leave
        // in this very call, with no writable event to wait for), and only
        // then, the connection no longer busy, parses the next pipelined
        // request: answers leave in the order their requests came.
        let spare = conn.deliver(bytes, keep_alive, tail, self.drain_deadline.is_some());
        // Keep the spare buffer for a later answer; not a big one, which a
        // large body grew and which would sit in memory for a small answer.
        if self.spare_buffers.len() < MAX_SPARE_BUFFERS && spare.capacity() <= WRITE_BATCH {
            self.spare_buffers.push(spare);
        }
        self.responded();
        self.drive(slot);
    }

    /// A response was queued on this loop.
    fn responded(&self) {
        self.shared.counters[self.index]
            .responses
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the connection as served once its first response has been
    /// written out completely.
    fn count_served(&mut self, slot: usize) {
        if let Some(conn) = self.slots[slot].as_mut()
            && conn.take_served()
        {
            self.shared.counters[self.index]
                .served
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn close(&mut self, slot: usize) {
        // `take`: closing twice (a sweep and a drain in one turn) is harmless.
        if let Some(conn) = self.slots.get_mut(slot).and_then(Option::take) {
            // Dropping the stream closes the socket, which also removes it
            // from epoll (it was never cloned: no other descriptor keeps it
            // registered). So its slot, and token, can go to the next one.
            drop(conn);
            self.free.push(slot);
            self.shared.loads[self.index].fetch_sub(1, Ordering::Relaxed);
            self.forget();
        }
    }

    /// One connection fewer open in the whole server.
    fn forget(&self) {
        self.shared.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Stops accepting and closes every connection that is between requests.
    fn begin_drain(&mut self) {
        self.drain_deadline = Some(self.now + self.shared.settings.shutdown_timeout);
        // Dropping the listeners deregisters and closes them: only loop 0
        // holds them (`Server::start` dropped its own once the loops had
        // their clones), so once it has begun its drain the port is free.
        // Connections accepted but not yet adopted are closed in `read_inbox`.
        self.listeners.clear();
        for slot in decide::idle_slots(&self.slots) {
            self.close(slot);
        }
        // A stream waiting for its producer ends now, or once its outbox
        // is sent: a drain must not wait on a feed that never ends.
        for slot in 0..self.slots.len() {
            if self.slots[slot]
                .as_ref()
                .is_some_and(ClientConn::is_streaming)
            {
                self.drive(slot);
            }
        }
    }

    /// Applies the timeouts ([`ClientConn::timer`], and the forwarders' deadlines).
    fn sweep(&mut self) {
        self.db.connect_if_due(self.now, &self.pool, &self.shared);
        // The forwarders' 504s and 502s land in `finished`; the turn
        // delivers them right after this sweep.
        for (_, forwarder) in &mut self.forwarders {
            forwarder.sweep(self.poll.registry(), self.now);
        }
        // A failed accept left connections in the backlog with no event to
        // come for them (the edge was spent): this is their retry, once a
        // tick, until a close has freed a file descriptor.
        if std::mem::take(&mut self.accept_failed) {
            for listener in 0..self.listeners.len() {
                self.accept(listener);
            }
        }
        let settings = &self.shared.settings;
        let (header_timeout, idle_timeout) = (settings.header_timeout, settings.idle_timeout);
        for (slot, expired) in decide::expired(&self.slots, self.now, header_timeout, idle_timeout)
        {
            match expired {
                Expired::Close => self.close(slot),
                Expired::RequestTimeout => {
                    self.answer_and_close(slot, Status::REQUEST_TIMEOUT, "request timeout");
                    // Queued is not sent: driving writes the 408 now, and
                    // closes the connection once it has left.
                    self.drive(slot);
                }
                Expired::KeepAlive => {
                    if let Some(conn) = self.slots[slot].as_mut() {
                        conn.send_keep_alive(self.now);
                    }
                    self.drive(slot);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::config::settings::Settings;
    use crate::http::parse_error::Limits;
    use crate::http::response::Response;
    use crate::server::dispatch::policy::RouteTimings;
    use crate::server::shared::Inbox;
    use crate::server::shutdown::ShutdownHandle;
    use crate::server::stats::Counters;

    /// One loop with one loopback listener and one worker, built as
    /// `Server::start` builds them, and turned by the test as its runner
    /// would turn it: no runner thread, no watchdog.
    struct OneLoop {
        event_loop: EventLoop,
        events: Events,
        shared: Arc<Shared>,
        addr: SocketAddr,
    }

    impl OneLoop {
        fn new(settings: Settings) -> OneLoop {
            let app = crate::App::new()
                .get("/", |_: &Request| Response::text("hi"))
                .core;
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let addr = listener.local_addr().unwrap();
            let poll = Poll::new().unwrap();
            let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER).unwrap());
            let shared = Arc::new(Shared {
                timings: RouteTimings::new(app.router.routes.iter().map(|r| r.may_block)),
                app,
                limits: Limits {
                    max_head: settings.max_head_bytes,
                    max_body: settings.max_body_bytes,
                },
                inline_budget: Duration::from_micros(settings.inline_budget_us),
                counters: vec![Counters::default()],
                open: AtomicUsize::new(0),
                open_streams: Arc::new(AtomicUsize::new(0)),
                loads: vec![AtomicUsize::new(0)],
                inboxes: vec![Inbox {
                    queue: Mutex::new(Vec::new()),
                    waker: waker.clone(),
                }],
                shutdown: ShutdownHandle::new(vec![waker]),
                settings,
            });
            let pool = WorkerPool::new(1);
            let tick = Duration::from_millis(5);
            let event_loop =
                EventLoop::new(0, poll, &[listener], shared.clone(), pool, tick).unwrap();
            OneLoop {
                event_loop,
                events: Events::with_capacity(64),
                shared,
                addr,
            }
        }

        fn client(&self) -> std::net::TcpStream {
            let client = std::net::TcpStream::connect(self.addr).unwrap();
            client.set_nonblocking(true).unwrap();
            client
        }

        /// Turns the loop, reading what `client` is sent, until `done` says
        /// it is enough or the client is closed; at most five seconds.
        /// Returns what was read, and whether the client was closed.
        #[track_caller]
        fn serve(
            &mut self,
            client: &mut std::net::TcpStream,
            done: impl Fn(&str) -> bool,
        ) -> (String, bool) {
            let give_up = Instant::now() + Duration::from_secs(5);
            let mut got = Vec::new();
            loop {
                let drained = self.event_loop.turn(&mut self.events);
                let mut buf = [0; 4096];
                let closed = loop {
                    match client.read(&mut buf) {
                        Ok(0) => break true,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => break false,
                        Err(err) => panic!("client read: {err}"),
                    }
                };
                let text = String::from_utf8_lossy(&got).into_owned();
                if closed || drained || done(&text) {
                    return (text, closed);
                }
                assert!(Instant::now() < give_up, "not done within 5 s: {text:?}");
            }
        }

        fn count(&self, counter: fn(&Counters) -> &std::sync::atomic::AtomicU64) -> u64 {
            counter(&self.shared.counters[0]).load(Ordering::Relaxed)
        }
    }

    #[test]
    fn a_request_is_answered_through_a_worker_and_its_connection_stays_open() {
        let mut one = OneLoop::new(Settings::default());
        let mut client = one.client();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let (text, closed) = one.serve(&mut client, |text| text.ends_with("hi"));
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(!closed, "keep-alive: the connection stays open");
        assert_eq!(one.count(|c| &c.accepted), 1);
        assert_eq!(one.count(|c| &c.responses), 1);
        assert_eq!(one.shared.open.load(Ordering::Relaxed), 1);
        // The same connection, a second request: no second accept.
        client
            .write_all(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let (text, _) = one.serve(&mut client, |text| text.contains("404 Not Found\n"));
        assert!(text.contains("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert_eq!(one.count(|c| &c.accepted), 1);
    }

    #[test]
    fn a_connection_past_max_connections_gets_a_503_and_is_closed() {
        let mut one = OneLoop::new(Settings {
            max_connections: 1,
            ..Settings::default()
        });
        let mut first = one.client();
        first
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        one.serve(&mut first, |text| text.ends_with("hi"));
        let mut second = one.client();
        let (text, closed) = one.serve(&mut second, |_| false);
        assert!(
            text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{text}"
        );
        assert!(closed);
        assert_eq!(one.count(|c| &c.refused), 1);
        assert_eq!(
            one.shared.open.load(Ordering::Relaxed),
            1,
            "the refused one is not counted open"
        );
    }

    #[test]
    fn a_shutdown_closes_idle_connections_and_the_loop_reports_it_is_drained() {
        let mut one = OneLoop::new(Settings::default());
        let mut client = one.client();
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        one.serve(&mut client, |text| text.ends_with("hi"));
        one.shared.shutdown.shutdown();
        let (_, closed) = one.serve(&mut client, |_| false);
        assert!(closed, "the idle keep-alive connection is closed");
        let give_up = Instant::now() + Duration::from_secs(5);
        while !one.event_loop.turn(&mut one.events) {
            assert!(Instant::now() < give_up, "not drained within 5 s");
        }
        assert_eq!(one.shared.open.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_token_says_what_it_is_for_and_the_ranges_do_not_meet() {
        assert_eq!(Source::of(WAKER), Source::Waker);
        assert_eq!(Source::of(Token(FIRST_LISTENER)), Source::Listener(0));
        assert_eq!(Source::of(Token(FIRST_LISTENER + 2)), Source::Listener(2));
        assert_eq!(Source::of(Token(FIRST_CONNECTION)), Source::Client(0));
        assert_eq!(
            Source::of(Token(FIRST_UPSTREAM - 2)),
            Source::Client(FIRST_UPSTREAM - 2 - FIRST_CONNECTION)
        );
        assert_eq!(Source::of(DATABASE), Source::Database);
        assert_eq!(
            Source::of(Token(FIRST_UPSTREAM)),
            Source::Backend(FIRST_UPSTREAM)
        );
    }

    #[test]
    fn a_loop_with_work_left_polls_without_sleeping() {
        let tick = Duration::from_millis(250);
        assert_eq!(poll_timeout(true, tick), Duration::ZERO);
        assert_eq!(poll_timeout(false, tick), tick);
    }
}
