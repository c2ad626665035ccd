//! The step 05 demo routes over real sockets: parameters, regular
//! expressions, 404, 405 with `Allow`, `HEAD`, the trailing-slash rule, and
//! `/sleep` on the pool.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use step04::{RunningServer, spawn_server};
use step05::router::Router;
use step05::testing::{self, Answer, ChildServer, IO_TIMEOUT};

/// Serves `router` the way the binary does: on a pool, one router for all workers.
fn serve(router: Router) -> RunningServer {
    let router = Arc::new(router);
    spawn_server(4, move |stream| step05::handle_connection(stream, &router))
}

/// The demo routes, with a `/sleep` that returns at once.
fn demo() -> RunningServer {
    serve(step05::demo_router_with(|| {}))
}

/// Sends `request` (a head, and maybe a body) and splits the answer.
#[track_caller]
fn send(addr: SocketAddr, request: &str) -> Answer {
    Answer::parse(&testing::exchange(addr, request.as_bytes()))
}

#[track_caller]
fn get(addr: SocketAddr, target: &str) -> Answer {
    send(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n"),
    )
}

#[test]
fn a_named_parameter_and_a_query_value_arrive_percent_decoded() {
    let server = demo();
    let answer = get(
        server.addr,
        "/hello/J%C3%BCrgen?greeting=Gr%C3%BC%C3%9F+dich",
    );
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(answer.text(), "Grüß dich, Jürgen!\n");
    assert_eq!(get(server.addr, "/hello/ann").text(), "Hello, ann!\n");
    server.stop();
}

#[test]
fn a_regular_expression_route_captures_its_named_group() {
    let server = demo();
    let answer = get(server.addr, "/articles/1999/");
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(answer.text(), "Articles from 1999: none yet.\n");
    // Three digits do not match `[0-9]{4}`.
    assert_eq!(
        get(server.addr, "/articles/999/").status_line,
        "HTTP/1.1 404 Not Found"
    );
    server.stop();
}

#[test]
fn a_missing_trailing_slash_is_redirected_and_an_extra_one_is_not_found() {
    let server = demo();
    let answer = get(server.addr, "/articles/2024?page=2");
    assert_eq!(answer.status_line, "HTTP/1.1 308 Permanent Redirect");
    assert_eq!(answer.header("Location"), Some("/articles/2024/?page=2"));
    assert_eq!(
        get(server.addr, "/hello/ann/").status_line,
        "HTTP/1.1 404 Not Found"
    );
    server.stop();
}

#[test]
fn an_unknown_path_gets_the_404_page() {
    let server = demo();
    let answer = get(server.addr, "/no/such/page");
    assert_eq!(answer.status_line, "HTTP/1.1 404 Not Found");
    assert!(
        answer.text().contains("<h1>Not Found</h1>"),
        "{}",
        answer.text()
    );
    server.stop();
}

#[test]
fn a_known_path_with_the_wrong_method_gets_405_and_allow() {
    let server = demo();
    let answer = send(
        server.addr,
        "DELETE /hello/ann HTTP/1.1\r\nHost: test\r\n\r\n",
    );
    assert_eq!(answer.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(answer.header("Allow"), Some("GET, HEAD"));
    let answer = get(server.addr, "/echo");
    assert_eq!(answer.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(answer.header("Allow"), Some("POST"));
    server.stop();
}

#[test]
fn head_gets_the_get_headers_and_no_body() {
    let server = demo();
    let full = get(server.addr, "/");
    let head = send(server.addr, "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(head.status_line, "HTTP/1.1 200 OK");
    assert!(!full.body.is_empty());
    assert_eq!(
        head.header("Content-Length"),
        Some(full.body.len().to_string().as_str())
    );
    assert_eq!(head.header("Content-Type"), full.header("Content-Type"));
    assert!(head.body.is_empty(), "{:?}", head.text());
    server.stop();
}

#[test]
fn the_index_datetime_and_echo_routes_answer() {
    let server = demo();
    let index = get(server.addr, "/");
    assert!(index.text().contains("<title>httprs step 05</title>"));
    let clock = get(server.addr, "/datetime");
    assert_eq!(clock.status_line, "HTTP/1.1 200 OK");
    assert!(
        clock.text().starts_with("It is ") && clock.text().ends_with(" GMT.\n"),
        "{}",
        clock.text()
    );
    let echo = send(
        server.addr,
        "POST /echo HTTP/1.1\r\nContent-Type: text/x-test\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(echo.header("Content-Type"), Some("text/x-test"));
    assert_eq!(echo.body, b"hello");
    server.stop();
}

#[test]
fn the_home_page_is_answered_while_sleep_is_in_flight() {
    // `/sleep` tells us when it starts, then waits until we drop `release`.
    let (started, naps) = mpsc::sync_channel(1);
    let (release, wait) = mpsc::channel::<()>();
    let wait = Mutex::new(wait);
    let server = serve(step05::demo_router_with(move || {
        let _ = started.try_send(());
        let _ = wait.lock().unwrap().recv_timeout(IO_TIMEOUT);
    }));
    let (finished, order) = mpsc::channel();
    let addr = server.addr;
    let sleeper_finished = finished.clone();
    let sleeper = thread::spawn(move || {
        let answer = get(addr, "/sleep");
        sleeper_finished
            .send(("/sleep", answer.status_line))
            .unwrap();
    });
    naps.recv_timeout(IO_TIMEOUT).expect("/sleep started");
    finished.send(("/", get(addr, "/").status_line)).unwrap();
    drop(release);
    sleeper.join().unwrap();
    let order: Vec<(&str, String)> = order.try_iter().collect();
    let ok = "HTTP/1.1 200 OK".to_string();
    assert_eq!(order, [("/", ok.clone()), ("/sleep", ok)]);
    server.stop();
}

#[test]
fn the_binary_routes_a_percent_encoded_name() {
    let server = ChildServer::spawn(env!("CARGO_BIN_EXE_step05"), &[]);
    let answer = get(server.addr, "/hello/caf%C3%A9");
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(answer.text(), "Hello, café!\n");
}

/// The tutorial's `curl -i` of `/hello/J%C3%BCrgen?greeting=...` (curl
/// 7.88.1): the answer is its block, but for the date.
#[test]
fn the_tutorials_curl_i_of_a_greeting_is_what_step05_answers() {
    let block = testing::tutorial_block(
        "steps/step05-routing/tests/router_server.rs",
        "the_tutorials_curl_i_of_a_greeting_is_what_step05_answers",
    );
    let server = demo();
    let answer = testing::exchange(
        server.addr,
        b"GET /hello/J%C3%BCrgen?greeting=Gr%C3%BC%C3%9F+dich HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    );
    testing::assert_answer_matches_block(&block, &answer);
}
