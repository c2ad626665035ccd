//! A streamed response on its connection: the limit on open streams, and
//! the way back to the event loop when its producer has something.
//!
//! The body itself (`http/stream_body.rs`) is a bounded queue that knows
//! nothing of sockets. This file gives it what only the server has:
//!
//! - a **waker** (`loop_waker.rs`): a producer that queues a chunk in an
//!   empty queue, or finishes, posts a message to the connection's loop,
//!   whose `mio::Waker` interrupts its `poll`; the loop then drives that one
//!   connection, which takes the chunks. An iterator's pulls run on the
//!   worker pool through the same waker. The loop never waits for a
//!   producer and never polls one on a timer;
//! - a **permit** ([`StreamPermit`]) per open stream, against the
//!   `max_streams` setting. A stream is a connection that stays open as long
//!   as its producer likes: it counts toward `max_connections` like any
//!   other, is exempt from `idle_timeout` while it waits for its producer
//!   (not while its client does not read), and past `max_streams` the
//!   handler's stream is dropped (its producer sees the client gone) and the
//!   client gets `503` with `Retry-After`. The permit is given back when the
//!   connection lets go of the body, however the stream ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::http::file_body::FileBody;
use crate::http::response::{BodyTail, Response};
use crate::http::status::Status;
use crate::http::stream_body::StreamBody;
use crate::http::websocket::WsUpgrade;

/// Seconds a client refused for `max_streams` is told to wait.
const RETRY_AFTER_SECS: &str = "5";

/// What a connection sends after a response's head, if its body is not in memory.
#[derive(Debug)]
pub(crate) enum Tail {
    /// A file's range (`http/file_body.rs`).
    File(FileBody),
    /// Chunks produced over time.
    Stream(OutStream),
    /// No body: the connection speaks WebSocket after the 101 head.
    WebSocket(WsOpen),
    /// A stream relayed to a front beside the connection's other replies
    /// (backend mode, version 3: `relay_out.rs`).
    Relay(RelayOut),
}

/// An accepted upgrade as its connection takes it over.
#[derive(Debug)]
pub(crate) struct WsOpen {
    pub(crate) upgrade: WsUpgrade,
    /// Held while the WebSocket is open; dropped with it.
    pub(crate) permit: Option<StreamPermit>,
}

/// A streamed body as its connection sends it.
#[derive(Debug)]
pub(crate) struct OutStream {
    pub(crate) body: StreamBody,
    /// Chunked coding (HTTP/1.1); else the raw bytes and a close at the end.
    pub(crate) chunked: bool,
    /// Held while the stream is open; dropped with it.
    _permit: Option<StreamPermit>,
}

/// A streamed body relayed to a front (backend mode, protocol version 3),
/// as `relay_out.rs` sends it: its head has gone out as a frame.
#[derive(Debug)]
pub(crate) struct RelayOut {
    /// The id of the request it answers.
    pub(crate) id: u64,
    pub(crate) body: StreamBody,
    /// Bytes it may send before the front's first grant.
    pub(crate) window: u32,
    /// Held while the stream is open; dropped with it.
    pub(crate) permit: Option<StreamPermit>,
}

/// One of the `max_streams` places, given back on drop.
#[derive(Debug)]
pub(crate) struct StreamPermit {
    open: Arc<AtomicUsize>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A place for one more stream, if fewer than `max` are open. Counted
/// first and taken back if over, as connections are: two workers admitting
/// at the same moment cannot both take the last place.
pub(crate) fn admit(open: &Arc<AtomicUsize>, max: usize) -> Option<StreamPermit> {
    if open.fetch_add(1, Ordering::Relaxed) >= max {
        open.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    Some(StreamPermit { open: open.clone() })
}

/// What a client past `max_streams` gets instead of the stream.
pub(crate) fn refusal(max: usize) -> Response {
    log::warn!("{max} streams open (max_streams): answering 503");
    Response::error(Status::SERVICE_UNAVAILABLE).with_header("Retry-After", RETRY_AFTER_SECS)
}

/// The encoder's tail as its connection sends it: a stream with its
/// framing and its permit. With no tail (a `HEAD`, a 204), the permit is
/// given back at once.
pub(crate) fn tail(
    tail: Option<BodyTail>,
    chunked: bool,
    permit: Option<StreamPermit>,
) -> Option<Tail> {
    match tail? {
        BodyTail::File(file) => Some(Tail::File(file)),
        BodyTail::Stream(body) => Some(Tail::Stream(OutStream {
            body,
            chunked,
            _permit: permit,
        })),
        BodyTail::Upgrade(upgrade) => Some(Tail::WebSocket(WsOpen {
            upgrade: *upgrade,
            permit,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_stop_at_the_limit_and_come_back_when_dropped() {
        let open = Arc::new(AtomicUsize::new(0));
        let first = admit(&open, 2).unwrap();
        let _second = admit(&open, 2).unwrap();
        assert!(admit(&open, 2).is_none());
        assert_eq!(
            open.load(Ordering::Relaxed),
            2,
            "the refused one is not counted"
        );
        drop(first);
        assert!(admit(&open, 2).is_some());
    }
}
