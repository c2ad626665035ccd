//! The step 04 server over real sockets: slow requests do not hold up fast
//! ones, many clients at once all get their answer, and shutdown is graceful.

use std::io::Write;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use step04::testing::{self, ChildServer, IO_TIMEOUT};
use step04::{RunningServer, spawn_server};

/// A gate that `/sleep` waits on instead of a clock: the test decides when
/// the nap is over. Opening it lets every waiting and future nap through.
#[derive(Clone)]
struct Gate {
    open: Arc<Mutex<bool>>,
    napping: mpsc::SyncSender<()>,
    opened: Arc<Condvar>,
}

impl Gate {
    /// A closed gate, and a receiver that gets a message each time a nap starts.
    fn new() -> (Gate, mpsc::Receiver<()>) {
        let (napping, naps) = mpsc::sync_channel(16);
        let gate = Gate {
            open: Arc::new(Mutex::new(false)),
            napping,
            opened: Arc::new(Condvar::new()),
        };
        (gate, naps)
    }

    /// Waits until the gate opens, or for at most [`IO_TIMEOUT`].
    fn nap(&self) {
        let _ = self.napping.try_send(());
        let open = self.open.lock().unwrap();
        let _ = self
            .opened
            .wait_timeout_while(open, IO_TIMEOUT, |open| !*open)
            .unwrap();
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// The step 04 application on a pool of `workers`, with `/sleep` waiting on `gate`.
fn server(workers: usize, gate: &Gate) -> RunningServer {
    let gate = gate.clone();
    spawn_server(workers, move |stream| {
        step04::handle_connection(stream, || gate.nap());
    })
}

/// Sends a GET for `path` and returns the status line of the answer.
#[track_caller]
fn get_status(addr: SocketAddr, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    let answer = testing::exchange(addr, request.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_string()
}

#[test]
fn the_home_page_is_answered_while_sleep_is_in_flight() {
    let (gate, naps) = Gate::new();
    let server = server(2, &gate);
    let (finished, order) = mpsc::channel();

    let addr = server.addr;
    let sleeper_done = finished.clone();
    let sleeper = thread::spawn(move || {
        let status = get_status(addr, "/sleep");
        sleeper_done.send(("/sleep", status)).unwrap();
    });
    // Wait until a worker is really inside /sleep before asking for /.
    naps.recv_timeout(IO_TIMEOUT).expect("/sleep started");

    // With step 03's one-at-a-time server this would wait for the gate,
    // which only opens after it: the read would time out and the test fail.
    let status = get_status(addr, "/");
    finished.send(("/", status)).unwrap();
    gate.open();
    sleeper.join().unwrap();

    let order: Vec<(&str, String)> = order.try_iter().collect();
    assert_eq!(
        order,
        [
            ("/", "HTTP/1.1 200 OK".to_string()),
            ("/sleep", "HTTP/1.1 200 OK".to_string())
        ]
    );
    server.stop();
}

#[test]
fn many_concurrent_clients_all_get_their_own_answer() {
    let (gate, _naps) = Gate::new();
    let server = server(4, &gate);
    let addr = server.addr;
    let clients: Vec<_> = (0..40)
        .map(|i| {
            thread::spawn(move || {
                // Each client posts its own body: a mixed-up answer would show.
                let body = format!("client {i} says hello");
                let request = format!(
                    "POST /echo HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let answer = testing::exchange(addr, request.as_bytes());
                (body, answer)
            })
        })
        .collect();
    for client in clients {
        let (body, answer) = client.join().unwrap();
        let text = String::from_utf8(answer).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.ends_with(&format!("\r\n\r\n{body}")), "{text}");
    }
    server.stop();
}

#[test]
fn shutdown_finishes_the_request_in_flight_then_refuses_new_ones() {
    let (gate, naps) = Gate::new();
    let server = server(2, &gate);
    let addr = server.addr;
    let sleeper = thread::spawn(move || get_status(addr, "/sleep"));
    naps.recv_timeout(IO_TIMEOUT).expect("/sleep started");

    server.shutdown.trigger();
    // The listener closes once the accept loop has seen the flag. Until the
    // nap is over, the server must not have stopped.
    wait_until_refused(addr);
    assert!(
        !server.wait_stopped(Duration::ZERO),
        "the server stopped with a request in flight"
    );
    gate.open();
    assert_eq!(sleeper.join().unwrap(), "HTTP/1.1 200 OK");
    assert!(server.wait_stopped(IO_TIMEOUT), "the server did not stop");
}

/// Connects to `addr` again and again until the connection is refused.
#[track_caller]
fn wait_until_refused(addr: SocketAddr) {
    let deadline = Instant::now() + IO_TIMEOUT;
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_panicking_handler_does_not_stop_the_server() {
    static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
    let server = spawn_server(1, |mut stream| {
        // Every other connection panics; the one worker must survive them.
        if CONNECTIONS.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
            // Read the request first: closing a socket with unread bytes
            // makes the kernel reset the connection instead of closing it.
            let _ = step04::request::read_head(&mut stream);
            panic!("this handler fails on purpose");
        }
        step04::handle_connection(stream, || {});
    });
    for _ in 0..2 {
        // The panicking connection is closed without an answer...
        assert_eq!(
            testing::exchange(server.addr, b"GET / HTTP/1.1\r\n\r\n"),
            b""
        );
        // ...and the next one, on the same single worker, is answered.
        assert_eq!(get_status(server.addr, "/"), "HTTP/1.1 200 OK");
    }
    server.stop();
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let mut server = ChildServer::spawn(env!("CARGO_BIN_EXE_step04"), &[]);
    // A request whose head is not finished yet: a worker is busy with it.
    let mut slow = testing::connect(server.addr);
    slow.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    // Connections are accepted in the order they arrive, so once this one
    // is answered, the slow one has been accepted and handed to a worker.
    assert_eq!(get_status(server.addr, "/"), "HTTP/1.1 200 OK");

    let kill = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    wait_until_refused(server.addr);
    assert_eq!(
        server.wait_for_exit(Duration::ZERO),
        None,
        "exited with a request in flight"
    );

    slow.write_all(b"Host: test\r\n\r\n").unwrap();
    let answer = testing::read_to_close(&mut slow);
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
    let status = server.wait_for_exit(IO_TIMEOUT).expect("the server exits");
    assert_eq!(status.code(), Some(0), "{status}");
}
