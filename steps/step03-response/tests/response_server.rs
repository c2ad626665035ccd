//! The step 03 server over real sockets: exact bytes of its responses.

use std::net::SocketAddr;

use step03::request::MAX_BODY_BYTES;
use step03::testing::{self, ChildServer};

fn server() -> SocketAddr {
    testing::spawn_server(step03::handle_connection)
}

/// Splits a response into its status line, its header lines and its body.
#[track_caller]
fn parse(bytes: &[u8]) -> (String, Vec<(String, String)>, Vec<u8>) {
    let answer = testing::Answer::parse(bytes);
    (answer.status_line, answer.headers, answer.body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_home_page_has_the_exact_status_line_and_headers() {
    let (status, headers, body) = parse(&testing::exchange(
        server(),
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ));
    assert_eq!(status, "HTTP/1.1 200 OK");
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Content-Type", "Content-Length", "Date", "Connection"]
    );
    assert_eq!(
        header(&headers, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        header(&headers, "Content-Length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(header(&headers, "Connection"), Some("close"));
    let date = header(&headers, "Date").unwrap();
    assert!(date.ends_with(" GMT") && date.len() == 29, "date {date:?}");
    let html = String::from_utf8(body).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<title>httprs step 03</title>"));
}

#[test]
fn an_unknown_path_gets_the_404_page() {
    let (status, headers, body) =
        parse(&testing::exchange(server(), b"GET /nope HTTP/1.1\r\n\r\n"));
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(
        header(&headers, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("<h1>Not Found</h1>")
    );
}

#[test]
fn a_body_is_read_by_content_length_even_when_it_arrives_late() {
    let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let head = format!(
        "POST /echo HTTP/1.1\r\nContent-Type: application/x-test\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    );
    // The head and the body's first bytes in one write, the rest in two more.
    let mut first = head.into_bytes();
    first.extend_from_slice(&payload[..10]);
    let answer =
        testing::exchange_in_pieces(server(), &[&first, &payload[10..500], &payload[500..]]);
    let (status, headers, body) = parse(&answer);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(header(&headers, "Content-Type"), Some("application/x-test"));
    assert!(
        body == payload,
        "the echoed body differs from what was sent"
    );
}

#[test]
fn bytes_after_content_length_are_not_part_of_the_body() {
    let answer = testing::exchange(
        server(),
        b"POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
    );
    assert_eq!(parse(&answer).2, b"abc");
}

#[test]
fn a_body_over_the_limit_gets_413_without_being_read() {
    let request = format!(
        "POST /echo HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    let (status, _, body) = parse(&testing::exchange(server(), request.as_bytes()));
    assert_eq!(status, "HTTP/1.1 413 Content Too Large");
    assert!(String::from_utf8(body).unwrap().contains("over the limit"));
}

#[test]
fn bad_requests_get_their_status_and_a_reason() {
    let cases: &[(&[u8], &str)] = &[
        (b"NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        (
            b"POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "HTTP/1.1 400 Bad Request",
        ),
        (
            b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 501 Not Implemented",
        ),
    ];
    for (request, expected) in cases {
        let (status, _, _) = parse(&testing::exchange(server(), request));
        assert_eq!(
            &status,
            expected,
            "for {:?}",
            String::from_utf8_lossy(request)
        );
    }
}

#[test]
fn the_binary_serves_the_home_page() {
    let server = ChildServer::spawn(env!("CARGO_BIN_EXE_step03"), &[]);
    let (status, _, _) = parse(&testing::exchange(server.addr, b"GET / HTTP/1.1\r\n\r\n"));
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[test]
fn a_panicking_application_costs_one_500_not_the_server() {
    let addr = testing::spawn_server(|stream| {
        step03::handle_connection_with(stream, |head, _body| {
            if head.path == "/boom" {
                panic!("a bug in a handler");
            }
            step03::response::Response::text("still here")
        })
    });
    let (status, _, body) = parse(&testing::exchange(addr, b"GET /boom HTTP/1.1\r\n\r\n"));
    assert_eq!(status, "HTTP/1.1 500 Internal Server Error");
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("handler panicked")
    );
    let (status, _, body) = parse(&testing::exchange(addr, b"GET / HTTP/1.1\r\n\r\n"));
    assert_eq!(
        (status.as_str(), body.as_slice()),
        ("HTTP/1.1 200 OK", &b"still here"[..])
    );
}

/// What `curl -i http://127.0.0.1:7878/` sends (curl 7.88.1): the answer is
/// the tutorial's block, but for the date; the block trims the page.
#[test]
fn the_tutorials_curl_i_of_the_home_page_is_what_step03_answers() {
    let block = testing::tutorial_block(
        "steps/step03-response/tests/response_server.rs",
        "the_tutorials_curl_i_of_the_home_page_is_what_step03_answers",
    );
    let answer = testing::exchange(
        server(),
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    );
    testing::assert_answer_matches_block(&block, &answer);
}
