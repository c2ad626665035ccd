//! The streams a backend relays to its front: version 3 of the split
//! protocol (`split/streams.rs`), the backend's half.
//!
//! In HTTP mode a streamed body holds its connection until it ends: the
//! connection sends it and nothing else. A front's connection cannot be
//! held so: it carries up to 32 requests at once, and a stream of
//! server-sent events may never end. So here a stream, once its head has
//! gone out, becomes one of the connection's [`Relays`], sent *beside* the
//! replies to the requests that follow, each chunk a frame tagged with its
//! request's id; the connection goes on taking requests.
//!
//! **Credit.** Each stream may send only as many bytes as its front has
//! granted: the window the request offered, then each `credit` frame. A
//! stream out of credit is not taken from, so its producer's bounded queue
//! fills and its `send` blocks (or `try_send` says `Full`), exactly as a
//! slow browser blocks it in HTTP mode; the other streams and replies on
//! the connection go on. The connection's own output is filled only while
//! it is under its `WRITE_BATCH` (64 KiB), so a front that stops reading stops every
//! stream here too, and the backend's memory stays bounded.
//!
//! **The end.** A producer that finishes sends `end`; one that fails (an
//! iterator that panicked) sends `end` with an error. A `cancel` from the
//! front (its browser left) drops the body, which the producer sees at its
//! next send, as it would see a browser leave. A front connection that
//! closes drops them all.

use std::time::Instant;

use crate::http::stream_body::{StreamBody, Took};
use crate::server::stream::{RelayOut, StreamPermit};
use crate::split::streams;

/// Bytes one stream puts in one chunk frame at most: a stream with much
/// to send leaves room for the others on every pass.
const CHUNK_BYTES: usize = 16 * 1024;

/// One stream on its way to the front.
#[derive(Debug)]
struct Relayed {
    /// The id of the request it answers.
    id: u64,
    body: StreamBody,
    /// Bytes it may still send before the front grants more.
    credit: u64,
    /// When it last sent a frame: its keep-alive is due after a quiet spell.
    last_sent: Instant,
    /// One of the backend's `max_streams` places, held while it is open.
    _permit: Option<StreamPermit>,
}

/// A front connection's streams; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Relays {
    streams: Vec<Relayed>,
    /// Reused for each chunk's bytes before they become a frame.
    scratch: Vec<u8>,
}

impl Relays {
    /// Whether no stream is open.
    pub(crate) fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Adds `relay`, whose head has been queued at `now`.
    pub(crate) fn add(&mut self, relay: RelayOut, now: Instant) {
        self.streams.push(Relayed {
            id: relay.id,
            body: relay.body,
            credit: u64::from(relay.window),
            last_sent: now,
            _permit: relay.permit,
        });
    }

    /// The front grants stream `id` `bytes` more. A stream that has ended
    /// meanwhile is not an error: its end and the grant crossed.
    pub(crate) fn credit(&mut self, id: u64, bytes: u64) {
        if let Some(relay) = self.streams.iter_mut().find(|r| r.id == id) {
            relay.credit = relay.credit.saturating_add(bytes);
        }
    }

    /// The front's browser for stream `id` has gone: dropping the body
    /// tells its producer. Unknown ids are ignored (it ended meanwhile).
    pub(crate) fn cancel(&mut self, id: u64) {
        self.streams.retain(|r| r.id != id);
    }

    /// Moves what the streams have, within their credit, into `out` as
    /// chunk and end frames, until it has added `room` bytes or more (the
    /// connection keeps its unsent output under a limit). Returns whether
    /// it queued anything.
    pub(crate) fn pump(&mut self, out: &mut Vec<u8>, room: usize, now: Instant) -> bool {
        let start = out.len();
        let mut queued = false;
        loop {
            let mut moved = false;
            let mut i = 0;
            while i < self.streams.len() {
                if out.len() - start >= room {
                    return queued;
                }
                let relay = &mut self.streams[i];
                if relay.credit == 0 {
                    i += 1;
                    continue;
                }
                let limit =
                    usize::try_from(relay.credit).map_or(CHUNK_BYTES, |c| c.min(CHUNK_BYTES));
                self.scratch.clear();
                let ended = match relay.body.take_raw(&mut self.scratch, limit) {
                    Took::Data => {
                        streams::encode_chunk(relay.id, &self.scratch, out);
                        relay.credit -= self.scratch.len() as u64;
                        relay.last_sent = now;
                        moved = true;
                        false
                    }
                    Took::Pending => false,
                    Took::End => {
                        streams::encode_end(relay.id, None, out);
                        true
                    }
                    Took::Broken => {
                        let error = "the stream's producer failed; the body is cut short";
                        streams::encode_end(relay.id, Some(error), out);
                        true
                    }
                };
                if ended {
                    // Its permit goes back with it.
                    self.streams.swap_remove(i);
                    queued = true;
                } else {
                    i += 1;
                }
            }
            queued |= moved;
            if !moved {
                return queued;
            }
        }
    }

    /// Ends every stream now (a shutdown): a proper `end` each, so that
    /// the front ends its browsers' bodies properly too, as HTTP mode does.
    pub(crate) fn end_all(&mut self, out: &mut Vec<u8>) {
        for relay in self.streams.drain(..) {
            streams::encode_end(relay.id, None, out);
        }
    }

    /// Whether a stream with a keep-alive (server-sent events' comment)
    /// has been quiet for its interval.
    pub(crate) fn keep_alive_due(&self, now: Instant) -> bool {
        self.streams.iter().any(|relay| {
            relay.body.keep_alive().is_some_and(|(every, chunk)| {
                now.duration_since(relay.last_sent) >= every && relay.credit >= chunk.len() as u64
            })
        })
    }

    /// Queues the keep-alive chunk of each stream that is due, within its
    /// credit: the comment crosses the split like any chunk, and the
    /// front's browser sees it as in HTTP mode.
    pub(crate) fn send_keep_alives(&mut self, out: &mut Vec<u8>, now: Instant) {
        for relay in &mut self.streams {
            let Some((every, chunk)) = relay.body.keep_alive() else {
                continue;
            };
            let len = chunk.len() as u64;
            if now.duration_since(relay.last_sent) >= every && relay.credit >= len {
                streams::encode_chunk(relay.id, chunk, out);
                relay.credit -= len;
                relay.last_sent = now;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::stream_body::BodyChannel;
    use crate::split::streams::{StreamFrame, decode};

    fn relay(id: u64, body: StreamBody, window: u32) -> RelayOut {
        RelayOut {
            id,
            body,
            window,
            permit: None,
        }
    }

    fn frames(mut out: &[u8]) -> Vec<StreamFrame> {
        let mut all = Vec::new();
        while let Some((frame, used)) = decode(out).unwrap() {
            all.push(frame);
            out = &out[used..];
        }
        assert!(out.is_empty());
        all
    }

    #[test]
    fn a_stream_sends_no_more_than_its_credit_until_granted_more() {
        let (tx, body) = BodyChannel::bounded(8);
        tx.send(vec![b'a'; 10]).unwrap();
        let mut relays = Relays::default();
        relays.add(relay(4, body, 6), Instant::now());
        let mut out = Vec::new();
        assert!(relays.pump(&mut out, usize::MAX, Instant::now()));
        assert_eq!(
            frames(&out),
            [StreamFrame::Chunk {
                id: 4,
                data: b"aaaaaa".to_vec()
            }]
        );
        out.clear();
        assert!(
            !relays.pump(&mut out, usize::MAX, Instant::now()),
            "out of credit"
        );
        relays.credit(4, 100);
        drop(tx);
        assert!(relays.pump(&mut out, usize::MAX, Instant::now()));
        assert_eq!(
            frames(&out),
            [
                StreamFrame::Chunk {
                    id: 4,
                    data: b"aaaa".to_vec()
                },
                StreamFrame::End { id: 4, error: None }
            ]
        );
        assert!(relays.is_empty());
    }

    #[test]
    fn a_blocked_producer_waits_for_credit_and_a_cancel_releases_it_with_an_error() {
        let (tx, body) = BodyChannel::bounded(1);
        let mut relays = Relays::default();
        relays.add(relay(1, body, 0), Instant::now());
        tx.send("one").unwrap();
        // The queue is full and the stream has no credit: this send waits.
        let producer = std::thread::spawn(move || tx.send("two"));
        std::thread::sleep(Duration::from_millis(50));
        assert!(!producer.is_finished(), "the producer is held back");
        relays.cancel(1);
        assert!(
            producer.join().unwrap().is_err(),
            "it learns the front's browser left"
        );
    }

    #[test]
    fn two_streams_share_the_connection_and_one_without_credit_does_not_hold_the_other() {
        let (slow_tx, slow) = BodyChannel::bounded(4);
        let (fast_tx, fast) = BodyChannel::bounded(4);
        let mut relays = Relays::default();
        relays.add(relay(1, slow, 0), Instant::now());
        relays.add(relay(2, fast, 100), Instant::now());
        slow_tx.send("stuck").unwrap();
        fast_tx.send("flows").unwrap();
        let mut out = Vec::new();
        relays.pump(&mut out, usize::MAX, Instant::now());
        assert_eq!(
            frames(&out),
            [StreamFrame::Chunk {
                id: 2,
                data: b"flows".to_vec()
            }]
        );
    }

    #[test]
    fn a_quiet_stream_with_a_keep_alive_sends_it_when_due() {
        let (_tx, body) = BodyChannel::bounded(4);
        body.set_keep_alive(Duration::from_secs(15), b": keep-alive\n\n");
        let start = Instant::now();
        let mut relays = Relays::default();
        relays.add(relay(3, body, 1000), start);
        assert!(!relays.keep_alive_due(start + Duration::from_secs(14)));
        let later = start + Duration::from_secs(15);
        assert!(relays.keep_alive_due(later));
        let mut out = Vec::new();
        relays.send_keep_alives(&mut out, later);
        assert_eq!(
            frames(&out),
            [StreamFrame::Chunk {
                id: 3,
                data: b": keep-alive\n\n".to_vec()
            }]
        );
        assert!(!relays.keep_alive_due(later));
    }

    #[test]
    fn a_shutdown_ends_every_stream_properly() {
        let (_a, one) = BodyChannel::bounded(1);
        let (_b, two) = BodyChannel::bounded(1);
        let mut relays = Relays::default();
        relays.add(relay(1, one, 10), Instant::now());
        relays.add(relay(2, two, 10), Instant::now());
        let mut out = Vec::new();
        relays.end_all(&mut out);
        assert_eq!(
            frames(&out),
            [
                StreamFrame::End { id: 1, error: None },
                StreamFrame::End { id: 2, error: None }
            ]
        );
        assert!(relays.is_empty());
    }
}
