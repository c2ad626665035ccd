//! The load client: K threads, each sending a fixed number of GET requests.
//!
//! A benchmark of a server is only as honest as its client, so this one is
//! written to be read: plain blocking sockets, one thread per simulated user,
//! every response checked (status 200, and exactly the body its head
//! announces) before the next request goes out. A response that is wrong
//! fails the bench instead of counting as fast.
//!
//! Two ways to use a connection, chosen per server:
//! - [`ConnectionMode::PerRequest`]: connect, send one request with
//!   `Connection: close`, read the response, hang up. What steps 03 to 06 can
//!   do, since they answer one request per connection.
//! - [`ConnectionMode::KeepAlive`]: each client opens one connection and sends
//!   all its requests on it, one after the other (no pipelining). The handshake
//!   and the server's accept are paid once instead of per request, which is
//!   what keep-alive is worth.
//!
//! The client never pipelines and never opens more than one connection per
//! thread at a time, so the load is bounded by `clients`: it models K users
//! clicking as fast as the server answers, not a flood.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

/// How long the client waits on a socket before calling the server stuck.
/// Generous, because a shared machine can stall, but bounded so a broken
/// server fails the bench instead of hanging it.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response head the client accepts.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How each client thread uses connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionMode {
    /// One connection per request, closed after the response.
    PerRequest,
    /// One connection per client thread, reused for all its requests.
    KeepAlive,
}

impl ConnectionMode {
    /// A short name for bench ids and reports: `new-conn` or `keep-alive`.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionMode::PerRequest => "new-conn",
            ConnectionMode::KeepAlive => "keep-alive",
        }
    }
}

/// One run of load: who sends what, how many times.
#[derive(Debug, Clone)]
pub struct Load {
    /// How many client threads run at once.
    pub clients: usize,
    /// How many requests each client sends, one after the other.
    pub requests_per_client: usize,
    /// The request target, such as `/hello/bench`.
    pub path: String,
    /// How the clients use connections.
    pub mode: ConnectionMode,
}

impl Load {
    /// The total number of requests one [`Load::run`] sends.
    pub fn requests(&self) -> u64 {
        (self.clients * self.requests_per_client) as u64
    }

    /// Sends the whole load to `addr` and waits for every response.
    ///
    /// Returns how many connections were opened: `requests()` in
    /// per-request mode, `clients` in keep-alive mode when the server kept
    /// every connection open (more if it closed some; the caller decides
    /// whether that is acceptable).
    ///
    /// # Errors
    /// The first [`LoadError`] any client met, naming the client and request.
    pub fn run(&self, addr: SocketAddr) -> Result<u64, LoadError> {
        let request = request_bytes(addr, &self.path, self.mode);
        thread::scope(|scope| {
            let workers: Vec<_> = (0..self.clients)
                .map(|client| {
                    let request = &request;
                    scope.spawn(move || {
                        run_client(addr, request, self.requests_per_client, self.mode).map_err(
                            |(request, error)| LoadError {
                                client,
                                request,
                                error,
                            },
                        )
                    })
                })
                .collect();
            let mut connections = 0;
            for worker in workers {
                // A panic in a client thread is a bug in this file: pass it on.
                connections += worker.join().expect("load client thread panicked")?;
            }
            Ok(connections)
        })
    }
}

/// A request that went wrong, and which client sent it.
#[derive(Debug)]
pub struct LoadError {
    /// Which client thread (0-based).
    pub client: usize,
    /// Which of its requests (0-based).
    pub request: usize,
    /// What went wrong.
    pub error: io::Error,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "client {} request {}: {}",
            self.client, self.request, self.error
        )
    }
}

impl std::error::Error for LoadError {}

/// The bytes of the one request every client sends, again and again.
fn request_bytes(addr: SocketAddr, path: &str, mode: ConnectionMode) -> Vec<u8> {
    // HTTP/1.1 connections are persistent by default; per-request mode says
    // `close` so the server hangs up first and the client can read to the end.
    let connection = match mode {
        ConnectionMode::PerRequest => "close",
        ConnectionMode::KeepAlive => "keep-alive",
    };
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: {connection}\r\n\r\n").into_bytes()
}

/// One client thread's work; returns how many connections it opened, or the
/// index of the request that failed and why.
fn run_client(
    addr: SocketAddr,
    request: &[u8],
    count: usize,
    mode: ConnectionMode,
) -> Result<u64, (usize, io::Error)> {
    let mut connections = 0;
    let mut open: Option<TcpStream> = None;
    // Reused across requests: the client should cost as little as it can.
    let mut buf = Vec::with_capacity(8 * 1024);
    for i in 0..count {
        let mut stream = match open.take() {
            Some(stream) => stream,
            None => {
                connections += 1;
                connect(addr).map_err(|err| (i, err))?
            }
        };
        let keep = exchange(&mut stream, request, &mut buf).map_err(|err| (i, err))?;
        if keep && mode == ConnectionMode::KeepAlive {
            open = Some(stream);
        } else {
            // We asked for `Connection: close` (or the server announced it):
            // wait for the server to hang up, as a browser would, so that each
            // request costs the server its whole connection, close included.
            // Leaving the close to the server also leaves the TIME_WAIT state
            // on its side instead of using up the client's ephemeral ports.
            wait_for_close(&mut stream).map_err(|err| (i, err))?;
        }
    }
    Ok(connections)
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    // Requests are small and sent whole: don't let Nagle's algorithm hold the
    // next one back waiting for an ACK.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends `request`, reads one whole response, and checks it is a `200`.
/// Returns whether the connection can carry another request.
fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> io::Result<bool> {
    stream.write_all(request)?;
    buf.clear();
    let head = read_response_head(stream, buf)?;
    if head.status != 200 {
        return Err(invalid(format!("status {} instead of 200", head.status)));
    }
    let already = buf.len() - head.len;
    match head.body {
        BodyLength::Exact(length) => {
            if already > length {
                return Err(invalid("more bytes than Content-Length announced".into()));
            }
            // Read the rest of the body into the same buffer and drop it: the
            // bytes are checked for count, not content.
            buf.resize(head.len + length, 0);
            stream.read_exact(&mut buf[head.len + already..])?;
            Ok(head.keep_alive)
        }
        BodyLength::UntilClose => {
            stream.read_to_end(buf)?;
            Ok(false)
        }
    }
}

/// Reads until the server closes; any byte after the response is an error.
fn wait_for_close(stream: &mut TcpStream) -> io::Result<()> {
    let mut rest = [0u8; 64];
    match stream.read(&mut rest) {
        Ok(0) => Ok(()),
        // A reset instead of a clean close still means "closed".
        Err(err) if err.kind() == io::ErrorKind::ConnectionReset => Ok(()),
        Ok(n) => Err(invalid(format!("{n} unexpected bytes after the response"))),
        Err(err) => Err(err),
    }
}

/// Where a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyLength {
    /// After exactly this many bytes (`Content-Length`, or 0 for a status without a body).
    Exact(usize),
    /// When the server closes the connection (no length given).
    UntilClose,
}

/// What the client needs from a response head.
#[derive(Debug, PartialEq, Eq)]
struct ResponseHead {
    status: u16,
    /// Bytes of `buf` the head used.
    len: usize,
    body: BodyLength,
    /// False if the server said `Connection: close`.
    keep_alive: bool,
}

/// Reads into `buf` until it holds a complete response head, and parses it.
fn read_response_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<ResponseHead> {
    let mut chunk = [0u8; 4096];
    loop {
        // As in step 02: "not enough bytes yet" is `None`, and means read more.
        if let Some(head) = parse_response_head(buf)? {
            return Ok(head);
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(invalid("response head too large".into()));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("server closed after {} bytes of a response head", buf.len()),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Parses a response head from the start of `buf`; `Ok(None)` if incomplete.
fn parse_response_head(buf: &[u8]) -> io::Result<Option<ResponseHead>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(err) => return Err(invalid(format!("malformed response: {err}"))),
    };
    let status = response.code.unwrap_or_default();
    let mut content_length = None;
    let mut keep_alive = response.version == Some(1);
    for header in response.headers.iter() {
        let value = String::from_utf8_lossy(header.value);
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = value
                .trim()
                .parse()
                .map_err(|_| invalid(format!("bad Content-Length {value:?}")))?;
            content_length = Some(length);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            // The servers under test answer small fixed bodies; a chunked one
            // would need a decoder here, and would mean the bench is not
            // measuring what it thinks.
            return Err(invalid(format!("unexpected Transfer-Encoding {value:?}")));
        } else if header.name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    // 1xx, 204 and 304 never carry a body, whatever the headers say.
    let bodiless = (100..200).contains(&status) || status == 204 || status == 304;
    let body = match content_length {
        _ if bodiless => BodyLength::Exact(0),
        Some(length) => BodyLength::Exact(length),
        None => BodyLength::UntilClose,
    };
    Ok(Some(ResponseHead {
        status,
        len,
        body,
        keep_alive: keep_alive && body != BodyLength::UntilClose,
    }))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn response_heads_give_status_length_and_persistence() {
        let cases: &[(&[u8], u16, BodyLength, bool)] = &[
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                200,
                BodyLength::Exact(5),
                true,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
                200,
                BodyLength::Exact(2),
                false,
            ),
            (
                b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
                200,
                BodyLength::Exact(2),
                false,
            ),
            (
                b"HTTP/1.1 200 OK\r\n\r\nuntil close",
                200,
                BodyLength::UntilClose,
                false,
            ),
            (
                b"HTTP/1.1 204 No Content\r\n\r\n",
                204,
                BodyLength::Exact(0),
                true,
            ),
        ];
        for (bytes, status, body, keep_alive) in cases {
            let head = parse_response_head(bytes).unwrap().unwrap();
            let what = String::from_utf8_lossy(bytes);
            assert_eq!(head.status, *status, "{what}");
            assert_eq!(&head.body, body, "{what}");
            assert_eq!(head.keep_alive, *keep_alive, "{what}");
        }
    }

    #[test]
    fn a_partial_head_is_none_and_garbage_is_an_error() {
        assert!(
            parse_response_head(b"HTTP/1.1 200 OK\r\n")
                .unwrap()
                .is_none()
        );
        assert!(parse_response_head(b"HTTP/1.1 2x0 OK\r\n\r\n").is_err());
    }

    /// A tiny keep-alive server: answers every request on a connection until
    /// one says `Connection: close`.
    fn serve_keep_alive(listener: TcpListener) {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let mut seen = Vec::new();
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    seen.extend_from_slice(&buf[..n]);
                    // Answer each complete request head in the buffer.
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head: Vec<u8> = seen.drain(..end + 4).collect();
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        let close = head.windows(17).any(|w| w == b"Connection: close");
                        if stream.write_all(reply).is_err() || close {
                            return;
                        }
                    }
                }
            });
        }
    }

    #[test]
    fn keep_alive_load_uses_one_connection_per_client() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve_keep_alive(listener));
        let mut load = Load {
            clients: 3,
            requests_per_client: 7,
            path: "/".into(),
            mode: ConnectionMode::KeepAlive,
        };
        assert_eq!(load.run(addr).unwrap(), 3);
        load.mode = ConnectionMode::PerRequest;
        assert_eq!(load.run(addr).unwrap(), 21);
    }
}
