//! The event loop over real sockets: keep-alive, pipelining, partial reads,
//! limits, timeouts, many idle connections, slow and panicking handlers,
//! shutdown.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use step07::event_loop::{App, Timeouts};
use step07::request::{MAX_BODY_BYTES, MAX_HEAD_BYTES};
use step07::response::Response;
use step07::testing::IO_TIMEOUT;
use support::{Client, start, start_demo};

/// Short timeouts, for the tests that wait for one to pass.
const SHORT: Timeouts = Timeouts {
    idle: Duration::from_millis(200),
    request: Duration::from_millis(200),
};

#[test]
fn a_kept_alive_connection_carries_two_requests() {
    let server = start_demo();
    let mut client = server.connect();
    let first = client.get("/hello/one");
    assert_eq!((first.status, first.text()), (200, "Hello, one!\n".into()));
    assert_eq!(first.header("connection"), Some("keep-alive"));
    client.send(b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
    let second = client.response();
    assert_eq!((second.status, second.text()), (200, "hello".into()));
    server.stop();
}

#[test]
fn three_pipelined_requests_in_one_write_are_answered_in_order() {
    // The first is the slowest: if answers went out as handlers finished,
    // it would come last.
    let app: App = Arc::new(|head, _| {
        if head.path == "/1" {
            thread::sleep(Duration::from_millis(100));
        }
        Response::text(head.path.clone())
    });
    let server = start(app, 4, Timeouts::default());
    let mut client = server.connect();
    client.send(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
    let paths: Vec<String> = (0..3).map(|_| client.response().text()).collect();
    assert_eq!(paths, ["/1", "/2", "/3"]);
    server.stop();
}

#[test]
fn a_head_sent_byte_by_byte_is_parsed_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let app: App = Arc::new(move |head, body| {
        counted.fetch_add(1, Ordering::SeqCst);
        Response::text(format!("{} {}", head.path, String::from_utf8_lossy(&body)))
    });
    let server = start(app, 2, Timeouts::default());
    let mut client = server.connect();
    client.stream.set_nodelay(true).unwrap();
    for byte in b"POST /slowly HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok" {
        client.send(&[*byte]);
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(client.response().text(), "/slowly ok");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    server.stop();
}

#[test]
fn connection_close_is_honoured() {
    let server = start_demo();
    let mut client = server.connect();
    client.send(b"GET /hello/x HTTP/1.1\r\nConnection: close\r\n\r\n");
    let answer = client.response();
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(client.closed_by_server());
    server.stop();
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let server = start_demo();
    let mut client = server.connect();
    client.send(b"GET /hello/old HTTP/1.0\r\n\r\n");
    assert_eq!(client.response().header("connection"), Some("close"));
    assert!(client.closed_by_server());

    let mut client = server.connect();
    client.send(b"GET /hello/old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(client.response().header("connection"), Some("keep-alive"));
    assert_eq!(client.get("/hello/again").status, 200);
    server.stop();
}

#[test]
fn bad_requests_get_431_413_or_400_and_the_connection_closes() {
    let server = start_demo();
    let big_head = format!(
        "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(MAX_HEAD_BYTES)
    );
    let big_body = format!(
        "POST /echo HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    let cases: [(&[u8], u16); 4] = [
        (big_head.as_bytes(), 431),
        (big_body.as_bytes(), 413),
        (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
        (b"\x00\x01 nonsense\r\n\r\n", 400),
    ];
    for (request, status) in cases {
        let mut client = server.connect();
        client.send(request);
        let answer = client.response();
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(client.closed_by_server(), "status {status}");
    }
    server.stop();
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(step07::demo_app(Duration::ZERO), 2, SHORT);
    let mut client = server.connect();
    assert_eq!(client.get("/hello/x").status, 200);
    // Nothing more from us: the server hangs up by itself, without a word.
    assert!(client.closed_by_server());
    server.stop();
}

#[test]
fn a_half_head_that_goes_silent_gets_408() {
    let server = start(step07::demo_app(Duration::ZERO), 2, SHORT);
    let mut client = server.connect();
    client.send(b"GET /hello/x HTTP/1.1\r\nHost:");
    let answer = client.response();
    assert_eq!(answer.status, 408);
    assert!(client.closed_by_server());
    server.stop();
}

#[test]
fn two_hundred_idle_connections_are_all_served_by_the_one_loop() {
    // Two workers: a blocking pool would serve two connections at a time.
    let server = start_demo();
    let mut clients: Vec<Client> = (0..200).map(|_| server.connect()).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        assert_eq!(client.get(&format!("/hello/{i}")).status, 200);
    }
    // Every one is still open and idle; each now sends a second request
    // before any answer is read.
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(format!("GET /hello/again{i} HTTP/1.1\r\n\r\n").as_bytes());
    }
    for (i, client) in clients.iter_mut().enumerate() {
        assert_eq!(client.response().text(), format!("Hello, again{i}!\n"));
    }
    server.stop();
}

/// An app whose `/slow` waits until the test sends on the returned channel.
fn gated_app() -> (App, mpsc::Sender<()>) {
    let (open, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let app: App = Arc::new(move |head, _| {
        if head.path == "/slow" {
            let _ = gate.lock().unwrap().recv_timeout(IO_TIMEOUT);
        }
        Response::text(head.path.clone())
    });
    (app, open)
}

#[test]
fn a_slow_handler_does_not_hold_up_other_connections() {
    let (app, open_gate) = gated_app();
    let server = start(app, 2, Timeouts::default());
    let mut slow = server.connect();
    slow.send(b"GET /slow HTTP/1.1\r\n\r\n");
    // The slow handler is still waiting; other clients are served meanwhile.
    for _ in 0..3 {
        assert_eq!(server.connect().get("/fast").text(), "/fast");
    }
    open_gate.send(()).unwrap();
    assert_eq!(slow.response().text(), "/slow");
    server.stop();
}

#[test]
fn a_panicking_handler_costs_one_500_and_the_server_carries_on() {
    let app: App = Arc::new(|head, _| {
        if head.path == "/panic" {
            panic!("this handler is broken on purpose");
        }
        Response::text("fine")
    });
    let server = start(app, 1, Timeouts::default());
    let mut client = server.connect();
    assert_eq!(client.get("/panic").status, 500);
    // Same connection, same single worker: both survived.
    assert_eq!(client.get("/ok").text(), "fine");
    assert_eq!(server.connect().get("/ok").status, 200);
    server.stop();
}

#[test]
fn shutdown_stops_the_loop_and_closes_idle_connections() {
    let server = start_demo();
    let addr = server.addr;
    let mut idle = server.connect();
    assert_eq!(idle.get("/hello/x").status, 200);
    server.stop();
    assert!(idle.closed_by_server());
    // The listener is gone: a new client is refused or hung up on at once.
    if let Ok(mut late) = std::net::TcpStream::connect(addr) {
        late.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let _ = late.write_all(b"GET / HTTP/1.1\r\n\r\n");
        assert!(Client::from_stream(late).closed_by_server());
    }
}
