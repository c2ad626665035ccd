//! The streams a front relays from its backends to its browsers: version 3
//! of the split protocol (`split/streams.rs`), the front's half.
//!
//! A stream's head becomes an ordinary streamed [`Response`](crate::Response)
//! for the browser, whose body is a [`BodyChannel`] this file feeds with
//! the chunks that come. From there the browser's connection does what it
//! does for any streamed body (`server/client_conn.rs`): chunked coding, or
//! raw bytes and a close for HTTP/1.0; a `max_streams` place; no idle
//! timeout while it waits for more. So a relayed stream behaves in the
//! browser exactly as one served in HTTP mode.
//!
//! **Credit, and the bound.** The backend may send a stream [`WINDOW`]
//! bytes ahead of the front's grants. Each time the browser's connection
//! takes bytes off the channel (or lets go of it), a hook notes the stream;
//! once the turn's work is done the forwarder asks [`RelaysIn::settle`]
//! what to tell the backends: a grant that brings what is queued here plus
//! what may still be on its way back up to the window, once that has
//! fallen to half of it (so grants go out in batches, not one per chunk).
//! What is queued here and what is on its way never add up to more than
//! the window: per stream, the front holds at most [`WINDOW`] (64 KiB)
//! plus the 64 KiB its browser connection is writing. A browser that reads
//! slowly stops its own stream at the backend, and nothing else.
//!
//! **Endings.** A browser that leaves drops the body: the hook notes it,
//! and `settle` says to cancel. A backend's `end` ends the body properly
//! (the final zero-length chunk); an `end` with an error, or the backend
//! connection dying, cuts it short ([`BodySender::abort`]): the browser's
//! connection closes without the final chunk, so the browser sees an
//! error, not a truncated success.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::http::stream_body::{BodyChannel, BodySender, StreamBody, TrySendError};
use crate::split::streams::WINDOW;

/// What [`RelaysIn::settle`] asks the forwarder to tell a backend.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Word {
    /// Grant stream `id`, on connection `conn`, `bytes` more.
    Credit { conn: usize, id: u64, bytes: u64 },
    /// Cancel stream `id` on connection `conn`: its browser has gone.
    Cancel { conn: usize, id: u64 },
}

/// One stream on its way to a browser.
struct RelayIn {
    /// The backend connection it comes on.
    conn: usize,
    tx: BodySender,
    /// Bytes granted so far, the first window included, and received.
    granted: u64,
    received: u64,
}

/// One forwarder's streams, by request id (unique in a forwarder).
#[derive(Default)]
pub(crate) struct RelaysIn {
    streams: HashMap<u64, RelayIn>,
    /// Ids whose browser connection took bytes or let go, since the last
    /// `settle`; pushed by the channels' hooks (on the loop's own thread:
    /// the mutex is uncontended, and only there for the `Sync` a hook needs).
    noted: Arc<Mutex<Vec<u64>>>,
}

impl RelaysIn {
    /// Stream `id`'s head came on connection `conn`: the body the browser gets.
    pub(crate) fn open(&mut self, conn: usize, id: u64) -> StreamBody {
        // Counted in chunks, so never full within the credit (a chunk has
        // at least one byte): the credit is what bounds it, in bytes.
        let (tx, body) = BodyChannel::bounded(WINDOW as usize);
        let noted = self.noted.clone();
        tx.on_taken(Arc::new(move || {
            noted.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        }));
        let relay = RelayIn {
            conn,
            tx,
            granted: u64::from(WINDOW),
            received: 0,
        };
        self.streams.insert(id, relay);
        body
    }

    /// The next bytes of stream `id`. Returns a cancel to send if the
    /// browser has gone meanwhile, or if the backend sent more than its
    /// credit (cut short, logged: a backend that breaks the window could
    /// make the front hold any amount).
    pub(crate) fn chunk(&mut self, id: u64, data: Vec<u8>) -> Option<Word> {
        let relay = self.streams.get_mut(&id)?;
        relay.received += data.len() as u64;
        let conn = relay.conn;
        if relay.received > relay.granted {
            log::warn!("stream {id}: the backend sent more than its credit; cut short");
            relay.tx.abort();
            self.streams.remove(&id);
            return Some(Word::Cancel { conn, id });
        }
        match relay.tx.try_send(data) {
            Ok(()) => None,
            Err(TrySendError::Closed(_) | TrySendError::Full(_)) => {
                self.streams.remove(&id);
                Some(Word::Cancel { conn, id })
            }
        }
    }

    /// Stream `id` is over: its body ends once the browser has taken what
    /// is queued, properly, or cut short if `error`.
    pub(crate) fn end(&mut self, id: u64, error: Option<&str>) {
        if let Some(relay) = self.streams.remove(&id)
            && let Some(error) = error
        {
            log::warn!("stream {id}: the backend cut it short ({error})");
            relay.tx.abort();
        }
        // Dropping the sender otherwise: the body's end.
    }

    /// Backend connection `conn` is closed: its streams are cut short.
    pub(crate) fn conn_closed(&mut self, conn: usize) {
        self.streams.retain(|_, relay| {
            if relay.conn == conn {
                relay.tx.abort();
            }
            relay.conn != conn
        });
    }

    /// Whether a browser has taken bytes or left since the last call.
    pub(crate) fn has_news(&self) -> bool {
        !self
            .noted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// What to tell the backends about the streams the hooks noted: a
    /// cancel for each whose browser has gone, a grant for each whose
    /// queue and credit in flight have fallen to half the window.
    pub(crate) fn settle(&mut self) -> Vec<Word> {
        let mut noted = std::mem::take(&mut *self.noted.lock().unwrap_or_else(|e| e.into_inner()));
        noted.sort_unstable();
        noted.dedup();
        let mut words = Vec::new();
        for id in noted {
            let Some(relay) = self.streams.get_mut(&id) else {
                continue; // ended meanwhile
            };
            let conn = relay.conn;
            if relay.tx.is_closed() {
                self.streams.remove(&id);
                words.push(Word::Cancel { conn, id });
                continue;
            }
            let held = relay.tx.queued_bytes() as u64 + (relay.granted - relay.received);
            let window = u64::from(WINDOW);
            if held <= window / 2 {
                let bytes = window - held;
                relay.granted += bytes;
                words.push(Word::Credit { conn, id, bytes });
            }
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::stream_body::Took;

    fn take_all(body: &StreamBody) -> (Vec<u8>, Took) {
        let mut out = Vec::new();
        loop {
            match body.take(&mut out, false) {
                Took::Data => {}
                other => return (out, other),
            }
        }
    }

    #[test]
    fn a_browser_that_reads_earns_its_backend_a_grant_back_up_to_the_window() {
        let mut relays = RelaysIn::default();
        let body = relays.open(0, 7);
        let half = WINDOW as usize / 2;
        assert_eq!(relays.chunk(7, vec![b'x'; half + 1]), None);
        assert!(relays.settle().is_empty(), "nothing taken yet");
        let (bytes, _) = take_all(&body);
        assert_eq!(bytes.len(), half + 1);
        // Taken: half the window minus one byte is still on its way.
        assert_eq!(
            relays.settle(),
            [Word::Credit {
                conn: 0,
                id: 7,
                bytes: half as u64 + 1
            }]
        );
        assert!(relays.settle().is_empty(), "nothing new since");
    }

    #[test]
    fn a_browser_that_does_not_read_earns_nothing_and_holds_at_most_the_window() {
        let mut relays = RelaysIn::default();
        let body = relays.open(0, 1);
        assert_eq!(relays.chunk(1, vec![b'x'; WINDOW as usize]), None);
        // Its connection takes nothing (its socket is full): no grant.
        assert!(!relays.has_news());
        assert!(relays.settle().is_empty());
        // One byte over the window is a broken backend: cut short, cancelled.
        assert_eq!(
            relays.chunk(1, vec![b'y']),
            Some(Word::Cancel { conn: 0, id: 1 })
        );
        assert_eq!(take_all(&body).1, Took::Broken);
    }

    #[test]
    fn a_browser_that_leaves_makes_a_cancel() {
        let mut relays = RelaysIn::default();
        let body = relays.open(3, 9);
        drop(body);
        assert_eq!(relays.settle(), [Word::Cancel { conn: 3, id: 9 }]);
        assert_eq!(relays.chunk(9, b"late".to_vec()), None, "forgotten");
    }

    #[test]
    fn an_end_ends_the_body_properly_and_an_error_or_a_dead_connection_cuts_it_short() {
        let mut relays = RelaysIn::default();
        let fine = relays.open(0, 1);
        let failed = relays.open(0, 2);
        let orphan = relays.open(1, 3);
        relays.chunk(1, b"a".to_vec());
        relays.end(1, None);
        relays.end(2, Some("the producer failed"));
        relays.conn_closed(1);
        assert_eq!(take_all(&fine), (b"a".to_vec(), Took::End));
        assert_eq!(take_all(&failed).1, Took::Broken);
        assert_eq!(take_all(&orphan).1, Took::Broken);
    }
}
