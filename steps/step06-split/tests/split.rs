//! The real `front` and `backend` binaries, on ephemeral loopback ports.
//!
//! Every child process is a [`ChildServer`], killed when dropped, so a
//! failing test leaves nothing running. No test asserts on elapsed time:
//! where timing matters (the 504), the margins are orders of magnitude wide.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use step06::split::protocol::{self, MAX_FRAME_BYTES, Message};
use step06::testing::{self, Answer, ChildServer};

/// A backend and a front pointed at it.
struct Split {
    // Field order is drop order: the front goes first, then its backend.
    front: ChildServer,
    backend: ChildServer,
}

fn start_backend(args: &[&str]) -> ChildServer {
    ChildServer::spawn(env!("CARGO_BIN_EXE_backend"), args)
}

fn start_front(backend: SocketAddr, args: &[&str]) -> ChildServer {
    let backend = backend.to_string();
    let mut all = vec!["--backend", backend.as_str()];
    all.extend_from_slice(args);
    ChildServer::spawn(env!("CARGO_BIN_EXE_front"), &all)
}

fn start(front_args: &[&str], backend_args: &[&str]) -> Split {
    let backend = start_backend(backend_args);
    let front = start_front(backend.addr, front_args);
    Split { front, backend }
}

#[track_caller]
fn get(addr: SocketAddr, path: &str) -> Answer {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    Answer::parse(&testing::exchange(addr, request.as_bytes()))
}

#[track_caller]
fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Answer {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    Answer::parse(&testing::exchange(addr, &request))
}

/// Speaks the protocol to a backend directly, as a front would.
fn backend_request(id: u64, method: &str, path: &str, body: &[u8]) -> Message {
    Message::Request(protocol::Request {
        id,
        method: method.into(),
        path: path.into(),
        query: String::new(),
        headers: vec![("Host".into(), "test".into())],
        body: body.to_vec(),
    })
}

#[track_caller]
fn read_reply(stream: &mut TcpStream) -> protocol::Response {
    match protocol::read_frame(stream) {
        Ok(Some(Message::Response(response))) => response,
        other => panic!("expected a response frame, got {other:?}"),
    }
}

/// Whether the peer closed `stream` (end of stream or reset) rather than answering.
fn closed_by_peer(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(err) => matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        ),
    }
}

#[test]
fn a_browser_like_get_is_answered_end_to_end() {
    let split = start(&[], &[]);
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\n\
         User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0\r\n\
         Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
         Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n\
         Connection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\n\r\n",
        split.front.addr
    );
    let reply = Answer::parse(&testing::exchange(split.front.addr, request.as_bytes()));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        reply.header("Content-Length"),
        Some(reply.body.len().to_string().as_str())
    );
    assert_eq!(reply.header("Connection"), Some("close"));
    assert!(reply.text().to_lowercase().starts_with("<!doctype html>"));
    // An unknown path is the application's 404, carried through the protocol.
    assert_eq!(get(split.front.addr, "/no/such/page").status, 404);
}

#[test]
fn step05_routes_parameters_and_queries_work_through_the_front() {
    let split = start(&[], &[]);
    let hello = get(split.front.addr, "/hello/J%C3%BCrgen?greeting=Servus");
    assert_eq!(
        (hello.status, hello.text().as_str()),
        (200, "Servus, Jürgen!\n")
    );
    let articles = get(split.front.addr, "/articles/2024/");
    assert_eq!(articles.status, 200);
    assert!(articles.text().contains("2024"), "{}", articles.text());
    // The router's 405 and its Allow header come through the protocol intact.
    let wrong_method = post(split.front.addr, "/hello/x", b"");
    assert_eq!(wrong_method.status, 405);
    assert!(
        wrong_method
            .header("Allow")
            .is_some_and(|allow| allow.contains("GET"))
    );
}

#[test]
fn a_head_request_gets_the_head_of_the_get_and_no_body() {
    let split = start(&[], &[]);
    let get = get(split.front.addr, "/");
    let request = format!("HEAD / HTTP/1.1\r\nHost: {}\r\n\r\n", split.front.addr);
    let head = Answer::parse(&testing::exchange(split.front.addr, request.as_bytes()));
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), get.header("Content-Length"));
    assert!(head.body.is_empty());
}

#[test]
fn a_binary_post_body_comes_back_byte_for_byte() {
    let split = start(&[], &[]);
    // Every byte value, zero and invalid UTF-8 included, 100 KB of them.
    let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let reply = post(split.front.addr, "/echo", &payload);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("Content-Type"),
        Some("application/octet-stream")
    );
    assert!(reply.body == payload, "the echoed body differs");
}

#[test]
fn fifty_concurrent_clients_each_get_their_own_answer() {
    let split = start(&[], &[]);
    let addr = split.front.addr;
    let clients: Vec<_> = (0..50)
        .map(|i| {
            thread::spawn(move || {
                // A body unique to this client, binary for odd ones, so a
                // reply delivered to the wrong client cannot go unnoticed.
                let mut body = format!("client {i} says hello").into_bytes();
                if i % 2 == 1 {
                    body.extend_from_slice(&[0xFF, i as u8, 0x00]);
                }
                let reply = post(addr, "/echo", &body);
                (i, reply.status, reply.body == body)
            })
        })
        .collect();
    for client in clients {
        let (i, status, matched) = client.join().expect("client thread");
        assert_eq!(status, 200, "client {i}");
        assert!(matched, "client {i} got someone else's reply");
    }
}

#[test]
fn requests_on_one_connection_are_answered_one_at_a_time_in_order() {
    // One connection, three requests at once, the first one slow: the
    // backend answers them one by one, in the order they came, so the
    // quick ones wait for the slow one; the ids say which reply is which.
    let backend = start_backend(&["--sleep-ms", "300"]);
    let mut stream = testing::connect(backend.addr);
    protocol::write_frame(&mut stream, &backend_request(1, "GET", "/sleep", b"")).unwrap();
    protocol::write_frame(&mut stream, &backend_request(2, "POST", "/echo", b"two")).unwrap();
    protocol::write_frame(&mut stream, &backend_request(3, "POST", "/echo", b"three")).unwrap();
    let replies: Vec<_> = (0..3).map(|_| read_reply(&mut stream)).collect();
    let ids: Vec<u64> = replies.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2, 3], "answered in order");
    for reply in &replies {
        assert_eq!(reply.status, 200);
        let expected: &[u8] = match reply.id {
            2 => b"two",
            3 => b"three",
            _ => continue,
        };
        assert_eq!(reply.body, expected, "reply {}", reply.id);
    }
}

#[test]
fn forty_requests_in_one_write_are_all_answered_in_order() {
    // 40 requests in one write: the backend reads one, answers it, reads
    // the next; the rest wait in the socket's buffer meanwhile.
    let backend = start_backend(&[]);
    let mut stream = testing::connect(backend.addr);
    let count = 40u64;
    let mut wire = Vec::new();
    for id in 1..=count {
        let body = format!("request {id}");
        wire.extend(
            protocol::encode(&backend_request(id, "POST", "/echo", body.as_bytes())).unwrap(),
        );
    }
    stream.write_all(&wire).unwrap();
    let seen: Vec<u64> = (0..count)
        .map(|_| {
            let reply = read_reply(&mut stream);
            assert_eq!(reply.body, format!("request {}", reply.id).as_bytes());
            reply.id
        })
        .collect();
    assert_eq!(seen, (1..=count).collect::<Vec<_>>());
}

#[test]
fn a_connection_beyond_the_workers_is_closed_and_the_others_are_served() {
    let backend = start_backend(&[]);
    // Each connection holds a worker while it is open: fill them all, and
    // make sure each is being served (answered) before opening the next.
    let mut held: Vec<TcpStream> = (0..step06::WORKERS as u64)
        .map(|id| {
            let mut stream = testing::connect(backend.addr);
            protocol::write_frame(&mut stream, &backend_request(id, "POST", "/echo", b"x"))
                .unwrap();
            assert_eq!(read_reply(&mut stream).id, id);
            stream
        })
        .collect();
    let mut one_too_many = testing::connect(backend.addr);
    assert!(
        closed_by_peer(&mut one_too_many),
        "a ninth connection was kept"
    );
    // The connections already open are still served.
    protocol::write_frame(&mut held[0], &backend_request(99, "POST", "/echo", b"y")).unwrap();
    assert_eq!(read_reply(&mut held[0]).body, b"y");
    // Once one closes, its worker takes a new connection (bounded retries:
    // the backend notices the close a moment after we make it).
    drop(held.pop());
    let deadline = Instant::now() + testing::IO_TIMEOUT;
    loop {
        let mut stream = testing::connect(backend.addr);
        let sent = protocol::write_frame(&mut stream, &backend_request(7, "POST", "/echo", b"z"));
        // Refused: the write may still succeed, but no reply comes.
        if let (Ok(()), Ok(Some(Message::Response(reply)))) =
            (sent, protocol::read_frame(&mut stream))
        {
            assert_eq!(reply.body, b"z");
            break;
        }
        assert!(Instant::now() < deadline, "no worker came free");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn shutdown_ends_idle_connections_and_serve_returns() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = step06::shutdown::Shutdown::new(&listener).unwrap();
    let stop = shutdown.clone();
    let (done, finished) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let app = step06::demo_app(Duration::from_millis(1));
        let pool = step06::pool::ThreadPool::new(2, 8);
        let _ = done.send(step06::split::backend::serve(listener, app, pool, &stop));
    });
    // An idle connection, as a front keeps in its pool: its job is blocked
    // in `read_frame`, which only shutdown can end.
    let mut idle = testing::connect(addr);
    protocol::write_frame(&mut idle, &backend_request(1, "POST", "/echo", b"hi")).unwrap();
    assert_eq!(read_reply(&mut idle).body, b"hi");
    shutdown.trigger();
    let outcome = finished
        .recv_timeout(testing::IO_TIMEOUT)
        .expect("serve did not return after shutdown");
    assert!(outcome.is_ok(), "{outcome:?}");
    assert!(closed_by_peer(&mut idle), "the idle connection stays open");
}

#[test]
fn a_frame_over_the_maximum_is_refused_and_the_backend_still_serves() {
    let split = start(&[], &[]);
    let mut stream = testing::connect(split.backend.addr);
    // Only the prefix: the backend must refuse on it, not wait for 4 MiB.
    let length = (MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
    stream.write_all(&length).unwrap();
    assert!(closed_by_peer(&mut stream), "the connection stays open");
    assert_eq!(get(split.front.addr, "/").status, 200);
}

#[test]
fn garbage_to_the_backend_drops_that_connection_only() {
    let split = start(&[], &[]);
    // A connection that behaves, opened before the garbage arrives.
    let mut good = testing::connect(split.backend.addr);
    let not_json = {
        let mut frame = 9u32.to_be_bytes().to_vec();
        frame.extend_from_slice(b"not json!");
        frame
    };
    let garbage: [&[u8]; 3] = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", // HTTP to the wrong port
        &not_json,                            // a frame, but not JSON
        &[0, 0, 0, 2, 0xFF, 0xFE],            // not even UTF-8
    ];
    for bytes in garbage {
        let mut bad = testing::connect(split.backend.addr);
        bad.write_all(bytes).unwrap();
        assert!(closed_by_peer(&mut bad), "still open after {bytes:?}");
    }
    protocol::write_frame(
        &mut good,
        &backend_request(7, "POST", "/echo", b"still here"),
    )
    .unwrap();
    let reply = read_reply(&mut good);
    assert_eq!((reply.id, reply.body.as_slice()), (7, &b"still here"[..]));
    assert_eq!(get(split.front.addr, "/").status, 200);
}

#[test]
fn a_dead_backend_gives_502_and_a_restarted_one_is_used_again() {
    let Split { front, backend } = start(&[], &[]);
    assert_eq!(get(front.addr, "/").status, 200);
    let backend_addr = backend.addr;
    drop(backend); // kills it

    let reply = get(front.addr, "/");
    assert_eq!(reply.status, 502);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        reply.text().contains("<h1>502 Bad Gateway</h1>"),
        "{}",
        reply.text()
    );
    assert!(reply.text().contains(&backend_addr.to_string()));
    // The front keeps serving: the same answer again, not a hang or a crash.
    assert_eq!(get(front.addr, "/").status, 502);

    // Same port again (the later --addr wins over ChildServer's port 0).
    let port = backend_addr.to_string();
    let _backend = start_backend(&["--addr", &port]);
    assert_eq!(get(front.addr, "/").status, 200);
}

#[test]
fn a_handler_slower_than_the_timeout_gets_504_and_the_front_carries_on() {
    // The handler sleeps 60 s, the front waits 1 s: a margin no scheduler
    // erases, and a second is plenty for the quick request that follows.
    let split = start(&["--timeout-ms", "1000"], &["--sleep-ms", "60000"]);
    let reply = get(split.front.addr, "/sleep");
    assert_eq!(reply.status, 504);
    assert!(
        reply.text().contains("<h1>504 Gateway Timeout</h1>"),
        "{}",
        reply.text()
    );
    assert_eq!(get(split.front.addr, "/").status, 200);
}

/// A fake backend: answers each connection with `answer(request_id)` bytes.
fn fake_backend(answers: Vec<Box<dyn FnOnce(u64) -> Vec<u8> + Send>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for answer in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let Ok(Some(request)) = protocol::read_frame(&mut stream) else {
                continue;
            };
            let _ = stream.write_all(&answer(request.id()));
            // Dropping the stream closes it: a bad reply is all it gets.
        }
    });
    addr
}

#[test]
fn oversized_or_malformed_replies_give_502_and_the_front_carries_on() {
    let addr = fake_backend(vec![
        // A length over the maximum: refused from the prefix.
        Box::new(|_| (MAX_FRAME_BYTES as u32 + 1).to_be_bytes().to_vec()),
        // A frame that is not JSON.
        Box::new(|_| [&5u32.to_be_bytes()[..], b"oops!"].concat()),
        // A well-formed reply to some other request.
        Box::new(|id| {
            let wrong = Message::Response(protocol::Response {
                id: id + 1000,
                status: 200,
                headers: vec![],
                body: b"not yours".to_vec(),
            });
            protocol::encode(&wrong).unwrap()
        }),
        // At last a good one.
        Box::new(|id| {
            let good = Message::Response(protocol::Response {
                id,
                status: 200,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: b"fine".to_vec(),
            });
            protocol::encode(&good).unwrap()
        }),
    ]);
    let front = start_front(addr, &[]);
    for _ in 0..3 {
        assert_eq!(get(front.addr, "/").status, 502);
    }
    let reply = get(front.addr, "/");
    assert_eq!((reply.status, reply.text().as_str()), (200, "fine"));
}

/// The launcher, started by hand so its output can be read line by line.
struct Launcher(Child);

impl Drop for Launcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Kills a process we did not start ourselves (the launcher's child) by pid.
struct KillOnDrop(String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Normally it is gone already and `kill` just fails.
        let _ = Command::new("kill")
            .args(["-9", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

/// A started launcher, what it printed, and a guard on its backend child.
struct Launched {
    launcher: Launcher,
    front: SocketAddr,
    backend: SocketAddr,
    // Should a test fail, the backend must not be left running either.
    _backend_guard: KillOnDrop,
}

fn launch() -> Launched {
    let mut launcher = Launcher(
        Command::new(env!("CARGO_BIN_EXE_step06"))
            .args(["--addr", "127.0.0.1:0", "--backend", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the launcher"),
    );
    let mut lines = BufReader::new(launcher.0.stdout.take().unwrap()).lines();
    let (mut front, mut backend, mut backend_pid) = (None, None, None);
    while front.is_none() || backend.is_none() || backend_pid.is_none() {
        let line = lines.next().expect("the launcher's output").unwrap();
        let word_after = |marker: &str| -> Option<String> {
            let word = line.split(marker).nth(1)?.split_whitespace().next()?;
            Some(word.trim_end_matches(',').to_string())
        };
        if line.starts_with("step06: front") {
            front = word_after("listening on ").and_then(|w| w.parse().ok());
        } else if line.starts_with("backend:") {
            backend = word_after("listening on ").and_then(|w| w.parse().ok());
        } else if line.starts_with("step06: backend is process") {
            backend_pid = word_after("process ");
        }
    }
    thread::spawn(move || for _ in lines {}); // keep the pipe drained
    Launched {
        launcher,
        front: front.unwrap(),
        backend: backend.unwrap(),
        _backend_guard: KillOnDrop(backend_pid.unwrap()),
    }
}

/// Waits (bounded) until nothing listens at `addr` any more.
#[track_caller]
fn wait_until_gone(addr: SocketAddr) {
    let deadline = Instant::now() + testing::IO_TIMEOUT;
    while TcpStream::connect(addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the backend at {addr} outlived its launcher"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_launcher_runs_both_and_its_backend_does_not_outlive_a_kill_9() {
    let launched = launch();
    assert_eq!(
        get(launched.front, "/hello/launcher").text(),
        "Hello, launcher!\n"
    );
    // `kill -9`: the launcher runs no code at all, yet its child must go.
    let backend = launched.backend;
    drop(launched.launcher);
    wait_until_gone(backend);
}

#[test]
fn sigterm_stops_the_launcher_gracefully_and_its_backend_with_it() {
    let mut launched = launch();
    assert_eq!(get(launched.front, "/").status, 200);
    let pid = launched.launcher.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + testing::IO_TIMEOUT;
    let status = loop {
        if let Some(status) = launched.launcher.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the launcher did not stop");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the launcher exited with {status}");
    wait_until_gone(launched.backend);
}

/// curl 7.88.1's request for `path`, as the tutorial's `curl -i` sends it.
fn curl_request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")
        .into_bytes()
}

#[test]
fn the_tutorials_curl_i_through_the_front_is_what_step06_answers() {
    let block = testing::tutorial_block(
        "steps/step06-split/tests/split.rs",
        "the_tutorials_curl_i_through_the_front_is_what_step06_answers",
    );
    let split = start(&[], &[]);
    let answer = testing::exchange(split.front.addr, &curl_request("/hello/world"));
    testing::assert_answer_matches_block(&block, &answer);
}

#[test]
fn the_tutorials_502_page_is_what_the_front_answers_for_a_dead_backend() {
    let block = testing::tutorial_block(
        "steps/step06-split/tests/split.rs",
        "the_tutorials_502_page_is_what_the_front_answers_for_a_dead_backend",
    );
    let Split { front, backend } = start(&[], &[]);
    let backend_addr = backend.addr.to_string();
    drop(backend); // kills it
    let answer = testing::exchange(front.addr, &curl_request("/hello/world"));
    // The tutorial's backend listens on 127.0.0.1:7879; this one on a port
    // the kernel chose, which may be longer, and the page names it.
    const SHOWN: &str = "127.0.0.1:7879";
    let longer = backend_addr.len() as i64 - SHOWN.len() as i64;
    let block: Vec<String> = block
        .iter()
        .map(|line| match line.strip_prefix("Content-Length: ") {
            Some(n) => format!("Content-Length: {}", n.parse::<i64>().unwrap() + longer),
            None => line.replace(SHOWN, &backend_addr),
        })
        .collect();
    testing::assert_answer_matches_block(&block, &answer);
}

#[test]
fn the_tutorials_curl_after_the_restart_is_what_step06_answers() {
    let block = testing::tutorial_block(
        "steps/step06-split/tests/split.rs",
        "the_tutorials_curl_after_the_restart_is_what_step06_answers",
    );
    let split = start(&[], &[]);
    let answer = Answer::parse(&testing::exchange(
        split.front.addr,
        &curl_request("/hello/again"),
    ));
    // Plain `curl` prints the body only.
    let shown: Vec<&str> = block.iter().skip(1).map(String::as_str).collect();
    assert_eq!(block[0], "$ curl http://127.0.0.1:7878/hello/again");
    assert_eq!(answer.text().lines().collect::<Vec<_>>(), shown);
}
