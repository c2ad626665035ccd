//! A response body produced over time: its end is not known when the head
//! is sent.
//!
//! A [`Response`](crate::Response) body is bytes in memory or a range of a
//! file: both have a length, sent as `Content-Length`. A [`StreamBody`] has
//! none. Its chunks come from a producer while the response is already on
//! the wire, and the server frames them with the chunked transfer coding
//! (HTTP/1.1), or sends them raw and closes the connection at the end
//! (HTTP/1.0, which knows no chunks). Server-sent events (`sse.rs`) are such
//! a body; so is a large export generated row by row.
//!
//! Two kinds of producer, one queue:
//!
//! - a **channel**: [`BodyChannel::bounded`] gives a [`BodySender`] and the
//!   body. The handler (or a thread it starts) calls [`BodySender::send`],
//!   which *blocks* while `capacity` chunks are queued; [`BodySender::try_send`]
//!   says [`TrySendError::Full`] instead, for a producer that must not wait
//!   (a broadcast hub). The event loop is woken (through a `mio::Waker`) when
//!   a chunk arrives in an empty queue;
//! - an **iterator**: [`Response::stream`](crate::Response::stream). An
//!   iterator's `next` may take its time (a database cursor), and the event
//!   loop must never wait for it, so it is pulled *on the worker pool*: the
//!   loop asks for a pull when the queue runs dry, a worker calls `next`
//!   until it has [`PULL_BYTES`] or the queue is full, queues the chunks and
//!   wakes the loop. Between pulls the iterator holds no thread at all.
//!   An iterator that waits for *events* (minutes between chunks) should be
//!   a channel instead: a worker would wait with it.
//!
//! **Back-pressure.** The loop takes chunks off the queue only when the
//! connection's output buffer has been written out, and at most
//! [`OUTBOX_BYTES`] at a time (see `server/client_conn.rs`). So a client that
//! stops reading stops the loop taking, the queue fills, and the producer
//! blocks in `send` (or gets `Full`): per stream, the server holds at most
//! one outbox (64 KiB, or one chunk if a chunk is larger) plus the queue's
//! `capacity` chunks, whatever the producer would like to send.
//!
//! **A client that leaves.** The connection drops its [`StreamBody`]; the
//! queue is emptied, a blocked `send` returns [`StreamClosed`], every later
//! one too, and an iterator is dropped (its `Drop` runs, on whichever thread
//! let go of it last). A producer learns the client is gone at its next send.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Most bytes of chunks the loop moves into a connection's output at once
/// (it moves at least one chunk, however large).
pub(crate) const OUTBOX_BYTES: usize = 64 * 1024;

/// Bytes one pull of an iterator produces before giving its worker back.
pub(crate) const PULL_BYTES: usize = 64 * 1024;

/// Chunks an iterator body may have queued ahead of the socket.
const ITERATOR_AHEAD: usize = 16;

type ChunkIter = Box<dyn Iterator<Item = Vec<u8>> + Send>;

/// What the server gives a body so that it can reach the event loop from
/// other threads. Defined here, implemented in `server/`: the body never
/// names the loop.
pub(crate) trait StreamWaker: Send + Sync {
    /// Chunks were queued, or the producer finished: come back to this stream.
    fn wake(&self);
    /// Runs `job` off the event loop's thread (an iterator's pull).
    fn run_off_loop(&self, job: Box<dyn FnOnce() + Send>);
}

/// A send found the client gone: stop producing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamClosed;

impl fmt::Display for StreamClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the client has gone: the stream is closed")
    }
}

impl std::error::Error for StreamClosed {}

/// Why [`BodySender::try_send`] did not queue its chunk, which it gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrySendError {
    /// `capacity` chunks are waiting for a slow client.
    Full(Vec<u8>),
    /// The client has gone.
    Closed(Vec<u8>),
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the stream's queue is full"),
            TrySendError::Closed(_) => StreamClosed.fmt(f),
        }
    }
}

impl std::error::Error for TrySendError {}

/// Where the chunks come from.
enum Source {
    /// [`BodySender`]s; this many are alive (at 0 the stream ends once drained).
    Senders(usize),
    /// An iterator waiting for the next pull.
    Parked(ChunkIter),
    /// An iterator being pulled on a worker right now.
    Pulling,
    /// The iterator returned `None`.
    Finished,
    /// The iterator panicked: the body is cut short.
    Broken,
}

struct State {
    queue: VecDeque<Vec<u8>>,
    capacity: usize,
    source: Source,
    /// The connection dropped the body: the client has gone (or was never sent a body).
    receiver_gone: bool,
    waker: Option<Arc<dyn StreamWaker>>,
    /// The loop found the queue empty and waits for a wake-up.
    wants_wake: bool,
    /// How often the server sends a keep-alive chunk while the producer is
    /// quiet (server-sent events' comments), and what it is.
    keep_alive: Option<(Duration, &'static [u8])>,
    /// Called (on the consumer's thread, the lock let go) each time the
    /// consumer takes chunks or lets go of the body: how split mode's front
    /// learns when to grant its backend more of a relayed stream
    /// (`server/relay_in.rs`).
    on_taken: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The queue between a producer and the connection.
struct Chan {
    state: Mutex<State>,
    /// Signalled when the queue has room again, or the client went.
    room: Condvar,
}

impl Chan {
    fn new(capacity: usize, source: Source) -> Arc<Chan> {
        Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                capacity: capacity.max(1),
                source,
                receiver_gone: false,
                waker: None,
                wants_wake: false,
                keep_alive: None,
                on_taken: None,
            }),
            room: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A producer that panicked holding the lock left a consistent queue.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// The waker to call once the lock is let go, if the loop waits for one.
    fn take_wake(&mut self) -> Option<Arc<dyn StreamWaker>> {
        if std::mem::take(&mut self.wants_wake) {
            self.waker.clone()
        } else {
            None
        }
    }
}

/// Makes bounded channels whose receiving end is a response body.
#[derive(Debug)]
pub struct BodyChannel;

impl BodyChannel {
    /// A sender and the body it feeds, holding at most `capacity` chunks
    /// (at least one) that the client has not yet taken.
    ///
    /// # Examples
    /// ```
    /// use httprs::{BodyChannel, Response};
    /// let (tx, body) = BodyChannel::bounded(8);
    /// std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         // Blocks while 8 chunks wait; fails once the client has gone.
    ///         if tx.send(format!("line {i}\n")).is_err() {
    ///             return;
    ///         }
    ///     }
    /// });
    /// let res = Response::new(200)
    ///     .with_header("Content-Type", "text/plain")
    ///     .with_stream(body);
    /// assert!(res.is_streamed());
    /// ```
    pub fn bounded(capacity: usize) -> (BodySender, StreamBody) {
        let chan = Chan::new(capacity, Source::Senders(1));
        (
            BodySender { chan: chan.clone() },
            StreamBody::from_chan(chan),
        )
    }
}

/// The producing end of a [`BodyChannel`]; clones send into the same body,
/// which ends when the last one is dropped.
pub struct BodySender {
    chan: Arc<Chan>,
}

impl BodySender {
    /// Queues `chunk`, waiting while the queue is full (the client reads
    /// slower than this produces). An empty chunk is skipped: on the wire
    /// it would end the body.
    ///
    /// # Errors
    /// [`StreamClosed`] once the client has gone.
    pub fn send(&self, chunk: impl Into<Vec<u8>>) -> Result<(), StreamClosed> {
        let chunk = chunk.into();
        let mut state = self.chan.lock();
        loop {
            if state.receiver_gone {
                return Err(StreamClosed);
            }
            if chunk.is_empty() {
                return Ok(());
            }
            if state.queue.len() < state.capacity {
                break;
            }
            state = self
                .chan
                .room
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        state.queue.push_back(chunk);
        let wake = state.take_wake();
        drop(state);
        if let Some(waker) = wake {
            waker.wake();
        }
        Ok(())
    }

    /// Queues `chunk` if there is room, without waiting.
    ///
    /// # Errors
    /// [`TrySendError::Full`] while `capacity` chunks wait,
    /// [`TrySendError::Closed`] once the client has gone; both give the chunk back.
    pub fn try_send(&self, chunk: impl Into<Vec<u8>>) -> Result<(), TrySendError> {
        let chunk = chunk.into();
        let mut state = self.chan.lock();
        if state.receiver_gone {
            return Err(TrySendError::Closed(chunk));
        }
        if chunk.is_empty() {
            return Ok(());
        }
        if state.queue.len() >= state.capacity {
            return Err(TrySendError::Full(chunk));
        }
        state.queue.push_back(chunk);
        let wake = state.take_wake();
        drop(state);
        if let Some(waker) = wake {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the client has gone (every later send fails).
    pub fn is_closed(&self) -> bool {
        self.chan.lock().receiver_gone
    }

    /// Bytes queued that the consumer has not taken yet.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.chan.lock().queue.iter().map(Vec::len).sum()
    }

    /// Has `hook` called each time the consumer takes chunks or lets go of
    /// the body (see the field `on_taken`).
    pub(crate) fn on_taken(&self, hook: Arc<dyn Fn() + Send + Sync>) {
        self.chan.lock().on_taken = Some(hook);
    }

    /// Cuts the body short: what is queued is still sent, then the
    /// connection closes without the end of the body, so the client sees
    /// an error rather than a complete response (a relayed stream whose
    /// backend died). Every sender of the body stops.
    pub(crate) fn abort(&self) {
        let mut state = self.chan.lock();
        state.source = Source::Broken;
        let wake = state.take_wake();
        drop(state);
        if let Some(waker) = wake {
            waker.wake();
        }
    }
}

impl Clone for BodySender {
    fn clone(&self) -> BodySender {
        if let Source::Senders(n) = &mut self.chan.lock().source {
            *n += 1;
        }
        BodySender {
            chan: self.chan.clone(),
        }
    }
}

impl Drop for BodySender {
    fn drop(&mut self) {
        let mut state = self.chan.lock();
        if let Source::Senders(n) = &mut state.source {
            *n -= 1;
        }
        // The last sender gone: the loop must come and end the body.
        let wake = matches!(state.source, Source::Senders(0))
            .then(|| state.take_wake())
            .flatten();
        drop(state);
        if let Some(waker) = wake {
            waker.wake();
        }
    }
}

impl fmt::Debug for BodySender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodySender").finish_non_exhaustive()
    }
}

/// A response body produced over time; see the module docs. Clones are
/// the same body (only one is ever sent); when the last is dropped, the
/// producer learns that the client has gone.
#[derive(Clone)]
pub struct StreamBody {
    end: Arc<ReceivingEnd>,
}

/// The receiving end; its `Drop` tells the producer.
struct ReceivingEnd {
    chan: Arc<Chan>,
}

impl Drop for ReceivingEnd {
    fn drop(&mut self) {
        let mut state = self.chan.lock();
        state.receiver_gone = true;
        state.queue.clear();
        state.waker = None;
        let hook = state.on_taken.take();
        // An iterator is dropped after the lock is let go: its own `Drop` may take time.
        let iterator = match std::mem::replace(&mut state.source, Source::Finished) {
            Source::Senders(n) => {
                state.source = Source::Senders(n);
                None
            }
            other => Some(other),
        };
        drop(state);
        self.chan.room.notify_all();
        drop(iterator);
        if let Some(hook) = hook {
            hook();
        }
    }
}

/// What [`StreamBody::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Took {
    /// Chunks were appended to the output.
    Data,
    /// Nothing yet: the waker will be called when there is.
    Pending,
    /// The producer has finished and everything was taken.
    End,
    /// The producer failed (an iterator panicked): the body is cut short.
    Broken,
}

impl StreamBody {
    fn from_chan(chan: Arc<Chan>) -> StreamBody {
        StreamBody {
            end: Arc::new(ReceivingEnd { chan }),
        }
    }

    /// Has the server send `chunk` whenever the producer has been quiet
    /// for `every` (see `sse.rs`).
    pub(crate) fn set_keep_alive(&self, every: Duration, chunk: &'static [u8]) {
        self.end.chan.lock().keep_alive = Some((every, chunk));
    }

    /// The keep-alive interval and chunk, if the body has one.
    pub(crate) fn keep_alive(&self) -> Option<(Duration, &'static [u8])> {
        self.end.chan.lock().keep_alive
    }

    /// A body pulled from `chunks`, on the worker pool (see the module docs).
    pub(crate) fn from_iter(chunks: ChunkIter) -> StreamBody {
        StreamBody::from_chan(Chan::new(ITERATOR_AHEAD, Source::Parked(chunks)))
    }

    /// Gives the body its way back to the event loop; done by the server
    /// before the first [`StreamBody::take`].
    pub(crate) fn set_waker(&self, waker: Arc<dyn StreamWaker>) {
        self.end.chan.lock().waker = Some(waker);
    }

    /// Appends queued chunks to `out`, framed as chunked-coding chunks if
    /// `chunked`, until `out` holds [`OUTBOX_BYTES`] or the queue is empty;
    /// starts a pull if the body is an iterator and the queue ran dry.
    pub(crate) fn take(&self, out: &mut Vec<u8>, chunked: bool) -> Took {
        self.take_with(|queue| {
            let mut took = false;
            while out.len() < OUTBOX_BYTES
                && let Some(chunk) = queue.pop_front()
            {
                frame_chunk(out, &chunk, chunked);
                took = true;
            }
            took
        })
    }

    /// Appends the queued chunks' bytes to `out`, raw, `limit` bytes at
    /// most (a chunk is cut where the limit falls, the rest kept for the
    /// next take): how a backend relays a stream to its front, within the
    /// credit the front has granted (`server/relay_out.rs`).
    pub(crate) fn take_raw(&self, out: &mut Vec<u8>, limit: usize) -> Took {
        self.take_with(|queue| {
            let mut left = limit;
            let mut took = false;
            while left > 0
                && let Some(mut chunk) = queue.pop_front()
            {
                if chunk.len() > left {
                    let rest = chunk.split_off(left);
                    queue.push_front(rest);
                }
                left -= chunk.len();
                out.extend_from_slice(&chunk);
                took = true;
            }
            took
        })
    }

    /// [`StreamBody::take`]'s and [`StreamBody::take_raw`]'s common part:
    /// `move_chunks` moves what it likes off the queue and says whether it
    /// moved anything; the rest (an iterator's pull, the waker, the
    /// producer's `room`) is the same for both.
    fn take_with(&self, mut move_chunks: impl FnMut(&mut VecDeque<Vec<u8>>) -> bool) -> Took {
        let chan = &self.end.chan;
        let mut state = chan.lock();
        let took = move_chunks(&mut state.queue);
        let mut pull = None;
        if state.queue.is_empty() && matches!(state.source, Source::Parked(_)) {
            if let Source::Parked(iter) = std::mem::replace(&mut state.source, Source::Pulling) {
                pull = Some(iter);
            }
        }
        let result = match (&state.source, took, state.queue.is_empty()) {
            (_, true, _) => Took::Data,
            (Source::Broken, ..) => Took::Broken,
            (Source::Senders(0) | Source::Finished, false, true) => Took::End,
            _ => {
                state.wants_wake = true;
                Took::Pending
            }
        };
        let waker = state.waker.clone();
        let hook = took.then(|| state.on_taken.clone()).flatten();
        drop(state);
        if took {
            chan.room.notify_all();
        }
        if let Some(hook) = hook {
            hook();
        }
        if let Some(iter) = pull {
            let job = pull_job(chan.clone(), iter);
            match waker {
                Some(waker) => waker.run_off_loop(Box::new(job)),
                // No server (a unit test): pull right here, and look again.
                None => {
                    job();
                    if result == Took::Pending {
                        return self.take_with(move_chunks);
                    }
                }
            }
        }
        result
    }
}

/// Appends `chunk` to `out` as it goes on the wire: `SIZE-IN-HEX\r\n DATA
/// \r\n` in the chunked coding, as it is otherwise.
pub(crate) fn frame_chunk(out: &mut Vec<u8>, chunk: &[u8], chunked: bool) {
    if chunked {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    } else {
        out.extend_from_slice(chunk);
    }
}

/// A worker's pull of `iter`: chunks until [`PULL_BYTES`] or the queue is
/// full, queued, then the loop woken. The iterator goes back into the queue
/// for the next pull, unless the client left meanwhile (it is dropped here).
fn pull_job(chan: Arc<Chan>, mut iter: ChunkIter) -> impl FnOnce() + Send {
    move || {
        let room = {
            let state = chan.lock();
            state.capacity.saturating_sub(state.queue.len()).max(1)
        };
        let mut batch = Vec::new();
        let mut bytes = 0;
        let pulled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            while batch.len() < room && bytes < PULL_BYTES {
                match iter.next() {
                    Some(chunk) => {
                        bytes += chunk.len();
                        if !chunk.is_empty() {
                            batch.push(chunk);
                        }
                    }
                    None => return false,
                }
            }
            true
        }));
        let mut state = chan.lock();
        if state.receiver_gone {
            drop(state);
            return; // `iter` is dropped here, off the loop.
        }
        state.queue.extend(batch);
        state.source = match pulled {
            Ok(true) => Source::Parked(iter),
            Ok(false) => Source::Finished,
            Err(_) => {
                log::error!("a streamed body's iterator panicked; the response is cut short");
                Source::Broken
            }
        };
        state.wants_wake = false;
        let waker = state.waker.clone();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl PartialEq for StreamBody {
    fn eq(&self, other: &StreamBody) -> bool {
        Arc::ptr_eq(&self.end, &other.end)
    }
}

impl Eq for StreamBody {}

impl fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamBody").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_all(body: &StreamBody, chunked: bool) -> (String, Took) {
        let mut out = Vec::new();
        loop {
            match body.take(&mut out, chunked) {
                Took::Data => {}
                other => return (String::from_utf8(out).unwrap(), other),
            }
        }
    }

    #[test]
    fn chunks_are_framed_for_http_1_1_and_sent_raw_for_http_1_0() {
        for (chunked, expected) in [(true, "2\r\nab\r\n1\r\nc\r\n"), (false, "abc")] {
            let (tx, body) = BodyChannel::bounded(4);
            tx.send("ab").unwrap();
            tx.send("").unwrap(); // skipped: an empty chunk would end the body
            tx.send("c").unwrap();
            drop(tx);
            assert_eq!(take_all(&body, chunked), (expected.to_string(), Took::End));
        }
    }

    #[test]
    fn a_full_queue_refuses_try_send_and_a_take_makes_room() {
        let (tx, body) = BodyChannel::bounded(2);
        tx.try_send("1").unwrap();
        tx.try_send("2").unwrap();
        assert_eq!(tx.try_send("3"), Err(TrySendError::Full(b"3".to_vec())));
        let mut out = Vec::new();
        assert_eq!(body.take(&mut out, false), Took::Data);
        tx.try_send("3").unwrap();
        assert_eq!(body.take(&mut out, false), Took::Data);
        assert_eq!(
            body.take(&mut out, false),
            Took::Pending,
            "a sender is alive"
        );
        assert_eq!(out, b"123");
    }

    #[test]
    fn a_blocked_sender_is_released_with_an_error_when_the_body_is_dropped() {
        let (tx, body) = BodyChannel::bounded(1);
        tx.send("first").unwrap();
        let producer = std::thread::spawn(move || tx.send("second"));
        // Whether the producer is already waiting or not, it must not succeed.
        drop(body);
        assert_eq!(producer.join().unwrap(), Err(StreamClosed));
    }

    #[test]
    fn an_iterator_is_pulled_in_batches_until_it_ends() {
        let body = StreamBody::from_iter(Box::new((0..40).map(|i| format!("{i},").into_bytes())));
        let (text, end) = take_all(&body, false);
        let expected: String = (0..40).map(|i| format!("{i},")).collect();
        assert_eq!((text, end), (expected, Took::End));
    }

    #[test]
    fn an_iterator_that_panics_cuts_the_body_short() {
        let body = StreamBody::from_iter(Box::new((0..3).map(|i| {
            assert!(i < 2, "the iterator's own bug");
            vec![b'x']
        })));
        let (_, end) = take_all(&body, false);
        assert_eq!(end, Took::Broken);
    }

    #[test]
    fn one_take_moves_at_most_an_outbox_of_bytes() {
        let (tx, body) = BodyChannel::bounded(100);
        for _ in 0..100 {
            tx.send(vec![b'x'; 4096]).unwrap();
        }
        let mut out = Vec::new();
        assert_eq!(body.take(&mut out, false), Took::Data);
        assert_eq!(out.len(), OUTBOX_BYTES);
    }
}
