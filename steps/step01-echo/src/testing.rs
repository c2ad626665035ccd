//! Helpers for the workspace's integration tests: start a server, talk to it.
//!
//! Every step's `tests/` starts a real server on port 0 (the kernel picks a
//! free port) and speaks to it over a real `TcpStream`. These helpers live in
//! the bottom crate so each later step reuses them instead of copying them.
//! Each one bounds its waits, so a broken server fails a test instead of
//! hanging it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

/// How long a test waits on a socket before calling the server stuck.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts `handle` behind [`crate::server::serve`] on `127.0.0.1:0` in a
/// background thread and returns the address it listens on.
///
/// The thread lives until the test process exits.
pub fn spawn_server(handle: impl FnMut(TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || crate::server::serve(&listener, handle));
    addr
}

/// Connects to `addr` with read and write timeouts of [`IO_TIMEOUT`].
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to test server");
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
}

/// Sends `chunks` as separate writes (pausing between them so the server
/// really sees the pieces apart), then reads until the server closes.
pub fn exchange_in_pieces(addr: SocketAddr, chunks: &[&[u8]]) -> Vec<u8> {
    let mut stream = connect(addr);
    for (i, chunk) in chunks.iter().enumerate() {
        if i > 0 {
            thread::sleep(Duration::from_millis(30));
        }
        stream.write_all(chunk).expect("write to test server");
        stream.flush().unwrap();
    }
    read_to_close(&mut stream)
}

/// Sends `request` in one write and reads until the server closes.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    exchange_in_pieces(addr, &[request])
}

/// Sends `request`, then closes our writing half (as `nc` does at the end of
/// its input), and reads until the server closes: how a client that gives up
/// half-way through a request looks to the server.
pub fn exchange_then_hang_up(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).expect("write to test server");
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    read_to_close(&mut stream)
}

/// Reads until end of stream. A reset after some bytes arrived still returns
/// those bytes: a server that answers an oversized request and closes without
/// reading the rest makes the kernel send a reset, and the answer matters.
pub fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset && !out.is_empty() => {
                return out;
            }
            Err(err) => panic!("reading from test server after {} bytes: {err}", out.len()),
        }
    }
}

/// A server binary running as a child process, killed when dropped.
pub struct ChildServer {
    child: Child,
    /// The address the server printed after `listening on`.
    pub addr: SocketAddr,
}

impl ChildServer {
    /// Runs `exe` with `--addr 127.0.0.1:0` and `extra_args`, and waits for
    /// the line in which it says `listening on HOST:PORT`.
    ///
    /// # Panics
    /// If the program cannot start or exits before saying where it listens.
    pub fn spawn(exe: &str, extra_args: &[&str]) -> ChildServer {
        let mut child = Command::new(exe)
            .args(["--addr", "127.0.0.1:0"])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {exe}: {err}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Never leave a server running behind a failed start.
        let fail = |child: &mut Child, why: String| -> ! {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{exe}: {why}");
        };
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                fail(&mut child, "exited before printing 'listening on'".into());
            };
            if let Some(rest) = line.split("listening on ").nth(1) {
                let word = rest.split_whitespace().next().unwrap_or_default();
                match word.parse() {
                    Ok(addr) => break addr,
                    Err(_) => fail(&mut child, format!("bad address in {line:?}")),
                }
            }
        };
        // Keep draining stdout: a child whose pipe fills up blocks on its next println.
        thread::spawn(move || for _ in lines {});
        ChildServer { child, addr }
    }

    /// The child's process id, to send it a signal (`kill -TERM <pid>`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the child to exit by itself and returns how
    /// it exited, or `None` if it is still running.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for child") {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response as a test sees it: split into status line, headers and
/// body, without trusting anything the server said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The whole status line, such as `HTTP/1.1 404 Not Found`.
    pub status_line: String,
    /// The status code from the status line.
    pub status: u16,
    /// The header lines, in order, split at the first `": "`.
    pub headers: Vec<(String, String)>,
    /// Everything after the empty line that ends the head.
    pub body: Vec<u8>,
}

impl Answer {
    /// Splits a complete response (as read until the server closed).
    ///
    /// # Panics
    /// With a message showing the bytes, if they are not an HTTP response head.
    #[track_caller]
    pub fn parse(bytes: &[u8]) -> Answer {
        let shown = || String::from_utf8_lossy(bytes).into_owned();
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no complete response head in {:?}", shown()));
        let head = std::str::from_utf8(&bytes[..split])
            .unwrap_or_else(|_| panic!("response head is not UTF-8: {:?}", shown()));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .map(|line| {
                let (name, value) = line
                    .split_once(": ")
                    .unwrap_or_else(|| panic!("header line without ': ' {line:?}"));
                (name.to_string(), value.to_string())
            })
            .collect();
        Answer {
            status_line,
            status,
            headers,
            body: bytes[split + 4..].to_vec(),
        }
    }

    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy: tests compare it with what they expect).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` on a new connection and reads exactly one response: its
/// head, then `Content-Length` bytes of body (none for a `HEAD` request,
/// nor for 1xx, 204 and 304), without waiting for the server to close. For
/// a kept-alive connection, as curl has it.
///
/// # Panics
/// If the server closes before a whole response.
#[track_caller]
pub fn one_response(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(addr);
    stream.write_all(request).expect("write to test server");
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let mut read = |bytes: &mut Vec<u8>| {
        let n = stream.read(&mut buf).expect("read from test server");
        assert!(
            n > 0,
            "closed before a whole response: {:?}",
            String::from_utf8_lossy(bytes)
        );
        bytes.extend_from_slice(&buf[..n]);
    };
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        read(&mut bytes);
    };
    let head = Answer::parse(&bytes[..head_end]);
    let bodiless = request.starts_with(b"HEAD ")
        || head.status / 100 == 1
        || head.status == 204
        || head.status == 304;
    let length: usize = match head.header("content-length") {
        Some(value) if !bodiless => value.parse().expect("a numeric Content-Length"),
        _ => 0,
    };
    while bytes.len() < head_end + length {
        read(&mut bytes);
    }
    bytes.truncate(head_end + length);
    bytes
}

/// The lines of the fenced block of `TUTORIAL.md` that a test reproduces:
/// the block right after the marker
/// `<!-- output-from-test: TEST_FILE::TEST -->` (or `built-by-test:`, for a
/// file the reader writes and the test builds; `TEST_FILE` from the
/// workspace root). The drift test (`tests/tutorial_sync/output.rs`) checks
/// that every such marker names a test that calls this with its own name.
///
/// # Panics
/// If the tutorial has no such marker, or no block right after it.
pub fn tutorial_block(test_file: &str, test: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("TUTORIAL.md")).expect("read TUTORIAL.md");
    let target = format!("{test_file}::{test}");
    let marker = format!("<!-- output-from-test: {target} -->");
    let built = format!("<!-- built-by-test: {target} -->");
    let mut lines = text
        .lines()
        .skip_while(|line| line.trim() != marker && line.trim() != built);
    assert!(lines.next().is_some(), "TUTORIAL.md has no `{marker}`");
    let fence = lines.next().unwrap_or_default();
    assert!(fence.starts_with("```"), "no block right after `{marker}`");
    lines
        .take_while(|line| !line.starts_with("```"))
        .map(|line| line.trim_end().to_string())
        .collect()
}

/// Checks that `block` (from [`tutorial_block`]: `$ ` command lines, then
/// what curl printed) shows `response` as it really is, line by line. The
/// values of the headers named in `varying` (a date, an ETag) are not
/// compared, only their names and places; a `...` line ends the comparison
/// (the block shows the start of the body).
///
/// # Panics
/// With both texts, at the first line that differs.
#[track_caller]
pub fn assert_block_shows(block: &[String], response: &[u8], varying: &[&str]) {
    let text = String::from_utf8_lossy(response);
    let actual: Vec<&str> = text
        .split("\r\n")
        .flat_map(|line| line.split('\n'))
        .collect();
    let shown: Vec<&String> = block
        .iter()
        .filter(|line| !line.starts_with("$ "))
        .collect();
    let same_header = |want: &str, got: &str| match (want.split_once(": "), got.split_once(": ")) {
        (Some((name, _)), Some((got_name, _))) if name == got_name => {
            varying.iter().any(|v| v.eq_ignore_ascii_case(name))
        }
        _ => false,
    };
    for (i, want) in shown.iter().enumerate() {
        if want.as_str() == "..." {
            return;
        }
        let got = actual.get(i).copied().unwrap_or("<nothing>");
        assert!(
            want.as_str() == got.trim_end() || same_header(want, got),
            "line {} of the tutorial's block differs:\n  block:  {want:?}\n  really: {got:?}\n\
             the whole response:\n{text}",
            i + 1
        );
    }
    let rest: Vec<&str> = actual[shown.len()..]
        .iter()
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        rest.is_empty(),
        "the response goes on after the block: {rest:?}"
    );
}

/// Asserts that `answer`, the raw bytes of an HTTP response, is what a
/// tutorial block shows `curl -i` printing: the status line and every
/// header line the same and in order, except `Date`, which only has to be
/// an HTTP date in both (it is the time of the request), and `X-Request-Id`,
/// which only has to be there in both (httprs names each request anew: a
/// per-process random prefix and a counter); then the body,
/// line for line, where a `...` line of the block stands for any number of
/// lines it trims. `$ ` command lines in the block are skipped.
///
/// # Panics
/// With both texts, at the first line that differs.
#[track_caller]
pub fn assert_answer_matches_block(block: &[String], answer: &[u8]) {
    let answer = String::from_utf8_lossy(answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {answer:?}"));
    let shown: Vec<&str> = block
        .iter()
        .map(String::as_str)
        .filter(|line| !line.starts_with("$ "))
        .collect();
    let blank = shown
        .iter()
        .position(|line| line.is_empty())
        .unwrap_or(shown.len());
    let (shown_head, shown_body) = (&shown[..blank], shown.get(blank + 1..).unwrap_or(&[]));
    let real_head: Vec<&str> = head.lines().collect();
    let is_date = |line: &str| {
        line.strip_prefix("Date: ")
            .is_some_and(|d| d.len() == 29 && d.ends_with(" GMT") && d.as_bytes()[3] == b',')
    };
    let is_request_id = |line: &str| {
        line.strip_prefix("X-Request-Id: ")
            .is_some_and(|id| !id.is_empty() && !id.contains(' '))
    };
    let differs = |what: &str| -> ! {
        panic!(
            "the tutorial's block is stale ({what}):\n--- block ---\n{}\n--- real ---\n{answer}",
            block.join("\n")
        )
    };
    if shown_head.len() != real_head.len() {
        differs("the number of head lines");
    }
    for (text, real) in shown_head.iter().zip(&real_head) {
        if !(text == real
            || is_date(text) && is_date(real)
            || is_request_id(text) && is_request_id(real))
        {
            differs(&format!("{text:?} is {real:?}"));
        }
    }
    let real_body: Vec<&str> = body.lines().map(str::trim_end).collect();
    let mut at = 0;
    let mut skipping = false;
    for text in shown_body {
        if *text == "..." {
            skipping = true;
            continue;
        }
        let found = real_body[at.min(real_body.len())..]
            .iter()
            .position(|real| real == text);
        match found {
            Some(0) => at += 1,
            Some(n) if skipping => at += n + 1,
            _ => differs(&format!("body line {text:?}")),
        }
        skipping = false;
    }
    if !skipping && at != real_body.len() {
        differs("the body goes on after the block's last line");
    }
}
