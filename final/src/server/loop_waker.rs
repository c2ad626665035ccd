//! A streamed body's way back to its event loop, from the producer's thread.
//!
//! A producer queues chunks on its own thread (or a worker pulls an
//! iterator); the connection that sends them belongs to one event loop,
//! which may be asleep in `poll`. [`LoopWaker`] is what the body calls: it
//! posts [`Message::Wake`] to that loop's inbox, whose `mio::Waker`
//! interrupts the `poll`, and the loop drives that one connection. It
//! carries the connection's slot *and* id, so a wake-up that arrives after
//! the client has gone and its slot was reused is ignored.

use std::sync::Arc;

use crate::http::stream_body::StreamWaker;
use crate::server::shared::{Message, Shared};
use crate::server::stream::Tail;
use crate::server::worker_pool::WorkerPool;

/// Gives a stream in `tail` its way back to loop `index`, for the
/// connection in `slot` with this `id`; called by the loop as it delivers
/// the head, before the connection takes the first chunk.
pub(crate) fn attach(
    tail: Option<&Tail>,
    shared: &Arc<Shared>,
    pool: &WorkerPool,
    index: usize,
    slot: usize,
    id: u64,
) {
    let waker = || {
        Arc::new(LoopWaker {
            shared: shared.clone(),
            pool: pool.clone(),
            index,
            slot,
            id,
        })
    };
    match tail {
        Some(Tail::Stream(out)) => out.body.set_waker(waker()),
        // A WebSocket's senders knock the same way, and its handler's
        // calls run on the same pool.
        Some(Tail::WebSocket(open)) => open.upgrade.link.set_waker(waker()),
        Some(Tail::Relay(relay)) => relay.body.set_waker(waker()),
        _ => {}
    }
}

/// A stream's way to its loop; see the module docs.
struct LoopWaker {
    shared: Arc<Shared>,
    pool: WorkerPool,
    index: usize,
    slot: usize,
    id: u64,
}

impl StreamWaker for LoopWaker {
    fn wake(&self) {
        self.shared.inboxes[self.index].send(Message::Wake {
            slot: self.slot,
            id: self.id,
        });
    }

    fn run_off_loop(&self, job: Box<dyn FnOnce() + Send>) {
        self.pool.execute(job);
    }
}
