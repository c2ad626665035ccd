//! The step 02 server over real sockets: what it parses and how it refuses bad input.

use std::net::SocketAddr;

use step02::request::MAX_HEAD_BYTES;
use step02::testing::{self, ChildServer};

fn server() -> SocketAddr {
    testing::spawn_server(step02::handle_connection)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("the answer is UTF-8 text")
}

#[test]
fn a_request_is_described_back_in_a_literal_http_response() {
    let answer = text(testing::exchange(
        server(),
        b"GET /hello?x=1 HTTP/1.1\r\nHost: test\r\nX-Custom: yes\r\n\r\n",
    ));
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    assert_eq!(
        head,
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close",
            body.len()
        )
    );
    assert_eq!(
        body,
        "method:  GET\npath:    /hello?x=1\nversion: HTTP/1.1\nheaders: 2\n  Host: test\n  X-Custom: yes\n"
    );
}

#[test]
fn a_request_split_across_several_writes_is_parsed_once_whole() {
    let answer = text(testing::exchange_in_pieces(
        server(),
        &[
            b"GE",
            b"T /split HT",
            b"TP/1.0\r\nHo",
            b"st: a\r\n",
            b"\r\n",
        ],
    ));
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains("path:    /split\nversion: HTTP/1.0\n"),
        "{answer}"
    );
}

#[test]
fn a_malformed_head_gets_400() {
    for bad in [
        &b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"[..],
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", // a TLS hello on the plain port
    ] {
        let answer = text(testing::exchange(server(), bad));
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{bad:?} got {answer}"
        );
    }
}

#[test]
fn a_client_that_hangs_up_half_way_gets_400() {
    let answer = text(testing::exchange_then_hang_up(
        server(),
        b"GET / HTTP/1.1\r\nHost:",
    ));
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with("connection closed in the middle of a request\n"),
        "{answer}"
    );
}

#[test]
fn a_head_over_the_bound_gets_431() {
    let request = format!(
        "GET / HTTP/1.1\r\nX-Padding: {}\r\n\r\n",
        "p".repeat(MAX_HEAD_BYTES)
    );
    let answer = text(testing::exchange(server(), request.as_bytes()));
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{answer}"
    );
}

#[test]
fn the_server_keeps_serving_after_bad_input() {
    let addr = server();
    testing::exchange(addr, b"garbage\r\n\r\n");
    let answer = text(testing::exchange(addr, b"GET /after HTTP/1.1\r\n\r\n"));
    assert!(answer.contains("path:    /after"), "{answer}");
}

#[test]
fn the_binary_prints_its_address_and_answers() {
    let server = ChildServer::spawn(env!("CARGO_BIN_EXE_step02"), &[]);
    let answer = text(testing::exchange(server.addr, b"GET /bin HTTP/1.1\r\n\r\n"));
    assert!(answer.contains("path:    /bin"), "{answer}");
}

/// What `curl -i 'http://127.0.0.1:7878/hello?x=1'` sends (curl 7.88.1, as
/// the tutorial shows): its answer is the tutorial's block, byte for byte.
#[test]
fn the_tutorials_curl_i_is_what_step02_answers() {
    let block = testing::tutorial_block(
        "steps/step02-parse/tests/parse_server.rs",
        "the_tutorials_curl_i_is_what_step02_answers",
    );
    let answer = testing::exchange(
        server(),
        b"GET /hello?x=1 HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    );
    testing::assert_answer_matches_block(&block, &answer);
}
