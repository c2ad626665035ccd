//! Shared fixtures: an in-process event-loop server on `127.0.0.1:0`, and a
//! client that reads one response at a time from a kept-alive connection.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use step07::event_loop::{self, App, Timeouts};
use step07::pool::ThreadPool;
use step07::shutdown::Shutdown;
use step07::testing::{Answer, IO_TIMEOUT};

/// A server running [`event_loop::serve`] on a background thread.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Shutdown,
    stopped: mpsc::Receiver<()>,
}

/// Starts `app` behind the event loop with `workers` workers and `timeouts`.
pub fn start(app: App, workers: usize, timeouts: Timeouts) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let shutdown = Shutdown::new(&listener).unwrap();
    let (done, stopped) = mpsc::channel();
    let server_shutdown = shutdown.clone();
    thread::spawn(move || {
        let pool = ThreadPool::new(workers, 32);
        event_loop::serve(listener, app, pool, &server_shutdown, timeouts).expect("serve");
        let _ = done.send(());
    });
    Server {
        addr,
        shutdown,
        stopped,
    }
}

/// Step 05's demo routes (with a `/sleep` that does not sleep), 2 workers,
/// the default timeouts.
pub fn start_demo() -> Server {
    start(step07::demo_app(Duration::ZERO), 2, Timeouts::default())
}

impl Server {
    /// Triggers shutdown and waits (bounded) for `serve` to return.
    #[track_caller]
    pub fn stop(self) {
        self.shutdown.trigger();
        assert!(
            self.stopped.recv_timeout(IO_TIMEOUT).is_ok(),
            "the event loop did not stop within {IO_TIMEOUT:?}"
        );
    }

    /// A new client connection.
    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }
}

/// One client connection that may carry several requests.
pub struct Client {
    pub stream: TcpStream,
    /// Bytes read past the last response: the start of the next one.
    pending: Vec<u8>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        Client::from_stream(step07::testing::connect(addr))
    }

    /// A client on a stream connected by the caller (with a read timeout).
    pub fn from_stream(stream: TcpStream) -> Client {
        Client {
            stream,
            pending: Vec::new(),
        }
    }

    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to the server");
    }

    /// `GET path` on this connection, and its answer.
    #[track_caller]
    pub fn get(&mut self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.response()
    }

    /// Reads exactly one response: its head, then `Content-Length` bytes.
    #[track_caller]
    pub fn response(&mut self) -> Answer {
        let head_end = loop {
            if let Some(at) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(
                self.fill() > 0,
                "closed before a whole head: {:?}",
                self.shown()
            );
        };
        let head = Answer::parse(&self.pending[..head_end]);
        let length: usize = head
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while self.pending.len() < head_end + length {
            assert!(
                self.fill() > 0,
                "closed before a whole body: {:?}",
                self.shown()
            );
        }
        let rest = self.pending.split_off(head_end + length);
        let answer = Answer::parse(&self.pending);
        self.pending = rest;
        answer
    }

    /// Whether the server closes the connection (end of file, or a reset)
    /// within [`IO_TIMEOUT`] without sending anything more.
    #[track_caller]
    pub fn closed_by_server(&mut self) -> bool {
        self.pending.is_empty() && self.fill() == 0
    }

    /// One `read`; 0 for end of file or a reset.
    #[track_caller]
    fn fill(&mut self) -> usize {
        let mut buf = [0u8; 8192];
        match self.stream.read(&mut buf) {
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                n
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Err(err) => panic!("reading from the server: {err}"),
        }
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}
