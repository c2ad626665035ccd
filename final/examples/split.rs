//! One app, run as several backends behind `httprs-front` (split mode).
//!
//! ```text
//! openssl rand -hex 32 > split.key
//! HTTPRS_SPLIT_KEY=$(cat split.key) INSTANCE=a cargo run -p httprs --example split -- --backend --addr 127.0.0.1:7001
//! HTTPRS_SPLIT_KEY=$(cat split.key) INSTANCE=b cargo run -p httprs --example split -- --backend --addr 127.0.0.1:7002
//! cargo run -p httprs --bin httprs-front -- --backend 127.0.0.1:7001 --backend 127.0.0.1:7002 --split-key-file split.key
//! curl http://127.0.0.1:7777/       # hello from a, then hello from b, then a...
//! curl -N http://127.0.0.1:7777/events?n=5   # server-sent events, through the front
//! ```
//!
//! It runs with `debug` off, so a backend needs the split key (the same
//! for the front): without one it stops at start-up, exit status 2.
//!
//! Without `--backend` it is an ordinary HTTP app on 127.0.0.1:7001: the
//! code does not change, only the flag. Every response says which instance
//! answered (`INSTANCE`, else the process id), in its body or in
//! `X-Instance`, so that the round robin can be seen.

use std::time::Duration;

use httprs::{App, Event, Next, Request, Response};

/// Which copy of the app this is.
struct Instance(String);

fn instance(req: &Request) -> &str {
    req.state::<Instance>().map_or("?", |i| i.0.as_str())
}

fn main() {
    let name = std::env::var("INSTANCE").unwrap_or_else(|_| format!("pid {}", std::process::id()));
    App::new()
        .state(Instance(name))
        .wrap(|req: &Request, next: Next| {
            let name = instance(req).to_string();
            next.run(req).with_header("X-Instance", name)
        })
        .get("/", |req: &Request| {
            Response::text(format!("hello from {}\n", instance(req)))
        })
        // What the front told us about the client.
        .get("/forwarded", |req: &Request| {
            let field = |name| req.header(name).unwrap_or("-").to_string();
            Response::text(format!(
                "for={} proto={} host={}\n",
                field("x-forwarded-for"),
                field("x-forwarded-proto"),
                field("host")
            ))
        })
        // `/slow?ms=3000`: a handler that takes its time (at most a minute).
        .get("/slow", |req: &Request| {
            let ms = req
                .query("ms")
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(1000u64);
            std::thread::sleep(Duration::from_millis(ms.min(60_000)));
            Response::text(format!("slept {ms} ms on {}\n", instance(req)))
        })
        // `/events?n=1000`: server-sent events `1` to `n`, then the end:
        // relayed through the front as a stream (protocol version 3).
        .get("/events", |req: &Request| {
            let n: u32 = req.query("n").and_then(|n| n.parse().ok()).unwrap_or(10);
            let (events, res) = Response::event_stream(16);
            std::thread::spawn(move || {
                for i in 1..=n {
                    if events.send(&Event::data(format!("event {i}"))).is_err() {
                        return; // the browser (through the front) has gone
                    }
                }
            });
            res
        })
        // `/ticks?ms=100`: an event every `ms` until the browser leaves.
        .get("/ticks", |req: &Request| {
            let ms: u64 = req
                .query("ms")
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(100);
            let (events, res) = Response::event_stream(4);
            std::thread::spawn(move || {
                for i in 1.. {
                    if events.send(&Event::data(format!("tick {i}"))).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(ms.clamp(1, 60_000)));
                }
            });
            res
        })
        .post("/echo", |req: &Request| {
            Response::new(200).with_body(req.body().to_vec())
        })
        .get("/panic", |_: &Request| -> Response {
            panic!("a handler bug")
        })
        .bind("127.0.0.1:7001")
        .run();
}
