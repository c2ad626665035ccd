//! The front: speaks HTTP to browsers, hands each request to the backend.
//!
//! The front runs on step 04's pool, one connection per worker, and reads and
//! writes HTTP exactly as steps 02–03 taught. Only the answer changes hands:
//! instead of calling the application, [`Front::forward`] sends the request
//! to the backend as one frame and waits for the reply.
//!
//! Backend connections are pooled, with **one request in flight on each**:
//! a worker takes an idle connection (or opens one), sends, waits, and puts
//! the connection back. PROTOCOL.md says why this and not multiplexing.
//!
//! Everything that can go wrong with the backend ends in an answer for the
//! browser, never in a hung or dropped client:
//!
//! | the backend...                           | the browser gets        |
//! |------------------------------------------|-------------------------|
//! | is not running, or refuses               | `502 Bad Gateway`       |
//! | closes or resets the connection          | `502 Bad Gateway`       |
//! | sends an oversized or malformed reply    | `502 Bad Gateway`       |
//! | has not answered within the timeout      | `504 Gateway Timeout`   |
//!
//! In each case the connection is dropped and the next request opens a fresh
//! one, which is all "reconnecting" takes: a restarted backend is used at once.

use std::fmt;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::protocol::{self, Message, ProtocolError};
use crate::request::RequestHead;
use crate::response::Response;

/// How long the front waits for the backend's reply unless told otherwise
/// (`--timeout-ms`): long enough for step 05's two-second `/sleep`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most idle backend connections kept for reuse; more are closed.
const MAX_IDLE: usize = 16;

/// The HTTP front's link to one backend.
///
/// Shared by every front worker (it is `Sync`): the idle connections sit
/// behind a mutex that is held only to take or return one, never during a request.
pub struct Front {
    /// Where the backend listens, as given (`127.0.0.1:7879` or `app.local:7879`);
    /// resolved at each connect, so a backend that moves is found again.
    backend: String,
    timeout: Duration,
    idle: Mutex<Vec<TcpStream>>,
    next_id: AtomicU64,
}

/// Why the backend gave no usable reply.
#[derive(Debug)]
pub enum BackendError {
    /// Could not connect: the backend is not running, or refuses.
    Unreachable(io::Error),
    /// No complete reply (or no connection) within the timeout.
    Timeout(Duration),
    /// The backend closed the connection before replying.
    Closed,
    /// The reply broke the protocol: oversized, malformed, another version.
    Protocol(ProtocolError),
    /// A well-formed message that is not the reply to our request.
    WrongReply {
        /// The id we sent.
        expected: u64,
        /// What came back instead.
        got: String,
    },
}

impl BackendError {
    /// The status the browser gets: 504 for a timeout, 502 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            BackendError::Timeout(_) => 504,
            _ => 502,
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Unreachable(err) => write!(f, "cannot connect: {err}"),
            BackendError::Timeout(limit) => {
                write!(f, "no reply within {} ms", limit.as_millis())
            }
            BackendError::Closed => write!(f, "it closed the connection without replying"),
            BackendError::Protocol(err) => write!(f, "bad reply: {err}"),
            BackendError::WrongReply { expected, got } => {
                write!(f, "expected the reply to request {expected}, got {got}")
            }
        }
    }
}

impl std::error::Error for BackendError {}

impl From<ProtocolError> for BackendError {
    fn from(err: ProtocolError) -> Self {
        match err {
            ProtocolError::Io(err) if is_reset(&err) => BackendError::Closed,
            err => BackendError::Protocol(err),
        }
    }
}

impl Front {
    /// A front for the backend at `backend`, waiting at most `timeout` for each reply.
    pub fn new(backend: impl Into<String>, timeout: Duration) -> Front {
        Front {
            backend: backend.into(),
            timeout,
            idle: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// The backend's address, as given.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// Has the backend answer one request; whatever goes wrong becomes a
    /// 502 or 504 page, and is logged.
    pub fn forward(&self, head: &RequestHead, body: Vec<u8>) -> Response {
        match self.exchange(head, body) {
            Ok(response) => response,
            Err(err) => {
                eprintln!("front: backend {}: {err} -> {}", self.backend, err.status());
                gateway_error_page(&err, &self.backend)
            }
        }
    }

    /// Sends one request to the backend and waits for its reply.
    ///
    /// # Errors
    /// A [`BackendError`] saying why there is no reply; the connection it
    /// happened on has been dropped.
    pub fn exchange(&self, head: &RequestHead, body: Vec<u8>) -> Result<Response, BackendError> {
        // One deadline for connecting, sending and the whole reply.
        let deadline = Instant::now() + self.timeout;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (path, query) = head.path.split_once('?').unwrap_or((&head.path, ""));
        let request = Message::Request(protocol::Request {
            id,
            method: head.method.clone(),
            path: path.to_string(),
            query: query.to_string(),
            headers: head.headers.clone(),
            body,
        });
        let mut stream = self.checkout(deadline)?;
        let timed_out = |err: &ProtocolError| err.is_timeout();
        stream
            .set_write_timeout(Some(remaining(deadline, self.timeout)?))
            .map_err(|err| BackendError::Protocol(err.into()))?;
        if let Err(err) = protocol::write_frame(&mut stream, &request) {
            return Err(if timed_out(&err) {
                BackendError::Timeout(self.timeout)
            } else {
                err.into()
            });
        }
        let reply = protocol::read_frame(&mut Deadline {
            stream: &stream,
            deadline,
        });
        match reply {
            Ok(Some(Message::Response(reply))) if reply.id == id => {
                // Only a connection that did everything right goes back to the pool.
                self.checkin(stream);
                let mut response = Response::new(reply.status).with_body(reply.body);
                for (name, value) in reply.headers {
                    response = response.with_header(name, value);
                }
                // The reply to a HEAD carries the body a GET would get, so
                // that `Content-Length` can say its length; the client gets
                // only the head.
                if head.method == "HEAD" {
                    response = response.without_body();
                }
                Ok(response)
            }
            Ok(Some(other)) => Err(BackendError::WrongReply {
                expected: id,
                got: match other {
                    Message::Request(r) => format!("a request (id {})", r.id),
                    Message::Response(r) => format!("the reply to request {}", r.id),
                },
            }),
            Ok(None) => Err(BackendError::Closed),
            Err(err) if timed_out(&err) => Err(BackendError::Timeout(self.timeout)),
            Err(err) => Err(err.into()),
        }
    }

    /// An idle connection that is still open, or a new one.
    fn checkout(&self, deadline: Instant) -> Result<TcpStream, BackendError> {
        loop {
            // The lock is held only for the `pop`.
            let Some(stream) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                break;
            };
            if still_open(&stream) {
                return Ok(stream);
            }
            // The backend closed it: it restarted, or crashed. Try the next.
        }
        self.connect(deadline)
    }

    /// Opens a connection to the backend, trying each address its name resolves to.
    fn connect(&self, deadline: Instant) -> Result<TcpStream, BackendError> {
        let addrs: Vec<SocketAddr> = self
            .backend
            .to_socket_addrs()
            .map_err(BackendError::Unreachable)?
            .collect();
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, remaining(deadline, self.timeout)?) {
                Ok(stream) => {
                    // Frames are written whole; don't let Nagle's algorithm
                    // hold the last packet back waiting for an ACK.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                    return Err(BackendError::Timeout(self.timeout));
                }
                Err(err) => last_error = err,
            }
        }
        Err(BackendError::Unreachable(last_error))
    }

    /// Keeps `stream` for the next request, unless enough are kept already.
    fn checkin(&self, stream: TcpStream) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(stream);
        }
    }
}

/// Time left before `deadline`, or a timeout error if there is none.
fn remaining(deadline: Instant, timeout: Duration) -> Result<Duration, BackendError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(BackendError::Timeout(timeout))
    } else {
        Ok(left)
    }
}

/// Whether an idle connection is still open: a peek that would block means
/// nothing has happened to it; end-of-stream or an error means the backend
/// closed it (a stray byte would mean a reply we never asked for: not
/// reusable either).
fn still_open(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let open = matches!(stream.peek(&mut [0u8; 1]),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock);
    open && stream.set_nonblocking(false).is_ok()
}

/// Whether an I/O error means the backend went away (rather than misbehaved).
fn is_reset(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// A reader that gives up at a deadline: before each `read` it sets the
/// socket's timeout to the time left, so the whole reply, not each read,
/// is bounded. (A backend trickling one byte a second would otherwise
/// reset a per-read timeout forever.)
struct Deadline<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        // `Read` is implemented for `&TcpStream`, which is what lets a shared reference read.
        let mut stream = self.stream;
        stream.read(buf)
    }
}

/// The page a browser gets when the backend cannot answer: what happened,
/// in words, and what to do about it.
pub fn gateway_error_page(err: &BackendError, backend: &str) -> Response {
    let status = err.status();
    let (title, explanation) = if status == 504 {
        (
            "504 Gateway Timeout",
            "The application behind this web server took too long to answer.",
        )
    } else {
        (
            "502 Bad Gateway",
            "The web server is running, but the application behind it did not answer.",
        )
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body {{ font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; }}\
         code {{ background: #eee; padding: 0 .2em; }}</style></head>\n<body>\n\
         <h1>{title}</h1>\n<p>{explanation}</p>\n\
         <p>Backend <code>{backend}</code>: {detail}.</p>\n\
         <p>This page comes from the front, which keeps serving: reload once the backend is back.</p>\n\
         </body>\n</html>\n",
        backend = escape_html(backend),
        detail = escape_html(&err.to_string()),
    );
    Response::html(html).with_status(status)
}

/// Escapes the five characters that could end an HTML text or attribute early.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn head(path: &str) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            path: path.into(),
            version: 1,
            headers: vec![("Host".into(), "x".into())],
        }
    }

    #[test]
    fn a_backend_that_is_not_there_gives_a_502_page_naming_it() {
        // Bind, learn the port, close: now nothing listens there.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let front = Front::new(addr.to_string(), Duration::from_secs(5));
        let response = front.forward(&head("/"), Vec::new());
        assert_eq!(response.status(), 502);
        let page = String::from_utf8(response.body().to_vec()).unwrap();
        assert!(page.contains("502 Bad Gateway"), "{page}");
        assert!(page.contains(&addr.to_string()), "{page}");
    }

    #[test]
    fn a_silent_backend_is_a_timeout_and_the_path_is_split_from_the_query() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let front = Front::new(
            listener.local_addr().unwrap().to_string(),
            Duration::from_millis(100),
        );
        let backend = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            // Read the request, then say nothing until the front gives up.
            let request = protocol::read_frame(&mut stream).unwrap();
            let _ = protocol::read_frame(&mut stream); // returns when the front hangs up
            request
        });
        let err = front.exchange(&head("/a/b?x=1&y"), Vec::new()).unwrap_err();
        assert!(matches!(err, BackendError::Timeout(_)), "{err}");
        assert_eq!(err.status(), 504);
        let Some(Message::Request(request)) = backend.join().unwrap() else {
            panic!("the backend got no request");
        };
        assert_eq!(
            (request.path.as_str(), request.query.as_str()),
            ("/a/b", "x=1&y")
        );
    }

    #[test]
    fn html_in_an_error_detail_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
