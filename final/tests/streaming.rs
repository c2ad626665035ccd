//! Streamed response bodies over real sockets: chunked to HTTP/1.1, until
//! the close to HTTP/1.0; a slow client blocks its producer instead of
//! filling the server's memory; a client that leaves ends its producer and
//! frees its connection; a stream outlives the keep-alive timeout; past
//! `max_streams`, a 503; other clients are answered while streams are open.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use httprs::{App, BodyChannel, Request, Response, Server, Settings};
use support::{IO_TIMEOUT, connect, settings};

/// Chunks a `/produce` stream may queue ahead of its client.
const CAPACITY: usize = 4;
/// Bytes per chunk of `/produce`.
const CHUNK: usize = 16 * 1024;
/// Chunks `/produce` would send if nothing stopped it (80 MB, far past the bound).
const WANTED: usize = 5_000;
/// What the server moves into a connection's output at once (`OUTBOX_BYTES`).
const OUTBOX: usize = 64 * 1024;

/// What the test sees of the producers it started.
#[derive(Default)]
struct Producers {
    /// Chunks `/produce` has had accepted by `send`.
    produced: AtomicUsize,
    /// `/produce`'s `send` failed: it learnt that the client had gone.
    saw_error: AtomicBool,
    /// `/endless`'s iterator was dropped.
    iterator_dropped: AtomicBool,
    /// The senders of `/quiet` streams, waiting for the test to finish them.
    quiet: Mutex<Vec<httprs::BodySender>>,
}

/// Sets a flag when dropped: what an iterator's owner would clean up.
struct DropFlag(Arc<Producers>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.iterator_dropped.store(true, Ordering::SeqCst);
    }
}

fn app(producers: Arc<Producers>) -> App {
    let (p1, p2, p3) = (producers.clone(), producers.clone(), producers);
    App::new()
        .get("/hello", |_: &Request| Response::text("hello"))
        // An iterator: lines 0..n, pulled on the workers.
        .get("/count/{n}", |req: &Request| {
            let n: usize = req.param("n").unwrap_or("0").parse().unwrap_or(0);
            Response::stream("text/plain", (0..n).map(|i| format!("{i}\n")))
        })
        // A thread sending 16 KiB chunks into a channel of 4, as fast as it may.
        .get("/produce", move |_: &Request| {
            let (tx, body) = BodyChannel::bounded(CAPACITY);
            let producers = p1.clone();
            std::thread::spawn(move || {
                for _ in 0..WANTED {
                    if tx.send(vec![b'x'; CHUNK]).is_err() {
                        producers.saw_error.store(true, Ordering::SeqCst);
                        return;
                    }
                    producers.produced.fetch_add(1, Ordering::SeqCst);
                }
            });
            Response::new(200).with_stream(body)
        })
        // An iterator that never ends, and says when it is dropped.
        .get("/endless", move |_: &Request| {
            let flag = DropFlag(p2.clone());
            Response::stream(
                "text/plain",
                std::iter::repeat_with(move || {
                    let _keep = &flag;
                    vec![b'y'; 1024]
                }),
            )
        })
        // "start", then nothing until the test sends more or drops the sender.
        .get("/quiet", move |_: &Request| {
            let (tx, body) = BodyChannel::bounded(4);
            tx.send("start\n").unwrap();
            p3.quiet.lock().unwrap().push(tx);
            Response::new(200).with_stream(body)
        })
}

fn start(settings: Settings) -> (Server, Arc<Producers>) {
    let producers = Arc::new(Producers::default());
    let server = app(producers.clone()).start(settings).expect("start");
    (server, producers)
}

/// Reads a response head; returns the status line and the header lines.
#[track_caller]
fn read_head(reader: &mut BufReader<TcpStream>) -> (String, Vec<String>) {
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            return (status.trim_end().to_string(), headers);
        }
        headers.push(line.trim_end().to_ascii_lowercase());
    }
}

/// Reads one chunk of a chunked body: `None` for the last (size 0).
#[track_caller]
fn read_chunk(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut size = String::new();
    reader.read_line(&mut size).unwrap();
    let size = usize::from_str_radix(size.trim_end(), 16).expect("a chunk size");
    let mut data = vec![0; size + 2];
    reader.read_exact(&mut data).unwrap();
    assert!(data.ends_with(b"\r\n"), "a chunk ends with CRLF");
    data.truncate(size);
    (size > 0).then_some(data)
}

fn get(addr: SocketAddr, path: &str) -> BufReader<TcpStream> {
    let mut stream = connect(addr);
    write!(stream, "GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    BufReader::new(stream)
}

#[test]
fn an_iterator_body_goes_out_chunked_to_http_1_1_and_the_connection_stays_open() {
    let (server, _) = start(settings());
    let mut reader = get(server.addr(), "/count/1000");
    let (status, headers) = read_head(&mut reader);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains(&"transfer-encoding: chunked".to_string()),
        "{headers:?}"
    );
    assert!(
        !headers.iter().any(|h| h.starts_with("content-length")),
        "{headers:?}"
    );
    let mut body = Vec::new();
    while let Some(chunk) = read_chunk(&mut reader) {
        body.extend(chunk);
    }
    let expected: String = (0..1000).map(|i| format!("{i}\n")).collect();
    assert_eq!(String::from_utf8(body).unwrap(), expected);
    // The same connection answers the next request.
    write!(reader.get_mut(), "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let (status, _) = read_head(&mut reader);
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[test]
fn an_http_1_0_client_gets_the_body_unframed_and_closed_at_its_end() {
    let (server, _) = start(settings());
    let mut stream = connect(server.addr());
    stream
        .write_all(b"GET /count/300 HTTP/1.0\r\n\r\n")
        .unwrap();
    let raw = support::read_to_close(&mut stream);
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(
        !head.contains("transfer-encoding") && !head.contains("content-length"),
        "{head}"
    );
    let expected: String = (0..300).map(|i| format!("{i}\n")).collect();
    assert_eq!(body, expected, "the whole body, then the close");
}

#[test]
fn a_client_that_stops_reading_blocks_its_producer_within_a_stated_bound_and_leaving_ends_it() {
    // A client that reads nothing for `idle_timeout` is closed: not during this test.
    let (server, producers) = start(Settings {
        idle_timeout: IO_TIMEOUT * 3,
        ..settings()
    });
    // A small receive buffer: the kernel's share of the bound stays small.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    socket.connect(&server.addr().into()).unwrap();
    let client_buffer = socket.recv_buffer_size().unwrap();
    let mut client: TcpStream = socket.into();
    client
        .write_all(b"GET /produce HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // The client reads nothing. The producer can be ahead of it by what the
    // kernel buffers (the server's send buffer, at most tcp_wmem's maximum,
    // and the client's receive buffer), plus what the server holds: one
    // outbox (64 KiB) and the channel's 4 chunks, plus one chunk being framed.
    let wmem_max: usize = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|s| s.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(4 * 1024 * 1024);
    let kernel = wmem_max + client_buffer;
    let bound = kernel / CHUNK + 1 + OUTBOX / CHUNK + 1 + CAPACITY + 1;
    // Until the producer has stopped moving (it is blocked in `send`).
    let mut last = usize::MAX;
    let give_up = Instant::now() + IO_TIMEOUT;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = producers.produced.load(Ordering::SeqCst);
        assert!(
            now <= bound,
            "{now} chunks produced, over the bound of {bound}"
        );
        if now == last || Instant::now() > give_up {
            break;
        }
        last = now;
    }
    let produced = producers.produced.load(Ordering::SeqCst);
    eprintln!("produced {produced} chunks of {CHUNK} bytes; the bound is {bound}");
    assert!(
        produced <= bound,
        "{produced} chunks produced, bound {bound}"
    );
    assert!(produced < WANTED, "the producer is held back");
    assert!(
        !producers.saw_error.load(Ordering::SeqCst),
        "it is blocked, not failed"
    );
    assert_eq!(server.stats().streams, 1);
    // The client leaves: the blocked send fails, and the connection is freed.
    drop(client);
    support::wait_until("the producer sees the client gone", || {
        producers.saw_error.load(Ordering::SeqCst)
    });
    support::wait_until("the connection is freed", || server.stats().open == 0);
    assert_eq!(server.stats().streams, 0);
}

#[test]
fn a_client_gone_mid_stream_drops_the_iterator_and_frees_its_connection() {
    let (server, producers) = start(settings());
    let mut reader = get(server.addr(), "/endless");
    read_head(&mut reader);
    for _ in 0..10 {
        read_chunk(&mut reader).expect("an endless stream goes on");
    }
    drop(reader);
    support::wait_until("the iterator is dropped", || {
        producers.iterator_dropped.load(Ordering::SeqCst)
    });
    support::wait_until("the connection is freed", || server.stats().open == 0);
    assert_eq!(server.stats().streams, 0);
}

#[test]
fn a_stream_waiting_for_its_producer_outlives_the_keep_alive_timeout() {
    let idle = Duration::from_millis(200);
    let (server, producers) = start(Settings {
        idle_timeout: idle,
        ..settings()
    });
    let mut reader = get(server.addr(), "/quiet");
    read_head(&mut reader);
    assert_eq!(read_chunk(&mut reader).unwrap(), b"start\n");
    // Five idle timeouts of silence: a keep-alive connection would be closed.
    std::thread::sleep(idle * 5);
    let tx = producers.quiet.lock().unwrap().pop().unwrap();
    tx.send("still here\n").unwrap();
    drop(tx);
    assert_eq!(read_chunk(&mut reader).unwrap(), b"still here\n");
    assert_eq!(
        read_chunk(&mut reader),
        None,
        "the body ends when the sender is dropped"
    );
}

#[test]
fn past_max_streams_a_stream_is_refused_with_503_and_retry_after() {
    let (server, producers) = start(Settings {
        max_streams: 2,
        ..settings()
    });
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut reader = get(server.addr(), "/quiet");
        assert_eq!(read_head(&mut reader).0, "HTTP/1.1 200 OK");
        open.push(reader);
    }
    let mut third = get(server.addr(), "/quiet");
    let (status, headers) = read_head(&mut third);
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    assert!(
        headers.iter().any(|h| h.starts_with("retry-after: ")),
        "{headers:?}"
    );
    // The refused stream's producer learns it has no client.
    support::wait_until("the refused producer sees it", || {
        producers
            .quiet
            .lock()
            .unwrap()
            .iter()
            .any(|tx| tx.is_closed())
    });
    // One ends: a place is free again.
    producers.quiet.lock().unwrap().clear();
    for reader in &mut open {
        read_chunk(reader);
        assert_eq!(read_chunk(reader), None);
    }
    support::wait_until("the streams are given back", || server.stats().streams == 0);
    let mut again = get(server.addr(), "/quiet");
    assert_eq!(read_head(&mut again).0, "HTTP/1.1 200 OK");
}

#[test]
fn other_clients_are_answered_while_a_hundred_streams_are_open() {
    let (server, producers) = start(settings());
    let streams: Vec<_> = (0..100)
        .map(|_| {
            let mut reader = get(server.addr(), "/quiet");
            read_head(&mut reader);
            assert_eq!(read_chunk(&mut reader).unwrap(), b"start\n");
            reader
        })
        .collect();
    assert_eq!(server.stats().streams, 100);
    // Answered while the hundred wait, each in its own thread at once.
    let (done, answers) = mpsc::channel();
    for _ in 0..10 {
        let (addr, done) = (server.addr(), done.clone());
        std::thread::spawn(move || {
            let reply = support::request(addr, b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
            done.send(reply.text()).unwrap();
        });
    }
    for _ in 0..10 {
        assert_eq!(answers.recv_timeout(IO_TIMEOUT).unwrap(), "hello");
    }
    producers.quiet.lock().unwrap().clear();
    for mut reader in streams {
        assert_eq!(read_chunk(&mut reader), None);
    }
}

#[test]
fn a_shutdown_ends_a_waiting_stream_with_its_last_chunk_and_closes_it() {
    let (server, producers) = start(settings());
    let mut reader = get(server.addr(), "/quiet");
    read_head(&mut reader);
    assert_eq!(read_chunk(&mut reader).unwrap(), b"start\n");
    let stopping = std::thread::spawn(move || server.shutdown());
    assert_eq!(read_chunk(&mut reader), None, "the body ends properly");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"", "then the connection closes");
    stopping.join().unwrap();
    let tx = producers.quiet.lock().unwrap().pop().unwrap();
    assert!(tx.send("late").is_err(), "the producer learns it");
}
