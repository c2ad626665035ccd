//! Stopping the server: a flag, and a way to wake every event loop to see it.
//!
//! An event loop spends its idle time blocked in `epoll_wait`; setting a
//! flag alone would go unnoticed until the next packet. So a
//! [`ShutdownHandle`] holds each loop's `mio::Waker` and pokes them all. On
//! waking, a loop stops accepting, finishes the requests in flight (each
//! answered with `Connection: close`) and exits once it has no connection
//! left or the shutdown deadline passes. [`crate::App::run`] connects SIGINT
//! and SIGTERM to a handle; tests call [`ShutdownHandle::shutdown`] directly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mio::Waker;

/// Asks a running server to stop; cheap to clone and to send to other threads.
#[derive(Clone)]
pub struct ShutdownHandle {
    inner: Arc<Inner>,
}

struct Inner {
    requested: AtomicBool,
    wakers: Vec<Arc<Waker>>,
}

impl std::fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("requested", &self.is_requested())
            .field("event_loops", &self.inner.wakers.len())
            .finish()
    }
}

impl ShutdownHandle {
    pub(crate) fn new(wakers: Vec<Arc<Waker>>) -> ShutdownHandle {
        ShutdownHandle {
            inner: Arc::new(Inner {
                requested: AtomicBool::new(false),
                wakers,
            }),
        }
    }

    /// Stops accepting and starts the graceful drain; returns at once.
    pub fn shutdown(&self) {
        self.inner.requested.store(true, Ordering::SeqCst);
        for waker in &self.inner.wakers {
            // A loop that has already exited has dropped its poll; nothing to wake.
            let _ = waker.wake();
        }
    }

    /// Whether [`ShutdownHandle::shutdown`] has been called.
    pub fn is_requested(&self) -> bool {
        self.inner.requested.load(Ordering::SeqCst)
    }
}
