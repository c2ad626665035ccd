//! Split mode: the app as a backend speaking step 06's protocol, the front
//! (in process, against backends that misbehave on purpose), the real
//! `httprs-front` binary in front of real backend processes, and step 06's
//! own front and backend on the other side of ours.
//!
//! Every wait is bounded ([`support::IO_TIMEOUT`]), every socket is on
//! loopback, every port starts as 0.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use httprs::FrontOptions;
use httprs::Mode;
use httprs::dev::FRAMES_IN_FLIGHT;
use httprs::dev::protocol::{self, Message};
use httprs::{Request, Route, Server, Settings};
use support::process::{Process, example_exe};
use support::{Gate, IO_TIMEOUT, Reply};

// ---------------------------------------------------------------------------
// The backend, in process: `App::start` with `mode: Backend`, raw frames.
// ---------------------------------------------------------------------------

/// The split key every keyed test shares (64 hex digits, as `openssl rand -hex 32` makes).
const KEY: &str = "5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99";

fn key() -> httprs::SecretKey {
    httprs::SecretKey::new(KEY.as_bytes()).unwrap()
}

fn backend_settings() -> Settings {
    Settings {
        mode: Mode::Backend,
        split_key: Some(key()),
        ..support::settings()
    }
}

/// The support app as a backend without a key (so with debug on): version 1,
/// for the in-process front, which talks to unkeyed fakes in the same tests.
fn start_backend_v1() -> (Server, Gate) {
    support::start_with(Settings {
        mode: Mode::Backend,
        debug: true,
        ..support::settings()
    })
}

/// The support app, started as a backend.
fn start_backend() -> (Server, Gate) {
    support::start_with(backend_settings())
}

/// A front's end of one backend connection, speaking raw frames.
struct FrontConn {
    stream: TcpStream,
    next_id: u64,
}

impl FrontConn {
    #[track_caller]
    fn open(addr: SocketAddr) -> FrontConn {
        let mut conn = FrontConn::open_v1(addr);
        conn.handshake();
        conn
    }

    /// A connection that sends no hello: version 1.
    #[track_caller]
    fn open_v1(addr: SocketAddr) -> FrontConn {
        FrontConn {
            stream: support::connect(addr),
            next_id: 1,
        }
    }

    /// Version 2's handshake with [`KEY`]: challenge, hello, welcome.
    #[track_caller]
    fn handshake(&mut self) {
        use httprs::dev::auth::FrontHandshake;
        let challenge = read_raw_frame(&mut self.stream);
        let (hello, handshake, _) = FrontHandshake::answer(&key(), [9; 32], &challenge)
            .unwrap()
            .unwrap();
        self.stream.write_all(&hello).unwrap();
        let welcome = read_raw_frame(&mut self.stream);
        assert!(handshake.welcome(&welcome).unwrap().is_some());
    }

    /// Sends one request and reads its reply, checking the id.
    #[track_caller]
    fn ask(&mut self, method: &str, target: &str, body: &[u8]) -> protocol::Response {
        let id = self.send(method, target, body);
        let reply = self.reply();
        assert_eq!(reply.id, id, "the reply answers the request sent");
        reply
    }

    #[track_caller]
    fn send(&mut self, method: &str, target: &str, body: &[u8]) -> u64 {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let id = self.next_id;
        self.next_id += 1;
        let request = Message::Request(protocol::Request {
            id,
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: vec![("Host".into(), "backend.test".into())],
            body: body.to_vec(),
        });
        protocol::write_frame(&mut self.stream, &request).expect("send a frame");
        id
    }

    #[track_caller]
    fn reply(&mut self) -> protocol::Response {
        match protocol::read_frame(&mut self.stream) {
            Ok(Some(Message::Response(reply))) => reply,
            other => panic!("expected a response frame, got {other:?}"),
        }
    }

    /// Whether the backend has closed this connection (end of stream or reset).
    #[track_caller]
    fn is_closed_by_backend(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(err) => err.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

/// One frame's bytes, prefix included.
#[track_caller]
fn read_raw_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut frame = vec![0; 4];
    stream.read_exact(&mut frame).unwrap();
    let length = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
    frame.resize(4 + length, 0);
    stream.read_exact(&mut frame[4..]).unwrap();
    frame
}

fn header<'a>(reply: &'a protocol::Response, name: &str) -> Option<&'a str> {
    reply
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn text(reply: &protocol::Response) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

#[test]
fn a_backend_answers_frames_through_the_same_routes_and_middleware() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    let hello = front.ask("GET", "/hello/w%C3%B6rld", b"");
    assert_eq!(
        (hello.status, text(&hello).as_str()),
        (200, "Hello, wörld!")
    );
    assert!(header(&hello, "server-timing").is_some(), "middleware ran");
    assert_eq!(
        header(&hello, "content-length"),
        None,
        "the front's business"
    );
    assert_eq!(front.ask("GET", "/query?q=a+b", b"").body, b"a b");
    assert_eq!(front.ask("GET", "/nope", b"").status, 404);
    let wrong_method = front.ask("DELETE", "/hello/you", b"");
    assert_eq!(wrong_method.status, 405);
    assert_eq!(header(&wrong_method, "allow"), Some("GET, HEAD"));
    // HEAD gets the body a GET would, so that the front can count it.
    assert_eq!(front.ask("HEAD", "/hello/you", b"").body, b"Hello, you!");
    let binary = [0u8, 0xFF, b'h', b'i'];
    assert_eq!(front.ask("POST", "/echo", &binary).body, binary);
    // `Connection: close` from a handler concerns one hop; it does not cross.
    let close = front.ask("GET", "/close", b"");
    assert_eq!(
        (text(&close).as_str(), header(&close, "connection")),
        ("bye", None)
    );
    // The handler sees the front as its peer.
    let peer = front.ask("GET", "/peer", b"");
    assert_eq!(text(&peer), front.stream.local_addr().unwrap().to_string());
    assert_eq!(server.stats().accepted, 1, "one connection, many frames");
}

#[test]
fn a_panicking_handler_is_a_500_and_the_connection_carries_on() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    let reply = front.ask("GET", "/panic", b"");
    assert_eq!(reply.status, 500);
    assert!(
        !text(&reply).contains("the handler broke"),
        "no details without debug"
    );
    assert_eq!(front.ask("GET", "/hello/again", b"").status, 200);
}

#[test]
fn a_backend_sends_a_500_rather_than_a_reply_the_front_would_refuse() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    let forged = front.ask("GET", "/go?next=/x%0d%0aSet-Cookie:%20a=b", b"");
    assert_eq!(forged.status, 500);
    assert_eq!(
        (header(&forged, "location"), header(&forged, "set-cookie")),
        (None, None)
    );
    assert_eq!(front.ask("GET", "/status/101", b"").status, 500);
    // The connection carries on.
    assert_eq!(front.ask("GET", "/go?next=/x", b"").status, 303);
}

#[test]
fn a_body_over_max_body_bytes_is_413_without_running_the_app() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    // The test settings allow 1000 bytes.
    assert_eq!(front.ask("POST", "/echo", &[b'x'; 1001]).status, 413);
    assert_eq!(front.ask("POST", "/echo", &[b'x'; 1000]).status, 200);
}

#[test]
fn a_streamed_response_is_answered_501_by_a_backend_and_its_connection_goes_on() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    // A reply frame holds a whole body; a stream may never end.
    assert_eq!(front.ask("GET", "/stream", b"").status, 501);
    assert_eq!(front.ask("GET", "/hello/you", b"").status, 200);
    assert_eq!(server.stats().streams, 0, "no stream was opened");
}

#[test]
fn a_route_s_own_body_limit_holds_in_backend_mode_and_its_upload_is_parsed_from_the_frame() {
    let server = support::app(Gate::default())
        .add_route(
            Route::post(
                "/upload",
                |req: &Request| -> Result<String, httprs::InputError> {
                    let form = req.multipart()?;
                    Ok(format!(
                        "{} {}",
                        form.field("a").unwrap_or("-"),
                        form.files().len()
                    ))
                },
            )
            .max_body(5000),
        )
        .add_route(Route::post("/tiny", |_: &Request| "ok").max_body(10))
        .start(backend_settings())
        .expect("start");
    let mut front = FrontConn::open(server.addr());
    // Above the global 1000 bytes, within the route's 5000.
    let mut form = b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
        --b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n"
        .to_vec();
    form.extend_from_slice(&[b'x'; 3000]);
    form.extend_from_slice(b"\r\n--b--\r\n");
    let id = front.next_id;
    front.next_id += 1;
    let request = Message::Request(protocol::Request {
        id,
        method: "POST".into(),
        path: "/upload".into(),
        query: String::new(),
        headers: vec![
            ("Host".into(), "backend.test".into()),
            (
                "Content-Type".into(),
                "multipart/form-data; boundary=b".into(),
            ),
        ],
        body: form,
    });
    protocol::write_frame(&mut front.stream, &request).expect("send a frame");
    let reply = front.reply();
    assert_eq!((reply.status, reply.body.as_slice()), (200, &b"1 1"[..]));
    assert_eq!(front.ask("POST", "/upload", &[b'x'; 5001]).status, 413);
    assert_eq!(front.ask("POST", "/tiny", &[b'x'; 11]).status, 413);
    assert_eq!(front.ask("POST", "/tiny", &[b'x'; 10]).status, 200);
}

#[test]
fn an_oversized_frame_is_refused_from_its_prefix_and_only_that_connection_closes() {
    let (server, _gate) = start_backend();
    let mut bad = FrontConn::open(server.addr());
    let mut good = FrontConn::open(server.addr());
    // Only the prefix is sent: the backend must not wait for 4 MiB and a byte.
    let too_big = (protocol::MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
    bad.stream.write_all(&too_big).unwrap();
    assert!(bad.is_closed_by_backend());
    assert_eq!(good.ask("GET", "/hello/still", b"").status, 200);
}

#[test]
fn a_frame_of_another_version_or_malformed_closes_that_connection_only() {
    let (server, _gate) = start_backend();
    let mut good = FrontConn::open(server.addr());
    let payloads: [&[u8]; 4] = [
        br#"{"v":2,"type":"request","id":1}"#,
        br#"{"type":"request","id":1}"#,
        b"not json",
        // Only a backend may send a response.
        br#"{"v":1,"type":"response","id":1,"status":200,"headers":[],"body":{"utf8":""}}"#,
    ];
    for payload in payloads {
        let mut bad = FrontConn::open(server.addr());
        let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(payload);
        bad.stream.write_all(&frame).unwrap();
        assert!(
            bad.is_closed_by_backend(),
            "{}",
            String::from_utf8_lossy(payload)
        );
        assert_eq!(good.ask("GET", "/hello/still", b"").status, 200);
    }
}

#[test]
fn a_slow_handler_holds_up_no_other_connection() {
    let (server, gate) = start_backend();
    let mut slow = FrontConn::open(server.addr());
    slow.send("GET", "/block", b"");
    gate.wait_for_waiters(1);
    let mut other = FrontConn::open(server.addr());
    for _ in 0..3 {
        assert_eq!(other.ask("GET", "/hello/meanwhile", b"").status, 200);
    }
    gate.open();
    assert_eq!(text(&slow.reply()), "unblocked");
}

#[test]
fn requests_sent_behind_a_slow_one_on_its_connection_are_answered_before_it() {
    let (server, gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    let slow = front.send("GET", "/block", b"");
    gate.wait_for_waiters(1);
    // On the same connection, behind it: each answered while it still
    // waits. (Answered in order, the first `reply` would never come.)
    for name in ["one", "two", "three"] {
        let id = front.send("GET", &format!("/hello/{name}"), b"");
        let reply = front.reply();
        assert_eq!((reply.id, text(&reply)), (id, format!("Hello, {name}!")));
    }
    gate.open();
    let reply = front.reply();
    assert_eq!((reply.id, text(&reply).as_str()), (slow, "unblocked"));
}

#[test]
fn past_its_limit_of_requests_side_by_side_a_connection_takes_no_more_until_one_is_answered() {
    let (server, gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    // The limit's worth of requests that wait (two run, the rest queue for
    // the test's two workers), then one that would be answered at once.
    let blocked: Vec<u64> = (0..FRAMES_IN_FLIGHT)
        .map(|_| front.send("GET", "/block", b""))
        .collect();
    gate.wait_for_waiters(2);
    let quick = front.send("GET", "/hello/later", b"");
    // Not taken yet: nothing comes back while every place is held.
    front
        .stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let nothing = front.stream.peek(&mut byte);
    assert!(
        matches!(&nothing, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "a reply came while {FRAMES_IN_FLIGHT} requests held every place: {nothing:?}"
    );
    front
        .stream
        .set_read_timeout(Some(support::IO_TIMEOUT))
        .unwrap();
    gate.open();
    let mut ids: Vec<u64> = (0..=FRAMES_IN_FLIGHT).map(|_| front.reply().id).collect();
    ids.sort_unstable();
    let mut expected = blocked;
    expected.push(quick);
    assert_eq!(ids, expected, "every request answered once");
}

#[test]
fn shutdown_closes_idle_connections_and_answers_the_request_in_flight() {
    let (server, gate) = start_backend();
    let addr = server.addr();
    let mut idle = FrontConn::open(addr);
    assert_eq!(idle.ask("GET", "/hello/once", b"").status, 200);
    let mut busy = FrontConn::open(addr);
    busy.send("GET", "/block", b"");
    gate.wait_for_waiters(1);
    let handle = server.shutdown_handle();
    let stopping = thread::spawn(move || server.shutdown());
    assert!(
        idle.is_closed_by_backend(),
        "an idle connection ends at once"
    );
    assert!(handle.is_requested());
    gate.open();
    assert_eq!(text(&busy.reply()), "unblocked");
    assert!(busy.is_closed_by_backend(), "and then that one ends too");
    stopping.join().unwrap();
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}

#[test]
fn an_idle_front_connection_is_closed_after_idle_timeout() {
    // The test settings' idle_timeout is 300 ms; the read below waits up to IO_TIMEOUT.
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    assert_eq!(front.ask("GET", "/hello/x", b"").status, 200);
    assert!(front.is_closed_by_backend());
}

#[test]
fn frames_sent_ahead_on_one_connection_are_each_answered_under_their_id() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    // All five written before a single reply is read: one write, pipelined.
    // They run side by side, so the replies come in whatever order they
    // finish; each carries its request's id (PROTOCOL.md).
    let targets = ["/hello/one", "/panic", "/nope", "/hello/two", "/query?q=3"];
    let ids: Vec<u64> = targets.iter().map(|t| front.send("GET", t, b"")).collect();
    let mut replies: Vec<(u64, u16, String)> = targets
        .iter()
        .map(|_| front.reply())
        .map(|r| (r.id, r.status, text(&r)))
        .collect();
    replies.sort_by_key(|r| r.0);
    let statuses: Vec<u16> = replies.iter().map(|r| r.1).collect();
    assert_eq!(replies.iter().map(|r| r.0).collect::<Vec<_>>(), ids);
    assert_eq!(statuses, [200, 500, 404, 200, 200]);
    assert_eq!(
        (
            replies[0].2.as_str(),
            replies[3].2.as_str(),
            replies[4].2.as_str()
        ),
        ("Hello, one!", "Hello, two!", "3")
    );
}

#[test]
fn a_frame_after_good_ones_that_is_garbage_closes_the_connection_after_their_replies() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    let id = front.send("GET", "/hello/first", b"");
    front.stream.write_all(&[0, 0, 0, 8]).unwrap();
    front.stream.write_all(b"not json").unwrap();
    let reply = front.reply();
    assert_eq!((reply.id, text(&reply).as_str()), (id, "Hello, first!"));
    assert!(front.is_closed_by_backend());
}

#[test]
fn a_backend_over_max_connections_closes_the_extra_one_without_a_byte() {
    let (server, _gate) = support::start_with(Settings {
        max_connections: 2,
        ..backend_settings()
    });
    let mut open = [
        FrontConn::open(server.addr()),
        FrontConn::open(server.addr()),
    ];
    for front in &mut open {
        assert_eq!(front.ask("GET", "/hello/in", b"").status, 200);
    }
    let mut third = support::connect(server.addr());
    let mut refused = Vec::new();
    // An HTTP `503` would mean nothing to a front: only the close.
    let _ = third.read_to_end(&mut refused);
    assert_eq!(refused, b"");
    for front in &mut open {
        assert_eq!(
            text(&front.ask("GET", "/hello/still", b"")),
            "Hello, still!"
        );
    }
    assert_eq!(server.stats().refused, 1);
}

#[test]
fn a_fast_route_runs_on_the_event_loop_and_one_that_turns_slow_does_not_stall_it() {
    // One event loop, so that every front connection depends on it.
    let (server, gate) = support::start_with(Settings {
        event_loops: 1,
        ..backend_settings()
    });
    let mut front = FrontConn::open(server.addr());
    // Fast calls until the dispatcher runs the route on the loop's own thread.
    let runs_on_the_loop =
        (0..2000).any(|_| text(&front.ask("GET", "/flaky", b"")).starts_with("httprs-loop"));
    assert!(runs_on_the_loop, "the route was never run inline");
    // Now it blocks, inside the event loop's thread...
    front.send("GET", "/flaky?block", b"");
    gate.wait_for_waiters(1);
    // ...and other fronts are still served: another thread took the loop over.
    let mut other = FrontConn::open(server.addr());
    assert_eq!(
        text(&other.ask("GET", "/hello/other", b"")),
        "Hello, other!"
    );
    assert_eq!(gate.still_waiting(), 1, "served before the handler gave up");
    gate.open();
    assert!(text(&front.reply()).starts_with("httprs-loop"));
}

// ---------------------------------------------------------------------------
// The front's handler, in process, against backends that misbehave on purpose.
// ---------------------------------------------------------------------------

/// A backend written by hand: `behave(n, stream)` serves its `n`-th
/// connection (from 1) on a thread of its own.
struct FakeBackend {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

fn fake_backend(behave: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> FakeBackend {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let behave = Arc::new(behave);
    let counter = accepted.clone();
    // Lives as long as the test process: it only ever waits in `accept`.
    thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let behave = behave.clone();
            thread::spawn(move || behave(n, stream));
        }
    });
    FakeBackend { addr, accepted }
}

/// Answers every request on `stream` with `200 fake`, as a good backend would.
fn answer_every_request(stream: TcpStream) {
    answer_each(stream, |_| b"fake".to_vec());
}

/// Answers each request on `stream` in order, `200` with the body `body`
/// makes of it (after whatever pause it takes), until the front hangs up:
/// a backend that answers one request after the other, as step 06's does.
fn answer_each(mut stream: TcpStream, mut body: impl FnMut(protocol::Request) -> Vec<u8>) {
    while let Ok(Some(Message::Request(request))) = protocol::read_frame(&mut stream) {
        let id = request.id;
        let reply = Message::Response(protocol::Response {
            id,
            status: 200,
            headers: vec![],
            body: body(request),
        });
        if protocol::write_frame(&mut stream, &reply).is_err() {
            return;
        }
    }
}

/// Reads one request and says nothing until the front hangs up.
fn read_and_hold(mut stream: TcpStream) {
    let _ = protocol::read_frame(&mut stream);
    let _ = protocol::read_frame(&mut stream);
}

/// An in-process front (the same app `httprs-front` runs) for `backends`,
/// without a key: version 1, as the fake backends below speak.
fn start_front(backends: &[SocketAddr], timeout_ms: u64) -> Server {
    start_front_with(backends, timeout_ms, None)
}

/// An in-process front holding the tests' split key, for keyed backends.
fn start_front_keyed(backends: &[SocketAddr], timeout_ms: u64) -> Server {
    start_front_with(backends, timeout_ms, Some(KEY))
}

fn start_front_with(backends: &[SocketAddr], timeout_ms: u64, key: Option<&str>) -> Server {
    let mut args = vec![format!("--timeout-ms={timeout_ms}")];
    for backend in backends {
        args.push(format!("--backend={backend}"));
    }
    let Ok(httprs::Parsed::Run(options)) = FrontOptions::parse(args, None) else {
        panic!("the front's flags are valid")
    };
    let options = options.split_key_from_env(key).unwrap();
    options
        .app()
        .start(Settings {
            workers: 4,
            ..support::settings()
        })
        .expect("start the front")
}

#[track_caller]
fn get(addr: SocketAddr, target: &str) -> Reply {
    let request = format!("GET {target} HTTP/1.1\r\nHost: front.test\r\nConnection: close\r\n\r\n");
    support::request(addr, request.as_bytes())
}

#[track_caller]
fn post(addr: SocketAddr, target: &str, body: &str) -> Reply {
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: front.test\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    support::request(addr, request.as_bytes())
}

#[test]
fn a_get_whose_backend_dies_before_replying_is_resent_to_another_backend() {
    let received = Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    // Reads the request, then closes without a word: a crash mid-request.
    let dying = fake_backend(move |_, mut stream| {
        if let Ok(Some(_)) = protocol::read_frame(&mut stream) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let (healthy, _gate) = start_backend_v1();
    // Round robin starts with the first backend: the dying one.
    let front = start_front(&[dying.addr, healthy.addr()], 10_000);
    let reply = get(front.addr(), "/hello/again");
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "Hello, again!")
    );
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "it was sent there first"
    );
}

#[test]
fn a_post_whose_backend_dies_before_replying_is_a_502_and_not_resent() {
    let dying = fake_backend(|_, mut stream| {
        let _ = protocol::read_frame(&mut stream);
    });
    let (healthy, _gate) = start_backend_v1();
    let front = start_front(&[dying.addr, healthy.addr()], 10_000);
    let reply = post(front.addr(), "/echo", "pay once");
    assert_eq!(reply.status, 502);
    assert!(
        reply.text().contains("failed while answering"),
        "{}",
        reply.text()
    );
    assert_eq!(
        healthy.stats().accepted,
        0,
        "never sent to the other backend"
    );
    // The dying backend is now down and skipped: the next POST goes to the healthy one.
    let reply = post(front.addr(), "/echo", "pay once");
    assert_eq!((reply.status, reply.text().as_str()), (200, "pay once"));
}

/// Answers the first request on its first connection, then reads the
/// second and closes without a word: an idle connection the backend closed
/// just as the front reused it. Later connections are served normally.
/// Counts the requests it read.
fn closes_its_first_connection_after_one_reply(read: Arc<AtomicUsize>) -> FakeBackend {
    fake_backend(move |n, mut stream| {
        if n > 1 {
            return answer_every_request(stream);
        }
        let mut answered = false;
        while let Ok(Some(Message::Request(request))) = protocol::read_frame(&mut stream) {
            read.fetch_add(1, Ordering::SeqCst);
            if answered {
                return;
            }
            answered = true;
            let reply = Message::Response(protocol::Response {
                id: request.id,
                status: 200,
                headers: vec![],
                body: b"fake".to_vec(),
            });
            protocol::write_frame(&mut stream, &reply).unwrap();
        }
    })
}

#[test]
fn a_get_on_a_reused_connection_the_backend_closed_is_retried_on_a_fresh_one() {
    let read = Arc::new(AtomicUsize::new(0));
    let backend = closes_its_first_connection_after_one_reply(read.clone());
    let front = start_front(&[backend.addr], 10_000);
    assert_eq!(get(front.addr(), "/first").text(), "fake");
    // Goes out on the pooled connection, which dies: then on a new one.
    let reply = get(front.addr(), "/second");
    assert_eq!((reply.status, reply.text().as_str()), (200, "fake"));
    assert_eq!(backend.accepted.load(Ordering::SeqCst), 2);
    assert_eq!(
        read.load(Ordering::SeqCst),
        2,
        "the stale connection read it"
    );
    // And the backend was never marked down: the next request goes there too.
    assert_eq!(get(front.addr(), "/third").text(), "fake");
}

#[test]
fn a_post_on_a_reused_connection_that_closes_after_receiving_it_is_a_502_and_not_resent() {
    let read = Arc::new(AtomicUsize::new(0));
    let backend = closes_its_first_connection_after_one_reply(read.clone());
    let front = start_front(&[backend.addr], 10_000);
    assert_eq!(get(front.addr(), "/first").text(), "fake");
    // The backend read it whole: it may have run. Not sent again, anywhere.
    let reply = post(front.addr(), "/pay", "once");
    assert_eq!(reply.status, 502);
    assert_eq!(read.load(Ordering::SeqCst), 2);
    assert_eq!(
        backend.accepted.load(Ordering::SeqCst),
        1,
        "no fresh connection"
    );
}

#[test]
fn a_timeout_is_a_504_and_that_connection_is_never_reused_but_others_are() {
    let backend = fake_backend(|n, stream| {
        if n == 1 {
            read_and_hold(stream);
        } else {
            answer_every_request(stream);
        }
    });
    let front = start_front(&[backend.addr], 300);
    let reply = get(front.addr(), "/first");
    assert_eq!(reply.status, 504);
    assert!(
        reply.text().contains("did not answer within 300 ms"),
        "{}",
        reply.text()
    );
    // A new connection for the next request: the one that timed out is gone.
    assert_eq!(get(front.addr(), "/second").text(), "fake");
    assert_eq!(backend.accepted.load(Ordering::SeqCst), 2);
    // And that one is kept and reused.
    for _ in 0..3 {
        assert_eq!(get(front.addr(), "/more").text(), "fake");
    }
    assert_eq!(backend.accepted.load(Ordering::SeqCst), 2);
}

#[test]
fn a_reply_with_another_id_or_an_impossible_status_is_a_502() {
    let backend = fake_backend(|n, mut stream| {
        let Ok(Some(Message::Request(request))) = protocol::read_frame(&mut stream) else {
            return;
        };
        let (id, status) = if n == 1 {
            (request.id + 1, 200)
        } else {
            (request.id, 70)
        };
        let reply = Message::Response(protocol::Response {
            id,
            status,
            headers: vec![],
            body: vec![],
        });
        let _ = protocol::write_frame(&mut stream, &reply);
        read_and_hold(stream);
    });
    let front = start_front(&[backend.addr], 10_000);
    for _ in 0..2 {
        let reply = get(front.addr(), "/");
        assert_eq!(reply.status, 502);
        assert!(reply.text().contains("cannot use"), "{}", reply.text());
    }
    assert_eq!(
        backend.accepted.load(Ordering::SeqCst),
        2,
        "each on its own connection"
    );
}

#[test]
fn a_reply_with_a_1xx_or_unknown_class_status_or_a_splitting_header_is_a_502() {
    // Connection n gets the n-th bad reply.
    let bad: [(u16, &str, &str); 4] = [
        (100, "X-A", "1"),
        (101, "Upgrade", "websocket"),
        (700, "X-A", "1"),
        (303, "Location", "/x\r\nSet-Cookie: a=b"),
    ];
    let backend = fake_backend(move |n, mut stream| {
        let Ok(Some(Message::Request(request))) = protocol::read_frame(&mut stream) else {
            return;
        };
        let (status, name, value) = bad[(n - 1) % bad.len()];
        let reply = Message::Response(protocol::Response {
            id: request.id,
            status,
            headers: vec![(name.into(), value.into())],
            body: vec![],
        });
        let _ = protocol::write_frame(&mut stream, &reply);
        read_and_hold(stream);
    });
    let front = start_front(&[backend.addr], 10_000);
    for _ in 0..bad.len() {
        let raw = support::exchange(
            front.addr(),
            b"GET / HTTP/1.1\r\nHost: front.test\r\nConnection: close\r\n\r\n",
        );
        assert!(raw.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{raw}");
        assert!(raw.contains("cannot use"), "{raw}");
        assert!(
            !raw.contains("Set-Cookie") && !raw.contains("Upgrade"),
            "{raw}"
        );
    }
}

#[test]
fn the_front_adds_forwarded_fields_and_sends_head_without_a_body() {
    let backend = support::app(Gate::default())
        .get("/forwarded", |req: &httprs::Request| {
            let all = |name| req.headers().get_all(name).collect::<Vec<_>>().join("|");
            httprs::Response::text(format!(
                "{};{};{}",
                all("x-forwarded-for"),
                all("x-forwarded-proto"),
                all("host")
            ))
        })
        .start(Settings {
            debug: true,
            split_key: None,
            ..backend_settings()
        })
        .unwrap();
    let front = start_front(&[backend.addr()], 10_000);
    let request = "GET /forwarded HTTP/1.1\r\nHost: site.test\r\nX-Forwarded-For: 203.0.113.7\r\n\
                   X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n";
    let reply = support::request(front.addr(), request.as_bytes());
    assert_eq!(reply.text(), "203.0.113.7, 127.0.0.1;http;site.test");
    // HEAD: the length of the GET body, and no body.
    let mut stream = support::connect(front.addr());
    stream
        .write_all(b"HEAD /hello/you HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(support::read_to_close(&mut stream)).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.contains("Content-Length: 11\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\n"), "no body: {raw}");
}

#[test]
fn a_chunked_request_reaches_the_backend_with_its_length_and_without_hop_by_hop_fields() {
    let backend = support::app(Gate::default())
        .post("/seen", |req: &httprs::Request| {
            let mut seen = String::new();
            for (name, value) in req.headers().iter() {
                seen.push_str(&format!("{}: {value}\n", name.to_ascii_lowercase()));
            }
            seen.push_str(&format!("body: {}", String::from_utf8_lossy(req.body())));
            httprs::Response::text(seen)
        })
        .start(Settings {
            debug: true,
            split_key: None,
            ..backend_settings()
        })
        .unwrap();
    let front = start_front(&[backend.addr()], 10_000);
    let request = "POST /seen HTTP/1.1\r\nHost: site.test\r\nTransfer-Encoding: chunked\r\n\
                   Connection: close, X-Hop\r\nX-Hop: for the front\r\nKeep-Alive: timeout=5\r\n\
                   TE: trailers\r\nUpgrade: h2c\r\nX-End: 1\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    let reply = support::request(front.addr(), request.as_bytes());
    let seen = reply.text();
    assert_eq!(reply.status, 200, "{seen}");
    for expected in [
        "host: site.test\n",
        "x-end: 1\n",
        "content-length: 7\n",
        "body: abcdefg",
    ] {
        assert!(
            seen.contains(expected),
            "{expected:?} missing from:\n{seen}"
        );
    }
    for hop in [
        "transfer-encoding",
        "connection",
        "x-hop",
        "keep-alive",
        "te:",
        "upgrade",
    ] {
        assert!(!seen.contains(hop), "{hop:?} crossed:\n{seen}");
    }
}

#[test]
fn many_keep_alive_clients_at_once_through_the_front_to_two_backends_are_all_answered() {
    let (one, _gate1) = start_backend();
    let (two, _gate2) = start_backend();
    // Keyed: each of the front's loops opens several connections to each
    // backend, every one through version 2's handshake.
    let front = start_front_keyed(&[one.addr(), two.addr()], 10_000);
    let addr = front.addr();
    let clients: Vec<_> = (0..24)
        .map(|client| {
            thread::spawn(move || {
                let mut stream = support::connect(addr);
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                for n in 0..15 {
                    // Two requests in one write, then their answers, in order.
                    let request = format!(
                        "GET /hello/c{client}n{n} HTTP/1.1\r\nHost: a\r\n\r\n\
                         HEAD /hello/hh HTTP/1.1\r\nHost: a\r\n\r\n"
                    );
                    stream.write_all(request.as_bytes()).unwrap();
                    let reply = support::read_reply(&mut reader, false);
                    assert_eq!(reply.text(), format!("Hello, c{client}n{n}!"));
                    let head = support::read_reply(&mut reader, true);
                    assert_eq!(head.header("content-length"), Some("10"), "{}", head.head);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("every client answered");
    }
    let (a, b) = (one.stats().responses, two.stats().responses);
    assert_eq!(a + b, 24 * 15 * 2);
    assert!(a > 0 && b > 0, "both backends took requests: {a} and {b}");
}

#[test]
fn an_idle_connection_the_backend_closes_is_dropped_and_even_a_post_goes_out_on_a_fresh_one() {
    // Answers one request per connection, then closes it: each time the
    // front hears of the close before its next request.
    let read = Arc::new(AtomicUsize::new(0));
    let seen = read.clone();
    let backend = fake_backend(move |_, mut stream| {
        if let Ok(Some(Message::Request(request))) = protocol::read_frame(&mut stream) {
            seen.fetch_add(1, Ordering::SeqCst);
            let reply = Message::Response(protocol::Response {
                id: request.id,
                status: 200,
                headers: vec![],
                body: request.body,
            });
            let _ = protocol::write_frame(&mut stream, &reply);
        }
    });
    let front = start_front(&[backend.addr], 10_000);
    for n in 0..3 {
        let reply = post(front.addr(), "/pay", &format!("once {n}"));
        assert_eq!((reply.status, reply.text()), (200, format!("once {n}")));
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(read.load(Ordering::SeqCst), 3, "each POST sent once");
    assert_eq!(backend.accepted.load(Ordering::SeqCst), 3);
}

#[test]
fn a_client_gone_mid_request_costs_nothing_and_its_backend_connection_is_reused() {
    let backend = fake_backend(|_, stream| {
        answer_each(stream, |_| {
            // Slow enough for the client to leave first.
            thread::sleep(Duration::from_millis(150));
            b"late".to_vec()
        })
    });
    let front = start_front(&[backend.addr], 10_000);
    let mut leaving = support::connect(front.addr());
    leaving
        .write_all(b"GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    thread::sleep(Duration::from_millis(50));
    drop(leaving);
    // Its reply comes to nobody; the connection it came on is free again.
    thread::sleep(Duration::from_millis(250));
    let reply = get(front.addr(), "/second");
    assert_eq!((reply.status, reply.text().as_str()), (200, "late"));
    assert_eq!(backend.accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn a_504_closes_only_its_backend_connection_while_other_requests_keep_going() {
    let backend = fake_backend(|n, stream| {
        if n == 1 {
            read_and_hold(stream);
        } else {
            answer_every_request(stream);
        }
    });
    let front = start_front(&[backend.addr], 400);
    let addr = front.addr();
    let slow = thread::spawn(move || get(addr, "/slow"));
    thread::sleep(Duration::from_millis(100));
    // Meanwhile, on another backend connection, others are answered.
    let started = Instant::now();
    let mut fast = 0;
    while started.elapsed() < Duration::from_millis(700) {
        assert_eq!(get(addr, "/fast").text(), "fake");
        fast += 1;
    }
    let slow = slow.join().unwrap();
    assert_eq!(slow.status, 504, "{}", slow.text());
    assert!(fast > 1);
    assert_eq!(
        backend.accepted.load(Ordering::SeqCst),
        2,
        "the held one and one for everything else"
    );
}

/// Answers each request on `stream` in order, with its path for a body,
/// after a pause for a path containing "slow": a backend that answers one
/// request after the other, as step 06's does.
fn answer_in_order_slowly_for_slow(stream: TcpStream) {
    answer_each(stream, |request| {
        if request.path.contains("slow") {
            thread::sleep(Duration::from_millis(1500));
        }
        request.path.into_bytes()
    });
}

#[test]
fn fast_requests_are_not_held_behind_a_slow_one_on_a_backend_that_answers_in_order() {
    let backend = fake_backend(|_, stream| answer_in_order_slowly_for_slow(stream));
    let front = start_front(&[backend.addr], 10_000);
    let addr = front.addr();
    let slow = thread::spawn(move || get(addr, "/slow"));
    // Long enough for the slow one's connection to count as stalled.
    thread::sleep(Duration::from_millis(150));
    let fast: Vec<_> = (0..8)
        .map(|i| thread::spawn(move || get(addr, &format!("/fast/{i}"))))
        .collect();
    for (i, fast) in fast.into_iter().enumerate() {
        let reply = fast.join().unwrap();
        assert_eq!((reply.status, reply.text()), (200, format!("/fast/{i}")));
    }
    // Every fast one was answered while the slow one still ran.
    assert!(!slow.is_finished(), "the fast ones waited for the slow one");
    let slow = slow.join().unwrap();
    assert_eq!((slow.status, slow.text().as_str()), (200, "/slow"));
}

#[test]
fn replies_in_another_order_than_their_requests_each_reach_their_own_client() {
    // Per connection: up to four requests, or as many as come within
    // 300 ms, answered last first, each with its path for a body.
    let backend = fake_backend(|_, mut stream| {
        loop {
            let mut batch = Vec::new();
            while batch.len() < 4 {
                if !batch.is_empty() {
                    stream
                        .set_read_timeout(Some(Duration::from_millis(300)))
                        .unwrap();
                }
                match protocol::read_frame(&mut stream) {
                    Ok(Some(Message::Request(request))) => batch.push(request),
                    _ => break,
                }
            }
            if batch.is_empty() {
                return;
            }
            stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
            for request in batch.into_iter().rev() {
                let reply = Message::Response(protocol::Response {
                    id: request.id,
                    status: 200,
                    headers: vec![],
                    body: request.path.into_bytes(),
                });
                if protocol::write_frame(&mut stream, &reply).is_err() {
                    return;
                }
            }
        }
    });
    let front = start_front(&[backend.addr], 10_000);
    let addr = front.addr();
    let start = Arc::new(std::sync::Barrier::new(8));
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                get(addr, &format!("/mine/{i}"))
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let reply = client.join().unwrap();
        assert_eq!((reply.status, reply.text()), (200, format!("/mine/{i}")));
    }
}

#[test]
fn a_backend_that_dies_with_many_requests_in_flight_costs_none_of_the_gets() {
    // Backend 1 takes every request that comes within 300 ms of the last,
    // then closes without a reply; backend 2 answers.
    let taken = Arc::new(AtomicUsize::new(0));
    let counter = taken.clone();
    let dying = fake_backend(move |_, mut stream| {
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        while let Ok(Some(Message::Request(_))) = protocol::read_frame(&mut stream) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let good = fake_backend(|_, stream| answer_every_request(stream));
    let front = start_front(&[dying.addr, good.addr], 10_000);
    let addr = front.addr();
    let start = Arc::new(std::sync::Barrier::new(12));
    let clients: Vec<_> = (0..12)
        .map(|_| {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                get(addr, "/any")
            })
        })
        .collect();
    for client in clients {
        let reply = client.join().unwrap();
        assert_eq!((reply.status, reply.text().as_str()), (200, "fake"));
    }
    assert!(taken.load(Ordering::SeqCst) >= 1, "backend 1 took some");
    // A POST it takes is not resent: 502.
    let dying_only = start_front(&[dying.addr], 10_000);
    assert_eq!(post(dying_only.addr(), "/pay", "x").status, 502);
}

#[test]
fn a_graceful_stop_of_the_front_waits_for_the_requests_it_is_forwarding() {
    let backend = fake_backend(|_, stream| {
        answer_each(stream, |_| {
            thread::sleep(Duration::from_millis(200));
            b"late".to_vec()
        })
    });
    let front = start_front(&[backend.addr], 10_000);
    let addr = front.addr();
    let client = thread::spawn(move || get(addr, "/slow"));
    thread::sleep(Duration::from_millis(80));
    // Returns once every connection is done: the forwarded one first.
    front.shutdown();
    let reply = client.join().unwrap();
    assert_eq!((reply.status, reply.text().as_str()), (200, "late"));
}

// ---------------------------------------------------------------------------
// Real processes: the `httprs-front` binary and backends from `examples/split.rs`.
// ---------------------------------------------------------------------------

fn front_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_httprs-front"))
}

/// A backend process: the split example with `--backend`, answering "hello from NAME".
#[track_caller]
fn backend_process(name: &str, addr: &str) -> Process {
    backend_process_keyed(name, addr, KEY)
}

/// A backend process holding `key`.
#[track_caller]
fn backend_process_keyed(name: &str, addr: &str, key: &str) -> Process {
    let backend = Process::spawn(
        &example_exe("split"),
        &["--backend", "--addr", addr],
        &[("INSTANCE", name), ("HTTPRS_SPLIT_KEY", key)],
    );
    assert!(
        backend.listening.ends_with(" (backend)"),
        "{}",
        backend.listening
    );
    backend
}

/// An `httprs-front` process holding [`KEY`].
#[track_caller]
fn front_process(backends: &[SocketAddr], extra: &[&str]) -> Process {
    front_process_with(backends, extra, &[("HTTPRS_SPLIT_KEY", KEY)])
}

#[track_caller]
fn front_process_with(backends: &[SocketAddr], extra: &[&str], env: &[(&str, &str)]) -> Process {
    support::process::front(backends, extra, env)
}

#[test]
fn two_backend_processes_alternate_and_the_front_outlives_them_and_takes_one_back() {
    let mut a = backend_process("a", "127.0.0.1:0");
    let mut b = backend_process("b", "127.0.0.1:0");
    let mut front = front_process(&[a.addr, b.addr], &[]);

    // Round robin: each response says which backend made it.
    let names: Vec<String> = (0..4).map(|_| get(front.addr, "/").text()).collect();
    for pair in names.windows(2) {
        assert_ne!(pair[0], pair[1], "in turn: {names:?}");
    }
    assert!(names.contains(&"hello from a\n".to_string()), "{names:?}");
    assert!(names.contains(&"hello from b\n".to_string()), "{names:?}");

    // One dies: every request still succeeds, through the other.
    a.kill();
    for _ in 0..4 {
        let reply = get(front.addr, "/");
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (200, "hello from b\n")
        );
    }
    front.line_containing(&format!("backend {} is down", a.addr));

    // Both dead: a 502 that says so.
    b.kill();
    let reply = get(front.addr, "/");
    assert_eq!(reply.status, 502);
    assert!(
        reply.text().contains("No application backend is available"),
        "{}",
        reply.text()
    );

    // One comes back on its old port: it rejoins, and the front was never restarted.
    let a_again = backend_process("a-again", &a.addr.to_string());
    let deadline = Instant::now() + IO_TIMEOUT;
    let reply = loop {
        let reply = get(front.addr, "/");
        if reply.status == 200 || Instant::now() > deadline {
            break reply;
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "hello from a-again\n")
    );
    front.line_containing(&format!("backend {} is up again", a_again.addr));
}

#[test]
fn a_backend_slower_than_the_timeout_is_a_504_and_the_front_carries_on() {
    let backend = backend_process("slow", "127.0.0.1:0");
    let mut front = front_process(&[backend.addr], &["--timeout-ms", "1000"]);
    let reply = get(front.addr, "/slow?ms=30000");
    assert_eq!(reply.status, 504);
    front.line_containing("504");
    let reply = get(front.addr, "/");
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "hello from slow\n")
    );
}

#[test]
fn the_front_serves_static_files_itself_without_any_backend() {
    let folder = std::env::temp_dir().join(format!("httprs-split-static-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("site.css"), "body { color: teal }\n").unwrap();
    // A backend address where nothing listens.
    let nowhere = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let flag = format!("/static={}", folder.display());
    let front = front_process(&[nowhere], &["--static", &flag]);
    let css = get(front.addr, "/static/site.css");
    assert_eq!(
        (css.status, css.text().as_str()),
        (200, "body { color: teal }\n")
    );
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(get(front.addr, "/static/missing.css").status, 404);
    assert_eq!(post(front.addr, "/static/site.css", "x").status, 405);
    assert_eq!(
        get(front.addr, "/page").status,
        502,
        "everything else needs the backend"
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn bad_flags_stop_the_front_with_a_message_and_status_2() {
    for (args, expected) in [
        (
            &["--bakend", "127.0.0.1:1"][..],
            "unknown argument \"--bakend\"",
        ),
        (&[][..], "no backend"),
        (
            &["--backend", "127.0.0.1:1", "--timeout-ms", "0"][..],
            "--timeout-ms",
        ),
    ] {
        let out = Command::new(front_exe())
            .args(args)
            .env_remove("HTTPRS_BACKENDS")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stderr.contains("usage: httprs-front"), "{stderr}");
    }
}

#[test]
fn help_prints_the_front_usage_and_exits_with_0_though_no_backend_is_given() {
    for flag in ["--help", "-h"] {
        // Without `--help`, no backend would be a mistake (status 2).
        let out = Command::new(front_exe())
            .arg(flag)
            .env_remove("HTTPRS_BACKENDS")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stderr}");
        assert!(
            stdout.starts_with("usage: httprs-front --backend HOST:PORT"),
            "{flag}: {stdout}"
        );
        assert!(stdout.contains("--split-key-file PATH"), "{stdout}");
        assert!(stderr.is_empty(), "{flag}: nothing is wrong: {stderr}");
    }
}

// ---------------------------------------------------------------------------
// Interoperability with step 06: the same protocol, from the same module.
// ---------------------------------------------------------------------------

#[test]
fn step06s_backend_serves_behind_httprs_front() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = step06::shutdown::Shutdown::new(&listener).unwrap();
    let stop = shutdown.clone();
    let backend = thread::spawn(move || {
        let app = step06::demo_app(Duration::from_millis(1));
        let pool = step06::pool::ThreadPool::new(2, 8);
        step06::split::backend::serve(listener, app, pool, &stop)
    });
    // Step 06 speaks version 1: a front without the key.
    let front = front_process_with(&[addr], &[], &[]);
    let reply = get(front.addr, "/hello/step06?greeting=Hi");
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "Hi, step06!\n")
    );
    assert_eq!(get(front.addr, "/no/such/page").status, 404);
    shutdown.trigger();
    backend.join().unwrap().unwrap();
}

#[test]
fn an_httprs_backend_answers_step06s_front() {
    // Without a split key (so with debug on): version 1, step 06's.
    let (server, _gate) = support::start_with(Settings {
        mode: Mode::Backend,
        debug: true,
        ..support::settings()
    });
    let front = step06::split::front::Front::new(server.addr().to_string(), IO_TIMEOUT);
    let head = |method: &str, path: &str| step06::request::RequestHead {
        method: method.into(),
        path: path.into(),
        version: 1,
        headers: vec![("Host".into(), "a".into())],
    };
    let res = front
        .exchange(&head("GET", "/hello/step06"), Vec::new())
        .unwrap();
    assert_eq!((res.status(), res.body()), (200, &b"Hello, step06!"[..]));
    let binary = vec![0u8, 0xFF, 0x80];
    let res = front
        .exchange(&head("POST", "/echo"), binary.clone())
        .unwrap();
    assert_eq!(res.body(), binary);
    assert_eq!(
        front
            .exchange(&head("GET", "/panic"), Vec::new())
            .unwrap()
            .status(),
        500
    );
}

// ---------------------------------------------------------------------------
// Authentication (version 2): what a keyed backend refuses, and how each end
// says why.
// ---------------------------------------------------------------------------

/// A keyed backend's challenge and a hello that answers it with [`KEY`].
#[track_caller]
fn hello_for(stream: &mut TcpStream) -> Vec<u8> {
    let challenge = read_raw_frame(stream);
    let (hello, _, used) = httprs::dev::auth::FrontHandshake::answer(&key(), [7; 32], &challenge)
        .unwrap()
        .unwrap();
    assert_eq!(used, challenge.len(), "one frame, the challenge");
    hello
}

#[test]
fn a_connection_that_sends_nothing_is_closed_within_the_header_timeout() {
    // The handshake is a head: header_timeout bounds it, not idle_timeout
    // (a minute here, longer than the test waits: IO_TIMEOUT).
    let (server, _gate) = support::start_with(Settings {
        header_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_secs(60),
        ..backend_settings()
    });
    let mut conn = FrontConn::open_v1(server.addr());
    // The challenge comes first, unasked; then nothing but the close.
    let challenge = read_raw_frame(&mut conn.stream);
    assert!(
        String::from_utf8_lossy(&challenge).contains("challenge"),
        "{challenge:?}"
    );
    assert!(
        conn.is_closed_by_backend(),
        "closed, with no frame after the challenge"
    );
}

#[test]
fn a_hello_replayed_on_another_connection_is_refused_and_its_request_not_served() {
    let (server, _gate) = start_backend();
    // Connection 1: a real handshake, whose hello is kept.
    let mut first = FrontConn::open_v1(server.addr());
    let hello = hello_for(&mut first.stream);
    first.stream.write_all(&hello).unwrap();
    let welcome = read_raw_frame(&mut first.stream);
    assert!(String::from_utf8_lossy(&welcome).contains("welcome"));
    assert_eq!(first.ask("GET", "/hello/one", b"").status, 200);

    // Connection 2: a new challenge; the old hello, then a request.
    let mut second = FrontConn::open_v1(server.addr());
    let challenge = read_raw_frame(&mut second.stream);
    assert!(String::from_utf8_lossy(&challenge).contains("challenge"));
    second.stream.write_all(&hello).unwrap();
    // The request may meet a connection already closed: a failed send is
    // the refusal too.
    let request = Message::Request(protocol::Request {
        id: 1,
        method: "GET".into(),
        path: "/hello/replayed".into(),
        query: String::new(),
        headers: vec![("Host".into(), "backend.test".into())],
        body: Vec::new(),
    });
    let _ = protocol::write_frame(&mut second.stream, &request);
    assert!(
        second.is_closed_by_backend(),
        "closed without a welcome or a reply"
    );
    // The first connection is not disturbed.
    assert_eq!(first.ask("GET", "/hello/again", b"").status, 200);
}

#[test]
fn step06s_front_is_refused_by_a_keyed_httprs_backend() {
    let (server, _gate) = start_backend();
    let front = step06::split::front::Front::new(server.addr().to_string(), IO_TIMEOUT);
    let head = step06::request::RequestHead {
        method: "GET".into(),
        path: "/hello/step06".into(),
        version: 1,
        headers: vec![("Host".into(), "a".into())],
    };
    // Step 06's front reads the challenge as a reply, or meets the close:
    // either way an error, never the app's answer.
    let err = front
        .exchange(&head, Vec::new())
        .expect_err("a keyed backend does not serve a version-1 front");
    assert_eq!(err.status(), 502, "{err:?}");
    assert_eq!(front.forward(&head, Vec::new()).status(), 502);
}

/// Another valid split key than [`KEY`].
const OTHER_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The split example as a backend without a key, so with debug on: version 1.
#[track_caller]
fn backend_process_v1(name: &str) -> Process {
    Process::spawn(
        &example_exe("split"),
        &["--backend", "--addr", "127.0.0.1:0"],
        &[("INSTANCE", name), ("HTTPRS_DEBUG", "true")],
    )
}

#[test]
fn a_front_without_the_key_gets_a_502_and_the_backend_logs_the_missing_hello() {
    let mut backend = backend_process("keyed", "127.0.0.1:0");
    let front = front_process_with(&[backend.addr], &[], &[]);
    let reply = get(front.addr, "/");
    assert_eq!(reply.status, 502, "{}", reply.text());
    assert_ne!(reply.text(), "hello from keyed\n");
    let line = backend.line_containing("without the split key's hello");
    assert!(line.contains("front 127.0.0.1:"), "names the peer: {line}");
}

#[test]
fn a_front_with_another_key_gets_a_502_and_both_ends_log_why() {
    let mut backend = backend_process("keyed", "127.0.0.1:0");
    let mut front = front_process_with(&[backend.addr], &[], &[("HTTPRS_SPLIT_KEY", OTHER_KEY)]);
    let reply = get(front.addr, "/");
    assert_eq!(reply.status, 502, "{}", reply.text());
    let line = backend.line_containing("wrong split key");
    assert!(line.contains("front 127.0.0.1:"), "names the peer: {line}");
    front.line_containing("handshake failed");
}

#[test]
fn a_keyed_front_against_an_unkeyed_backend_gives_up_waiting_for_the_challenge() {
    let backend = backend_process_v1("open");
    let mut front = front_process(&[backend.addr], &[]);
    // The front waits for a challenge up to its 1 s connect timeout.
    let reply = get(front.addr, "/");
    assert_eq!(reply.status, 502, "{}", reply.text());
    front.line_containing("sent no challenge");
}

#[test]
fn backend_mode_with_debug_off_and_no_split_key_stops_with_status_2() {
    let out = Command::new(example_exe("split"))
        .args(["--backend", "--addr", "127.0.0.1:0"])
        .env_remove("HTTPRS_SETTINGS")
        .env_remove("HTTPRS_SPLIT_KEY")
        .env_remove("HTTPRS_MODE")
        .env("HTTPRS_DEBUG", "false")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("split_key") && stderr.contains("HTTPRS_SPLIT_KEY"),
        "{stderr}"
    );
}

#[test]
fn a_backend_process_with_debug_on_and_no_key_serves_step06s_front() {
    let backend = backend_process_v1("open");
    let front = step06::split::front::Front::new(backend.addr.to_string(), IO_TIMEOUT);
    let head = step06::request::RequestHead {
        method: "GET".into(),
        path: "/".into(),
        version: 1,
        headers: vec![("Host".into(), "a".into())],
    };
    let res = front.exchange(&head, Vec::new()).unwrap();
    assert_eq!((res.status(), res.body()), (200, &b"hello from open\n"[..]));
}

#[test]
fn a_backend_that_refuses_the_handshake_sends_even_a_post_on_to_the_next_one() {
    // The first backend holds another key: it runs nothing before a good
    // hello, so the front may try the next backend whatever the method.
    let wrong = backend_process_keyed("wrong", "127.0.0.1:0", OTHER_KEY);
    let right = backend_process("right", "127.0.0.1:0");
    let mut front = front_process(&[wrong.addr, right.addr], &[]);
    for _ in 0..3 {
        let reply = post(front.addr, "/echo", "sent once");
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (200, "sent once"),
            "answered by the backend with the key"
        );
    }
    front.line_containing("handshake failed");
}

#[test]
fn a_websocket_route_is_answered_501_by_a_backend_with_a_sentence_and_the_connection_goes_on() {
    let server = httprs::App::new()
        .get("/hello", |_: &httprs::Request| "hello")
        .websocket(
            "/ws",
            |_: &httprs::WsSender, _: &httprs::Request, _: httprs::WsMessage| {},
        )
        .start(backend_settings())
        .unwrap();
    let mut front = FrontConn::open(server.addr());
    // What a front forwards of a browser's upgrade: the Upgrade and
    // Connection fields are hop-by-hop, so they never arrive.
    let reply = front.ask("GET", "/ws", b"");
    assert_eq!(reply.status, 501);
    assert!(
        text(&reply).contains("not relayed in split mode"),
        "{}",
        text(&reply)
    );
    assert_eq!(front.ask("GET", "/hello", b"").status, 200);
    assert_eq!(server.stats().streams, 0, "no WebSocket was opened");
}
