//! Server-sent events: a `text/event-stream` response that pushes events
//! to a browser's `EventSource` for as long as the page stays open.
//!
//! The format (HTML Living Standard, "Server-sent events") is lines of
//! `field: value`, an event ended by an empty line:
//!
//! ```text
//! id: 42
//! event: entry
//! data: first line
//! data: second line
//!
//! ```
//!
//! What the encoder here takes care of:
//!
//! - **data on several lines** becomes several `data:` lines (the browser
//!   joins them with `\n`); a line break is CR LF, CR or LF, as the parser
//!   reads them;
//! - **no injection**: `id` and `event` are one line each. A CR or LF in them
//!   would start a field of the sender's choosing (a forged `data:` line, or
//!   a blank line ending the event early), so they are removed, and NUL too
//!   from `id` (the browser ignores an id holding one);
//! - **keep-alive**: a comment line (`: keep-alive`) every 15 seconds of
//!   silence (the server sends it, no producer needed), so that a proxy
//!   that cuts idle connections leaves the stream alone. The stream itself
//!   is exempt from the server's `idle_timeout`;
//! - **reconnects**: the browser reconnects by itself after a drop and
//!   sends the last `id` it saw as `Last-Event-ID`:
//!   [`Request::last_event_id`] gives it to the handler, which can send
//!   what was missed;
//! - the headers: `Cache-Control: no-cache` (a cached stream is a dead one)
//!   and `X-Accel-Buffering: no` (nginx would otherwise hold the events
//!   back to fill its buffer).
//!
//! The events travel through a [`BodyChannel`], so a slow client blocks
//! [`EventSender::send`] (or [`EventSender::try_send`] says `Full`) and a
//! client that leaves makes the next send fail: see `stream_body.rs`.

use std::time::Duration;

use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::http::stream_body::{BodyChannel, BodySender, StreamClosed, TrySendError};

/// Seconds of silence after which a keep-alive comment is sent, by default.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The comment sent when a stream has been quiet for its keep-alive interval.
const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";

/// One server-sent event; see the module docs.
///
/// # Examples
/// ```
/// use httprs::Event;
/// let event = Event::data("hello\nworld").with_id("7").with_event("greeting");
/// assert_eq!(
///     event.to_bytes(),
///     b"id: 7\nevent: greeting\ndata: hello\ndata: world\n\n"
/// );
/// // A line break cannot smuggle in a field of its own.
/// assert_eq!(Event::data("x").with_id("1\ndata: forged").to_bytes(), b"id: 1data: forged\ndata: x\n\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
    retry: Option<Duration>,
    comment: Option<String>,
}

impl Event {
    /// An event carrying `data` (several lines become several `data:` lines).
    pub fn data(data: impl Into<String>) -> Event {
        Event {
            data: Some(data.into()),
            ..Event::default()
        }
    }

    /// A comment: ignored by the browser, but it keeps the stream busy.
    pub fn comment(text: impl Into<String>) -> Event {
        Event {
            comment: Some(text.into()),
            ..Event::default()
        }
    }

    /// Sets the event's id, which the browser sends back as
    /// `Last-Event-ID` when it reconnects. CR, LF and NUL are removed.
    pub fn with_id(mut self, id: impl Into<String>) -> Event {
        self.id = Some(id.into().replace(['\r', '\n', '\0'], ""));
        self
    }

    /// Sets the event's type: the browser dispatches it to
    /// `addEventListener(type, ...)` instead of `onmessage`. CR and LF are removed.
    pub fn with_event(mut self, event: impl Into<String>) -> Event {
        self.event = Some(event.into().replace(['\r', '\n'], ""));
        self
    }

    /// Tells the browser how long to wait before reconnecting after a drop.
    pub fn with_retry(mut self, retry: Duration) -> Event {
        self.retry = Some(retry);
        self
    }

    /// The event as it goes on the wire, blank line included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        if let Some(comment) = &self.comment {
            for line in lines(comment) {
                out.push_str(": ");
                out.push_str(line);
                out.push('\n');
            }
        }
        if let Some(id) = &self.id {
            out.push_str("id: ");
            out.push_str(id);
            out.push('\n');
        }
        if let Some(event) = &self.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        if let Some(data) = &self.data {
            for line in lines(data) {
                out.push_str("data: ");
                out.push_str(line);
                out.push('\n');
            }
        }
        if let Some(retry) = self.retry {
            out.push_str(&format!("retry: {}\n", retry.as_millis()));
        }
        out.push('\n');
        out.into_bytes()
    }
}

/// `text`'s lines, split where the event-stream parser splits them: CR LF,
/// CR, or LF. An empty text is one empty line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            None => {
                rest = None;
                Some(text)
            }
            Some(at) => {
                let skip = if text[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&text[at + skip..]);
                Some(&text[..at])
            }
        }
    })
}

/// The sending end of an event stream ([`Response::event_stream`]).
#[derive(Debug, Clone)]
pub struct EventSender {
    tx: BodySender,
}

impl EventSender {
    /// Sends `event`, waiting while the stream's queue is full.
    ///
    /// # Errors
    /// [`StreamClosed`] once the client has gone: stop sending.
    pub fn send(&self, event: &Event) -> Result<(), StreamClosed> {
        self.tx.send(event.to_bytes())
    }

    /// Sends `event` if the queue has room, without waiting.
    ///
    /// # Errors
    /// [`TrySendError::Full`] for a client that reads slower than events
    /// come, [`TrySendError::Closed`] once it has gone.
    pub fn try_send(&self, event: &Event) -> Result<(), TrySendError> {
        self.tx.try_send(event.to_bytes())
    }

    /// Whether the client has gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl Response {
    /// A `text/event-stream` response and the sender that feeds it, which
    /// holds at most `capacity` events the client has not taken yet. A
    /// keep-alive comment goes out after 15 seconds of silence (see
    /// [`Response::with_keep_alive_comments`]).
    ///
    /// # Examples
    /// ```
    /// use httprs::{Event, Request, Response};
    /// fn clock(req: &Request) -> Response {
    ///     let (events, res) = Response::event_stream(16);
    ///     let mut n: u64 = req.last_event_id().and_then(|id| id.parse().ok()).unwrap_or(0);
    ///     std::thread::spawn(move || loop {
    ///         n += 1;
    ///         let tick = Event::data(format!("tick {n}")).with_id(n.to_string());
    ///         if events.send(&tick).is_err() {
    ///             return; // the page was closed
    ///         }
    ///         std::thread::sleep(std::time::Duration::from_secs(1));
    ///     });
    ///     res
    /// }
    /// let res = clock(&Request::new("GET", "/clock"));
    /// assert_eq!(res.header("content-type"), Some("text/event-stream"));
    /// ```
    pub fn event_stream(capacity: usize) -> (EventSender, Response) {
        let (tx, body) = BodyChannel::bounded(capacity);
        body.set_keep_alive(KEEP_ALIVE, KEEP_ALIVE_COMMENT);
        let res = Response::new(Status::OK)
            .with_header("Content-Type", "text/event-stream")
            .with_header("Cache-Control", "no-cache")
            .with_header("X-Accel-Buffering", "no")
            .with_stream(body);
        (EventSender { tx }, res)
    }

    /// Sets how long an event stream may be quiet before the server sends
    /// a keep-alive comment (15 seconds by default). No effect on a
    /// response that is not an event stream.
    pub fn with_keep_alive_comments(mut self, every: Duration) -> Response {
        if let Some(body) = self.stream_mut()
            && let Some((_, chunk)) = body.keep_alive()
        {
            body.set_keep_alive(every, chunk);
        }
        self
    }
}

impl Request {
    /// The `Last-Event-ID` the browser sends when it reconnects to an
    /// event stream: the id of the last event it received, to resume after.
    pub fn last_event_id(&self) -> Option<&str> {
        self.header("last-event-id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(event: &Event) -> String {
        String::from_utf8(event.to_bytes()).unwrap()
    }

    #[test]
    fn multi_line_data_becomes_one_data_line_per_line_whatever_the_line_break() {
        assert_eq!(
            wire(&Event::data("a\nb\r\nc\rd")),
            "data: a\ndata: b\ndata: c\ndata: d\n\n"
        );
        assert_eq!(wire(&Event::data("")), "data: \n\n");
        assert_eq!(wire(&Event::data("end\n")), "data: end\ndata: \n\n");
    }

    #[test]
    fn a_line_break_in_id_or_event_cannot_start_a_field_or_end_the_event() {
        let forged = Event::data("x")
            .with_id("1\r\n\r\ndata: evil")
            .with_event("entry\nretry: 1");
        let text = wire(&forged);
        assert_eq!(text, "id: 1data: evil\nevent: entryretry: 1\ndata: x\n\n");
        assert_eq!(text.matches("\n\n").count(), 1, "one event, ended once");
        assert_eq!(
            wire(&Event::data("x").with_id("a\0b")),
            "id: ab\ndata: x\n\n"
        );
    }

    #[test]
    fn retry_is_in_milliseconds_and_a_comment_is_a_colon_line() {
        let event = Event::data("x").with_retry(Duration::from_millis(2500));
        assert_eq!(wire(&event), "data: x\nretry: 2500\n\n");
        assert_eq!(wire(&Event::comment("hi\nthere")), ": hi\n: there\n\n");
    }

    #[test]
    fn an_event_stream_response_says_not_to_cache_or_buffer_it() {
        let (_events, res) = Response::event_stream(4);
        assert!(res.is_streamed());
        assert_eq!(res.header("cache-control"), Some("no-cache"));
        assert_eq!(res.header("x-accel-buffering"), Some("no"));
        let mut res = res.with_keep_alive_comments(Duration::from_secs(3));
        let every = res
            .stream_mut()
            .unwrap()
            .keep_alive()
            .map(|(every, _)| every);
        assert_eq!(every, Some(Duration::from_secs(3)));
    }

    #[test]
    fn the_last_event_id_comes_from_the_reconnecting_browser() {
        let req = Request::new("GET", "/events").with_header("Last-Event-ID", "41");
        assert_eq!(req.last_event_id(), Some("41"));
        assert_eq!(Request::new("GET", "/events").last_event_id(), None);
    }
}
