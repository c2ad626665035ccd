//! Exercise 11: a connection on a non-blocking socket.
//! Run with `cargo run -p exercises -- check ex11_connection`.
//!
//! Every test is one conversation with a `FakeSocket`: bytes "arrive", the
//! test plays the event loop (`on_readable`, `queue`, `on_writable`), and
//! checks what came out. No threads, no clocks, no real sockets.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex11_connection.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex11_connection.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex11_connection;

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use ex11_connection::{BadRequest, Connection, MAX_HEAD, MAX_HEADERS};

const GET_A: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
const GET_B: &[u8] = b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
const GET_C: &[u8] = b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
const ANSWER: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";

/// One read event, summed up as "GET /a" per request and "400"/"431" per bad one.
#[track_caller]
fn read_event(conn: &mut Connection, sock: &mut FakeSocket) -> Vec<String> {
    let parsed = conn
        .on_readable(sock)
        .expect("the fake socket's reads do not fail in this test");
    parsed
        .into_iter()
        .map(|item| match item {
            Ok(request) => format!("{} {}", request.method, request.path),
            Err(bad) => bad.status().to_string(),
        })
        .collect()
}

/// Answers `n` items with [`ANSWER`] and lets the socket take it all.
#[track_caller]
fn answer(conn: &mut Connection, sock: &mut FakeSocket, n: usize) {
    for _ in 0..n {
        conn.queue(ANSWER);
    }
    conn.on_writable(sock)
        .expect("the fake socket's writes do not fail in this test");
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A pretend non-blocking socket, scripted by the tests.
///
/// Reading returns what has "arrived", one arrival per `read` at most (as
/// TCP segments do), then `Err(WouldBlock)` while nothing more has arrived,
/// and `Ok(0)` for ever once the peer's end of file has arrived. Writing
/// accepts at most [`FakeSocket::set_write_room`] more bytes (unlimited at
/// first), then says `Err(WouldBlock)`: the kernel's send buffer is full.
#[derive(Debug)]
pub struct FakeSocket {
    arrivals: VecDeque<Arrival>,
    eof: bool,
    write_room: usize,
    written: Vec<u8>,
}

#[derive(Debug)]
enum Arrival {
    Bytes(Vec<u8>),
    Eof,
    Error(io::ErrorKind),
}

impl FakeSocket {
    /// A socket with nothing to read yet and unlimited room to write.
    pub fn new() -> FakeSocket {
        FakeSocket {
            arrivals: VecDeque::new(),
            eof: false,
            write_room: usize::MAX,
            written: Vec::new(),
        }
    }

    /// Bytes arrive from the peer; a `read` returns at most these at once.
    pub fn arrive(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.arrivals.push_back(Arrival::Bytes(bytes.to_vec()));
        }
    }

    /// The peer closes its side: after the bytes before it, reads return `Ok(0)`.
    pub fn arrive_eof(&mut self) {
        self.arrivals.push_back(Arrival::Eof);
    }

    /// The next read (after the bytes before it) fails with `kind`, once.
    pub fn arrive_error(&mut self, kind: io::ErrorKind) {
        self.arrivals.push_back(Arrival::Error(kind));
    }

    /// From now on `write` accepts `bytes` more bytes in total, then blocks.
    pub fn set_write_room(&mut self, bytes: usize) {
        self.write_room = bytes;
    }

    /// Everything written to the socket so far.
    pub fn written(&self) -> &[u8] {
        &self.written
    }

    /// How many arrived bytes nobody has read yet.
    pub fn unread(&self) -> usize {
        self.arrivals
            .iter()
            .map(|a| match a {
                Arrival::Bytes(bytes) => bytes.len(),
                _ => 0,
            })
            .sum()
    }
}

impl Default for FakeSocket {
    fn default() -> FakeSocket {
        FakeSocket::new()
    }
}

impl Read for FakeSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.eof || buf.is_empty() {
            return Ok(0);
        }
        match self.arrivals.front_mut() {
            None => Err(io::ErrorKind::WouldBlock.into()),
            Some(Arrival::Bytes(bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                bytes.drain(..n);
                if bytes.is_empty() {
                    self.arrivals.pop_front();
                }
                Ok(n)
            }
            Some(Arrival::Eof) => {
                self.eof = true;
                self.arrivals.pop_front();
                Ok(0)
            }
            Some(&mut Arrival::Error(kind)) => {
                self.arrivals.pop_front();
                Err(kind.into())
            }
        }
    }
}

impl Write for FakeSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.write_room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.write_room);
        self.written.extend_from_slice(&buf[..n]);
        self.write_room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_whole_request_in_one_read_is_returned() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"GET /hello?x=1 HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n");
    let parsed = conn.on_readable(&mut sock).unwrap();
    assert_eq!(parsed.len(), 1, "{parsed:?}");
    let request = parsed[0].as_ref().expect("a valid request");
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/hello?x=1");
    assert_eq!(request.version, 1);
    assert_eq!(request.header("host"), Some("example.org"));
    assert_eq!(request.headers.len(), 2);
}

#[test]
fn nothing_to_read_yet_is_an_empty_list_not_an_error() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    assert_eq!(
        read_event(&mut conn, &mut sock),
        Vec::<String>::new(),
        "WouldBlock on the first read means \"nothing for now\": return an empty list"
    );
    assert!(!conn.should_close(), "an idle connection stays open");
}

#[test]
fn a_head_split_byte_by_byte_is_returned_once_at_its_last_byte() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    let (last, start) = GET_A.split_last().unwrap();
    for &byte in start {
        sock.arrive(&[byte]);
        assert_eq!(
            read_event(&mut conn, &mut sock),
            Vec::<String>::new(),
            "an incomplete head is `Partial`: keep its bytes and wait"
        );
    }
    sock.arrive(&[*last]);
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a"]);
    assert_eq!(read_event(&mut conn, &mut sock), Vec::<String>::new());
}

#[test]
fn one_event_reads_everything_that_has_arrived() {
    // Three arrivals before one event: edge-triggered readiness will not say
    // again that they are there, so all of them must be read now.
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    let (first, rest) = GET_A.split_at(10);
    sock.arrive(first);
    sock.arrive(rest);
    sock.arrive(GET_B);
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a", "GET /b"]);
    assert_eq!(sock.unread(), 0, "read until the socket says WouldBlock");
}

#[test]
fn pipelined_requests_in_one_read_are_all_returned_in_order() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(&concat(&[GET_A, GET_B, GET_C]));
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["GET /a", "GET /b", "GET /c"],
        "one read can hold several requests: parse until the buffer has no complete head left"
    );
}

#[test]
fn the_bytes_after_a_request_wait_for_the_rest_of_the_next() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    let (b_start, b_rest) = GET_B.split_at(9);
    sock.arrive(&concat(&[GET_A, b_start]));
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a"]);
    sock.arrive(b_rest);
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["GET /b"],
        "the start of /b must stay in the buffer after /a is taken off it"
    );
}

#[test]
fn an_arrival_bigger_than_any_read_buffer_is_read_whole() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    let many: Vec<u8> = (0..300)
        .flat_map(|i| format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes())
        .collect();
    assert!(many.len() > 8000);
    sock.arrive(&many);
    let got = read_event(&mut conn, &mut sock);
    let expected: Vec<String> = (0..300).map(|i| format!("GET /{i}")).collect();
    assert_eq!(got, expected);
}

#[test]
fn queued_answers_are_written_in_order() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(&concat(&[GET_A, GET_B]));
    assert_eq!(read_event(&mut conn, &mut sock).len(), 2);
    conn.queue(b"answer to a;");
    conn.queue(b"answer to b;");
    assert!(conn.wants_write());
    conn.on_writable(&mut sock).unwrap();
    assert_eq!(sock.written(), b"answer to a;answer to b;");
    assert!(!conn.wants_write(), "everything was written");
}

#[test]
fn a_partial_write_keeps_the_rest_for_the_next_writable_event() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    conn.queue(b"hello world");
    sock.set_write_room(3);
    conn.on_writable(&mut sock)
        .expect("WouldBlock on write is not an error: the rest waits");
    assert_eq!(sock.written(), b"hel");
    assert!(conn.wants_write(), "8 bytes are still waiting");
    sock.set_write_room(4);
    conn.on_writable(&mut sock).unwrap();
    assert_eq!(
        sock.written(),
        b"hello w",
        "the next write continues where the socket stopped"
    );
    sock.set_write_room(usize::MAX);
    conn.on_writable(&mut sock).unwrap();
    assert_eq!(sock.written(), b"hello world");
    assert!(!conn.wants_write());
}

#[test]
fn a_socket_that_takes_nothing_is_not_an_error() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    conn.queue(ANSWER);
    sock.set_write_room(0);
    conn.on_writable(&mut sock)
        .expect("a full send buffer (WouldBlock) is normal");
    assert_eq!(sock.written(), b"");
    assert!(conn.wants_write());
}

#[test]
fn a_keep_alive_connection_stays_open_after_its_answer() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(GET_A);
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a"]);
    answer(&mut conn, &mut sock, 1);
    assert!(
        !conn.should_close(),
        "HTTP/1.1 keeps the connection for the next request"
    );
    sock.arrive(GET_B);
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /b"]);
}

#[test]
fn end_of_file_closes_once_the_answers_are_written() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(GET_A);
    sock.arrive_eof();
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a"]);
    assert!(
        !conn.should_close(),
        "a half-closed client still waits for its answer: one is owed"
    );
    conn.queue(ANSWER);
    sock.set_write_room(5);
    conn.on_writable(&mut sock).unwrap();
    assert!(!conn.should_close(), "the answer is not all written yet");
    sock.set_write_room(usize::MAX);
    conn.on_writable(&mut sock).unwrap();
    assert!(
        conn.should_close(),
        "end of file, nothing owed, nothing left to write"
    );
    assert_eq!(sock.written(), ANSWER);
}

#[test]
fn end_of_file_with_nothing_owed_closes_at_once() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive_eof();
    assert_eq!(read_event(&mut conn, &mut sock), Vec::<String>::new());
    assert!(
        conn.should_close(),
        "read returned Ok(0): the peer has gone"
    );
}

#[test]
fn end_of_file_in_the_middle_of_a_head_drops_it() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"GET /a HT");
    sock.arrive_eof();
    assert_eq!(read_event(&mut conn, &mut sock), Vec::<String>::new());
    assert!(conn.should_close(), "nobody can finish that head now");
}

#[test]
fn answers_owed_are_counted_one_per_item() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(&concat(&[GET_A, GET_B]));
    sock.arrive_eof();
    assert_eq!(read_event(&mut conn, &mut sock).len(), 2);
    answer(&mut conn, &mut sock, 1);
    assert!(!conn.should_close(), "/b has not been answered yet");
    answer(&mut conn, &mut sock, 1);
    assert!(conn.should_close());
}

#[test]
fn connection_close_is_the_last_request_read() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(&concat(&[
        b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        GET_B,
    ]));
    sock.arrive(GET_C);
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["GET /a"],
        "requests pipelined after a `Connection: close` are never answered"
    );
    assert!(sock.unread() > 0, "after a close, stop reading");
    assert_eq!(read_event(&mut conn, &mut sock), Vec::<String>::new());
    assert!(!conn.should_close(), "/a's answer is still owed");
    answer(&mut conn, &mut sock, 1);
    assert!(conn.should_close());
}

#[test]
fn http_1_0_closes_after_its_answer_unless_it_asks_for_keep_alive() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /old"]);
    answer(&mut conn, &mut sock, 1);
    assert!(conn.should_close(), "HTTP/1.0 closes by default");

    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /old"]);
    answer(&mut conn, &mut sock, 1);
    assert!(!conn.should_close());
}

#[test]
fn a_head_over_the_limit_is_431_and_reading_stops_at_the_limit() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"GET / HTTP/1.1\r\n");
    // 50 header lines of 1000 bytes each, and never the empty line.
    let line = format!("X-Filler: {}\r\n", "a".repeat(988));
    for _ in 0..50 {
        sock.arrive(line.as_bytes());
    }
    let total = 16 + 50 * 1000;
    assert_eq!(read_event(&mut conn, &mut sock), ["431"]);
    let consumed = total - sock.unread();
    assert!(
        consumed < 2 * MAX_HEAD,
        "{consumed} bytes were read for a head that was too long after {MAX_HEAD}: \
         check the limit after every read, not once the client stops"
    );
    assert!(!conn.should_close(), "the 431 answer is owed");
    answer(&mut conn, &mut sock, 1);
    assert!(conn.should_close(), "after a bad request, close");
}

#[test]
fn a_long_head_that_does_end_is_still_431() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    let head = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "b".repeat(9000));
    sock.arrive(head.as_bytes());
    assert_eq!(read_event(&mut conn, &mut sock), ["431"]);
}

#[test]
fn a_head_of_exactly_max_head_bytes_is_accepted() {
    let filler = MAX_HEAD - b"GET / HTTP/1.1\r\nX-Fill: \r\n\r\n".len();
    let head = format!("GET / HTTP/1.1\r\nX-Fill: {}\r\n\r\n", "c".repeat(filler));
    assert_eq!(head.len(), MAX_HEAD);
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(head.as_bytes());
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /"]);

    let one_more = head.replacen("X-Fill: ", "X-Fill: c", 1);
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(one_more.as_bytes());
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["431"],
        "MAX_HEAD + 1 bytes"
    );
}

#[test]
fn too_many_header_lines_are_431() {
    let mut head = String::from("GET / HTTP/1.1\r\n");
    for i in 0..=MAX_HEADERS {
        head.push_str(&format!("X-{i}: y\r\n"));
    }
    head.push_str("\r\n");
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(head.as_bytes());
    assert_eq!(read_event(&mut conn, &mut sock), ["431"]);
}

#[test]
fn garbage_is_answered_400_after_the_good_requests_before_it() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(&concat(&[GET_A, b"HELLO THERE\r\n\r\n", GET_B]));
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["GET /a", "400"],
        "/a is answered, then the 400; after garbage nothing more is read"
    );
    answer(&mut conn, &mut sock, 1);
    assert!(!conn.should_close(), "the 400 is still owed");
    answer(&mut conn, &mut sock, 1);
    assert!(conn.should_close());
}

#[test]
fn a_head_that_announces_a_body_is_refused() {
    for head in [
        &b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"[..],
        b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ] {
        let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
        sock.arrive(head);
        assert_eq!(
            read_event(&mut conn, &mut sock),
            ["400"],
            "{}",
            String::from_utf8_lossy(head)
        );
    }
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive(b"POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(
        read_event(&mut conn, &mut sock),
        ["POST /a"],
        "an empty body is no body"
    );
}

#[test]
fn an_interrupted_read_is_tried_again() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive_error(io::ErrorKind::Interrupted);
    sock.arrive(GET_A);
    assert_eq!(read_event(&mut conn, &mut sock), ["GET /a"]);
}

#[test]
fn a_broken_connection_is_an_error() {
    let (mut conn, mut sock) = (Connection::new(), FakeSocket::new());
    sock.arrive_error(io::ErrorKind::ConnectionReset);
    let err = conn
        .on_readable(&mut sock)
        .expect_err("a reset is not WouldBlock: return it");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
}

#[test]
fn bad_request_statuses_are_400_and_431() {
    // Given code, checked so that the summaries above mean what they say.
    assert_eq!(BadRequest::Malformed.status(), 400);
    assert_eq!(BadRequest::HeadTooLarge.status(), 431);
}
