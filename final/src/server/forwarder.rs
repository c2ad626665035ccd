//! One event loop's share of a [`Proxy`]: its connections to each backend,
//! the requests waiting for one, and every decision about a request on its
//! way: which backend, which connection, a retry, a 502 or a 504.
//!
//! The loop hands a request over with [`Forwarder::start`] instead of
//! running a handler, passes on the events of the connections' tokens
//! ([`Forwarder::event`]), lets the sweep apply the deadlines
//! ([`Forwarder::sweep`]), and takes the answers from `finished`, each an
//! HTTP response for one client connection, which it encodes and delivers
//! as it delivers a handler's. No thread but the loop's ever touches any of
//! it, so nothing here takes a lock but the backends' health, which all
//! loops share.
//!
//! **Connections per backend.** A request goes on the connection to its
//! backend with the fewest in flight, if one has room (fewer than
//! [`MAX_IN_FLIGHT`](crate::server::backend_conn::MAX_IN_FLIGHT)); with none, a new one is opened, up to
//! [`MAX_CONNECTIONS`] per backend on this loop; beyond that requests wait
//! in a queue, first come, first served, and each reply makes room for the
//! oldest. Frames queued during one turn of the loop leave together, one
//! write per connection, when the loop calls [`Forwarder::flush`].
//! A connection whose oldest request has waited longer than [`STALLED`]
//! takes no new ones while another may be opened (`docs/proxy.md`,
//! "Nobody waits long behind a slow request").
//! A connection the backend closes while idle is dropped when its event
//! says so.
//!
//! **No sockets of its own.** Connections are opened through a [`Dialer`]
//! (the loop's `mio` registry) and moved by [`BackendConn`], so every
//! decision here is tested on scripted fake sockets in `forwarder/on_fakes.rs`;
//! `forwarder/on_loopback.rs` runs the same against real backends on loopback.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::Token;
use mio::net::TcpStream;

use crate::app::middleware::shown_client;
use crate::http::request::Request;
use crate::http::request_id;
use crate::http::response::{Response, ResponseFraming};
use crate::http::status::Status;
use crate::server::backend_conn::{BackendConn, InFlight, Link, Outcome};
use crate::server::dialer::Dialer;
use crate::server::relay_in::{RelaysIn, Word};
use crate::split::codec;
use crate::split::proxy::Proxy;
use crate::split::proxy::forwarded::{forwarded_for, is_replaced};
use crate::split::proxy::retry::{Failure, is_idempotent};
use crate::split::streams::WINDOW;

/// Connections one loop opens to one backend at most; more requests wait.
pub(crate) const MAX_CONNECTIONS: usize = 64;

/// A connection whose oldest request has waited this long for its reply
/// takes no more while a new connection may be opened: a backend that
/// answers in order (step 06's does) would hold them behind it. A backend
/// answers a fast request well within it, even on a busy machine.
const STALLED: Duration = Duration::from_millis(20);

/// The longest a connect may take (within the request's own timeout). On a
/// network a connection opens in well under a millisecond; a host that
/// drops packets should cost a request a second, not thirty.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Tokens a forwarder's connections take, from its base.
pub(crate) const TOKEN_SPAN: usize = 1 << 24;

/// The client connection a request came on, and how to frame its answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReplyTo {
    pub(crate) slot: usize,
    pub(crate) id: u64,
    pub(crate) framing: ResponseFraming,
}

/// An answer for a client, for the loop to encode and deliver.
pub(crate) struct Finished {
    pub(crate) client: ReplyTo,
    pub(crate) res: Response,
    /// For the access log: the request, and when it arrived.
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) version: &'static str,
    /// The client as the access log shows it ([`shown_client`]).
    pub(crate) client_shown: Option<String>,
    pub(crate) request_id: String,
    pub(crate) started: Instant,
}

/// One request on its way: to which backend, on which connection, and
/// what it may still survive.
struct Exchange {
    client: ReplyTo,
    method: String,
    path: String,
    version: &'static str,
    client_shown: Option<String>,
    request_id: String,
    started: Instant,
    deadline: Instant,
    /// The request frame, kept for a retry: the same bytes, another connection.
    frame: Vec<u8>,
    id: u64,
    may_resend: bool,
    /// Sent once more already, after a backend that may have run it died.
    resent: bool,
    /// The round-robin position it started from, and backends tried so far.
    first: usize,
    tried: usize,
    backend: usize,
    probe: bool,
    /// The connection it is on; `None` while it waits in its backend's queue.
    conn: Option<usize>,
}

/// One backend's connections on this loop.
#[derive(Default)]
struct Lane {
    /// Connections open (their slots), busy or not.
    conns: Vec<usize>,
    /// Requests waiting for a connection, oldest first.
    queue: VecDeque<usize>,
}

/// One loop's forwarding state for one [`Proxy`]; see the module docs.
///
/// Generic over the socket `L` for the tests (`forwarder/on_fakes.rs` drives
/// it through a fake [`Dialer`]); the server's is a `mio` TCP stream.
pub(crate) struct Forwarder<L: Link = TcpStream> {
    proxy: Arc<Proxy>,
    /// Connection `i` is registered with token `token_base + i`.
    token_base: usize,
    /// Connection slots: an index is a token (`token_base + i`), reused
    /// once [`Forwarder::close`] has deregistered its socket, so a stale
    /// event for a closed one finds `None` (or, rarely, the slot's next
    /// connection, which then just tries a read or a write that would block).
    conns: Vec<Option<BackendConn<L>>>,
    /// When each connection's connect began, while it is under way.
    connecting: Vec<Option<(Instant, Vec<SocketAddr>)>>,
    free_conns: Vec<usize>,
    lanes: Vec<Lane>,
    exchanges: Vec<Option<Exchange>>,
    free_exchanges: Vec<usize>,
    /// Connections with frames queued this turn, for [`Forwarder::flush`].
    dirty: Vec<usize>,
    /// Request ids: unique per connection, as PROTOCOL.md asks.
    next_id: u64,
    scratch: Box<[u8]>,
    /// Streams relayed to browsers (version 3, `relay_in.rs`).
    relays: RelaysIn,
    /// Answers for the loop to deliver.
    pub(crate) finished: Vec<Finished>,
}

impl<L: Link> Forwarder<L> {
    pub(crate) fn new(proxy: Arc<Proxy>, token_base: usize) -> Forwarder<L> {
        let lanes = proxy.backends.iter().map(|_| Lane::default()).collect();
        Forwarder {
            proxy,
            token_base,
            conns: Vec::new(),
            connecting: Vec::new(),
            free_conns: Vec::new(),
            lanes,
            exchanges: Vec::new(),
            free_exchanges: Vec::new(),
            dirty: Vec::new(),
            next_id: 1,
            scratch: vec![0; 64 * 1024].into_boxed_slice(),
            relays: RelaysIn::default(),
            finished: Vec::new(),
        }
    }

    /// Whether `token` is one of this forwarder's connections.
    pub(crate) fn owns(&self, token: usize) -> bool {
        (self.token_base..self.token_base + TOKEN_SPAN).contains(&token)
    }

    /// Forwards `req`, which came on `client`: its answer shows up in
    /// `finished`, now (a 502 when every backend is down) or later.
    pub(crate) fn start(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        req: &Request,
        client: ReplyTo,
        now: Instant,
    ) {
        // Unique in this forwarder, so on every connection it opens: a
        // request resent on another connection keeps its id, and can never
        // meet another request's reply there.
        let id = self.next_id;
        self.next_id += 1;
        let forwarded_for = forwarded_for(req.headers().iter(), req.peer_addr());
        let mut extra = Vec::with_capacity(3);
        extra.extend(forwarded_for.as_deref().map(|v| ("X-Forwarded-For", v)));
        extra.push(("X-Forwarded-Proto", req.scheme().as_str()));
        // A keyed backend takes it as its own: one id in both logs.
        extra.push((request_id::HEADER, req.id()));
        let mut frame = Vec::new();
        let keep = |name: &str| !is_replaced(name);
        // Encoded once, here: a retry sends the same bytes again. It
        // offers to take a streamed reply (version 3, `relay_in.rs`).
        let window = Some(WINDOW);
        let frame =
            codec::encode_request(id, req, &keep, &extra, window, &mut frame).map(|()| frame);
        let count = self.proxy.backends.len();
        let exchange = Exchange {
            client,
            method: req.method().to_string(),
            path: req.path().to_string(),
            version: req.version(),
            client_shown: shown_client(req),
            request_id: req.id().to_string(),
            started: now,
            deadline: now + self.proxy.timeout,
            frame: Vec::new(),
            id,
            may_resend: is_idempotent(req.method()),
            resent: false,
            // The round robin's counter is shared by every loop, so the
            // loops together spread requests evenly. `max(1)`: no division
            // by zero for a proxy without backends (`route` answers 502).
            first: self.proxy.next_backend() % count.max(1),
            tried: 0,
            backend: 0,
            probe: false,
            conn: None,
        };
        let key = self.free_exchanges.pop().unwrap_or_else(|| {
            self.exchanges.push(None);
            self.exchanges.len() - 1
        });
        self.exchanges[key] = Some(exchange);
        match frame {
            Ok(frame) => {
                self.exchange(key).frame = frame;
                self.route(dialer, key, now);
            }
            // The one way encoding fails: a frame over the protocol's limit.
            Err(err) => {
                log::warn!("cannot forward {} {}: {err}", req.method(), req.path());
                self.finish(key, Response::error(Status::CONTENT_TOO_LARGE));
            }
        }
    }

    fn exchange(&mut self, key: usize) -> &mut Exchange {
        self.exchanges[key].as_mut().expect("a live exchange")
    }

    /// Sends exchange `key` to the next backend in its turn that takes
    /// requests, or answers 502 when none is left.
    fn route(&mut self, dialer: &dyn Dialer<Link = L>, key: usize, now: Instant) {
        let count = self.proxy.backends.len();
        loop {
            let ex = self.exchanges[key].as_mut().expect("a live exchange");
            if ex.tried >= count {
                log::warn!("{} {}: no backend available; 502", ex.method, ex.path);
                let page = Proxy::bad_gateway(&format!(
                    "No application backend is available: all {count} are down."
                ));
                return self.finish(key, page);
            }
            let backend = (ex.first + ex.tried) % count;
            // Counted tried even when skipped: a request goes round the
            // backends once, never twice, whatever happens to them meanwhile.
            ex.tried += 1;
            // `None`: down, in its back-off; `Some(true)`: down, and this
            // request is the probe that tries it (see `health.rs`).
            let Some(probe) = self.proxy.backends[backend].claim() else {
                continue;
            };
            ex.backend = backend;
            ex.probe = probe;
            return self.place(dialer, key, false, now);
        }
    }

    /// Puts exchange `key` on a connection to its backend: the least
    /// loaded one with room, a new one, or (all full, and as many as
    /// allowed) in the queue. `fresh`: on a new connection, whatever has
    /// room (the retry after a reused connection failed).
    fn place(&mut self, dialer: &dyn Dialer<Link = L>, key: usize, fresh: bool, now: Instant) {
        let backend = self.exchange(key).backend;
        // `fresh` skips the limit: it follows the close of the connection
        // that failed, so the count does not grow.
        if !fresh {
            let open = self.lanes[backend].conns.len();
            // A stalled connection is passed over only while a new one may
            // be opened; at the limit, its room is better than the queue.
            let roomiest = self.roomiest(backend, open < MAX_CONNECTIONS, now);
            if let Some(conn) = roomiest {
                return self.put_on(dialer, key, conn, now);
            }
            let lane = &mut self.lanes[backend];
            if lane.conns.len() >= MAX_CONNECTIONS {
                lane.queue.push_back(key);
                return;
            }
        }
        let addrs = match dialer.resolve(&self.proxy.backends[backend].addr) {
            Ok(addrs) => addrs,
            Err(err) => {
                let failure = Failure::Unreachable(format!("cannot resolve: {err}"));
                return self.failed(dialer, key, failure, false, now);
            }
        };
        self.connect(dialer, key, backend, addrs, now);
    }

    /// The connection to `backend` with the fewest requests in flight, if
    /// one has room. `skip_stalled`: not one whose oldest request has been
    /// out longer than [`STALLED`] (a new connection is better then).
    fn roomiest(&self, backend: usize, skip_stalled: bool, now: Instant) -> Option<usize> {
        let stalled = |up: &BackendConn<L>| {
            skip_stalled && up.oldest().is_some_and(|t| now.duration_since(t) > STALLED)
        };
        self.lanes[backend]
            .conns
            .iter()
            .filter_map(|&c| self.conns[c].as_ref().map(|up| (c, up)))
            .filter(|(_, up)| up.accepts() && !stalled(up))
            .min_by_key(|(_, up)| up.load())
            .map(|(c, _)| c)
    }

    /// Opens a connection to the first of `addrs` that takes a connect, for
    /// exchange `key`; the rest are kept, to try if this one is refused.
    fn connect(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        key: usize,
        backend: usize,
        mut addrs: Vec<SocketAddr>,
        now: Instant,
    ) {
        let mut last = "the name resolves to no address".to_string();
        // Reversed, so that `pop` takes them in the resolver's order and
        // what is left over stays in that order for the next try.
        addrs.reverse();
        while let Some(addr) = addrs.pop() {
            // The slot first: its index is the token the socket is watched under.
            let conn = self.free_conns.pop().unwrap_or_else(|| {
                self.conns.push(None);
                self.connecting.push(None);
                self.conns.len() - 1
            });
            let link = match dialer.dial(addr, Token(self.token_base + conn)) {
                Ok(link) => link,
                Err(err) => {
                    self.free_conns.push(conn);
                    last = err.to_string();
                    continue;
                }
            };
            self.conns[conn] = Some(BackendConn::new(link, backend, self.proxy.key.clone()));
            // The addresses not tried yet go with the connect: if this one
            // is refused (its first event says so), `drive` tries the next
            // before calling the backend down. The instant starts the
            // connect timeout the sweep applies.
            self.connecting[conn] = Some((now, addrs));
            self.lanes[backend].conns.push(conn);
            return self.put_on(dialer, key, conn, now);
        }
        self.failed(dialer, key, Failure::Unreachable(last), false, now);
    }

    /// Queues exchange `key` on connection `conn`, which has room; it
    /// leaves at the next [`Forwarder::flush`].
    fn put_on(&mut self, _dialer: &dyn Dialer<Link = L>, key: usize, conn: usize, now: Instant) {
        let ex = self.exchanges[key].as_mut().expect("a live exchange");
        ex.conn = Some(conn);
        let in_flight = InFlight {
            exchange: key,
            id: ex.id,
        };
        let up = self.conns[conn].as_mut().expect("a live connection");
        up.send(in_flight, &ex.frame, now);
        // Not written yet: every frame queued this turn on `conn` leaves in
        // one write at `flush`. A short list, so `contains` beats a set.
        if !self.dirty.contains(&conn) {
            self.dirty.push(conn);
        }
    }

    /// Sends what this turn queued: the loop calls it once it has handled
    /// its events, and again while it returns `true` (sending may fail, and
    /// the retries queue frames again; answers may wait in `finished`).
    pub(crate) fn flush(&mut self, dialer: &dyn Dialer<Link = L>, now: Instant) -> bool {
        // Browsers that read or left this turn: grants and cancels first,
        // to leave with the requests.
        if self.relays.has_news() {
            for word in self.relays.settle() {
                self.tell(word);
            }
        }
        if self.dirty.is_empty() {
            return false;
        }
        // `drive` may queue more (a retry, a refill): they are popped too.
        while let Some(conn) = self.dirty.pop() {
            self.drive(dialer, conn, now);
        }
        true
    }

    /// Queues a credit or a cancel on its connection.
    fn tell(&mut self, word: Word) {
        let conn = match word {
            Word::Credit { conn, .. } | Word::Cancel { conn, .. } => conn,
        };
        let Some(up) = self.conns.get_mut(conn).and_then(Option::as_mut) else {
            return;
        };
        match word {
            Word::Credit { id, bytes, .. } => up.credit(id, bytes),
            Word::Cancel { id, .. } => up.cancel(id),
        }
        if !self.dirty.contains(&conn) {
            self.dirty.push(conn);
        }
    }

    /// An event for one of this forwarder's tokens.
    pub(crate) fn event(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        token: usize,
        readable: bool,
        read_closed: bool,
        now: Instant,
    ) {
        let conn = token - self.token_base;
        // An event for a connection closed earlier in this batch finds an
        // empty slot and is dropped. One whose slot was already reused for a
        // new connection reaches that one: a read or write that would
        // block, then `Wait`. Harmless, as any spurious wake-up is.
        if let Some(up) = self.conns.get_mut(conn).and_then(Option::as_mut) {
            up.mark_ready(readable, read_closed);
            self.drive(dialer, conn, now);
        }
    }

    /// Moves connection `conn` on, and acts on what happened.
    fn drive(&mut self, dialer: &dyn Dialer<Link = L>, conn: usize, now: Instant) {
        loop {
            let Some(up) = self.conns[conn].as_mut() else {
                return;
            };
            let outcome = up.advance(&mut self.scratch);
            // Read before acting: acting may close the connection.
            let (backend, reused, connected) = (up.backend, up.is_reused(), up.is_connected());
            match outcome {
                Outcome::Wait => {
                    // Connected (and past the challenge): the connect
                    // timeout no longer applies, nor the other addresses.
                    if connected {
                        self.connecting[conn] = None;
                    }
                    return;
                }
                // Not `return`: more replies may be whole in the buffer, and
                // no new event will come for them (edge-triggered), so the
                // loop goes round until `advance` says `Wait`.
                Outcome::Reply(in_flight, res) => {
                    self.connecting[conn] = None;
                    // Any reply is proof of health: a backend that was down is up.
                    self.proxy.backends[backend].mark_up();
                    self.finish(in_flight.exchange, res);
                    // The reply made room: the oldest waiting request takes it.
                    self.release(dialer, conn, now);
                }
                // A stream: its body is fed by the chunks that follow.
                Outcome::Head(in_flight, res) => {
                    self.connecting[conn] = None;
                    self.proxy.backends[backend].mark_up();
                    let body = self.relays.open(conn, in_flight.id);
                    self.finish(in_flight.exchange, res.with_stream(body));
                    self.release(dialer, conn, now);
                }
                Outcome::Chunk { id, data } => {
                    if let Some(cancel) = self.relays.chunk(id, data) {
                        self.tell(cancel);
                    }
                }
                Outcome::End { id, error } => self.relays.end(id, error.as_deref()),
                Outcome::Dead { lost } => {
                    let never_connected = !connected;
                    let others = self.connecting[conn]
                        .take()
                        .map(|(_, addrs)| addrs)
                        .unwrap_or_default();
                    // Closed before its requests go elsewhere: their retry
                    // must not land on this dead connection, and its slot
                    // is free for the connection a retry opens.
                    self.close(dialer, conn);
                    for (in_flight, failure) in lost {
                        let key = in_flight.exchange;
                        // Defensive: an exchange is finished only once no
                        // connection holds it (see `finish`), so each here
                        // is live; a stale one must never be answered twice.
                        if self.exchanges[key].is_none() {
                            continue;
                        }
                        self.exchange(key).conn = None;
                        if never_connected
                            && !others.is_empty()
                            && matches!(failure, Failure::Unreachable(_))
                        {
                            // Refused at one of the name's addresses: the next.
                            self.connect(dialer, key, backend, others.clone(), now);
                        } else {
                            self.failed(dialer, key, failure, reused, now);
                        }
                    }
                    self.refill(dialer, backend, now);
                    return;
                }
            }
        }
    }

    /// What exchange `key`'s failure on its backend leads to: the same
    /// backend on a fresh connection, the next backend, or a 502 (see
    /// `retry.rs` and "Which failures are retried" in `docs/proxy.md`).
    fn failed(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        key: usize,
        failure: Failure,
        reused: bool,
        now: Instant,
    ) {
        let ex = self.exchanges[key].as_mut().expect("a live exchange");
        let backend = ex.backend;
        let addr = &self.proxy.backends[backend].addr;
        let stale = match &failure {
            // A reused connection that failed before a reply: perhaps only
            // an idle connection the backend closed. Once more, on a fresh one.
            Failure::Unreachable(reason) => reused.then_some(reason),
            Failure::Died {
                reason,
                replying: false,
            } => (reused && ex.may_resend).then_some(reason),
            _ => None,
        };
        if let Some(reason) = stale {
            log::debug!(
                "backend {addr}: a reused connection failed ({reason}); trying a fresh one"
            );
            return self.place(dialer, key, true, now);
        }
        match failure {
            // Nothing was sent: the next backend, whatever the method.
            Failure::Unreachable(reason) => {
                let probe = ex.probe;
                self.mark_down(dialer, backend, probe, &reason, now);
                self.route(dialer, key, now);
            }
            Failure::Died { reason, replying } => {
                let (probe, resend) = (ex.probe, ex.may_resend && !ex.resent && !replying);
                if !resend {
                    log::warn!(
                        "{} {}: backend {addr} failed while answering; 502",
                        ex.method,
                        ex.path
                    );
                }
                ex.resent |= resend;
                self.mark_down(dialer, backend, probe, &reason, now);
                if resend {
                    self.route(dialer, key, now);
                } else {
                    let page = Proxy::bad_gateway(
                        "The application backend failed while answering this request.",
                    );
                    self.finish(key, page);
                }
            }
            Failure::Broken(reason) => {
                log::warn!("backend {addr}: {reason}; 502");
                let page = Proxy::bad_gateway(
                    "The application backend sent a reply the front cannot use.",
                );
                self.finish(key, page);
            }
        }
    }

    /// Backend `backend` failed: down for everyone (see `health.rs`); its
    /// free connections here are closed, and the requests waiting for one
    /// go on to the next backend (none of them was sent).
    fn mark_down(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        backend: usize,
        probe: bool,
        reason: &str,
        now: Instant,
    ) {
        self.proxy.backends[backend].mark_down(probe, reason);
        // Idle connections to a backend just found failing are most likely
        // dead too: closing them spares a later request a stale one. Busy
        // ones stay; their own replies or failures will tell.
        let idle: Vec<usize> = (self.lanes[backend].conns.iter().copied())
            .filter(|&c| self.conns[c].as_ref().is_some_and(|up| up.is_idle()))
            .collect();
        for conn in idle {
            self.close(dialer, conn);
        }
        for key in std::mem::take(&mut self.lanes[backend].queue) {
            self.route(dialer, key, now);
        }
    }

    /// Connection `conn` has room: it takes the oldest waiting request of
    /// its backend, if any.
    fn release(&mut self, dialer: &dyn Dialer<Link = L>, conn: usize, now: Instant) {
        let Some(backend) = (self.conns[conn].as_ref())
            .filter(|up| up.accepts())
            .map(|up| up.backend)
        else {
            return;
        };
        // One: a reply frees one place.
        if let Some(key) = self.lanes[backend].queue.pop_front() {
            self.put_on(dialer, key, conn, now);
        }
    }

    /// A connection to `backend` closed: if requests wait, they go out, on
    /// a new connection each time the last one opened is full.
    fn refill(&mut self, dialer: &dyn Dialer<Link = L>, backend: usize, now: Instant) {
        // Checked before each: below the limit `place` never queues (it opens
        // a connection when none has room), so no request goes round twice.
        while self.lanes[backend].conns.len() < MAX_CONNECTIONS {
            let Some(key) = self.lanes[backend].queue.pop_front() else {
                return;
            };
            self.place(dialer, key, false, now);
        }
    }

    /// Closes connection `conn` (whatever it carried is someone else's business).
    fn close(&mut self, dialer: &dyn Dialer<Link = L>, conn: usize) {
        if let Some(mut up) = self.conns[conn].take() {
            // Deregistered before the slot is freed: the slot's index is a
            // token, and the next connection put in it takes that token.
            // Dropping `up` at the end of this block closes the socket.
            dialer.hang_up(up.link_mut());
            // Its streams' browsers see an error, not a truncated success.
            self.relays.conn_closed(conn);
            let lane = &mut self.lanes[up.backend];
            lane.conns.retain(|&c| c != conn);
            self.connecting[conn] = None;
            self.free_conns.push(conn);
        }
    }

    /// Closes every connection: the loop is stopping.
    pub(crate) fn close_all(&mut self, dialer: &dyn Dialer<Link = L>) {
        for conn in 0..self.conns.len() {
            self.close(dialer, conn);
        }
    }

    /// Applies the deadlines at `now`: a connect slower than
    /// [`CONNECT_TIMEOUT`] fails (the next backend), and a request without
    /// its whole reply by its deadline is a 504, its connection closed
    /// (never reused: the backend is busy with it, and may answer in
    /// order), and the other requests on that connection go again where
    /// the retry rules allow ([`Forwarder::resend_or_fail`]).
    pub(crate) fn sweep(&mut self, dialer: &dyn Dialer<Link = L>, now: Instant) {
        // The range is fixed before the loop: a connection opened by a
        // retry below has just started its connect and is not slow.
        for conn in 0..self.conns.len() {
            let slow = self.connecting[conn]
                .as_ref()
                .is_some_and(|(since, _)| now.duration_since(*since) > CONNECT_TIMEOUT);
            let Some(up) = self.conns[conn].as_ref().filter(|_| slow) else {
                continue;
            };
            let backend = up.backend;
            let in_flight: Vec<InFlight> = up.in_flight().collect();
            let reason = if up.is_handshaking() {
                // A version-1 backend says nothing first: it waits for a request.
                "it sent no challenge within 1 s, as a backend without split_key \
                 (or step 06's) does: give both ends the same key, or neither"
            } else {
                "cannot connect: timed out"
            };
            let others = self.connecting[conn]
                .take()
                .map(|(_, addrs)| addrs)
                .unwrap_or_default();
            self.close(dialer, conn);
            // Nothing left the front on a connection still connecting (or
            // waiting for its challenge): every request is unsent, free to go
            // to the name's next address or the next backend, whatever its
            // method. Each opens its own connection there: rarely more than
            // one, since a connect times out long before a second request
            // would join a connection whose first has waited that long.
            for in_flight in in_flight {
                let key = in_flight.exchange;
                self.exchange(key).conn = None;
                if others.is_empty() {
                    let failure = Failure::Unreachable(reason.to_string());
                    self.failed(dialer, key, failure, false, now);
                } else {
                    self.connect(dialer, key, backend, others.clone(), now);
                }
            }
            self.refill(dialer, backend, now);
        }
        // The deadline is the request's, set once in `start`: a retry does
        // not restart it, so a client waits at most the route's timeout.
        for key in 0..self.exchanges.len() {
            // Finished earlier in this loop (a neighbour's 502), or free: skipped.
            let Some(ex) = self.exchanges[key].as_ref().filter(|ex| now >= ex.deadline) else {
                continue;
            };
            let (backend, conn) = (ex.backend, ex.conn);
            let others = match conn.and_then(|conn| self.conns[conn].as_mut()) {
                Some(up) => up.give_up(),
                None => {
                    self.lanes[backend].queue.retain(|&k| k != key);
                    Vec::new()
                }
            };
            // Closed, never reused: the backend may still be working on the
            // late request, and a reply to it would arrive where no one
            // waits (or, from a backend that answers in order, delay every
            // request queued behind it).
            if let Some(conn) = conn {
                self.close(dialer, conn);
            }
            let page = self.gateway_timeout(key);
            self.finish(key, page);
            for (in_flight, failure) in others {
                if in_flight.exchange != key {
                    self.resend_or_fail(dialer, in_flight.exchange, failure, now);
                }
            }
            self.refill(dialer, backend, now);
        }
    }

    /// Exchange `key` was on a connection closed because another request
    /// on it timed out: its backend is not to blame. Not sent yet, or
    /// idempotent and not resent before: once more, on another connection
    /// to the same backend; otherwise 502, as for a backend that died.
    fn resend_or_fail(
        &mut self,
        dialer: &dyn Dialer<Link = L>,
        key: usize,
        failure: Failure,
        now: Instant,
    ) {
        let Some(ex) = self.exchanges[key].as_mut() else {
            return;
        };
        ex.conn = None;
        let again = match failure {
            // Its frame never left whole: the backend never saw it.
            Failure::Unreachable(_) => true,
            // Sent: it may have run. Once more only if running it twice
            // does no harm, and no part of its reply had come (a backend
            // that began to answer has certainly run it).
            Failure::Died { replying, .. } => {
                let resend = ex.may_resend && !ex.resent && !replying;
                ex.resent |= resend;
                resend
            }
            Failure::Broken(_) => false,
        };
        if again {
            self.place(dialer, key, false, now);
        } else {
            log::warn!(
                "{} {}: its backend connection was closed after another request timed out; 502",
                ex.method,
                ex.path
            );
            let page =
                Proxy::bad_gateway("The application backend failed while answering this request.");
            self.finish(key, page);
        }
    }

    /// The 504 for exchange `key`, logged.
    fn gateway_timeout(&mut self, key: usize) -> Response {
        let ex = self.exchanges[key].as_ref().expect("a live exchange");
        let ms = self.proxy.timeout.as_millis();
        log::warn!(
            "{} {}: backend {} gave no reply within {ms} ms; 504",
            ex.method,
            ex.path,
            self.proxy.backends[ex.backend].addr,
        );
        Response::text(format!(
            "504 Gateway Timeout\n\nThe application backend did not answer within {ms} ms.\n"
        ))
        .with_status(Status::GATEWAY_TIMEOUT)
    }

    /// Exchange `key` is over: `res` goes to its client.
    fn finish(&mut self, key: usize, res: Response) {
        let Some(ex) = self.exchanges[key].take() else {
            return;
        };
        // The key is reused by the next `start`. Safe because every caller
        // finishes an exchange only when no connection carries it any more
        // (its reply came, its connection died or was given up, or it was
        // never sent): no `InFlight` naming the old key is left to answer a
        // stranger with it.
        self.free_exchanges.push(key);
        self.finished.push(Finished {
            client: ex.client,
            res,
            method: ex.method,
            path: ex.path,
            version: ex.version,
            client_shown: ex.client_shown,
            request_id: ex.request_id,
            started: ex.started,
        });
    }
}

// The same policy on scripted fake sockets, no network.
#[cfg(test)]
mod on_fakes;
// And against real backends on loopback.
#[cfg(test)]
mod on_loopback;
