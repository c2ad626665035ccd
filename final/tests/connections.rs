//! Connections over real sockets: keep-alive, pipelining, HTTP/1.0, HEAD,
//! `Expect: 100-continue`, slow and panicking handlers, several addresses,
//! the connection cap and graceful shutdown.

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use httprs::Settings;
use support::{IO_TIMEOUT, connect, read_reply, read_to_close, start, start_with, status_of};

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let (server, _gate) = start();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for i in 0..200 {
        // One write per request: `write!` on a socket would send each piece
        // separately and Nagle's algorithm would then delay the tail.
        let request = format!("GET /hello/{i} HTTP/1.1\r\nHost: a\r\n\r\n");
        writer.write_all(request.as_bytes()).unwrap();
        let reply = read_reply(&mut reader, false);
        assert_eq!(reply.text(), format!("Hello, {i}!"));
        assert_eq!(reply.header("connection"), None);
    }
    assert_eq!(server.stats().accepted, 1);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let (server, _gate) = start();
    let mut stream = connect(server.addr());
    let mut burst = String::new();
    for i in 0..50 {
        // Mix fast routes with one that echoes a body, all in one write.
        if i % 7 == 3 {
            burst.push_str(&format!(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\nbody{i}",
                format!("body{i}").len()
            ));
        } else {
            burst.push_str(&format!("GET /hello/{i} HTTP/1.1\r\nHost: a\r\n\r\n"));
        }
    }
    burst.push_str("GET /hello/last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    stream.write_all(burst.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    for i in 0..50 {
        let expected = if i % 7 == 3 {
            format!("body{i}")
        } else {
            format!("Hello, {i}!")
        };
        assert_eq!(read_reply(&mut reader, false).text(), expected);
    }
    let last = read_reply(&mut reader, false);
    assert_eq!(last.text(), "Hello, last!");
    assert_eq!(last.header("connection"), Some("close"));
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let (server, _gate) = start();
    let raw = support::exchange(server.addr(), b"GET /hello/old HTTP/1.0\r\n\r\n");
    assert!(raw.contains("Connection: close\r\n"), "{raw}");
    assert!(raw.ends_with("Hello, old!"), "{raw}");

    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for _ in 0..3 {
        writer
            .write_all(b"GET /hello/old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
        let reply = read_reply(&mut reader, false);
        assert_eq!(reply.header("connection"), Some("keep-alive"));
        assert_eq!(reply.text(), "Hello, old!");
    }
}

#[test]
fn head_gets_the_get_headers_without_a_body() {
    let (server, _gate) = start();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // HEAD then GET on one connection: if HEAD sent a body, the GET would misparse.
    writer
        .write_all(b"HEAD /hello/head HTTP/1.1\r\nHost: a\r\n\r\nGET /hello/next HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let head = read_reply(&mut reader, true);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("12"));
    assert_eq!(read_reply(&mut reader, false).text(), "Hello, next!");
}

#[test]
fn every_response_carries_date_length_and_server() {
    let (server, _gate) = start();
    let reply = support::request(server.addr(), b"GET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n");
    let date = reply.header("date").expect("Date");
    assert!(httpdate_like(date), "{date}");
    assert_eq!(reply.header("server"), Some("httprs"));
    assert_eq!(reply.header("content-length"), Some("9"));
    let closing = support::exchange(server.addr(), b"GET /close HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(closing.contains("Connection: close\r\n"), "{closing}");
}

fn httpdate_like(s: &str) -> bool {
    s.len() == 29 && s.ends_with(" GMT") && s.as_bytes()[3] == b','
}

#[test]
fn expect_100_continue_gets_an_interim_answer_before_the_body() {
    let (server, _gate) = start();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    writer
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        )
        .unwrap();
    // The body is not sent until the server says so.
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "\r\n");
    writer.write_all(b"hello").unwrap();
    assert_eq!(read_reply(&mut reader, false).text(), "hello");
}

#[test]
fn an_over_limit_body_with_expect_gets_413_instead_of_100() {
    let (server, _gate) = start();
    let raw = support::exchange(
        server.addr(),
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n",
    );
    assert_eq!(status_of(&raw), 413, "{raw}");
    assert!(!raw.contains("100 Continue"), "{raw}");
}

#[test]
fn a_chunked_body_is_decoded_for_the_handler() {
    let (server, _gate) = start();
    let reply = support::request(
        server.addr(),
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\nTrailer: t\r\n\r\n",
    );
    assert_eq!(reply.text(), "hello, world");
}

#[test]
fn a_blocked_handler_does_not_stall_other_connections() {
    let (server, gate) = start();
    let mut blocked = connect(server.addr());
    blocked
        .write_all(b"GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    gate.wait_for_waiters(1);
    // While /block waits at the gate, other connections are served...
    for i in 0..20 {
        let reply = support::request(
            server.addr(),
            format!("GET /hello/{i} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes(),
        );
        assert_eq!(reply.status, 200);
    }
    // ...and the blocked one has had no answer yet.
    blocked.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let early = blocked.read(&mut byte);
    assert!(
        matches!(&early, Err(e) if e.kind() == ErrorKind::WouldBlock),
        "{early:?}"
    );
    blocked.set_nonblocking(false).unwrap();
    gate.open();
    let reply = read_reply(&mut BufReader::new(blocked), false);
    assert_eq!(reply.text(), "unblocked");
}

#[test]
fn a_panicking_handler_gets_500_and_the_server_lives_on() {
    let (server, _gate) = start();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // More panics than workers: every worker survives (or is replaced).
    for _ in 0..5 {
        writer
            .write_all(b"GET /panic HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let reply = read_reply(&mut reader, false);
        assert_eq!(reply.status, 500);
        assert!(
            !reply.text().contains("the handler broke"),
            "no details unless debug"
        );
    }
    writer
        .write_all(b"GET /hello/after HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(read_reply(&mut reader, false).text(), "Hello, after!");
}

#[test]
fn a_header_that_would_split_the_response_is_a_500_and_never_reaches_the_wire() {
    let (server, _gate) = start();
    // `Response::redirect(&req.query("next"))`, with `next` a CR LF and a cookie.
    let raw = support::exchange(
        server.addr(),
        b"GET /go?next=/x%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&raw), 500, "{raw}");
    assert!(
        !raw.contains("Set-Cookie") && !raw.contains("Location"),
        "{raw}"
    );
    assert_eq!(raw.matches("HTTP/1.1 ").count(), 1, "one response: {raw}");
    // The same handler with a harmless `next` redirects as asked.
    let reply = support::request(
        server.addr(),
        b"GET /go?next=/x HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert_eq!((reply.status, reply.header("location")), (303, Some("/x")));
}

#[test]
fn an_informational_status_from_a_handler_is_a_500_not_a_final_1xx() {
    let (server, _gate) = start();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for code in [100, 101, 103] {
        let request = format!("GET /status/{code} HTTP/1.1\r\nHost: a\r\n\r\n");
        writer.write_all(request.as_bytes()).unwrap();
        assert_eq!(read_reply(&mut reader, false).status, 500, "{code}");
    }
    // The connection carries on: a 500 is a response like any other.
    writer
        .write_all(b"GET /status/299 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(read_reply(&mut reader, false).status, 299);
}

#[test]
fn debug_mode_shows_the_panic_message() {
    let (server, _gate) = start_with(Settings {
        debug: true,
        ..support::settings()
    });
    let reply = support::request(server.addr(), b"GET /panic HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("the handler broke"),
        "{}",
        reply.text()
    );
}

#[test]
fn the_server_listens_on_several_addresses_at_once() {
    let (server, _gate) = start_with(Settings {
        addrs: vec!["127.0.0.1:0".into(), "127.0.0.1:0".into()],
        ..support::settings()
    });
    let addrs = server.addrs().to_vec();
    assert_eq!(addrs.len(), 2);
    assert_ne!(addrs[0], addrs[1]);
    for addr in addrs {
        let reply = support::request(addr, b"GET /hello/both HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(reply.text(), "Hello, both!");
    }
}

#[test]
fn connections_beyond_the_cap_are_refused_and_open_ones_keep_working() {
    let (server, _gate) = start_with(Settings {
        max_connections: 2,
        ..support::settings()
    });
    let mut open: Vec<(BufReader<TcpStream>, TcpStream)> = (0..2)
        .map(|_| {
            let s = connect(server.addr());
            (BufReader::new(s.try_clone().unwrap()), s)
        })
        .collect();
    for (reader, writer) in &mut open {
        writer
            .write_all(b"GET /hello/in HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        assert_eq!(read_reply(reader, false).status, 200);
    }
    let mut third = connect(server.addr());
    let refused = String::from_utf8_lossy(&read_to_close(&mut third)).into_owned();
    assert_eq!(status_of(&refused), 503, "{refused}");
    for (reader, writer) in &mut open {
        writer
            .write_all(b"GET /hello/still HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        assert_eq!(read_reply(reader, false).text(), "Hello, still!");
    }
    assert_eq!(server.stats().refused, 1);
}

#[test]
fn shutdown_finishes_the_request_in_flight_then_stops() {
    let (server, gate) = start();
    let addr = server.addr();
    let handle = server.shutdown_handle();
    let mut idle = connect(addr);
    idle.write_all(b"GET /hello/idle HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut idle_reader = BufReader::new(idle.try_clone().unwrap());
    assert_eq!(read_reply(&mut idle_reader, false).status, 200);

    let mut busy = connect(addr);
    busy.write_all(b"GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    // Once the handler is running, ask the server to stop.
    gate.wait_for_waiters(1);
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        server.join();
        done_tx.send(()).unwrap();
    });
    handle.shutdown();
    // The idle connection is closed at once...
    assert_eq!(idle_reader.read(&mut [0u8; 1]).unwrap(), 0);
    // ...the busy one still gets its answer, marked as the last.
    gate.open();
    let raw = String::from_utf8_lossy(&read_to_close(&mut busy)).into_owned();
    assert!(raw.ends_with("unblocked"), "{raw}");
    assert!(raw.contains("Connection: close\r\n"), "{raw}");
    done_rx.recv_timeout(IO_TIMEOUT).expect("server stopped");
    // And nothing listens any more.
    assert!(TcpStream::connect(addr).is_err());
    drop(idle);
}

#[test]
fn a_handler_stuck_past_the_shutdown_deadline_does_not_hold_up_the_stop() {
    let (server, gate) = start_with(Settings {
        shutdown_timeout: std::time::Duration::from_millis(200),
        ..support::settings()
    });
    let mut stuck = connect(server.addr());
    stuck
        .write_all(b"GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    gate.wait_for_waiters(1);
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        server.shutdown();
        done_tx.send(()).unwrap();
    });
    // The server stops although the handler is still waiting at the gate...
    done_rx.recv_timeout(IO_TIMEOUT).expect("server stopped");
    // ...and the client's connection was closed without an answer.
    assert_eq!(read_to_close(&mut stuck), b"");
    gate.open();
}

#[test]
fn a_fast_handler_that_suddenly_blocks_its_event_loop_is_taken_over() {
    // One event loop, so that every connection depends on it.
    let (server, gate) = start_with(Settings {
        event_loops: 1,
        ..support::settings()
    });
    let stream = connect(server.addr());
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // Fast calls until the dispatcher runs the route on the loop's own thread.
    let mut runs_on_the_loop = false;
    for _ in 0..2000 {
        writer
            .write_all(b"GET /flaky HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        if read_reply(&mut reader, false)
            .text()
            .starts_with("httprs-loop")
        {
            runs_on_the_loop = true;
            break;
        }
    }
    assert!(runs_on_the_loop, "the route was never run inline");
    // Now it blocks, inside the event loop's thread...
    writer
        .write_all(b"GET /flaky?block HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    gate.wait_for_waiters(1);
    // ...and other connections are still served: another thread took the loop over.
    let reply = support::request(
        server.addr(),
        b"GET /hello/other HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert_eq!(reply.text(), "Hello, other!");
    assert_eq!(
        gate.still_waiting(),
        1,
        "served only after the handler gave up"
    );
    gate.open();
    let blocked = read_reply(&mut reader, false);
    assert!(
        blocked.text().starts_with("httprs-loop"),
        "{}",
        blocked.text()
    );
}

#[test]
fn a_client_that_sends_its_requests_and_half_closes_gets_every_answer_then_a_close() {
    // `printf '...' | nc -N host port`: the requests and the FIN arrive
    // together, after the server has accepted the connection and found
    // nothing to read, so one readable event announces both. The server must
    // still see the FIN once it has answered, not wait for the idle timeout
    // (30 s here, far past the 5 s this test waits before calling it a hang).
    let (server, _gate) = start_with(Settings {
        idle_timeout: Duration::from_secs(30),
        ..support::settings()
    });
    for round in 0..10 {
        let mut stream = connect(server.addr());
        // Let the server accept and go back to waiting for bytes.
        thread::sleep(Duration::from_millis(20));
        stream
            .write_all(
                b"GET /hello/a HTTP/1.1\r\nHost: a\r\n\r\nGET /hello/b HTTP/1.1\r\nHost: a\r\n\r\n",
            )
            .unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(err) => panic!(
                    "round {round}: no close 5 s after both answers were due ({err}); got {:?}",
                    String::from_utf8_lossy(&got)
                ),
            }
        }
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.contains("Hello, a!") && text.ends_with("Hello, b!"),
            "round {round}: {text}"
        );
    }
}
