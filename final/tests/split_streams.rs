//! Split mode relays streams (protocol version 3): streamed bodies and
//! server-sent events go from a backend through the front to the browser,
//! beside the other requests on the same backend connection, at the
//! browser's pace; a browser that leaves stops the backend's producer; a
//! backend that dies ends the browser's body as an error, never a hang.
//!
//! In process (a backend app and the front's app, each on real loopback
//! sockets) where a test needs the handlers' own counters; as real
//! processes (`httprs-front` and `examples/split.rs`, keyed) where it needs
//! to kill one. Every wait is bounded, every port starts as 0.

mod support;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use httprs::{App, BodyChannel, Event, FrontOptions, Mode, Request, Response, Server, Settings};
use support::connect;
use support::events::EventReader;
use support::process::{Process, example_exe};

/// What the backend's handlers let a test observe.
#[derive(Clone, Default)]
struct Observed {
    /// Bytes `/flood` has queued so far.
    flooded: Arc<AtomicUsize>,
    /// `/ticks`'s producer found its browser gone and stopped.
    ticks_stopped: Arc<AtomicBool>,
}

/// The backend app: streams of every kind, and a plain route.
fn backend_app(observed: &Observed) -> App {
    let flooded = observed.flooded.clone();
    let stopped = observed.ticks_stopped.clone();
    App::new()
        .get("/hello", |_: &Request| "hello")
        // A thousand numbered events, then the end.
        .get("/count", |req: &Request| {
            let n: u32 = req.query("n").and_then(|n| n.parse().ok()).unwrap_or(1000);
            let (events, res) = Response::event_stream(16);
            thread::spawn(move || {
                for i in 1..=n {
                    if events.send(&Event::data(format!("event {i}"))).is_err() {
                        return;
                    }
                }
            });
            res
        })
        // Kilobytes as fast as they are taken, until the browser leaves.
        .get("/flood", move |_: &Request| {
            let (tx, body) = BodyChannel::bounded(4);
            let flooded = flooded.clone();
            thread::spawn(move || {
                while tx.send(vec![b'x'; 1024]).is_ok() {
                    flooded.fetch_add(1024, Ordering::SeqCst);
                }
            });
            Response::new(200).with_stream(body)
        })
        // An event every 20 ms; says when its browser is gone.
        .get("/ticks", move |_: &Request| {
            let (events, res) = Response::event_stream(4);
            let stopped = stopped.clone();
            thread::spawn(move || {
                for i in 1.. {
                    if events.send(&Event::data(format!("tick {i}"))).is_err() {
                        stopped.store(true, Ordering::SeqCst);
                        return;
                    }
                    thread::sleep(Duration::from_millis(20));
                }
            });
            res
        })
        // Nothing but keep-alive comments, every 50 ms.
        .get("/silent", |_: &Request| {
            let (events, res) = Response::event_stream(4);
            std::mem::forget(events); // never ends, never sends
            res.with_keep_alive_comments(Duration::from_millis(50))
        })
        // Two chunks, then the producer fails.
        .get("/broken", |_: &Request| {
            Response::stream(
                "text/plain",
                (0..3).map(|i| {
                    assert!(i < 2, "the producer's own bug");
                    format!("part {i}\n").into_bytes()
                }),
            )
        })
        .websocket(
            "/ws",
            |_: &httprs::WsSender, _: &Request, _: httprs::WsMessage| {},
        )
}

/// The backend, in process, without a key (debug on allows it).
fn start_backend(observed: &Observed) -> Server {
    backend_app(observed)
        .start(Settings {
            mode: Mode::Backend,
            debug: true,
            ..support::settings()
        })
        .expect("start the backend")
}

/// The front's app, in process, for `backend`, with one event loop: every
/// browser's request goes on the same backend connection.
fn start_front(backend: SocketAddr, extra: &[&str]) -> Server {
    start_front_with(backend, extra, support::settings())
}

/// [`start_front`] with the front's own `settings` (one event loop still).
fn start_front_with(backend: SocketAddr, extra: &[&str], settings: Settings) -> Server {
    let mut args = vec![format!("--backend={backend}")];
    args.extend(extra.iter().map(|s| s.to_string()));
    let Ok(httprs::Parsed::Run(options)) = FrontOptions::parse(args, None) else {
        panic!("the front's flags are valid")
    };
    options
        .app()
        .start(Settings {
            event_loops: 1,
            ..settings
        })
        .expect("start the front")
}

#[track_caller]
fn get(addr: SocketAddr, target: &str) -> support::Reply {
    let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    support::request(addr, request.as_bytes())
}

#[test]
fn a_thousand_events_arrive_in_order_through_the_front_and_the_body_ends_properly() {
    let backend = start_backend(&Observed::default());
    let front = start_front(backend.addr(), &[]);
    let mut events = EventReader::open(front.addr(), "/count", "");
    for expected in [
        "content-type: text/event-stream",
        "transfer-encoding: chunked",
    ] {
        assert!(
            events.headers.iter().any(|h| h == expected),
            "{expected} in {:?}",
            events.headers
        );
    }
    for i in 1..=1000 {
        assert_eq!(
            events.event().expect("on to 1000"),
            [format!("data: event {i}")]
        );
    }
    assert_eq!(events.event(), None, "then the chunked body's proper end");
    // The backend connection is still good for what follows.
    assert_eq!(get(front.addr(), "/hello").text(), "hello");
}

#[test]
fn a_browser_that_does_not_read_stalls_neither_another_stream_nor_plain_requests() {
    let observed = Observed::default();
    let backend = start_backend(&observed);
    let front = start_front(backend.addr(), &[]);
    // A browser that asks for an endless flood and never reads it.
    let mut stuck = connect(front.addr());
    stuck
        .write_all(b"GET /flood HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    support::wait_until("the flood has begun", || {
        observed.flooded.load(Ordering::SeqCst) > 0
    });
    // Meanwhile, on the same backend connection (one front loop, one
    // connection: every reply so far came on it), the others go on.
    let mut events = EventReader::open(front.addr(), "/count?n=300", "");
    for i in 1..=300 {
        assert_eq!(events.event().unwrap(), [format!("data: event {i}")]);
    }
    assert_eq!(events.event(), None);
    for _ in 0..5 {
        assert_eq!(get(front.addr(), "/hello").text(), "hello");
    }
    assert_eq!(
        backend.stats().accepted,
        1,
        "all of it on one backend connection"
    );
    // The flood is held back, not buffered without bound: its producer
    // stops once the window, the queues and the sockets are full.
    let settled = || {
        let before = observed.flooded.load(Ordering::SeqCst);
        thread::sleep(Duration::from_millis(200));
        observed.flooded.load(Ordering::SeqCst) == before
    };
    support::wait_until("the flood's producer is blocked", settled);
    drop(stuck);
}

#[test]
fn a_browser_that_leaves_mid_stream_stops_the_backends_producer() {
    let observed = Observed::default();
    let backend = start_backend(&observed);
    let front = start_front(backend.addr(), &[]);
    let mut events = EventReader::open(front.addr(), "/ticks", "");
    assert_eq!(events.event().unwrap(), ["data: tick 1"]);
    assert_eq!(events.event().unwrap(), ["data: tick 2"]);
    assert!(!observed.ticks_stopped.load(Ordering::SeqCst));
    drop(events);
    // The front cancels the stream; the backend drops the body; the
    // producer's next send fails, as if its browser had been its client.
    support::wait_until("the producer saw its browser gone", || {
        observed.ticks_stopped.load(Ordering::SeqCst)
    });
    support::wait_until("the backend gave its stream place back", || {
        backend.stats().streams == 0
    });
    assert_eq!(get(front.addr(), "/hello").text(), "hello");
}

#[test]
fn a_stream_outlives_the_fronts_timeout_and_keep_alive_comments_pass_through() {
    let backend = start_backend(&Observed::default());
    // The timeout covers the head only; the test settings' idle timeout
    // (300 ms) does not apply to a stream waiting for its producer either.
    let front = start_front(backend.addr(), &["--timeout-ms=500"]);
    let mut ticks = EventReader::open(front.addr(), "/ticks", "");
    let mut quiet = EventReader::open(front.addr(), "/silent", "");
    let started = Instant::now();
    let mut comments = 0;
    while started.elapsed() < Duration::from_millis(1200) {
        assert_eq!(quiet.event().unwrap(), [": keep-alive"]);
        comments += 1;
    }
    assert!(comments >= 5, "{comments} comments in 1.2 s");
    // Ticks keep coming, in order, long past the 500 ms timeout.
    let mut last = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        let fields = ticks.event().expect("the stream goes on");
        let n: u32 = fields[0]
            .strip_prefix("data: tick ")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(n, last + 1, "in order");
        last = n;
    }
}

#[test]
fn an_http_1_0_browser_gets_the_stream_raw_ended_by_the_close() {
    let backend = start_backend(&Observed::default());
    let front = start_front(backend.addr(), &[]);
    let mut stream = connect(front.addr());
    stream
        .write_all(b"GET /count?n=3 HTTP/1.0\r\nHost: t\r\n\r\n")
        .unwrap();
    let raw = support::read_to_close(&mut stream);
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "{head}"
    );
    assert_eq!(body, "data: event 1\n\ndata: event 2\n\ndata: event 3\n\n");
}

#[test]
fn a_producer_that_fails_cuts_the_browsers_body_short() {
    let backend = start_backend(&Observed::default());
    let front = start_front(backend.addr(), &[]);
    let mut stream = connect(front.addr());
    stream
        .write_all(b"GET /broken HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(support::read_to_close(&mut stream)).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.contains("part 0\npart 1\n"), "{raw}");
    assert!(
        !raw.ends_with("0\r\n\r\n"),
        "closed without the chunked body's end: {raw:?}"
    );
}

#[test]
fn past_the_fronts_max_streams_a_browser_gets_503_and_the_backends_producer_stops() {
    let observed = Observed::default();
    let backend = start_backend(&observed);
    let settings = Settings {
        max_streams: 1,
        ..support::settings()
    };
    let front = start_front_with(backend.addr(), &[], settings);
    let mut first = EventReader::open(front.addr(), "/count?n=1", "");
    assert_eq!(first.event().unwrap(), ["data: event 1"]);
    // The first stream has ended, but its browser's connection is kept
    // alive: the place is free again once the body is done.
    let mut held = EventReader::open(front.addr(), "/silent", "");
    let reply = get(front.addr(), "/ticks");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("5"));
    // The refused stream's producer learns it, through the front's cancel.
    support::wait_until("the refused stream's producer stopped", || {
        observed.ticks_stopped.load(Ordering::SeqCst)
    });
    assert_eq!(held.event().unwrap(), [": keep-alive"]);
}

#[test]
fn a_head_request_for_a_stream_gets_the_head_and_the_backends_producer_stops() {
    let observed = Observed::default();
    let backend = start_backend(&observed);
    let front = start_front(backend.addr(), &[]);
    let mut stream = connect(front.addr());
    stream
        .write_all(b"HEAD /ticks HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(support::read_to_close(&mut stream)).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\n"), "the head only: {raw:?}");
    support::wait_until("the producer of the body nobody takes stopped", || {
        observed.ticks_stopped.load(Ordering::SeqCst)
    });
}

#[test]
fn a_backend_that_shuts_down_gracefully_ends_its_streams_properly() {
    let backend = start_backend(&Observed::default());
    let front = start_front(backend.addr(), &[]);
    let mut ticks = EventReader::open(front.addr(), "/ticks", "");
    assert_eq!(ticks.event().unwrap(), ["data: tick 1"]);
    // As in HTTP mode, a stopping server ends a stream at a chunk's
    // boundary with the body's proper end, not a cut.
    thread::spawn(move || backend.shutdown());
    while let Some(fields) = ticks.event() {
        assert!(fields[0].starts_with("data: tick "), "{fields:?}");
    }
}

#[test]
fn a_websocket_upgrade_through_the_front_is_a_501_with_its_sentence() {
    let backend = start_backend(&Observed::default());
    let front = start_front(backend.addr(), &[]);
    let reply = support::request(
        front.addr(),
        b"GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    assert_eq!(reply.status, 501);
    assert!(
        reply.text().contains("not relayed in split mode"),
        "{}",
        reply.text()
    );
    assert_eq!(get(front.addr(), "/hello").text(), "hello");
}

// ---------------------------------------------------------------------------
// Real processes, keyed: `httprs-front` and `examples/split.rs` backends.
// ---------------------------------------------------------------------------

const KEY: &str = "5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99";

#[track_caller]
fn backend_process() -> Process {
    Process::spawn(
        &example_exe("split"),
        &["--backend", "--addr", "127.0.0.1:0"],
        &[("INSTANCE", "a"), ("HTTPRS_SPLIT_KEY", KEY)],
    )
}

#[track_caller]
fn front_process(backend: SocketAddr) -> Process {
    support::process::front(&[backend], &[], &[("HTTPRS_SPLIT_KEY", KEY)])
}

#[test]
fn keyed_processes_relay_a_thousand_events_in_order() {
    let backend = backend_process();
    let front = front_process(backend.addr);
    let mut events = EventReader::open(front.addr, "/events?n=1000", "");
    for i in 1..=1000 {
        assert_eq!(events.event().unwrap(), [format!("data: event {i}")]);
    }
    assert_eq!(events.event(), None);
}

#[test]
fn a_backend_killed_mid_stream_ends_the_browsers_body_as_an_error() {
    let mut backend = backend_process();
    let mut front = front_process(backend.addr);
    let mut ticks = EventReader::open(front.addr, "/ticks?ms=20", "");
    assert_eq!(ticks.event().unwrap(), ["data: tick 1"]);
    backend.kill();
    // The front closes the browser's connection, without the final chunk:
    // an error in the browser (an EventSource reconnects), not a success.
    let rest = ticks.rest_until_close();
    assert!(
        !rest.ends_with(b"0\r\n\r\n"),
        "no proper end after the backend died: {:?}",
        String::from_utf8_lossy(&rest)
    );
    let mut again = connect(front.addr);
    again
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    again.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 502"), "{reply}");
    front.line_containing("is down");
}
