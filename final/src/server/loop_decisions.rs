//! The event loop's decisions, apart from its sockets: whether an accepted
//! connection is refused, kept or handed to another loop; where a request
//! goes (a backend, the loop's own thread, a worker); which connections
//! the sweep times out and how; whether a late answer still has its
//! connection; when a shutdown's drain is over.
//!
//! `event_loop.rs` owns the `mio` poll, the listeners and the connections,
//! and calls these at the moment it must choose. Each is small and takes
//! plain values, atomics or a slot table generic over the socket, so the
//! tests below pin every branch on fake sockets (`fake_socket.rs`), with
//! no network and no thread. The loop's own tests (in `event_loop.rs`)
//! then check, over loopback, that the loop calls them.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::app::router::Resolution;
use crate::config::settings::Mode;
use crate::http::response::ResponseFraming;
use crate::server::client_conn::{ClientConn, Expired, Socket};
use crate::server::dispatch::Reply;

/// A connection may hold this many more than the least-loaded loop before
/// a new one is handed over, so a burst of accepts does not ping-pong.
pub(crate) const BALANCE_SLACK: usize = 1;

/// What an HTTP client past `max_connections` is told before the close.
const FULL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n";

/// What becomes of a connection just accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The server is full: `open` would have been open with it.
    Refuse { open: usize },
    /// This loop serves it.
    Keep,
    /// Loop `i`, less busy, serves it.
    HandOver(usize),
}

/// Counts an accepted connection in (`open` across the server, `loads` per
/// loop) and says where it goes; `mine` is the accepting loop. A refused
/// one is not counted. Nothing pauses accepting: past `max_connections`
/// each new connection is accepted and refused at once (a 503 is better
/// than a connection left to time out in the kernel's backlog), and the
/// first close makes room again, so the next accept is kept.
pub(crate) fn admit(
    open: &AtomicUsize,
    max_connections: usize,
    mine: usize,
    loads: &[AtomicUsize],
) -> Admission {
    // Counted first and taken back if over: two loops accepting at the
    // same moment cannot both see room for the last place (a load then a
    // store could both read `max - 1`).
    let now_open = open.fetch_add(1, Ordering::Relaxed) + 1;
    if now_open > max_connections {
        open.fetch_sub(1, Ordering::Relaxed);
        return Admission::Refuse { open: now_open };
    }
    let target = hand_over_to(mine, loads.iter().map(|l| l.load(Ordering::Relaxed)));
    // Counted on the target now, not when it adopts the connection: the
    // next accept in this burst must already see that loop as busier, or
    // the whole burst would go to the same "least loaded" loop.
    loads[target.unwrap_or(mine)].fetch_add(1, Ordering::Relaxed);
    match target {
        Some(target) => Admission::HandOver(target),
        None => Admission::Keep,
    }
}

/// Tells a refused client why, in the one write a fresh socket's empty
/// send buffer always takes whole. A front (backend `mode`) gets no bytes,
/// only the close, which it reads as "this backend is full" and tries
/// another: an HTTP page would be a broken frame to it.
pub(crate) fn refuse(stream: &mut impl Write, mode: Mode) {
    if mode == Mode::Http {
        let _ = stream.write(FULL);
    }
}

/// The loop a new connection should go to, if not this one (`mine`):
/// the least loaded, but only when this loop has more than
/// [`BALANCE_SLACK`] connections above it. Without the slack, two loops
/// with nearly equal loads would hand each burst of accepts back and forth,
/// and each hand-over costs an inbox message and a wake-up.
pub(crate) fn hand_over_to(mine: usize, loads: impl IntoIterator<Item = usize>) -> Option<usize> {
    let loads: Vec<usize> = loads.into_iter().collect();
    let own = *loads.get(mine)?;
    // The first of the least loaded: ties go to the lowest index, so every
    // loop that accepts picks the same one.
    let (target, least) = (loads.iter().copied().enumerate()).min_by_key(|&(_, load)| load)?;
    (target != mine && own > least + BALANCE_SLACK).then_some(target)
}

/// Where a routed request goes.
#[derive(Debug)]
pub(crate) enum Destination {
    /// To a backend, through the loop's forwarder number `forwarder`; the
    /// answer is framed for the client as `framing` says.
    Forward {
        forwarder: usize,
        framing: ResponseFraming,
    },
    /// Answered on the loop's own thread, once the turn is over.
    Inline,
    /// Answered on a worker; the answer comes back through the inbox.
    Worker,
}

/// Where a request that resolved to `resolution` goes. `forwarded`: the
/// URL-table indexes of the routes this loop has a forwarder for, in the
/// forwarders' order; `inline`: the timing policy's verdict
/// (`dispatch/policy.rs`), asked only when a handler runs here.
///
/// Only an HTTP request is forwarded. A frame (backend mode) that matches a
/// forwarding route runs that route's handler instead: a backend that
/// forwarded again would chain fronts, and a loop between two of them
/// would never end.
pub(crate) fn destination(
    resolution: &Resolution,
    reply: &Reply,
    forwarded: impl IntoIterator<Item = usize>,
    inline: impl FnOnce() -> bool,
) -> Destination {
    if let (Resolution::Found { index, .. }, Reply::Http(framing)) = (resolution, reply)
        && let Some(k) = forwarded.into_iter().position(|i| i == *index)
    {
        return Destination::Forward {
            forwarder: k,
            framing: *framing,
        };
    }
    if inline() {
        Destination::Inline
    } else {
        Destination::Worker
    }
}

/// The connection an answer is for, if it is still there: the one in
/// `slot` whose number is `id`. An answer comes later than its request (a
/// worker's through the inbox, a backend's through a forwarder); meanwhile
/// the client may have gone (the slot is empty) or gone and been replaced
/// (slots are reused at once, so the slot holds a stranger with another
/// id). Either way the answer is dropped: never sent to someone else.
pub(crate) fn addressee<S: Socket>(
    slots: &mut [Option<ClientConn<S>>],
    slot: usize,
    id: u64,
) -> Option<&mut ClientConn<S>> {
    slots
        .get_mut(slot)
        .and_then(Option::as_mut)
        .filter(|conn| conn.id() == id)
}

/// The connections whose timeout ran out at `now`, with what to do
/// ([`ClientConn::timer`]: a 408 for a request begun and not finished, a
/// silent close for the rest). Collected first, because acting on one
/// (closing it) changes the table being walked.
pub(crate) fn expired<S: Socket>(
    slots: &[Option<ClientConn<S>>],
    now: Instant,
    header_timeout: Duration,
    idle_timeout: Duration,
) -> Vec<(usize, Expired)> {
    (slots.iter().enumerate())
        .filter_map(|(slot, conn)| {
            let expired = conn.as_ref()?.timer(now, header_timeout, idle_timeout)?;
            Some((slot, expired))
        })
        .collect()
}

/// The connections a shutdown closes at once: those between requests.
/// The others finish the request they are on (its answer says
/// `Connection: close`) and close after it, or at the drain's deadline.
pub(crate) fn idle_slots<S: Socket>(slots: &[Option<ClientConn<S>>]) -> Vec<usize> {
    (slots.iter().enumerate())
        .filter(|(_, conn)| conn.as_ref().is_some_and(ClientConn::is_idle))
        .map(|(slot, _)| slot)
        .collect()
}

/// Whether a drain is over at `now`: nothing left `open`, or its deadline
/// reached (then what is left is closed, answered or not).
pub(crate) fn drain_over(open: usize, now: Instant, deadline: Instant) -> bool {
    open == 0 || now >= deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::RequestDecoder;
    use crate::http::parse_error::Limits;
    use crate::http::response::ResponseFraming;
    use crate::server::client_conn::{Progress, Wire};
    use crate::server::fake_socket::FakeSocket;

    fn loads(values: &[usize]) -> Vec<AtomicUsize> {
        values.iter().map(|&v| AtomicUsize::new(v)).collect()
    }

    fn values(loads: &[AtomicUsize]) -> Vec<usize> {
        loads.iter().map(|l| l.load(Ordering::Relaxed)).collect()
    }

    #[test]
    fn past_max_connections_a_new_one_is_refused_and_a_close_makes_room_again() {
        let (open, loads) = (AtomicUsize::new(0), loads(&[0]));
        assert_eq!(admit(&open, 2, 0, &loads), Admission::Keep);
        assert_eq!(admit(&open, 2, 0, &loads), Admission::Keep);
        assert_eq!(admit(&open, 2, 0, &loads), Admission::Refuse { open: 3 });
        assert_eq!(admit(&open, 2, 0, &loads), Admission::Refuse { open: 3 });
        // A refused one is not counted, anywhere.
        assert_eq!((open.load(Ordering::Relaxed), values(&loads)), (2, vec![2]));
        // One closes (the loop's `close` takes it off both counts).
        open.fetch_sub(1, Ordering::Relaxed);
        loads[0].fetch_sub(1, Ordering::Relaxed);
        assert_eq!(admit(&open, 2, 0, &loads), Admission::Keep);
    }

    #[test]
    fn a_burst_of_accepts_spreads_over_the_loops_as_it_comes() {
        let (open, loads) = (AtomicUsize::new(0), loads(&[3, 0, 0]));
        // Loop 0 accepts five: each hand-over counts on its target at once,
        // so the burst alternates between loops 1 and 2 instead of all
        // going to loop 1, which looked the least loaded when it began.
        let placed: Vec<Admission> = (0..5).map(|_| admit(&open, 100, 0, &loads)).collect();
        assert_eq!(
            placed,
            [
                Admission::HandOver(1),
                Admission::HandOver(2),
                Admission::HandOver(1),
                Admission::HandOver(2),
                // 3, 2, 2: within the slack, kept.
                Admission::Keep,
            ]
        );
        assert_eq!(values(&loads), [4, 2, 2]);
        assert_eq!(open.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn a_refused_browser_reads_a_503_and_a_refused_front_reads_nothing() {
        let mut browser = FakeSocket::default();
        refuse(&mut browser, Mode::Http);
        let text = String::from_utf8(browser.written).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{text}"
        );
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("Content-Length: 24") && head.contains("Connection: close"));
        assert_eq!(body.len(), 24, "the length it announces");
        let mut front = FakeSocket::default();
        refuse(&mut front, Mode::Backend);
        assert!(front.written.is_empty());
    }

    #[test]
    fn a_new_connection_stays_unless_another_loop_is_clearly_less_busy() {
        // Equal, or only `BALANCE_SLACK` more: kept, no hand-over.
        assert_eq!(hand_over_to(0, [3, 3]), None);
        assert_eq!(hand_over_to(0, [3 + BALANCE_SLACK, 3]), None);
        // More than the slack above the least loaded: handed to it.
        assert_eq!(hand_over_to(0, [5, 3, 1]), Some(2));
        // Ties among the least loaded go to the lowest index.
        assert_eq!(hand_over_to(2, [1, 1, 9]), Some(0));
        // The least loaded loop itself keeps what it accepts.
        assert_eq!(hand_over_to(1, [5, 0]), None);
        // A loop the shared loads do not know about hands over nothing.
        assert_eq!(hand_over_to(4, [5, 0]), None);
    }

    fn found(index: usize) -> Resolution {
        Resolution::Found {
            index,
            params: Vec::new(),
        }
    }

    const HTTP: Reply = Reply::Http(ResponseFraming {
        head_only: false,
        keep_alive: true,
        minor_version: 1,
    });

    /// A destination in words, to compare.
    fn said(destination: Destination) -> String {
        match destination {
            Destination::Forward { forwarder, framing } => format!(
                "forwarder {forwarder}, head only {}, keep-alive {}",
                framing.head_only, framing.keep_alive
            ),
            Destination::Inline => "inline".to_string(),
            Destination::Worker => "worker".to_string(),
        }
    }

    #[test]
    fn a_request_for_a_forwarding_route_goes_to_its_forwarder_and_never_runs_here() {
        let asked = std::cell::Cell::new(false);
        let inline = || {
            asked.set(true);
            true
        };
        // Routes 2 and 5 forward; route 5 has the loop's second forwarder,
        // which gets the client's framing for its answer.
        let head = Reply::Http(ResponseFraming {
            head_only: true,
            keep_alive: false,
            minor_version: 0,
        });
        assert_eq!(
            said(destination(&found(5), &head, [2, 5], inline)),
            "forwarder 1, head only true, keep-alive false"
        );
        assert!(
            !asked.get(),
            "the timing policy is not asked for a forwarded request"
        );
        assert_eq!(
            said(destination(&found(3), &HTTP, [2, 5], || true)),
            "inline"
        );
        assert_eq!(
            said(destination(&found(3), &HTTP, [2, 5], || false)),
            "worker"
        );
        // A 404 or a 405 runs its middleware here or on a worker too.
        assert_eq!(
            said(destination(&Resolution::NotFound, &HTTP, [2], || false)),
            "worker"
        );
    }

    #[test]
    fn a_frame_for_a_forwarding_route_runs_its_handler_instead_of_forwarding_again() {
        let frame = Reply::Frame {
            id: 9,
            window: None,
        };
        assert_eq!(
            said(destination(&found(2), &frame, [2], || false)),
            "worker"
        );
        assert_eq!(said(destination(&found(2), &frame, [2], || true)), "inline");
    }

    fn conn(id: u64, reads: &[&[u8]], now: Instant) -> ClientConn<FakeSocket> {
        let peer = "127.0.0.1:4000".parse().unwrap();
        let wire = Wire::Http(RequestDecoder::new(Limits::default()));
        ClientConn::new(FakeSocket::reading(reads), peer, id, wire, now)
    }

    /// A connection that has sent one whole request and waits for its answer.
    fn busy(id: u64, now: Instant) -> ClientConn<FakeSocket> {
        let mut c = conn(id, &[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], now);
        let progress = c.advance(now, &mut [0; 4096], false, false).unwrap();
        assert!(matches!(progress, Progress::Request(_)), "{progress:?}");
        c.begin_request(false);
        c
    }

    #[test]
    fn a_late_answer_finds_its_connection_only_if_that_one_is_still_in_its_slot() {
        let now = Instant::now();
        let mut slots = vec![Some(busy(7, now)), None];
        assert_eq!(addressee(&mut slots, 0, 7).map(|c| c.id()), Some(7));
        // The client went away while its handler ran: the slot is empty.
        assert!(addressee(&mut slots, 1, 8).is_none());
        // ... or already holds the next connection, which must not get it.
        slots[0] = Some(busy(9, now));
        assert!(addressee(&mut slots, 0, 7).is_none());
        // A slot beyond the table (never a panic).
        assert!(addressee(&mut slots, 5, 7).is_none());
    }

    #[test]
    fn the_sweep_gives_a_half_sent_head_a_408_and_closes_the_silent_quietly() {
        let start = Instant::now();
        let (header, idle) = (Duration::from_secs(10), Duration::from_secs(60));
        let mut half = conn(1, &[b"GET / HTTP/1.1\r\nHo"], start);
        assert!(matches!(
            half.advance(start, &mut [0; 4096], false, false).unwrap(),
            Progress::Wait
        ));
        let slots = vec![
            Some(half),
            None,
            // Connected, never a byte: nobody is listening for a 408.
            Some(conn(2, &[], start)),
            // Its handler runs: no timeout applies.
            Some(busy(3, start)),
        ];
        assert!(expired(&slots, start + header / 2, header, idle).is_empty());
        assert_eq!(
            expired(
                &slots,
                start + header + Duration::from_millis(1),
                header,
                idle
            ),
            [(0, Expired::RequestTimeout), (2, Expired::Close)]
        );
    }

    #[test]
    fn a_shutdown_closes_the_idle_at_once_and_the_drain_ends_when_all_are_gone_or_at_its_deadline()
    {
        let now = Instant::now();
        let slots = vec![
            Some(conn(1, &[], now)),
            Some(busy(2, now)),
            None,
            Some(conn(3, &[], now)),
        ];
        assert_eq!(idle_slots(&slots), [0, 3]);
        let deadline = now + Duration::from_secs(5);
        assert!(!drain_over(1, now, deadline), "one still answering");
        assert!(drain_over(0, now, deadline), "all gone before the deadline");
        assert!(
            drain_over(1, deadline, deadline),
            "the deadline closes the rest"
        );
    }
}
