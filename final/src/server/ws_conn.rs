//! A client connection after its `101`: the WebSocket state machine, the
//! link to the application's handler, and the heartbeat.
//!
//! `client_conn.rs` still owns the socket and does the reads and writes;
//! this file decides what the bytes mean and what is owed. Reads are fed to
//! the [`WebSocket`] machine and its events posted to the handler (on the
//! worker pool, through the [`Link`]); what the application sends is taken
//! from the link into the machine's output only while that output is under
//! [`HIGH_WATER`]. That is the back-pressure: a client that does not read
//! stops the loop taking, the link's bounded queue fills, and senders get
//! `Full`. While the output is over the mark the connection also stops
//! reading, so a client that sends pings without reading the pongs cannot
//! grow it either.
//!
//! The heartbeat: every `ping_interval` the server pings; a connection that
//! has not answered the previous ping by then is closed with 1001. It
//! replaces `idle_timeout`, which a quiet chat would otherwise run into.
//!
//! The close: the loop reads on while the handler works, so a client's
//! close can be read before the handler has answered the messages ahead
//! of it. The machine holds its close reply until the handler has heard
//! `on_close` and its answers are taken (`Link::caught_up`), then sends
//! it behind them, as a server that answered at once would have. A
//! handler that takes longer than a ping interval is not waited for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::websocket::{CloseCode, Event, Link, Outgoing, WebSocket};
use crate::server::stream::{StreamPermit, WsOpen};

/// Output bytes above which the loop stops reading from the client and
/// taking from the application (1 MiB).
pub(crate) const HIGH_WATER: usize = 1024 * 1024;

/// Close code for "going away": a shutdown, or a peer that stopped answering pings.
const GOING_AWAY: u16 = 1001;

/// One upgraded connection's WebSocket side; see the module docs.
pub(crate) struct WsConn {
    machine: WebSocket,
    link: Arc<Link>,
    /// One of the `max_streams` places, given back when the connection goes.
    _permit: Option<StreamPermit>,
    ping_every: Duration,
    /// When the last ping went (or the upgrade, before the first).
    ping_at: Instant,
    /// A ping is out and its pong has not come.
    pong_due: bool,
    /// When our close frame went, if it has.
    close_sent_at: Option<Instant>,
    /// Our close went a heartbeat ago and the client has not answered:
    /// close the socket without waiting any longer.
    abandoned: bool,
}

impl WsConn {
    /// Takes over an accepted upgrade and calls the handler's `on_open`.
    pub(crate) fn new(open: WsOpen, now: Instant) -> WsConn {
        let options = open.upgrade.options;
        let link = open.upgrade.link;
        link.start();
        let mut machine = WebSocket::server(options.max_message);
        // The handler answers on the worker pool, after the loop has read
        // on: a close read behind a message waits for the answer.
        machine.hold_close_replies();
        WsConn {
            machine,
            link,
            _permit: open.permit,
            ping_every: options.ping_interval,
            ping_at: now,
            pong_due: false,
            close_sent_at: None,
            abandoned: false,
        }
    }

    /// Feeds bytes read from the client and posts what they completed.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.machine.feed(bytes);
        while let Some(event) = self.machine.next_event() {
            match event {
                Event::Message(message) => self.link.message(message),
                // Its pong is already queued.
                Event::Ping(_) => {}
                Event::Pong(_) => self.pong_due = false,
                Event::Closed(frame) => {
                    self.link.finish(frame.code.map_or(1005, CloseCode::get));
                }
                Event::Failed(err) => {
                    log::info!("WebSocket closed with {}: {err}", err.close_code().get());
                    self.link.finish(err.close_code().get());
                }
            }
        }
    }

    /// Moves what the application sent into the output, while it is under
    /// [`HIGH_WATER`]; `true` if it stopped at the mark with more perhaps waiting.
    pub(crate) fn take_outgoing(&mut self, now: Instant) -> bool {
        loop {
            if self.machine.output().len() >= HIGH_WATER {
                return true;
            }
            let Some(out) = self.link.take_outgoing() else {
                // The client's close (or fault) came, and the handler has
                // answered everything before it: our close reply goes.
                if self.machine.is_closing() && self.link.caught_up() {
                    self.machine.release_close();
                }
                return false;
            };
            // A refusal means a close already went: nothing may follow it.
            let _ = match out {
                Outgoing::Text(text) => self.machine.send_text(&text),
                Outgoing::Binary(data) => self.machine.send_binary(&data),
                Outgoing::Close(code, reason) => {
                    let sent = self.machine.close(code, &reason);
                    if sent.is_ok() {
                        self.close_sent_at = Some(now);
                    }
                    sent
                }
            };
        }
    }

    /// The bytes owed to the client.
    pub(crate) fn output(&self) -> &[u8] {
        self.machine.output()
    }

    /// The socket took `n` bytes of the output.
    pub(crate) fn consume_output(&mut self, n: usize) {
        self.machine.consume_output(n);
    }

    /// Whether to read from the client now: not over the high-water mark,
    /// not after the close handshake.
    /// Also not while the handler is behind (`INBOX_BYTES` of messages
    /// wait for it): it wakes the loop when it has caught up.
    pub(crate) fn wants_input(&self) -> bool {
        self.machine.output().len() < HIGH_WATER
            && !self.machine.is_closed()
            && !self.link.inbound_full()
    }

    /// Whether to give up on the close handshake (see the field).
    pub(crate) fn is_abandoned(&self) -> bool {
        self.abandoned
    }

    /// Whether the client's close was read and our reply waits for the
    /// handler (the client may have shut its side already: that is no
    /// reason to give up on the answers).
    pub(crate) fn is_closing(&self) -> bool {
        self.machine.is_closing()
    }

    /// Whether the close handshake is over (the output may still hold its last frame).
    pub(crate) fn is_closed(&self) -> bool {
        self.machine.is_closed()
    }

    /// Closes with 1001 (the server is shutting down, or the client stopped
    /// answering pings); once only.
    pub(crate) fn go_away(&mut self, reason: &str, now: Instant) {
        let code = CloseCode::new(GOING_AWAY).expect("1001 is a close code");
        if self.machine.close(code, reason).is_ok() {
            self.close_sent_at = Some(now);
            self.link.end(GOING_AWAY);
        }
    }

    /// The client left without a close frame (1006, "abnormal closure").
    pub(crate) fn client_gone(&mut self) {
        self.link.end(1006);
    }

    /// Whether the heartbeat is due at `now`.
    pub(crate) fn ping_due(&self, now: Instant) -> bool {
        now.duration_since(self.ping_at) >= self.ping_every
    }

    /// The heartbeat: a ping, or a close with 1001 if the last one went unanswered.
    /// After our close, the heartbeat is the close handshake's deadline
    /// instead: a client that has not answered within one interval is abandoned.
    pub(crate) fn heartbeat(&mut self, now: Instant) {
        self.ping_at = now;
        if self.machine.is_closing() {
            log::warn!(
                "a WebSocket handler took a whole ping interval to answer the messages before \
                 its client's close: closing without waiting for it"
            );
            self.machine.release_close();
            return;
        }
        if let Some(sent) = self.close_sent_at {
            self.abandoned = now.duration_since(sent) >= self.ping_every;
            return;
        }
        if self.pong_due {
            self.go_away("no pong", now);
            return;
        }
        if self.machine.send_ping(b"httprs").is_ok() {
            self.pong_due = true;
        }
    }
}

impl Drop for WsConn {
    /// However the connection ended (a close frame, a reset, a timeout, the
    /// server's drain deadline), the handler hears `on_close` once and
    /// every sender learns it is gone.
    fn drop(&mut self) {
        self.link.end(1006);
    }
}
