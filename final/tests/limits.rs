//! Every limit and every kind of bad input, over a real socket: each gets its
//! status and the connection is closed after it (`exchange` reads until the
//! server closes, so a server that kept the connection open would time out).

mod support;

use std::io::{BufReader, Read, Write};
use std::thread;
use std::time::Duration;

use httprs::Settings;
use support::{connect, exchange, read_reply, read_to_close, start, start_with, status_of};

#[track_caller]
fn answers(request: &[u8], expected: u16) -> String {
    let (server, _gate) = start();
    let raw = exchange(server.addr(), request);
    assert_eq!(status_of(&raw), expected, "{raw}");
    assert_eq!(
        raw.matches("HTTP/1.1 ").count(),
        1,
        "exactly one response: {raw}"
    );
    raw
}

#[test]
fn a_head_over_the_limit_is_431() {
    let big = format!(
        "GET /hello/x HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "a".repeat(2000)
    );
    answers(big.as_bytes(), 431);
}

#[test]
fn too_many_header_fields_are_431() {
    let many: String = (0..101).map(|i| format!("x{i}:1\r\n")).collect();
    answers(
        format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n").as_bytes(),
        431,
    );
}

#[test]
fn a_request_target_longer_than_the_head_limit_is_414() {
    let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(2000));
    answers(long.as_bytes(), 414);
}

#[test]
fn the_head_limit_is_configurable() {
    let (server, _gate) = start_with(Settings {
        max_head_bytes: 8192,
        ..support::settings()
    });
    let big = format!(
        "GET /hello/x HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "a".repeat(2000)
    );
    assert_eq!(support::request(server.addr(), big.as_bytes()).status, 200);
}

#[test]
fn a_body_over_the_limit_is_413_before_the_body_is_sent() {
    // The body never comes: a server that waited for it would time out the test.
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n",
        413,
    );
}

#[test]
fn a_chunked_body_over_the_limit_is_413() {
    let chunk = format!("200\r\n{}\r\n", "a".repeat(0x200));
    let request = format!(
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}{chunk}"
    );
    answers(request.as_bytes(), 413);
}

#[test]
fn a_client_too_slow_to_send_its_head_gets_408_and_is_closed() {
    let (server, _gate) = start();
    let mut stream = connect(server.addr());
    stream.write_all(b"GET /hello/slow HTTP/1.1\r\nHo").unwrap();
    let raw = String::from_utf8_lossy(&read_to_close(&mut stream)).into_owned();
    assert_eq!(status_of(&raw), 408, "{raw}");
}

#[test]
fn a_client_dripping_bytes_still_gets_408() {
    let (server, _gate) = start();
    let mut stream = connect(server.addr());
    // One byte every 50 ms: always some activity, never a complete head.
    let dripper = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            for b in b"GET /hello/slow HTTP/1.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
                if stream.write_all(&[*b]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let raw = String::from_utf8_lossy(&read_to_close(&mut stream)).into_owned();
    assert_eq!(status_of(&raw), 408, "{raw}");
    dripper.join().unwrap();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let (server, _gate) = start();
    let mut stream = connect(server.addr());
    stream
        .write_all(b"GET /hello/idle HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    assert_eq!(read_reply(&mut reader, false).status, 200);
    // Nothing more is sent: the server closes (read returns 0) well before our 10 s bound.
    let mut byte = [0u8; 1];
    assert_eq!(reader.read(&mut byte).unwrap(), 0);
}

#[test]
fn malformed_request_lines_and_headers_are_400() {
    for bad in [
        &b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\n bad: fold\r\n\r\n",
        b"this is not http\r\n\r\n",
        b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET nowhere HTTP/1.1\r\nHost: a\r\n\r\n",
        b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
    ] {
        answers(bad, 400);
    }
}

#[test]
fn a_transfer_coding_other_than_chunked_is_501() {
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
        501,
    );
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        501,
    );
}

#[test]
fn a_major_version_other_than_1_is_505() {
    answers(b"GET /hello/x HTTP/2.0\r\nHost: a\r\n\r\n", 505);
    answers(b"GET /hello/x HTTP/3.1\r\nHost: a\r\n\r\n", 505);
    // HTTP/1.2 is read as HTTP/1.1 (RFC 9110 §2.5): tests/conformance.rs.
}

#[test]
fn content_length_with_transfer_encoding_is_400_and_nothing_is_smuggled() {
    let raw = answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello/smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        400,
    );
    assert!(!raw.contains("smuggled"), "{raw}");
}

#[test]
fn conflicting_content_lengths_are_400() {
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
    );
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd",
        400,
    );
}

#[test]
fn bad_chunk_size_lines_are_400() {
    for line in ["zz", "", ";ext=1", "1 1", "0x1", "10000000000000000", "-1"] {
        let request = format!(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{line}\r\nabc\r\n0\r\n\r\n"
        );
        answers(request.as_bytes(), 400);
    }
}

#[test]
fn http_1_1_needs_exactly_one_host() {
    answers(b"GET /hello/x HTTP/1.1\r\n\r\n", 400);
    answers(b"GET /hello/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    // HTTP/1.0 predates Host: none is fine.
    let (server, _gate) = start();
    assert_eq!(
        support::request(server.addr(), b"GET /hello/x HTTP/1.0\r\n\r\n").status,
        200
    );
}

#[test]
fn a_bare_lf_ends_lines_but_a_bare_cr_is_400() {
    let (server, _gate) = start();
    let reply = support::request(server.addr(), b"GET /hello/lf HTTP/1.1\nHost: a\n\n");
    assert_eq!(reply.text(), "Hello, lf!");
    answers(b"GET /hello/cr HTTP/1.1\rHost: a\r\n\r\n", 400);
    answers(b"GET /hello/cr HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400);
    answers(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n",
        400,
    );
}
