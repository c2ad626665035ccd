//! The Autobahn test suite's fuzzing-client cases that apply to a server's
//! framing (groups 1 to 7), written as tests against httprs's WebSocket
//! layer over real loopback sockets.
//!
//! Autobahn's `fuzzingclient` (a Python 2 package) connects to an *echo*
//! server, sends each case's bytes (sometimes in chunks, octet by octet),
//! and judges what comes back: the echoed messages, the pongs, and the close
//! code. The server here is the one it runs against:
//! `examples/websocket_echo.rs`'s `serve` (a thread per connection that
//! reads the upgrade with httprs's request decoder, answers with `Upgrade`,
//! then feeds `WebSocket` whatever each read brought and echoes each text
//! and binary message it takes off), on `127.0.0.1:0`, and the framework's
//! own: an `App::websocket` echo route on the event loop
//! (`server/ws_conn.rs`), which takes the bytes in whatever pieces the
//! loop's reads bring and answers from the worker pool. Every case runs
//! against both, and both must send back the same frames: the loop adds
//! no behaviour of its own to the protocol. Each test names its Autobahn
//! case numbers. The real fuzzingclient, run by hand against the example,
//! agrees: see `examples/websocket_echo.rs`.

/// The echo server, shared with the example Autobahn runs against.
#[path = "../examples/websocket_echo.rs"]
mod echo;
mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use httprs::App;
use httprs::dev::websocket::{
    CloseCode, Event, Message, Opcode, WebSocket, accept_key, encode_frame,
};

const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The echo server's maximum message size (case 9 would need more; 1 to 7
/// stay under it). The 1009 test uses a server with a smaller one.
const MAX_MESSAGE: usize = 1 << 20;
/// The key every test client masks with: Autobahn's cases do not depend on it.
const MASK: [u8; 4] = [0x5a, 0x13, 0xc7, 0x02];

/// The smaller maximum of the 1009 test.
const SMALL_MESSAGE: usize = 1 << 16;

/// Where a case's bytes go: the example's echo on its own threads, or the
/// framework's echo route on the event loop.
#[derive(Debug, Clone, Copy)]
enum Target {
    Threads,
    EventLoop,
}

const TARGETS: [Target; 2] = [Target::Threads, Target::EventLoop];

impl Target {
    /// A server of this kind whose messages may be `max_message` bytes
    /// (`MAX_MESSAGE` or `SMALL_MESSAGE`), and the path of its echo.
    fn server(self, max_message: usize) -> (SocketAddr, &'static str) {
        match self {
            Target::Threads => (echo_server(max_message, 1), "/echo"),
            Target::EventLoop => {
                let path = if max_message == MAX_MESSAGE {
                    "/echo"
                } else {
                    assert_eq!(max_message, SMALL_MESSAGE);
                    "/small"
                };
                (event_loop_server(), path)
            }
        }
    }
}

/// One framework server for the whole test binary, started on first use,
/// with an echo route at each maximum; it ends with the process.
fn event_loop_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let app = echo::echo_route(App::new(), "/echo", MAX_MESSAGE);
        let server = echo::echo_route(app, "/small", SMALL_MESSAGE)
            .start(support::settings())
            .expect("start the framework's server");
        let addr = server.addr();
        // Kept running until the test binary exits.
        std::mem::forget(server);
        addr
    })
}

/// Starts an echo server for `connections` connections; returns its address.
fn echo_server(max_message: usize, connections: usize) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let stream = stream.unwrap();
            thread::spawn(move || echo::serve(stream, max_message));
        }
    });
    addr
}

/// A test client: raw bytes out, the server's frames read as events.
struct Client {
    stream: TcpStream,
    reader: WebSocket,
}

impl Client {
    /// Opens a WebSocket to `target`'s echo at `max_message`.
    #[track_caller]
    fn connect(target: Target, max_message: usize) -> Client {
        let (addr, path) = target.server(max_message);
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        let key = "x3JJHMbDL1EzLkh9GBhXDw==";
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: echo\r\n\r\n"
        )
        .unwrap();
        // Read the 101 byte by byte, so that no frame byte is taken with it.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{head}"
        );
        let accept = format!("\r\nSec-WebSocket-Accept: {}\r\n", accept_key(key));
        assert!(head.contains(&accept), "{head}");
        assert!(
            head.contains("\r\nSec-WebSocket-Protocol: echo\r\n"),
            "{head}"
        );
        Client {
            stream,
            reader: WebSocket::client(usize::MAX),
        }
    }

    /// Sends `bytes` in pieces of `chunk` bytes (Autobahn's "chunked" and
    /// "octet-wise" variants). A write the server refuses because it has
    /// already failed the connection is not an error here.
    fn send(&mut self, bytes: &[u8], chunk: usize) {
        for piece in bytes.chunks(chunk.max(1)) {
            if self.stream.write_all(piece).is_err() {
                return;
            }
        }
    }

    /// What the server sent until its close frame (included), then checks
    /// that it also closed the TCP connection.
    #[track_caller]
    fn events_until_close(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        let mut chunk = [0u8; 65536];
        while !self.reader.is_closed() {
            let n = self
                .stream
                .read(&mut chunk)
                .expect("the server answered in time");
            assert!(
                n > 0,
                "the server closed TCP without a close frame: {events:?}"
            );
            events.extend(self.reader.feed_all(&chunk[..n]));
        }
        self.stream.shutdown(Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        match self.stream.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty(), "bytes after the close frame: {rest:?}"),
            Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset),
        }
        events
    }
}

fn frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(&mut out, fin, opcode, payload, Some(MASK));
    out
}

fn text(payload: &str) -> Vec<u8> {
    frame(true, Opcode::Text, payload.as_bytes())
}

fn close(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    frame(true, Opcode::Close, &payload)
}

/// A frame whose first byte (FIN, RSV, opcode) is set by hand.
fn with_first_byte(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = frame(true, Opcode::Binary, payload);
    out[0] = first;
    out
}

/// Runs one case on a fresh connection to each [`Target`]: sends `wire`
/// in pieces of `chunk` bytes, and returns what the server sent back, to
/// its close frame, after checking that both servers sent the same.
#[track_caller]
fn case(wire: &[u8], chunk: usize) -> Vec<Event> {
    let [threads, event_loop] = TARGETS.map(|target| {
        let mut client = Client::connect(target, MAX_MESSAGE);
        client.send(wire, chunk);
        client.events_until_close()
    });
    assert_eq!(
        threads, event_loop,
        "the event loop answered otherwise than the threads"
    );
    threads
}

/// [`case`], ending with the client's close 1000, which the server echoes.
#[track_caller]
fn echo_case(wire: &[u8], chunk: usize) -> Vec<Event> {
    let mut wire = wire.to_vec();
    wire.extend(close(1000, b""));
    let mut events = case(&wire, chunk);
    assert_eq!(events.pop().map(|e| close_code(&e)), Some(Some(1000)));
    events
}

/// The code of a close event (`None` for an empty close).
fn close_code(event: &Event) -> Option<u16> {
    match event {
        Event::Closed(frame) => frame.code.map(CloseCode::get),
        other => panic!("expected the server's close frame, got {other:?}"),
    }
}

/// Asserts the last event is the server's close with `code`; returns the rest.
#[track_caller]
fn failed_with(mut events: Vec<Event>, code: u16) -> Vec<Event> {
    let last = events.pop().expect("a close frame");
    assert_eq!(close_code(&last), Some(code), "{last:?}, after {events:?}");
    events
}

fn echoed_text(t: &str) -> Event {
    Event::Message(Message::Text(t.into()))
}

/// The client's reader is a WebSocket too: the server's pong arrives as this.
fn pong_event(payload: &[u8]) -> Event {
    Event::Pong(payload.to_vec())
}

#[test]
fn case_1_text_and_binary_of_every_length_boundary_are_echoed() {
    // 1.1.1-1.1.7 (text) and 1.2.1-1.2.7 (binary): lengths 0, 125, 126, 127,
    // 128, 65535, 65536; 1.1.8 and 1.2.8: 65536 sent in chunks of 997 bytes.
    for (len, chunk) in [
        (0, usize::MAX),
        (125, usize::MAX),
        (126, usize::MAX),
        (127, usize::MAX),
        (128, usize::MAX),
        (65535, usize::MAX),
        (65536, usize::MAX),
        (65536, 997),
    ] {
        let payload = "*".repeat(len);
        assert_eq!(
            echo_case(&text(&payload), chunk),
            [echoed_text(&payload)],
            "text {len}"
        );
        let bytes = vec![0xfe; len];
        assert_eq!(
            echo_case(&frame(true, Opcode::Binary, &bytes), chunk),
            [Event::Message(Message::Binary(bytes))],
            "binary {len}"
        );
    }
}

#[test]
fn case_2_pings_are_answered_with_their_payload_and_pongs_need_no_answer() {
    // 2.1 (empty ping), 2.2 (text payload), 2.3 (binary payload), 2.4 (125 bytes).
    for payload in [
        &b""[..],
        b"Hello, world!",
        &[0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0],
        &[0xfe; 125],
    ] {
        assert_eq!(
            echo_case(&frame(true, Opcode::Ping, payload), usize::MAX),
            [pong_event(payload)]
        );
    }
    // 2.6: a 125-byte ping sent one byte at a time.
    assert_eq!(
        echo_case(&frame(true, Opcode::Ping, &[0xfe; 125]), 1),
        [pong_event(&[0xfe; 125])]
    );
    // 2.7 and 2.8: unsolicited pongs, empty and with a payload: no answer.
    assert_eq!(echo_case(&frame(true, Opcode::Pong, b""), usize::MAX), []);
    assert_eq!(
        echo_case(&frame(true, Opcode::Pong, b"unsolicited"), usize::MAX),
        []
    );
    // 2.9: an unsolicited pong, then a ping: one pong, to the ping.
    let mut wire = frame(true, Opcode::Pong, b"unsolicited");
    wire.extend(frame(true, Opcode::Ping, b"solicited"));
    assert_eq!(echo_case(&wire, usize::MAX), [pong_event(b"solicited")]);
    // 2.10 and 2.11: ten pings, at once and octet-wise: ten pongs in order.
    let pings: Vec<u8> = (0..10)
        .flat_map(|i| frame(true, Opcode::Ping, format!("payload-{i}").as_bytes()))
        .collect();
    let pongs: Vec<Event> = (0..10)
        .map(|i| pong_event(format!("payload-{i}").as_bytes()))
        .collect();
    assert_eq!(echo_case(&pings, usize::MAX), pongs);
    assert_eq!(echo_case(&pings, 1), pongs);
}

#[test]
fn case_2_5_a_ping_of_126_bytes_fails_the_connection_with_1002() {
    let events = case(&frame(true, Opcode::Ping, &[0xfe; 126]), usize::MAX);
    assert_eq!(failed_with(events, 1002), []);
}

#[test]
fn case_3_reserved_bits_fail_the_connection_with_1002() {
    // 3.1: RSV1 on a text frame.
    assert_eq!(
        failed_with(case(&with_first_byte(0xC1, b"Hello"), usize::MAX), 1002),
        []
    );
    // 3.2 / 3.3 / 3.4: a good text, then RSV2 / RSV1+2 (3.4 octet-wise), then
    // a ping the server must never answer: the text is echoed, then 1002.
    for (first, chunk) in [(0xA1, usize::MAX), (0xE1, usize::MAX), (0xC1 | 0x20, 1)] {
        let mut wire = text("Hello, world!");
        wire.extend(with_first_byte(first, b"Hello, world!"));
        wire.extend(frame(true, Opcode::Ping, b""));
        let events = failed_with(case(&wire, chunk), 1002);
        assert_eq!(events, [echoed_text("Hello, world!")], "{first:#x}");
    }
    // 3.5 binary with RSV1+3, 3.6 ping with RSV2+3, 3.7 close with all three.
    for first in [0x82 | 0x50, 0x89 | 0x30, 0x88 | 0x70] {
        assert_eq!(
            failed_with(case(&with_first_byte(first, b""), usize::MAX), 1002),
            []
        );
    }
}

#[test]
fn case_4_reserved_opcodes_fail_the_connection_with_1002() {
    // 4.1.1-4.1.5: non-control opcodes 3-7; 4.2.1-4.2.5: control 11-15.
    // 4.x.1 alone; the rest after a good text and before a ping.
    for opcode in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        assert_eq!(
            failed_with(case(&with_first_byte(0x80 | opcode, b""), usize::MAX), 1002),
            [],
            "opcode {opcode}"
        );
        let mut wire = text("Hello, world!");
        wire.extend(with_first_byte(0x80 | opcode, b"reserved opcode payload"));
        wire.extend(frame(true, Opcode::Ping, b""));
        let events = failed_with(case(&wire, usize::MAX), 1002);
        assert_eq!(events, [echoed_text("Hello, world!")], "opcode {opcode}");
    }
}

#[test]
fn case_5_fragmented_control_frames_fail_the_connection() {
    // 5.1: a ping in two fragments; 5.2: a pong in two.
    for opcode in [Opcode::Ping, Opcode::Pong] {
        let mut wire = frame(false, opcode, b"fragment1");
        wire.extend(frame(true, Opcode::Continuation, b"fragment2"));
        assert_eq!(failed_with(case(&wire, usize::MAX), 1002), [], "{opcode:?}");
    }
}

#[test]
fn case_5_fragments_join_with_controls_between_however_the_bytes_arrive() {
    // 5.3 / 5.4 / 5.5: text in two fragments, at once, chunked, octet-wise.
    let mut two = frame(false, Opcode::Text, b"fragment1");
    two.extend(frame(true, Opcode::Continuation, b"fragment2"));
    for chunk in [usize::MAX, 10, 1] {
        assert_eq!(echo_case(&two, chunk), [echoed_text("fragment1fragment2")]);
    }
    // 5.6 / 5.7 / 5.8: a ping between the two fragments: its pong comes first.
    let mut with_ping = frame(false, Opcode::Text, b"fragment1");
    with_ping.extend(frame(true, Opcode::Ping, b"ping payload"));
    with_ping.extend(frame(true, Opcode::Continuation, b"fragment2"));
    for chunk in [usize::MAX, 10, 1] {
        assert_eq!(
            echo_case(&with_ping, chunk),
            [
                pong_event(b"ping payload"),
                echoed_text("fragment1fragment2")
            ]
        );
    }
    // 5.19 / 5.20: five fragments with pings between: each ping answered,
    // then the whole message.
    let mut five = frame(false, Opcode::Text, b"fragment1");
    for i in 2..=5 {
        five.extend(frame(true, Opcode::Ping, format!("pongme {i}!").as_bytes()));
        five.extend(frame(
            i == 5,
            Opcode::Continuation,
            format!("fragment{i}").as_bytes(),
        ));
    }
    let mut expected: Vec<Event> = (2..=5)
        .map(|i| pong_event(format!("pongme {i}!").as_bytes()))
        .collect();
    expected.push(echoed_text("fragment1fragment2fragment3fragment4fragment5"));
    for chunk in [usize::MAX, 7] {
        assert_eq!(echo_case(&five, chunk), expected);
    }
}

#[test]
fn case_5_continuations_out_of_place_fail_the_connection_with_1002() {
    // 5.9-5.11: a lone final continuation (then a text never reached), at
    // once, chunked, octet-wise; 5.12-5.14: the same, not final.
    for fin in [true, false] {
        let mut wire = frame(fin, Opcode::Continuation, b"non-continuation payload");
        wire.extend(text("Hello, world!"));
        for chunk in [usize::MAX, 10, 1] {
            assert_eq!(
                failed_with(case(&wire, chunk), 1002),
                [],
                "fin {fin}, chunk {chunk}"
            );
        }
    }
    // 5.15: a whole fragmented message, then a non-final continuation
    // without a start: the first message is echoed, then 1002.
    let mut wire = frame(false, Opcode::Text, b"fragment1");
    wire.extend(frame(true, Opcode::Continuation, b"fragment2"));
    wire.extend(frame(false, Opcode::Continuation, b"fragment3"));
    wire.extend(frame(true, Opcode::Text, b"fragment4"));
    assert_eq!(
        failed_with(case(&wire, usize::MAX), 1002),
        [echoed_text("fragment1fragment2")]
    );
    // 5.16 / 5.17: continuation, then text, then continuation: 1002 at once.
    for first_fin in [false, true] {
        let mut wire = frame(first_fin, Opcode::Continuation, b"fragment1");
        wire.extend(frame(false, Opcode::Text, b"fragment2"));
        wire.extend(frame(true, Opcode::Continuation, b"fragment3"));
        assert_eq!(failed_with(case(&wire, usize::MAX), 1002), []);
    }
    // 5.18: text fragment, then another text frame (not a continuation).
    let mut wire = frame(false, Opcode::Text, b"fragment1");
    wire.extend(frame(true, Opcode::Text, b"fragment2"));
    assert_eq!(failed_with(case(&wire, usize::MAX), 1002), []);
}

#[test]
fn case_6_valid_utf8_is_echoed_however_it_is_fragmented() {
    let samples = [
        "Hello-µ@ßöäüàá-UTF-8!!",              // 6.2.1-6.2.4
        "κόσμε",                               // 6.5.1, 6.6.x
        "\u{0}\u{80}\u{800}\u{10000}",         // 6.7.x: first of each length
        "\u{7f}\u{7ff}\u{ffff}\u{10ffff}",     // 6.8.x: last of each length
        "\u{d7ff}\u{e000}\u{fffd}",            // 6.9.x: other boundaries
        "\u{fffe}\u{ffff}\u{1fffe}\u{10fffe}", // 6.23.x: noncharacters are valid
    ];
    for sample in samples {
        // 6.2.1: whole; 6.2.2: two fragments cut inside a character; 6.2.3/6.2.4: octet-wise.
        assert_eq!(echo_case(&text(sample), usize::MAX), [echoed_text(sample)]);
        assert_eq!(echo_case(&text(sample), 1), [echoed_text(sample)]);
        let bytes = sample.as_bytes();
        let mut fragments = Vec::new();
        for (i, piece) in bytes.chunks(1).enumerate() {
            let opcode = if i == 0 {
                Opcode::Text
            } else {
                Opcode::Continuation
            };
            fragments.extend(frame(i + 1 == bytes.len(), opcode, piece));
        }
        assert_eq!(
            echo_case(&fragments, usize::MAX),
            [echoed_text(sample)],
            "{sample:?}"
        );
    }
    // 6.1.1-6.1.3: empty text, empty fragments, and fragments around one empty.
    let mut empty = frame(false, Opcode::Text, b"");
    empty.extend(frame(false, Opcode::Continuation, b""));
    empty.extend(frame(true, Opcode::Continuation, b""));
    assert_eq!(echo_case(&empty, usize::MAX), [echoed_text("")]);
    let mut middle = frame(false, Opcode::Text, b"");
    middle.extend(frame(false, Opcode::Continuation, b"middle frame payload"));
    middle.extend(frame(true, Opcode::Continuation, b""));
    assert_eq!(
        echo_case(&middle, usize::MAX),
        [echoed_text("middle frame payload")]
    );
}

#[test]
fn case_6_invalid_utf8_fails_the_connection_with_1007() {
    let invalid: &[&[u8]] = &[
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", // 6.3.1: a surrogate
        b"\x80",                 // 6.8.x: a lone continuation byte
        b"\xc0\xaf",             // 6.10.x: an overlong '/'
        b"\xe0\x80\xaf",         // 6.10.x: overlong, 3 bytes
        b"\xf4\x90\x80\x80",     // 6.11.x: past U+10FFFF
        b"\xf8\x88\x80\x80\x80", // 6.12.x: a 5-byte sequence
        b"\xfe",                 // 6.14.x: impossible bytes
        b"\xed\xbf\xbf",         // 6.19.x: a low surrogate
        b"\xce",                 // 6.21.x: text that ends inside a character
    ];
    for bytes in invalid {
        let wire = frame(true, Opcode::Text, bytes);
        // 6.3.1 whole and 6.3.2 octet-wise.
        for chunk in [usize::MAX, 1] {
            assert_eq!(failed_with(case(&wire, chunk), 1007), [], "{bytes:02x?}");
        }
    }
}

/// 6.4.1-6.4.4: the connection fails as soon as the text *so far* cannot be
/// UTF-8, before the rest is sent.
#[test]
fn case_6_4_invalid_utf8_fails_fast_before_the_message_ends() {
    let good = "κόσμε".as_bytes();
    let bad = b"\xf4\x90\x80\x80";
    for target in TARGETS {
        case_6_4_on(target, good, bad);
    }
}

fn case_6_4_on(target: Target, good: &[u8], bad: &[u8]) {
    // 6.4.1: three fragments; the second makes it invalid; the third is
    // never sent, and the server has failed the connection already.
    let mut client = Client::connect(target, MAX_MESSAGE);
    let mut first_two = frame(false, Opcode::Text, good);
    first_two.extend(frame(false, Opcode::Continuation, bad));
    client.send(&first_two, usize::MAX);
    assert_eq!(failed_with(client.events_until_close(), 1007), []);
    // 6.4.2: the invalid byte pair is cut between fragments (\xf4 | \x90).
    let mut client = Client::connect(target, MAX_MESSAGE);
    let mut cut = good.to_vec();
    cut.push(0xf4);
    let mut wire = frame(false, Opcode::Text, &cut);
    wire.extend(frame(false, Opcode::Continuation, &[0x90]));
    client.send(&wire, usize::MAX);
    assert_eq!(failed_with(client.events_until_close(), 1007), []);
    // 6.4.3 / 6.4.4: one frame, sent in pieces; the server fails it after
    // the piece that makes it invalid, with the rest of the frame unsent.
    let mut payload = good.to_vec();
    payload.extend_from_slice(bad);
    payload.extend_from_slice(b"edited");
    let whole = frame(true, Opcode::Text, &payload);
    let stop = 6 + good.len() + 2; // header (2 + mask 4), κόσμε, \xf4\x90
    let mut client = Client::connect(target, MAX_MESSAGE);
    client.send(&whole[..stop], 1);
    assert_eq!(failed_with(client.events_until_close(), 1007), []);
}

#[test]
fn case_7_1_nothing_is_answered_after_a_close() {
    // 7.1.1: a message, then a close: echoed, then the close echoed.
    assert_eq!(
        echo_case(&text("Hello World!"), usize::MAX),
        [echoed_text("Hello World!")]
    );
    // 7.1.2-7.1.5: a close, then a second close, a ping, a text, or the
    // rest of a fragmented message: none of them answered.
    let after_close = [
        close(1000, b""),
        frame(true, Opcode::Ping, b"Hello World!"),
        text("Hello World!"),
        frame(true, Opcode::Continuation, b"fragment2"),
    ];
    for tail in after_close {
        let mut wire = frame(false, Opcode::Text, b"fragment1");
        wire.extend(close(1000, b""));
        wire.extend(tail);
        assert_eq!(failed_with(case(&wire, usize::MAX), 1000), []);
    }
    // 7.1.6: a large message then a close: the message goes first, whole.
    let big = "BAsd7&jh23".repeat(26_215);
    assert_eq!(echo_case(&text(&big), usize::MAX), [echoed_text(&big)]);
}

#[test]
fn case_7_3_close_payloads_of_each_shape() {
    // 7.3.1: an empty close is answered with an empty close.
    let events = case(&frame(true, Opcode::Close, b""), usize::MAX);
    assert_eq!(events.iter().map(close_code).collect::<Vec<_>>(), [None]);
    // 7.3.2: one byte of payload: 1002.
    assert_eq!(
        failed_with(case(&frame(true, Opcode::Close, b"a"), usize::MAX), 1002),
        []
    );
    // 7.3.3-7.3.5: a code, a code and a reason, a 123-byte reason: echoed.
    for reason in [&b""[..], b"Hello World!", &[b'*'; 123]] {
        assert_eq!(
            failed_with(case(&close(1000, reason), usize::MAX), 1000),
            []
        );
    }
    // 7.3.6: a 124-byte reason makes a 126-byte control frame: 1002.
    assert_eq!(
        failed_with(case(&close(1000, &[b'*'; 124]), usize::MAX), 1002),
        []
    );
    // 7.5.1: a reason that is not UTF-8: 1007.
    let reason =
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64";
    assert_eq!(
        failed_with(case(&close(1000, reason), usize::MAX), 1007),
        []
    );
}

#[test]
fn case_7_7_and_7_9_valid_close_codes_are_echoed_and_invalid_ones_are_1002() {
    // 7.7.1-7.7.13: codes a peer may send, echoed.
    for code in [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ] {
        assert_eq!(
            failed_with(case(&close(code, b""), usize::MAX), code),
            [],
            "{code}"
        );
    }
    // 7.9.1-7.9.9 and 7.13.1-7.13.2: codes no peer may send.
    for code in [
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        assert_eq!(
            failed_with(case(&close(code, b""), usize::MAX), 1002),
            [],
            "{code}"
        );
    }
}

#[test]
fn an_unmasked_client_frame_fails_the_connection_with_1002() {
    let mut unmasked = Vec::new();
    encode_frame(&mut unmasked, true, Opcode::Text, b"Hello", None);
    assert_eq!(failed_with(case(&unmasked, usize::MAX), 1002), []);
}

#[test]
fn a_message_over_the_maximum_fails_the_connection_with_1009_from_its_header() {
    for target in TARGETS {
        over_the_maximum_on(target);
    }
}

fn over_the_maximum_on(target: Target) {
    // Only the header of a 2 MiB frame is sent: the server refuses it
    // without waiting for the payload.
    let mut client = Client::connect(target, SMALL_MESSAGE);
    let big = frame(true, Opcode::Binary, &vec![0; 2 << 20]);
    client.send(&big[..14], usize::MAX);
    assert_eq!(failed_with(client.events_until_close(), 1009), []);
    // And fragments that pass it together, though each fits.
    let mut client = Client::connect(target, SMALL_MESSAGE);
    let mut wire = frame(false, Opcode::Binary, &vec![0; 40_000]);
    wire.extend(frame(true, Opcode::Continuation, &vec![0; 40_000]));
    client.send(&wire, usize::MAX);
    assert_eq!(failed_with(client.events_until_close(), 1009), []);
}

#[test]
fn a_handshake_with_another_version_gets_426() {
    for target in TARGETS {
        another_version_on(target);
    }
}

fn another_version_on(target: Target) {
    let (addr, _) = target.server(MAX_MESSAGE);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
        .write_all(
            b"GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nSec-WebSocket-Version: 8\r\n\r\n",
        )
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
}
