//! Where RFC 9110 and RFC 9112 leave no choice, over a real socket: an
//! invalid `Host` is 400, a method httprs does not implement is 501 whatever
//! the routes say, bytes that cannot start a request get a 400 at once,
//! `OPTIONS *` is answered, and `HTTP/1.2` is read as HTTP/1.1.

mod support;

use std::io::{BufReader, Write};
use std::time::Duration;

use httprs::Settings;
use support::{connect, exchange, read_reply, read_to_close, start, start_with, status_of};

/// Every method the server implements, as `OPTIONS *` lists them.
const ALLOW: &str = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

/// The first bytes of a TLS 1.2/1.3 ClientHello: a handshake record (0x16),
/// version 3.1, a length, then the hello itself (type 1, version 3.3, random).
const CLIENT_HELLO: &[u8] = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\
    \x8a\x1f\x5c\x02\xe4\x77\x90\x10\x33\xbb\x2d\x6a\x41\x08\xf2\xc9\
    \x5e\x11\x7d\xa0\x04\x9e\x66\x13\xd2\x80\x3b\x47\x19\xec\x05\x21\
    \x20\x00\x3e\x13\x02\x13\x03\x13\x01";

/// Sends `request` on a new connection, expects `status` and a close after it.
#[track_caller]
fn closes_with(addr: std::net::SocketAddr, request: &[u8], status: u16) {
    let raw = exchange(addr, request);
    assert_eq!(
        status_of(&raw),
        status,
        "{:?} got {raw}",
        String::from_utf8_lossy(request)
    );
}

#[test]
fn a_host_that_is_not_a_host_and_port_is_400() {
    let (server, _gate) = start();
    let addr = server.addr();
    for host in [
        "a b",
        "user@example.com",
        "user:secret@example.com",
        "exa\"mple",
        "a/b",
        "a:",
        "a:http",
        "a:65536",
        "a:1:2",
        "[::1",
        "[::1]x",
    ] {
        let request = format!("GET /hello/x HTTP/1.1\r\nHost: {host}\r\n\r\n");
        closes_with(addr, request.as_bytes(), 400);
    }
    // A name, an IPv4 or bracketed IPv6 address, a port; and an empty Host,
    // which RFC 9112 §3.2 has a client send when the URI has no authority.
    for host in [
        "example.com",
        "127.0.0.1:8080",
        "[::1]:80",
        "localhost:1",
        "",
    ] {
        let request = format!("GET /hello/x HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let reply = support::request(addr, request.as_bytes());
        assert_eq!(reply.status, 200, "Host: {host:?}");
    }
}

#[test]
fn an_unimplemented_method_is_501_even_where_an_any_method_route_matches() {
    let (server, _gate) = start();
    let addr = server.addr();
    let long = "A".repeat(500);
    // `^/posts/(?P<year>[0-9]{4})/$` takes any method, and answers none of these.
    for method in ["get", "Get", "PROPFIND", "TRACE", long.as_str()] {
        let request = format!("{method} /posts/2026/ HTTP/1.1\r\nHost: a\r\n\r\n");
        let reply = support::request(addr, request.as_bytes());
        assert_eq!(reply.status, 501, "{:.20}", method);
    }
    let reply = support::request(addr, b"CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(reply.status, 501);
    // The request was framed fine, so the connection goes on after the 501.
    let mut stream = connect(addr);
    stream
        .write_all(b"get /hello/x HTTP/1.1\r\nHost: a\r\n\r\nPATCH /posts/2026/ HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(read_reply(&mut reader, false).status, 501);
    let patched = read_reply(&mut reader, false);
    assert_eq!((patched.status, patched.text()), (200, "PATCH 2026".into()));
}

#[test]
fn a_tls_client_hello_on_the_plain_port_gets_400_and_a_close_at_once() {
    // Timeouts far longer than the client waits: only an answer at once passes.
    let (server, _gate) = start_with(Settings {
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..support::settings()
    });
    let addr = server.addr();
    let hello_after_empty_lines = [&b"\r\n\r\n"[..], CLIENT_HELLO].concat();
    let after_a_request = [
        &b"GET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n"[..],
        CLIENT_HELLO,
    ]
    .concat();
    for (bytes, answers) in [
        (CLIENT_HELLO, 1),
        (&hello_after_empty_lines[..], 1),
        (&after_a_request[..], 2),
    ] {
        let mut stream = connect(addr);
        // A hang check, not a speed test: 2 s against a 30 s header timeout.
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        stream.write_all(bytes).unwrap();
        let raw = String::from_utf8_lossy(&read_to_close(&mut stream)).into_owned();
        assert_eq!(raw.matches("HTTP/1.1 ").count(), answers, "{raw}");
        let last = raw.rfind("HTTP/1.1 ").unwrap();
        assert_eq!(status_of(&raw[last..]), 400, "{raw}");
    }
}

#[test]
fn options_star_is_200_with_allow_and_an_empty_body() {
    let (server, _gate) = start();
    let addr = server.addr();
    let reply = support::request(addr, b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("allow"), Some(ALLOW));
    assert_eq!(reply.header("content-length"), Some("0"));
    assert!(reply.body.is_empty());
    // OPTIONS on a path is the route table's: 405 with the path's own
    // methods where only other methods match, the handler where any does.
    let reply = support::request(addr, b"OPTIONS /hello/x HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(
        (reply.status, reply.header("allow")),
        (405, Some("GET, HEAD"))
    );
    let reply = support::request(addr, b"OPTIONS /posts/2026/ HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((reply.status, reply.text()), (200, "OPTIONS 2026".into()));
}

#[test]
fn a_higher_minor_version_is_answered_as_http_1_1_and_a_higher_major_is_505() {
    let (server, _gate) = start();
    let addr = server.addr();
    // Read as HTTP/1.1: answered in 1.1, and kept alive as 1.1 is.
    let mut stream = connect(addr);
    stream
        .write_all(b"GET /hello/two HTTP/1.2\r\nHost: a\r\n\r\nGET /hello/nine HTTP/1.9\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    for name in ["two", "nine"] {
        let reply = read_reply(&mut reader, false);
        assert!(reply.head.starts_with("HTTP/1.1 200 "), "{}", reply.head);
        assert_eq!(reply.text(), format!("Hello, {name}!"));
        assert_eq!(reply.header("connection"), None);
    }
    for version in ["HTTP/2.0", "HTTP/3.1", "HTTP/9.9"] {
        let request = format!("GET /hello/x {version}\r\nHost: a\r\n\r\n");
        closes_with(addr, request.as_bytes(), 505);
    }
}
