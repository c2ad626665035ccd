//! The application's side of an open WebSocket: the handler it writes, the
//! sender it is given, and the link between them and the event loop.
//!
//! The loop owns the socket and the [`WebSocket`](super::WebSocket) state
//! machine; the application never touches either. Between them sits a
//! [`Link`], shared by both sides:
//!
//! - **inbound**: the loop posts what happened (opened, a message, closed)
//!   and, if no job is running for this connection, starts one on the
//!   worker pool that calls the handler for each in turn. One job at a time
//!   per connection: a connection's messages reach its handler in order,
//!   and a slow handler holds a worker, never the loop;
//! - **outbound**: a [`WsSender`] (any thread, any number of clones) queues
//!   a message and wakes the loop (the streamed bodies' waker,
//!   `server/loop_waker.rs`), which moves it into the state machine's output
//!   when that output is under its high-water mark. The queue is bounded
//!   ([`OUTBOX_BYTES`]): a sender to a client that does not read gets
//!   [`WsSendError::Full`] instead of growing the server's memory.
//!
//! Why a trait with three methods and not a closure: a WebSocket is a
//! conversation, and most applications must do something when it starts
//! (join a chat room) and when it ends (leave it), not only per message. A
//! plain closure `Fn(&WsSender, &Request, Message)` is a handler too, for
//! the echo servers of this world.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{CloseCode, Message};
use crate::http::request::Request;
use crate::http::stream_body::StreamWaker;

/// Bytes of messages a connection's senders may have queued ahead of the
/// loop (beyond this, [`WsSender`]'s sends fail with [`WsSendError::Full`]).
pub const OUTBOX_BYTES: usize = 1024 * 1024;

/// Bytes of received messages a connection may have waiting for its
/// handler; beyond this the loop stops reading from that client until the
/// handler catches up (a client cannot queue unbounded work).
pub(crate) const INBOX_BYTES: usize = 1024 * 1024;

/// What an application does with one route's WebSocket connections. One
/// value serves every connection of its route; its calls for one connection
/// come one at a time, in order, on the worker pool.
pub trait WsHandler: Send + Sync + 'static {
    /// The upgrade is done; `ws` may send at once.
    fn on_open(&self, ws: &WsSender, req: &Request) {
        let _ = (ws, req);
    }

    /// A whole message arrived (fragments joined, text checked as UTF-8).
    fn on_message(&self, ws: &WsSender, req: &Request, message: Message);

    /// The connection has ended: `code` is the close code the client sent,
    /// or the one the server closed with, or 1006 if the socket just went.
    /// Sends fail from here on.
    fn on_close(&self, ws: &WsSender, req: &Request, code: u16) {
        let _ = (ws, req, code);
    }
}

impl<F> WsHandler for F
where
    F: Fn(&WsSender, &Request, Message) + Send + Sync + 'static,
{
    fn on_message(&self, ws: &WsSender, req: &Request, message: Message) {
        self(ws, req, message)
    }
}

/// A route's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsOptions {
    /// The largest message accepted; a larger one is closed with 1009.
    pub max_message: usize,
    /// How often the server pings a connection; one that has not answered
    /// the last ping by the next is closed with 1001.
    pub ping_interval: Duration,
    /// The subprotocols the route speaks (`Sec-WebSocket-Protocol`), in
    /// its order of preference: the first one the client offers is chosen,
    /// named in the 101, and told to the handler by
    /// [`WsSender::protocol`]. None in common, or none here, and the 101
    /// names none; the client then decides whether to go on (a browser's
    /// `new WebSocket(url, ["chat.v2"])` gives up).
    pub protocols: &'static [&'static str],
}

impl Default for WsOptions {
    /// 16 MiB messages, a ping every 30 seconds, no subprotocol.
    fn default() -> WsOptions {
        WsOptions {
            max_message: 16 * 1024 * 1024,
            ping_interval: Duration::from_secs(30),
            protocols: &[],
        }
    }
}

/// Why a [`WsSender`] did not queue its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsSendError {
    /// The connection has ended (or is closing).
    Closed,
    /// [`OUTBOX_BYTES`] are already waiting for a client that reads slowly.
    Full,
}

impl fmt::Display for WsSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WsSendError::Closed => "the WebSocket connection has ended",
            WsSendError::Full => "the WebSocket's send queue is full: the client reads too slowly",
        })
    }
}

impl std::error::Error for WsSendError {}

/// A message from the application, waiting for the loop.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
    Close(CloseCode, String),
}

impl Outgoing {
    fn len(&self) -> usize {
        match self {
            Outgoing::Text(text) => text.len(),
            Outgoing::Binary(data) => data.len(),
            Outgoing::Close(_, reason) => reason.len(),
        }
    }
}

/// Something that happened, waiting for the handler.
enum Inbound {
    Open,
    Message(Message),
    Closed(u16),
}

impl Inbound {
    fn len(&self) -> usize {
        match self {
            Inbound::Message(Message::Text(text)) => text.len(),
            Inbound::Message(Message::Binary(data)) => data.len(),
            Inbound::Open | Inbound::Closed(_) => 0,
        }
    }
}

#[derive(Default)]
struct LinkState {
    outbox: VecDeque<Outgoing>,
    outbox_bytes: usize,
    /// A close was queued, or the connection has ended: no more sends.
    closing: bool,
    waker: Option<Arc<dyn StreamWaker>>,
    inbound: VecDeque<Inbound>,
    inbound_bytes: usize,
    /// The loop stopped reading because `inbound` was full: wake it when
    /// the handler has made room.
    reader_paused: bool,
    /// A job on the worker pool is calling the handler for this connection.
    running: bool,
    /// `on_close` has been posted: nothing comes after it.
    ended: bool,
}

/// One connection's shared state; see the module docs.
pub(crate) struct Link {
    state: Mutex<LinkState>,
    handler: Arc<dyn WsHandler>,
    req: Request,
    /// The subprotocol the 101 named, if any.
    protocol: Option<String>,
}

impl Link {
    fn lock(&self) -> MutexGuard<'_, LinkState> {
        // A handler that panicked never holds this lock: it is taken for a
        // queue operation at a time.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the link its way back to the loop (and to the worker pool);
    /// called by the loop as it delivers the 101.
    pub(crate) fn set_waker(&self, waker: Arc<dyn StreamWaker>) {
        self.lock().waker = Some(waker);
    }

    /// Calls the handler's `on_open`; the connection has switched.
    pub(crate) fn start(self: &Arc<Link>) {
        self.post(Inbound::Open);
    }

    /// A message for the handler.
    pub(crate) fn message(self: &Arc<Link>, message: Message) {
        self.post(Inbound::Message(message));
    }

    /// The connection has ended with `code`; the handler's `on_close` is
    /// called once, whatever calls this first (a close frame, the socket
    /// dropped).
    pub(crate) fn end(self: &Arc<Link>, code: u16) {
        let mut state = self.lock();
        state.closing = true;
        state.outbox.clear();
        state.outbox_bytes = 0;
        if std::mem::replace(&mut state.ended, true) {
            return;
        }
        drop(state);
        self.post(Inbound::Closed(code));
    }

    /// The client's close was read (or its fault, closed with `code`),
    /// and the loop holds the reply until the handler has answered what
    /// came before it: sends still go until `on_close` is called, and when
    /// the handler is done the loop is woken to send the close
    /// ([`Link::caught_up`]).
    pub(crate) fn finish(self: &Arc<Link>, code: u16) {
        if std::mem::replace(&mut self.lock().ended, true) {
            return;
        }
        self.post(Inbound::Closed(code));
    }

    /// Whether the handler has heard `on_close` and everything it sent
    /// before has been taken: the held close reply may go.
    pub(crate) fn caught_up(&self) -> bool {
        let state = self.lock();
        state.ended && !state.running && state.inbound.is_empty() && state.outbox.is_empty()
    }

    /// Whether the handler is [`INBOX_BYTES`] behind: the loop stops
    /// reading, and is woken when the handler has caught up.
    pub(crate) fn inbound_full(&self) -> bool {
        let mut state = self.lock();
        let full = state.inbound_bytes >= INBOX_BYTES;
        state.reader_paused |= full;
        full
    }

    /// The next message the application queued, if any.
    pub(crate) fn take_outgoing(&self) -> Option<Outgoing> {
        let mut state = self.lock();
        let out = state.outbox.pop_front()?;
        state.outbox_bytes -= out.len();
        Some(out)
    }

    fn post(self: &Arc<Link>, event: Inbound) {
        let mut state = self.lock();
        state.inbound_bytes += event.len();
        state.inbound.push_back(event);
        if state.running {
            return; // the running job will get to it
        }
        // No waker yet: the loop has not taken the connection over; what is
        // queued runs with `start`.
        let Some(waker) = state.waker.clone() else {
            return;
        };
        state.running = true;
        drop(state);
        let link = self.clone();
        waker.run_off_loop(Box::new(move || link.run_handler()));
    }

    /// The worker's job: calls the handler for each event queued, until
    /// there are none. A panic closes the connection with 1011 (internal
    /// error) and costs nothing else.
    fn run_handler(self: Arc<Link>) {
        let sender = WsSender { link: self.clone() };
        loop {
            let (event, resume) = {
                let mut state = self.lock();
                let Some(event) = state.inbound.pop_front() else {
                    state.running = false;
                    // After `on_close` the loop holds the close reply for
                    // this moment: wake it to send it.
                    let waker = state.waker.clone().filter(|_| state.ended);
                    drop(state);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return;
                };
                // No sends from `on_close` on: the close reply follows.
                state.closing |= matches!(event, Inbound::Closed(_));
                state.inbound_bytes -= event.len();
                let resume = state.reader_paused && state.inbound_bytes < INBOX_BYTES;
                state.reader_paused &= !resume;
                (event, resume.then(|| state.waker.clone()).flatten())
            };
            // Room again: the loop reads on.
            if let Some(waker) = resume {
                waker.wake();
            }
            let handler = &*self.handler;
            let req = &self.req;
            let called = catch_unwind(AssertUnwindSafe(|| match event {
                Inbound::Open => handler.on_open(&sender, req),
                Inbound::Message(message) => handler.on_message(&sender, req, message),
                Inbound::Closed(code) => handler.on_close(&sender, req, code),
            }));
            if called.is_err() {
                log::error!(
                    "a WebSocket handler for {} panicked: closing that connection with 1011",
                    req.path()
                );
                let code = CloseCode::new(1011).expect("1011 is a close code");
                let _ = sender.queue(Outgoing::Close(code, "internal error".into()), true);
            }
        }
    }
}

/// Sends to one WebSocket connection from any thread; clones send to the
/// same one. Given to every [`WsHandler`] call.
#[derive(Clone)]
pub struct WsSender {
    link: Arc<Link>,
}

impl WsSender {
    /// Queues a text message.
    ///
    /// # Errors
    /// [`WsSendError::Closed`] once the connection is ending,
    /// [`WsSendError::Full`] while [`OUTBOX_BYTES`] wait for the client.
    pub fn send_text(&self, text: impl Into<String>) -> Result<(), WsSendError> {
        self.queue(Outgoing::Text(text.into()), false)
    }

    /// Queues a binary message. # Errors as [`WsSender::send_text`].
    pub fn send_binary(&self, data: impl Into<Vec<u8>>) -> Result<(), WsSendError> {
        self.queue(Outgoing::Binary(data.into()), false)
    }

    /// Starts the close handshake with `code` (1000 for a normal close) and
    /// a short `reason`; later sends fail. A code no endpoint may send
    /// (1005, 1006, 1015, or outside the RFC's ranges) is sent as 1000.
    ///
    /// # Errors
    /// [`WsSendError::Closed`] if the connection is already ending.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), WsSendError> {
        let code = CloseCode::new(code).unwrap_or(CloseCode::new(1000).expect("1000 is valid"));
        self.queue(Outgoing::Close(code, reason.to_owned()), true)
    }

    /// The subprotocol chosen at the upgrade (see [`WsOptions::protocols`]),
    /// if any: what the messages on this connection speak.
    pub fn protocol(&self) -> Option<&str> {
        self.link.protocol.as_deref()
    }

    /// Whether two senders send to the same connection.
    pub fn same_connection(&self, other: &WsSender) -> bool {
        Arc::ptr_eq(&self.link, &other.link)
    }

    fn queue(&self, out: Outgoing, closes: bool) -> Result<(), WsSendError> {
        let mut state = self.link.lock();
        if state.closing {
            return Err(WsSendError::Closed);
        }
        // A close always fits: it is how a full queue is ended.
        if !closes && state.outbox_bytes + out.len() > OUTBOX_BYTES && !state.outbox.is_empty() {
            return Err(WsSendError::Full);
        }
        state.closing |= closes;
        state.outbox_bytes += out.len();
        state.outbox.push_back(out);
        let waker = state.waker.clone();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl fmt::Debug for WsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsSender")
            .field("path", &self.link.req.path())
            .finish_non_exhaustive()
    }
}

/// An accepted upgrade, carried by a [`Response`](crate::Response) from the
/// route's handler to the loop: the 101 head, the route's options, and the
/// link the connection will use.
#[derive(Clone)]
pub(crate) struct WsUpgrade {
    pub(crate) head: Vec<u8>,
    pub(crate) options: WsOptions,
    pub(crate) link: Arc<Link>,
}

impl WsUpgrade {
    /// `head` is the 101's bytes, which name `protocol` if there is one.
    pub(crate) fn new(
        head: Vec<u8>,
        protocol: Option<String>,
        options: WsOptions,
        handler: Arc<dyn WsHandler>,
        req: Request,
    ) -> WsUpgrade {
        WsUpgrade {
            head,
            options,
            link: Arc::new(Link {
                state: Mutex::new(LinkState::default()),
                handler,
                req,
                protocol,
            }),
        }
    }
}

#[cfg(test)]
impl WsUpgrade {
    /// A sender to this upgrade's connection, before any loop has it (tests).
    pub(crate) fn sender(&self) -> WsSender {
        WsSender {
            link: self.link.clone(),
        }
    }
}

impl PartialEq for WsUpgrade {
    fn eq(&self, other: &WsUpgrade) -> bool {
        Arc::ptr_eq(&self.link, &other.link)
    }
}

impl Eq for WsUpgrade {}

impl fmt::Debug for WsUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsUpgrade")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs jobs at once on the calling thread, and counts wake-ups.
    #[derive(Default)]
    struct Inline(Mutex<usize>);

    impl StreamWaker for Inline {
        fn wake(&self) {
            *self.0.lock().unwrap() += 1;
        }
        fn run_off_loop(&self, job: Box<dyn FnOnce() + Send>) {
            job();
        }
    }

    fn upgrade(handler: impl WsHandler) -> (Arc<Link>, Arc<Inline>) {
        let up = WsUpgrade::new(
            Vec::new(),
            None,
            WsOptions::default(),
            Arc::new(handler),
            Request::new("GET", "/ws"),
        );
        let waker = Arc::new(Inline::default());
        up.link.set_waker(waker.clone());
        up.link.start();
        (up.link, waker)
    }

    #[test]
    fn a_message_reaches_the_handler_and_its_answer_is_queued_for_the_loop() {
        let (link, waker) = upgrade(|ws: &WsSender, _: &Request, m: Message| {
            if let Message::Text(t) = m {
                ws.send_text(t.to_uppercase()).unwrap();
            }
        });
        link.message(Message::Text("hi".into()));
        assert!(matches!(link.take_outgoing(), Some(Outgoing::Text(t)) if t == "HI"));
        assert_eq!(*waker.0.lock().unwrap(), 1);
    }

    #[test]
    fn a_panicking_handler_queues_a_1011_close() {
        let (link, _) = upgrade(|_: &WsSender, _: &Request, _: Message| panic!("boom"));
        link.message(Message::Text("x".into()));
        match link.take_outgoing() {
            Some(Outgoing::Close(code, _)) => assert_eq!(code.get(), 1011),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sends_past_the_bound_are_refused_as_full_and_after_the_end_as_closed() {
        let (link, _) = upgrade(|_: &WsSender, _: &Request, _: Message| {});
        let ws = WsSender { link: link.clone() };
        ws.send_binary(vec![0; OUTBOX_BYTES]).unwrap();
        assert_eq!(ws.send_text("one more"), Err(WsSendError::Full));
        link.end(1000);
        assert_eq!(ws.send_text("late"), Err(WsSendError::Closed));
    }

    /// Keeps jobs for the test to run, as a busy pool would; counts wake-ups.
    #[derive(Default)]
    struct Deferred {
        jobs: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
        wakes: Mutex<usize>,
    }

    impl StreamWaker for Deferred {
        fn wake(&self) {
            *self.wakes.lock().unwrap() += 1;
        }
        fn run_off_loop(&self, job: Box<dyn FnOnce() + Send>) {
            self.jobs.lock().unwrap().push(job);
        }
    }

    #[test]
    fn a_handler_behind_by_the_inbox_bound_pauses_reading_and_wakes_the_loop_when_it_catches_up() {
        let up = WsUpgrade::new(
            Vec::new(),
            None,
            WsOptions::default(),
            Arc::new(|_: &WsSender, _: &Request, _: Message| {}),
            Request::new("GET", "/ws"),
        );
        let waker = Arc::new(Deferred::default());
        up.link.set_waker(waker.clone());
        up.link.start();
        up.link.message(Message::Binary(vec![0; INBOX_BYTES / 2]));
        assert!(!up.link.inbound_full());
        up.link.message(Message::Binary(vec![0; INBOX_BYTES / 2]));
        assert!(up.link.inbound_full(), "the loop stops reading");
        let jobs: Vec<_> = std::mem::take(&mut *waker.jobs.lock().unwrap());
        assert_eq!(jobs.len(), 1, "one job per connection at a time");
        for job in jobs {
            job();
        }
        assert!(!up.link.inbound_full());
        assert_eq!(
            *waker.wakes.lock().unwrap(),
            1,
            "the loop is told to read on"
        );
    }
}
