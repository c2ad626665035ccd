//! The backend: an accept loop, and one pool job per front connection that
//! reads a frame, runs the application, writes the reply, and reads again.
//!
//! ```text
//!  front ──▶ accept loop ──execute──▶ pool job, one per connection:
//!  front ──▶  (this file)              loop { read_frame ─▶ app ─▶ write reply }
//! ```
//!
//! **Why blocking I/O is right here.** A backend does not face browsers, it
//! faces fronts, and a front keeps a *small* pool of connections to it: step
//! 06's front opens at most one per worker, eight. A handful of connections,
//! a thread each, and every thread simply blocks in
//! [`protocol::read_frame`] until its front speaks: step 04's design, and the
//! same function the front reads its replies with. `final/`'s backend makes
//! the same choice for the same reason. What does not fit this design is
//! thousands of mostly idle browser connections; step 07's event loop is
//! for those.
//!
//! **Bounded by the pool.** A connection holds its worker for as long as it
//! stays open, so at most [`ThreadPool::workers`] connections are served at
//! once. One more is closed at once, with a log line: the front reads that
//! as a `502`, which is better than leaving it queued behind connections
//! that may stay open for hours.
//!
//! **One request at a time, in order.** PROTOCOL.md lets a front send several
//! requests on one connection and a backend answer them in any order; one
//! by one, in order, is one of those orders. Requests a front sends ahead
//! wait in the kernel's socket buffer, and when that is full TCP slows the
//! sender down: back-pressure without a line of code.
//!
//! **Failures**, as PROTOCOL.md says: an oversized frame (refused from its
//! prefix), a malformed one, or a `response` (only a backend sends those)
//! closes *that connection only*. A handler that panics is answered `500`, as
//! is a response too large for one frame.
//!
//! **Shutdown** ([`Shutdown`]): the accept loop stops, then shuts the read side
//! of every open connection. A job waiting for the next frame sees the end of
//! the stream and ends; one whose handler is running still writes its reply
//! first. Dropping the pool waits for them all.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{self, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::protocol::{self, Message};
use crate::pool::ThreadPool;
use crate::request::RequestHead;
use crate::response::Response;
use crate::shutdown::Shutdown;

/// `println!` that cannot panic. `println!` panics when standard output is
/// gone (the launcher reading it was killed, a closed terminal), and a log
/// line must never be what ends a connection.
macro_rules! log_line {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that cannot panic, for the same reason.
macro_rules! log_error {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stderr(), $($arg)*);
    }};
}

/// The application the backend runs: a request head and body in, a response out.
/// Step 05's router is one (see [`crate::demo_app`]).
pub type App = Arc<dyn Fn(&RequestHead, Vec<u8>) -> Response + Send + Sync>;

/// How long writing one reply may block. A front that stops reading would
/// otherwise hold its worker forever, and shutdown with it.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A clone of each open connection's socket, by connection number: what
/// shutdown needs to end the reads the pool's jobs are blocked in.
type Open = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// Serves front connections accepted on `listener` until `shutdown` is
/// triggered: each on a job of `pool`, which answers its requests with
/// `app`, one at a time.
///
/// When shutdown comes it stops accepting, ends every connection once the
/// reply it is working on (if any) is written, and waits for the jobs.
///
/// # Errors
/// None today: a failed `accept` (out of file descriptors, say) is logged and
/// the loop goes on. The `Result` leaves room for setup that can fail.
pub fn serve(
    listener: TcpListener,
    app: App,
    pool: ThreadPool,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let open: Open = Arc::default();
    for (number, stream) in (0u64..).zip(listener.incoming()) {
        // `Shutdown::trigger` sets the flag and then connects, which is what
        // woke us: the flag is already set.
        if shutdown.is_requested() {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                log_error!("backend: accept failed: {err}");
                continue;
            }
        };
        let Ok(peer) = stream.peer_addr() else {
            continue; // the front has gone already
        };
        if lock(&open).len() >= pool.workers() {
            log_error!("backend: every worker has a connection; closing the one from {peer}");
            continue;
        }
        // Registered before the job starts, so that shutdown reaches it even
        // if it is still queued.
        match stream.try_clone() {
            Ok(clone) => lock(&open).insert(number, clone),
            Err(err) => {
                log_error!("backend: cannot serve {peer}: {err}");
                continue;
            }
        };
        log_line!("backend: front connected from {peer}");
        let (app, open) = (Arc::clone(&app), Arc::clone(&open));
        pool.execute(move || {
            serve_connection(stream, peer, &app);
            // The job's `stream` is closed when it returns, the clone here.
            lock(&open).remove(&number);
        });
    }
    drop(listener);
    for stream in lock(&open).values() {
        // Wakes a `read` blocked on this socket with end-of-stream.
        let _ = stream.shutdown(net::Shutdown::Read);
    }
    drop(pool);
    log_line!("backend: every connection closed");
    Ok(())
}

/// The open connections, whatever a panicking thread left behind (a map
/// of sockets stays usable).
fn lock(open: &Open) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
    open.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Answers the requests on one front connection, one at a time, until the
/// front hangs up or breaks the protocol; then logs why it ended.
fn serve_connection(mut stream: TcpStream, peer: SocketAddr, app: &App) {
    // A reply is written whole: let it leave at once, not wait for an ACK.
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    loop {
        let request = match protocol::read_frame(&mut stream) {
            Ok(Some(Message::Request(request))) => request,
            Ok(None) => {
                log_line!("backend: front at {peer} disconnected");
                return;
            }
            Ok(Some(Message::Response(_))) => {
                log_error!("backend: dropping connection from {peer}: it sent a response");
                return;
            }
            Err(err) => {
                log_error!("backend: dropping connection from {peer}: {err}");
                return;
            }
        };
        if let Err(err) = stream.write_all(&answer(app, request)) {
            log_error!("backend: connection from {peer} failed: {err}");
            return;
        }
    }
}

/// The reply frame to `request`: what `app` answers, or a `500` if the
/// handler panics or its response does not fit in a frame.
fn answer(app: &App, request: protocol::Request) -> Vec<u8> {
    let id = request.id;
    let (head, body) = into_http(request);
    // The pool would catch the panic too, but only by ending the job, and
    // with it the connection: the front deserves an answer.
    let response =
        panic::catch_unwind(AssertUnwindSafe(|| app(&head, body))).unwrap_or_else(|_| {
            log_error!("backend: #{id}: the handler panicked; answering 500");
            error_response("the handler panicked")
        });
    log_line!(
        "backend: #{id} {} {} -> {}",
        head.method,
        head.path,
        response.status()
    );
    protocol::encode(&reply_message(id, &response)).unwrap_or_else(|err| {
        log_error!("backend: #{id}: cannot send the response: {err}");
        let response = error_response("the response is too large for the backend protocol");
        protocol::encode(&reply_message(id, &response))
            .expect("a short text response fits in a frame")
    })
}

/// A small `500` page saying `why`.
fn error_response(why: &str) -> Response {
    Response::text(format!("500 Internal Server Error: {why}\n")).with_status(500)
}

/// The protocol message that answers request `id` with `response`.
fn reply_message(id: u64, response: &Response) -> Message {
    Message::Response(protocol::Response {
        id,
        status: response.status(),
        headers: response.headers().to_vec(),
        body: response.body().to_vec(),
    })
}

/// Rebuilds the request head the application expects from a protocol request.
fn into_http(request: protocol::Request) -> (RequestHead, Vec<u8>) {
    let path = if request.query.is_empty() {
        request.path
    } else {
        format!("{}?{}", request.path, request.query)
    };
    let head = RequestHead {
        method: request.method,
        path,
        // The front speaks HTTP/1.1 to its clients and to us this is an
        // HTTP/1.1 request whatever the client's version was.
        version: 1,
        headers: request.headers,
    };
    (head, request.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: u64) -> protocol::Request {
        protocol::Request {
            id,
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// What `app` answers to request `id`, decoded from the reply frame.
    fn reply(id: u64, app: impl Fn() -> Response + Send + Sync + 'static) -> protocol::Response {
        let app: App = Arc::new(move |_, _| app());
        let frame = answer(&app, request(id));
        match protocol::decode(&frame) {
            Ok(Some((Message::Response(response), used))) if used == frame.len() => response,
            other => panic!("not one response frame: {other:?}"),
        }
    }

    #[test]
    fn a_reply_carries_the_request_id_and_the_response() {
        let response = reply(41, || Response::text("hi").with_header("X-A", "1"));
        assert_eq!((response.id, response.status), (41, 200));
        assert!(response.headers.contains(&("X-A".into(), "1".into())));
        assert_eq!(response.body, b"hi");
    }

    #[test]
    fn a_handler_that_panics_is_answered_500() {
        let response = reply(42, || panic!("a bug in a handler"));
        assert_eq!((response.id, response.status), (42, 500));
        assert!(String::from_utf8_lossy(&response.body).contains("panicked"));
    }

    #[test]
    fn a_response_too_large_for_a_frame_becomes_a_500() {
        let response = reply(43, || {
            Response::new(200).with_body(vec![b'x'; protocol::MAX_FRAME_BYTES])
        });
        assert_eq!((response.id, response.status), (43, 500));
    }

    #[test]
    fn the_query_goes_back_onto_the_path_for_the_application() {
        let request = protocol::Request {
            id: 1,
            method: "GET".into(),
            path: "/hello/x".into(),
            query: "greeting=Hi".into(),
            headers: vec![("Host".into(), "h".into())],
            body: b"b".to_vec(),
        };
        let (head, body) = into_http(request);
        assert_eq!(head.path, "/hello/x?greeting=Hi");
        assert_eq!(head.header("host"), Some("h"));
        assert_eq!(body, b"b");
    }
}
