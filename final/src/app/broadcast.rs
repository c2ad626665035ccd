//! A broadcast hub: one event published, every open event stream gets it.
//!
//! A live page (the guestbook's list) needs "tell everyone who is watching".
//! [`Broadcast`] keeps the [`EventSender`] of every subscribed stream;
//! [`Broadcast::publish`] offers the event to each with `try_send`, so the
//! publisher (a handler answering a form post) never waits for anyone.
//!
//! **A slow subscriber is dropped, not waited for and not buffered without
//! end.** Each stream has its own bounded queue (its `capacity`). A client
//! whose queue is full when an event comes is unsubscribed: its sender is
//! dropped, its stream ends once what was queued has been sent, and the
//! browser's `EventSource` reconnects by itself, sending the last id it
//! received as `Last-Event-ID`. The handler sends what was missed (from the
//! database) and subscribes again. So memory per subscriber is bounded by
//! its queue, the publisher is never slowed by the slowest reader, and a
//! reader that falls behind catches up from the source of truth instead of
//! from a buffer. A client that has gone is dropped the same way, at the
//! first publish after it left.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::http::sse::{Event, EventSender};
use crate::http::stream_body::TrySendError;

/// The subscribers of a hub; clones share them. See the module docs.
///
/// # Examples
/// ```
/// use httprs::{Broadcast, Event, Response};
/// let hub = Broadcast::new();
/// let (events, res) = Response::event_stream(16);
/// hub.subscribe(events);
/// assert_eq!(hub.publish(&Event::data("hello")), 1);
/// drop(res); // the client leaves
/// assert_eq!(hub.publish(&Event::data("anyone?")), 0);
/// assert_eq!(hub.subscribers(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Broadcast {
    subscribers: Arc<Mutex<Vec<EventSender>>>,
}

impl Broadcast {
    /// A hub with no subscribers.
    pub fn new() -> Broadcast {
        Broadcast::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<EventSender>> {
        // A publisher that panicked mid-way left a usable list.
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends every later [`Broadcast::publish`] to `events` too.
    pub fn subscribe(&self, events: EventSender) {
        self.lock().push(events);
    }

    /// Offers `event` to every subscriber without waiting; drops those whose
    /// queue is full or whose client has gone. Returns how many took it.
    pub fn publish(&self, event: &Event) -> usize {
        let mut subscribers = self.lock();
        subscribers.retain(|events| match events.try_send(event) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                log::info!("an event stream fell behind; dropped, it will reconnect and catch up");
                false
            }
            Err(TrySendError::Closed(_)) => false,
        });
        subscribers.len()
    }

    /// How many streams are subscribed (some may have gone since the last publish).
    pub fn subscribers(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::response::Response;

    #[test]
    fn a_subscriber_whose_queue_is_full_is_dropped_and_the_others_still_get_events() {
        let hub = Broadcast::new();
        let (slow, _slow_res) = Response::event_stream(1);
        let (fast, _fast_res) = Response::event_stream(8);
        hub.subscribe(slow);
        hub.subscribe(fast);
        assert_eq!(hub.publish(&Event::data("1")), 2);
        // The slow one's queue (1) is full: it is let go, never waited for.
        assert_eq!(hub.publish(&Event::data("2")), 1);
        assert_eq!(hub.subscribers(), 1);
    }
}
