//! Server-sent events over real sockets: a thousand events in order, the
//! browser's `Last-Event-ID` on reconnect, keep-alive comments, the
//! headers, and a broadcast to every open stream.

mod support;

use std::time::{Duration, Instant};

use httprs::{App, Broadcast, Event, Request, Response, Server};
use support::events::EventReader;
use support::{IO_TIMEOUT, settings};

fn app(hub: Broadcast) -> App {
    let publisher = hub.clone();
    App::new()
        // A thousand numbered events, resumed after `Last-Event-ID` if sent.
        .get("/count", |req: &Request| {
            let (events, res) = Response::event_stream(16);
            let after: u32 = req
                .last_event_id()
                .and_then(|id| id.parse().ok())
                .unwrap_or(0);
            std::thread::spawn(move || {
                for i in after + 1..=1000 {
                    let event = Event::data(format!("event {i}\nline two")).with_id(i.to_string());
                    if events.send(&event).is_err() {
                        return;
                    }
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
        .get("/live", move |_: &Request| {
            let (events, res) = Response::event_stream(8);
            hub.subscribe(events);
            res
        })
        .post("/say", move |req: &Request| {
            let taken = publisher
                .publish(&Event::data(String::from_utf8_lossy(req.body())).with_event("said"));
            Response::text(taken.to_string())
        })
}

fn start() -> (Server, Broadcast) {
    let hub = Broadcast::new();
    let server = app(hub.clone()).start(settings()).expect("start");
    (server, hub)
}

#[test]
fn a_stream_of_a_thousand_events_arrives_whole_and_in_order() {
    let (server, _) = start();
    let mut events = EventReader::open(server.addr(), "/count", "");
    for i in 1..=1000 {
        let fields = events.event().expect("the stream goes on to 1000");
        assert_eq!(
            fields,
            [
                format!("id: {i}"),
                format!("data: event {i}"),
                "data: line two".to_string()
            ]
        );
    }
    assert_eq!(events.event(), None, "then the body ends");
}

#[test]
fn an_event_stream_is_chunked_uncached_and_unbuffered_by_proxies() {
    let (server, _) = start();
    let events = EventReader::open(server.addr(), "/count", "");
    for expected in [
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "x-accel-buffering: no",
        "transfer-encoding: chunked",
    ] {
        assert!(
            events.headers.iter().any(|h| h == expected),
            "{expected} in {:?}",
            events.headers
        );
    }
}

#[test]
fn a_reconnecting_browser_resumes_after_its_last_event_id() {
    let (server, _) = start();
    let mut events = EventReader::open(server.addr(), "/count", "Last-Event-ID: 997\r\n");
    for i in 998..=1000 {
        assert_eq!(events.event().unwrap()[0], format!("id: {i}"));
    }
    assert_eq!(events.event(), None);
}

#[test]
fn a_quiet_stream_sends_keep_alive_comments_past_the_idle_timeout() {
    let (server, _) = start();
    let mut events = EventReader::open(server.addr(), "/silent", "");
    // The test server's idle timeout is 300 ms: comments keep coming past it.
    let started = Instant::now();
    let mut comments = 0;
    while started.elapsed() < Duration::from_millis(700) {
        assert_eq!(events.event().unwrap(), [": keep-alive"]);
        comments += 1;
    }
    assert!(comments >= 2, "{comments}");
    assert_eq!(server.stats().open, 1, "still open");
}

#[test]
fn a_broadcast_reaches_every_open_stream_and_forgets_those_that_left() {
    let (server, hub) = start();
    let mut first = EventReader::open(server.addr(), "/live", "");
    let mut second = EventReader::open(server.addr(), "/live", "");
    let gone = EventReader::open(server.addr(), "/live", "");
    let give_up = Instant::now() + IO_TIMEOUT;
    while hub.subscribers() < 3 {
        assert!(Instant::now() < give_up);
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(gone);
    // Until the server has noticed the third client gone (its connection closed).
    while server.stats().open > 2 {
        assert!(
            Instant::now() < give_up,
            "the gone client's connection is freed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let reply = support::request(
        server.addr(),
        b"POST /say HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello <all>",
    );
    assert_eq!(reply.text(), "2", "the one that left is dropped");
    for events in [&mut first, &mut second] {
        assert_eq!(
            events.event().unwrap(),
            ["event: said", "data: hello <all>"]
        );
    }
}
