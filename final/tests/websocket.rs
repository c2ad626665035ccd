//! WebSockets on the event loop, over real sockets: the upgrade (and its
//! refusals, after which the connection goes on as HTTP), echo of text and
//! binary, a 1 MiB message and the 1009 past the limit, an unmasked frame's
//! 1002, a panicking handler's 1011 (the server still answers), a client
//! that leaves frees its connection, a client that reads nothing makes its
//! sender say `Full`, a broadcast to a group, a heartbeat unanswered and a
//! shutdown's 1001, and 5,000 idle WebSockets held by one process while HTTP requests
//! are still answered (with the memory they took, printed).
//!
//! The client is the layer's own client side ([`WebSocket::client`]), which
//! masks what it sends and reads what the server sends as events.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httprs::dev::websocket::{Event, Message, Opcode, WebSocket, encode_frame};
use httprs::{
    App, Request, Server, Settings, WsGroup, WsHandler, WsOptions, WsSendError, WsSender,
};
use support::{IO_TIMEOUT, connect, settings};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// Echoes each message back.
fn echo(ws: &WsSender, _: &Request, message: Message) {
    let _ = match message {
        Message::Text(text) => ws.send_text(text),
        Message::Binary(data) => ws.send_binary(data),
    };
}

/// A chat room: joins on open, leaves on close, broadcasts every message.
struct Room {
    group: WsGroup,
    closed: Arc<AtomicUsize>,
}

impl WsHandler for Room {
    fn on_open(&self, ws: &WsSender, _: &Request) {
        self.group.join(ws);
        let _ = ws.send_text("joined");
    }

    fn on_message(&self, _: &WsSender, _: &Request, message: Message) {
        if let Message::Text(text) = message {
            self.group.broadcast_text(&text);
        }
    }

    fn on_close(&self, ws: &WsSender, _: &Request, _: u16) {
        self.group.leave(ws);
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Says which subprotocol its connection speaks, as soon as it opens.
struct Protocol;

impl WsHandler for Protocol {
    fn on_open(&self, ws: &WsSender, _: &Request) {
        let _ = ws.send_text(ws.protocol().unwrap_or("none"));
    }

    fn on_message(&self, _: &WsSender, _: &Request, _: Message) {}
}

/// Sends 64 KiB messages from its own thread, without pause, until a send
/// fails; reports how many were queued and why it stopped.
struct Flood {
    report: std::sync::mpsc::SyncSender<(usize, WsSendError)>,
}

/// Messages `/flood` would send if nothing stopped it (1 GiB).
const FLOOD: usize = 16 * 1024;

impl WsHandler for Flood {
    fn on_open(&self, ws: &WsSender, _: &Request) {
        let (ws, report) = (ws.clone(), self.report.clone());
        std::thread::spawn(move || {
            for sent in 0..FLOOD {
                if let Err(err) = ws.send_binary(vec![sent as u8; 64 * 1024]) {
                    let _ = report.send((sent, err));
                    return;
                }
            }
        });
    }

    fn on_message(&self, _: &WsSender, _: &Request, _: Message) {}
}

/// The test app; `closed` counts the chat room's `on_close` calls.
fn app(closed: Arc<AtomicUsize>) -> App {
    App::new()
        .get("/hello", |_: &Request| "hello")
        .websocket("/echo", echo)
        .websocket_with(
            "/small",
            WsOptions {
                max_message: 1024,
                ..WsOptions::default()
            },
            echo,
        )
        .websocket("/panic", |_: &WsSender, _: &Request, _: Message| {
            panic!("a handler bug")
        })
        .websocket("/idle", |_: &WsSender, _: &Request, _: Message| {})
        .websocket_with(
            "/proto",
            WsOptions {
                protocols: &["chat.v2", "chat.v1"],
                ..WsOptions::default()
            },
            Protocol,
        )
        .websocket(
            "/chat",
            Room {
                group: WsGroup::new(),
                closed,
            },
        )
}

fn start_with(settings: Settings) -> (Server, Arc<AtomicUsize>) {
    let closed = Arc::new(AtomicUsize::new(0));
    let server = app(closed.clone()).start(settings).expect("start");
    (server, closed)
}

fn start() -> (Server, Arc<AtomicUsize>) {
    start_with(Settings {
        max_body_bytes: 4 << 20,
        ..settings()
    })
}

fn upgrade_request(path: &str) -> String {
    upgrade_request_with(path, "")
}

/// An upgrade request with `extra` header lines (each ending in CRLF).
fn upgrade_request_with(path: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

/// Reads up to the end of a head; returns it and the bytes read after it.
#[track_caller]
fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = got.split_off(end + 4);
            return (String::from_utf8(got).unwrap(), rest);
        }
        let n = stream.read(&mut buf).expect("a head in time");
        assert!(
            n > 0,
            "closed before a head: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

/// A WebSocket client over a real socket.
struct Client {
    /// The 101's head.
    head: String,
    stream: TcpStream,
    ws: WebSocket,
    events: std::collections::VecDeque<Event>,
}

impl Client {
    #[track_caller]
    fn connect(addr: SocketAddr, path: &str) -> Client {
        Client::connect_with(addr, path, "")
    }

    /// [`Client::connect`] with `extra` header lines on the upgrade.
    #[track_caller]
    fn connect_with(addr: SocketAddr, path: &str, extra: &str) -> Client {
        Client::upgrade(addr, upgrade_request_with(path, extra).as_bytes())
    }

    /// Sends `wire` (an upgrade request, and perhaps frames behind it),
    /// checks that the answer is a 101, and reads on as a client.
    #[track_caller]
    fn upgrade(addr: SocketAddr, wire: &[u8]) -> Client {
        let mut stream = connect(addr);
        stream.write_all(wire).unwrap();
        let (head, rest) = read_head(&mut stream);
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{head}"
        );
        let mut client = Client {
            head,
            stream,
            ws: WebSocket::client(usize::MAX),
            events: Default::default(),
        };
        client.events.extend(client.ws.feed_all(&rest));
        client
    }

    fn flush(&mut self) {
        let out = self.ws.take_output();
        self.stream.write_all(&out).unwrap();
    }

    fn send_text(&mut self, text: &str) {
        self.ws.send_text(text).unwrap();
        self.flush();
    }

    fn send_binary(&mut self, data: &[u8]) {
        self.ws.send_binary(data).unwrap();
        self.flush();
    }

    /// The next event from the server.
    #[track_caller]
    fn next(&mut self) -> Event {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if let Some(event) = self.events.pop_front() {
                return event;
            }
            let n = self.stream.read(&mut buf).expect("an event in time");
            assert!(n > 0, "the server closed without a close frame");
            self.events.extend(self.ws.feed_all(&buf[..n]));
        }
    }

    /// The server's close code, then checks the server closed TCP too.
    #[track_caller]
    fn expect_close(&mut self, code: u16) {
        match self.next() {
            Event::Closed(frame) => assert_eq!(frame.code.map(|c| c.get()), Some(code)),
            other => panic!("expected a close {code}, got {other:?}"),
        }
        // Our answer to its close went out with `feed_all`; then the end.
        self.flush();
        let mut rest = Vec::new();
        let _ = self.stream.read_to_end(&mut rest);
        assert!(rest.is_empty(), "bytes after the close frame: {rest:?}");
    }
}

fn text(t: &str) -> Event {
    Event::Message(Message::Text(t.into()))
}

#[test]
fn text_and_binary_messages_are_echoed_in_order() {
    let (server, _) = start();
    let mut client = Client::connect(server.addr(), "/echo");
    assert!(
        client.head.contains("\r\nX-Request-Id: "),
        "what middleware adds on the way out is on the 101: {}",
        client.head
    );
    client.send_text("one");
    client.send_binary(&[0, 1, 2, 255]);
    client.send_text("three");
    assert_eq!(client.next(), text("one"));
    assert_eq!(
        client.next(),
        Event::Message(Message::Binary(vec![0, 1, 2, 255]))
    );
    assert_eq!(client.next(), text("three"));
    client
        .ws
        .close(httprs::dev::websocket::CloseCode::new(1000).unwrap(), "bye")
        .unwrap();
    client.flush();
    client.expect_close(1000);
}

#[test]
fn frames_sent_with_the_upgrade_request_are_read_after_the_switch() {
    let (server, _) = start();
    let mut wire = upgrade_request("/echo").into_bytes();
    encode_frame(&mut wire, true, Opcode::Text, b"early", Some([1, 2, 3, 4]));
    let mut client = Client::upgrade(server.addr(), &wire);
    assert_eq!(client.next(), text("early"));
}

#[test]
fn the_routes_first_preferred_subprotocol_the_client_offers_is_chosen_and_told_to_the_handler() {
    let (server, _) = start();
    // The client lists v1 first; the route prefers v2, and it decides.
    let offer = "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\n";
    let mut client = Client::connect_with(server.addr(), "/proto", offer);
    assert!(
        client
            .head
            .contains("\r\nSec-WebSocket-Protocol: chat.v2\r\n"),
        "{}",
        client.head
    );
    assert_eq!(client.next(), text("chat.v2"));

    // Offered in two fields, only v1 in common.
    let offer = "Sec-WebSocket-Protocol: mqtt\r\nSec-WebSocket-Protocol: chat.v1\r\n";
    let mut client = Client::connect_with(server.addr(), "/proto", offer);
    assert!(
        client
            .head
            .contains("\r\nSec-WebSocket-Protocol: chat.v1\r\n")
    );
    assert_eq!(client.next(), text("chat.v1"));

    // Nothing in common, or nothing offered: the 101 names none.
    for offer in ["Sec-WebSocket-Protocol: mqtt\r\n", ""] {
        let mut client = Client::connect_with(server.addr(), "/proto", offer);
        assert!(
            !client.head.contains("Sec-WebSocket-Protocol"),
            "{}",
            client.head
        );
        assert_eq!(client.next(), text("none"));
    }
    // A route that names no subprotocol never picks one.
    let offer = "Sec-WebSocket-Protocol: chat.v2\r\n";
    let client = Client::connect_with(server.addr(), "/echo", offer);
    assert!(!client.head.contains("Sec-WebSocket-Protocol"));
}

#[test]
fn a_message_of_one_mib_is_echoed_and_one_over_the_limit_is_closed_with_1009() {
    let (server, _) = start();
    let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut client = Client::connect(server.addr(), "/echo");
    client.send_binary(&big);
    assert_eq!(client.next(), Event::Message(Message::Binary(big)));

    let mut small = Client::connect(server.addr(), "/small");
    small.send_binary(&[7; 2048]);
    small.expect_close(1009);
}

#[test]
fn an_unmasked_client_frame_is_closed_with_1002() {
    let (server, _) = start();
    let mut client = Client::connect(server.addr(), "/echo");
    let mut frame = Vec::new();
    encode_frame(&mut frame, true, Opcode::Text, b"plain", None);
    client.stream.write_all(&frame).unwrap();
    client.expect_close(1002);
}

#[test]
fn a_panicking_handler_closes_its_connection_with_1011_and_the_server_answers_on() {
    let (server, _) = start();
    let mut client = Client::connect(server.addr(), "/panic");
    client.send_text("boom");
    client.expect_close(1011);
    let reply = support::request(server.addr(), b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.text(), "hello");
}

#[test]
fn a_refused_upgrade_is_answered_as_http_and_the_connection_goes_on() {
    let (server, _) = start();
    let mut stream = connect(server.addr());
    // No Sec-WebSocket-Key: 400, keep-alive, then a plain request.
    stream
        .write_all(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Version: 13\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let first = support::read_reply(&mut reader, false);
    assert_eq!(first.status, 400);
    let second = support::read_reply(&mut reader, false);
    assert_eq!(second.text(), "hello");
    // A plain GET, no upgrade asked for: 426 Upgrade Required.
    let plain = support::request(server.addr(), b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(plain.status, 426);
    let post = support::request(
        server.addr(),
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(post.status, 405);
}

#[test]
fn a_client_gone_mid_conversation_frees_its_connection() {
    let (server, closed) = start();
    let before = server.stats().open;
    let mut client = Client::connect(server.addr(), "/chat");
    assert_eq!(client.next(), text("joined"));
    assert_eq!(server.stats().open, before + 1);
    assert_eq!(
        server.stats().streams,
        1,
        "a WebSocket holds a max_streams place"
    );
    client.stream.shutdown(Shutdown::Both).unwrap();
    drop(client);
    support::wait_until("the connection is closed", || server.stats().open == before);
    support::wait_until("on_close ran", || closed.load(Ordering::SeqCst) == 1);
    assert_eq!(server.stats().streams, 0);
}

#[test]
fn a_message_to_a_group_reaches_all_three_members() {
    let (server, _) = start();
    let mut members: Vec<Client> = (0..3)
        .map(|_| {
            let mut c = Client::connect(server.addr(), "/chat");
            assert_eq!(c.next(), text("joined"));
            c
        })
        .collect();
    members[1].send_text("hello, room");
    for member in &mut members {
        assert_eq!(member.next(), text("hello, room"));
    }
}

#[test]
fn a_shutdown_closes_open_websockets_with_1001() {
    let (server, _) = start();
    let mut client = Client::connect(server.addr(), "/echo");
    client.send_text("still here");
    assert_eq!(client.next(), text("still here"));
    server.shutdown();
    client.expect_close(1001);
}

#[test]
fn a_client_that_does_not_answer_pings_is_closed_with_1001() {
    let server = App::new()
        .websocket_with(
            "/ws",
            WsOptions {
                ping_interval: Duration::from_millis(100),
                ..WsOptions::default()
            },
            echo,
        )
        .start(settings())
        .unwrap();
    let mut client = Client::connect(server.addr(), "/ws");
    // Our reader queues pongs, but we never send them.
    match client.next() {
        Event::Ping(_) => {}
        other => panic!("expected a ping, got {other:?}"),
    }
    let _ = client.ws.take_output();
    client.expect_close(1001);
}

#[test]
fn a_client_that_does_not_read_makes_its_sender_full_instead_of_growing_the_server() {
    let (report, reports) = std::sync::mpsc::sync_channel(1);
    let server = App::new()
        .websocket("/flood", Flood { report })
        .start(settings())
        .unwrap();
    let mut client = Client::connect(server.addr(), "/flood");
    // The client reads nothing: the socket buffers fill, then the server's
    // output (1 MiB high-water mark), then the sender's queue (1 MiB).
    let (queued, err) = reports.recv_timeout(IO_TIMEOUT).expect("the flood stops");
    assert_eq!(err, WsSendError::Full);
    let bytes = queued * 64 * 1024;
    println!("a client that does not read: {queued} messages ({bytes} bytes) queued before Full");
    // Kernel buffers on loopback hold a few MiB; the server's share is 2 MiB.
    assert!(
        bytes < 32 << 20,
        "{bytes} bytes accepted for a client that reads nothing"
    );
    // The client reads after all: the messages come, in order.
    for i in 0..queued.min(8) {
        assert_eq!(
            client.next(),
            Event::Message(Message::Binary(vec![i as u8; 64 * 1024]))
        );
    }
}

/// The process's resident memory, from /proc (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Idle WebSockets the big test holds: 10,000 descriptors in this process
/// (both ends), under the container's limit of 20,000 (`ulimit -n`).
const IDLE: usize = 5_000;

#[test]
fn five_thousand_idle_websockets_are_held_while_http_is_answered() {
    let (server, _) = start_with(Settings {
        max_connections: IDLE + 100,
        max_streams: IDLE + 10,
        ..settings()
    });
    let addr = server.addr();
    let rss_before = rss_kib();
    let mut held = Vec::with_capacity(IDLE);
    let request = upgrade_request("/idle");
    // In batches: a batch's requests all go out, then their answers are read.
    for _ in 0..IDLE / 250 {
        let mut batch: Vec<TcpStream> = (0..250)
            .map(|_| {
                let mut s = connect(addr);
                s.write_all(request.as_bytes()).unwrap();
                s
            })
            .collect();
        for stream in &mut batch {
            let (head, rest) = read_head(stream);
            assert!(head.starts_with("HTTP/1.1 101"), "{head}");
            assert!(rest.is_empty());
        }
        held.append(&mut batch);
    }
    assert_eq!(server.stats().open as usize, IDLE);
    let rss_after = rss_kib();
    let per_conn = (rss_after.saturating_sub(rss_before)) * 1024 / IDLE as u64;
    println!(
        "{IDLE} idle WebSockets: RSS {rss_before} KiB -> {rss_after} KiB, \
         {per_conn} bytes per connection (server and client ends, one process)"
    );
    assert!(per_conn < 200 * 1024, "{per_conn} bytes per connection");
    // HTTP is still answered, and an echo still works, with all of them open.
    let reply = support::request(addr, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.text(), "hello");
    let mut client = Client::connect(addr, "/echo");
    client.send_text("among thousands");
    assert_eq!(client.next(), text("among thousands"));
    drop(held);
    support::wait_until("the idle ones are closed", || server.stats().open <= 1);
}
