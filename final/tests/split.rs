//! Split mode: the app as a backend speaking step 06's protocol.
//!
//! Every wait is bounded ([`support::IO_TIMEOUT`]), every socket is on
//! loopback, every port starts as 0.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;

use httprs::protocol::{self, Message};
use httprs::settings::Mode;
use httprs::{Server, Settings};
use support::Gate;

// ---------------------------------------------------------------------------
// The backend, in process: `App::start` with `mode: Backend`, raw frames.
// ---------------------------------------------------------------------------

fn backend_settings() -> Settings {
    Settings {
        mode: Mode::Backend,
        ..support::settings()
    }
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
        FrontConn {
            stream: support::connect(addr),
            next_id: 1,
        }
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
fn a_body_over_max_body_bytes_is_413_without_running_the_app() {
    let (server, _gate) = start_backend();
    let mut front = FrontConn::open(server.addr());
    // The test settings allow 1000 bytes.
    assert_eq!(front.ask("POST", "/echo", &[b'x'; 1001]).status, 413);
    assert_eq!(front.ask("POST", "/echo", &[b'x'; 1000]).status, 200);
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
fn a_slow_handler_holds_its_connection_not_the_others() {
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
