//! Shared fixtures: an app with a route for every behaviour under test, a
//! server on `127.0.0.1:0`, raw-socket helpers whose every wait is bounded,
//! and scratch folders that clean up after themselves.
#![allow(dead_code)] // each test file uses its own subset

pub mod events;
pub mod nginx;
pub mod note;
pub mod postgres;
pub mod process;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use httprs::{App, Cookie, Request, Response, Server, Settings};

/// How long any read waits before the test calls the server stuck.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh, empty folder under the system's temp dir, removed with everything
/// in it on drop.
///
/// Tests that need files (a static root, templates, a SQLite database and its
/// `-wal`/`-shm` companions) each get a folder of their own, so tests running
/// in parallel never see each other's files, and a failing test leaves
/// nothing behind.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `httprs-{label}-{pid}-{n}`: the label says which test made it
    /// (should a killed run leave one behind), the pid keeps test binaries
    /// running at the same time apart, and the counter the tests within one.
    #[track_caller]
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "httprs-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A folder left by an earlier run whose pid was the same is not empty.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|err| panic!("cannot create {}: {err}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `path` inside this folder.
    pub fn join(&self, path: impl AsRef<Path>) -> PathBuf {
        self.0.join(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A gate a handler waits at until the test opens it (bounded by [`IO_TIMEOUT`]).
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<GateState>, Condvar)>);

#[derive(Default)]
pub struct GateState {
    open: bool,
    waiting: usize,
    left: usize,
}

impl Gate {
    pub fn open(&self) {
        self.0.0.lock().unwrap().open = true;
        self.0.1.notify_all();
    }

    /// Called by the handler: waits until the gate opens.
    pub fn wait(&self) {
        let mut guard = self.0.0.lock().unwrap();
        guard.waiting += 1;
        self.0.1.notify_all();
        let (mut guard, _) = self
            .0
            .1
            .wait_timeout_while(guard, IO_TIMEOUT, |s| !s.open)
            .unwrap();
        guard.left += 1;
    }

    /// How many handlers are at the gate right now (arrived and not left).
    pub fn still_waiting(&self) -> usize {
        let state = self.0.0.lock().unwrap();
        state.waiting - state.left
    }

    /// Called by the test: waits until `n` handlers are waiting at the gate.
    #[track_caller]
    pub fn wait_for_waiters(&self, n: usize) {
        let guard = self.0.0.lock().unwrap();
        let (guard, _) = self
            .0
            .1
            .wait_timeout_while(guard, IO_TIMEOUT, |s| s.waiting < n)
            .unwrap();
        assert!(guard.waiting >= n, "no handler reached the gate");
    }
}

/// Settings for tests: loopback, port 0, small limits and short timeouts so
/// that limit tests need few bytes and timeout tests end quickly.
pub fn settings() -> Settings {
    Settings {
        addrs: vec!["127.0.0.1:0".into()],
        workers: 2,
        event_loops: 2,
        max_head_bytes: 1024,
        max_body_bytes: 1000,
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        shutdown_timeout: Duration::from_secs(5),
        ..Settings::default()
    }
}

/// The app every test talks to.
pub fn app(gate: Gate) -> App {
    App::new()
        .wrap(httprs::Timing)
        .get("/hello/{name}", |req: &Request| {
            Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
        })
        .route(r"^/posts/(?P<year>[0-9]{4})/$", |req: &Request| {
            Response::text(format!("{} {}", req.method(), req.param("year").unwrap()))
        })
        .post("/echo", |req: &Request| {
            Response::new(200).with_body(req.body().to_vec())
        })
        .post("/form", |req: &Request| match req.form() {
            Ok(fields) => Response::json(&fields),
            Err(err) => Response::text(err.to_string()).with_status(400),
        })
        .post("/json", |req: &Request| {
            match req.json::<std::collections::BTreeMap<String, i64>>() {
                Ok(map) => Response::json(&map.values().sum::<i64>()),
                Err(err) => Response::text(err.to_string()).with_status(422),
            }
        })
        .get("/query", |req: &Request| {
            Response::text(req.query("q").unwrap_or_default())
        })
        .get("/cookie", |req: &Request| {
            let seen = req
                .cookie("visits")
                .unwrap_or("0")
                .parse::<u32>()
                .unwrap_or(0);
            // A number and a fixed path: nothing to refuse.
            let cookie = Cookie::new("visits", (seen + 1).to_string())
                .and_then(|c| c.path("/"))
                .expect("a number is a valid cookie value");
            Response::text(format!("visits={seen}")).with_cookie(cookie.http_only())
        })
        // A cookie whose value the client chooses: the classic place for a
        // `;` to sneak an attribute in. Refused text is a 400 naming it.
        .get("/theme", |req: &Request| {
            match Cookie::new("theme", req.query("v").unwrap_or_default()) {
                Ok(cookie) => Response::text("set").with_cookie(cookie),
                Err(err) => Response::text(err.to_string()).with_status(400),
            }
        })
        // Who the server thinks the client is, and how it came.
        .get("/whoami", |req: &Request| {
            Response::text(format!(
                "{} {}",
                req.client_ip().map(|ip| ip.to_string()).unwrap_or_default(),
                req.scheme().as_str()
            ))
        })
        .get("/peer", |req: &Request| {
            Response::text(req.peer_addr().map(|p| p.to_string()).unwrap_or_default())
        })
        .get("/html", |_: &Request| Response::html("<h1>hi</h1>"))
        .get("/redirect", |_: &Request| {
            Response::redirect("/hello/again")
        })
        // A redirect to wherever the query says: the classic place for a
        // CR LF to sneak into a header.
        .get("/go", |req: &Request| {
            Response::redirect(&req.query("next").unwrap_or_default())
        })
        .get("/status/{code}", |req: &Request| {
            Response::text("any").with_status(req.param("code").unwrap().parse::<u16>().unwrap())
        })
        // A body produced over time (tests/streaming.rs has its own app; this
        // one is for split mode, which does not relay streams).
        .get("/stream", |_: &Request| {
            Response::stream("text/plain", ["a", "b"])
        })
        .get("/close", |_: &Request| {
            Response::text("bye").with_header("Connection", "close")
        })
        .get("/panic", |_: &Request| -> Response {
            panic!("the handler broke")
        })
        .get("/flaky", {
            let gate = gate.clone();
            // Fast, unless asked to block: and says which thread ran it.
            move |req: &Request| {
                if req.query("block").is_some() {
                    gate.wait();
                }
                let thread = std::thread::current();
                Response::text(thread.name().unwrap_or("?").to_string())
            }
        })
        .get("/block", move |_: &Request| {
            gate.wait();
            Response::text("unblocked")
        })
}

/// Starts [`app`] with `settings`; the server stops when the returned value drops.
pub fn start_with(settings: Settings) -> (Server, Gate) {
    let gate = Gate::default();
    let server = app(gate.clone())
        .start(settings)
        .expect("start test server");
    (server, gate)
}

pub fn start() -> (Server, Gate) {
    start_with(settings())
}

/// Waits, at most [`IO_TIMEOUT`], until `done` holds; `what` names it in
/// the failure.
#[track_caller]
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let give_up = std::time::Instant::now() + IO_TIMEOUT;
    while !done() {
        assert!(
            std::time::Instant::now() < give_up,
            "not within {IO_TIMEOUT:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[track_caller]
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to test server");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// A connection to `addr` from loopback address `from`: on Linux all of
/// 127.0.0.0/8 is loopback, so one machine has many client addresses (for
/// tests of who the server thinks a client is).
#[track_caller]
pub fn connect_from(from: std::net::Ipv4Addr, addr: SocketAddr) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from((from, 0)).into())
        .unwrap_or_else(|err| panic!("bind a client to {from}: {err}"));
    socket.connect_timeout(&addr.into(), IO_TIMEOUT).unwrap();
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// A parsed response read off a socket.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// Every value of header `name`, in order (`Set-Cookie` comes once per cookie).
    pub fn headers(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.eq_ignore_ascii_case(name).then(|| v.trim())
            })
            .collect()
    }

    /// The `name=value` pairs of every `Set-Cookie`, as a browser would send
    /// them back in one `Cookie` field (`a=1; b=2`); deleted ones left out.
    pub fn cookies(&self) -> String {
        self.headers("set-cookie")
            .iter()
            .filter_map(|set| set.split(';').next())
            .filter(|pair| pair.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one response: the head, then `Content-Length` bytes of body (none for `HEAD`).
#[track_caller]
pub fn read_reply(reader: &mut BufReader<TcpStream>, head_only: bool) -> Reply {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("read response head");
        assert!(n > 0, "connection closed after {head:?}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head[9..12].parse().expect("status code");
    let mut reply = Reply {
        status,
        head,
        body: Vec::new(),
    };
    if !head_only {
        let len: usize = reply
            .header("content-length")
            .map_or(0, |v| v.parse().unwrap());
        reply.body = vec![0; len];
        reader
            .read_exact(&mut reply.body)
            .expect("read response body");
    }
    reply
}

/// Sends `request` on a new connection and reads one response.
#[track_caller]
pub fn request(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    read_reply(&mut BufReader::new(stream), false)
}

/// Reads until the server closes; a reset after some bytes still returns them.
pub fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(err) => panic!("reading from test server after {} bytes: {err}", out.len()),
        }
    }
}

/// Sends `request` and reads everything until the server closes the connection.
#[track_caller]
pub fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    String::from_utf8_lossy(&read_to_close(&mut stream)).into_owned()
}

/// The status line's code from a raw response.
#[track_caller]
pub fn status_of(raw: &str) -> u16 {
    assert!(raw.starts_with("HTTP/1.1 "), "not a response: {raw:?}");
    raw[9..12].parse().unwrap()
}

/// The database a data-layer test runs on: each such test is one body,
/// called once per engine by [`on_both_engines!`](crate::on_both_engines).
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite file in the test's own folder.
    Sqlite,
    /// A fresh database on the throwaway server ([`postgres::database`]).
    Postgres(String),
}

impl Backend {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Backend::Sqlite)
    }

    /// The `database` setting: `file` for SQLite (relative to the settings'
    /// root, or absolute), the URL for PostgreSQL.
    pub fn database(&self, file: impl Into<PathBuf>) -> PathBuf {
        match self {
            Backend::Sqlite => file.into(),
            Backend::Postgres(url) => PathBuf::from(url),
        }
    }

    /// `sqlite` or `postgres`, by engine: for what each says in its own
    /// words (a constraint's message).
    pub fn pick<T>(&self, sqlite: T, postgres: T) -> T {
        match self {
            Backend::Sqlite => sqlite,
            Backend::Postgres(_) => postgres,
        }
    }
}

/// For each function named, a module of the same name with two tests,
/// `sqlite` and `postgres`, each calling it with its [`Backend`]. Where
/// PostgreSQL is not installed the `postgres` one says so loudly and
/// returns (outside CI; under `CI=true` it fails).
#[macro_export]
macro_rules! on_both_engines {
    ($($body:ident),* $(,)?) => {$(
        mod $body {
            #[test]
            fn sqlite() {
                super::$body($crate::support::Backend::Sqlite)
            }

            #[test]
            fn postgres() {
                if let Some(url) = $crate::support::postgres::database(stringify!($body)) {
                    super::$body($crate::support::Backend::Postgres(url))
                }
            }
        }
    )*};
}

/// The CSRF token a page showed, unmasked: pages carry `hex(MASK || TOKEN
/// xor MASK)`, a new mask each time (BREACH); the result is the token the
/// browser's `httprs_csrf` cookie holds (`TOKEN.MAC`), in hex.
#[track_caller]
pub fn unmasked_csrf_token(shown: &str) -> String {
    let bytes: Vec<u8> = (0..shown.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&shown[i..i + 2], 16).expect("a hex token"))
        .collect();
    let (mask, masked) = bytes.split_at(bytes.len() / 2);
    masked
        .iter()
        .zip(mask)
        .map(|(x, m)| format!("{:02x}", x ^ m))
        .collect()
}
