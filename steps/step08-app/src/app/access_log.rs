//! The access log: one line per request, written by a middleware.
//!
//! Step 07's loop printed `127.0.0.1:57626 GET / -> 200`. A server's access
//! log says more, and always in the same shape, so that people and tools
//! (`grep`, `awk`, log collectors) can read it:
//!
//! ```text
//! [Mon, 07 Dec 2026 04:12:55 GMT] 127.0.0.1:51234 "GET /index/?a=1" 200 15 0.312ms
//!  when it arrived                 who            what             status │  how long the app took
//!                                                                    body bytes sent
//! ```
//!
//! nginx's and Apache's "combined" format carry the same facts. Being a
//! middleware, the log sees every answer the app gives, 404s and 405s
//! included, and the time it measures is the app's: routing, the other
//! middleware and the handler, not the network.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::middleware::{Middleware, Next};
use super::request::Request;
use crate::response::{Response, http_date};

/// The middleware that writes one [`log_line`] per request.
pub struct AccessLog {
    /// A lock, because every worker thread writes here; each line is
    /// written whole under it, so lines never interleave.
    out: Mutex<Box<dyn Write + Send>>,
}

impl AccessLog {
    /// A log on standard output.
    pub fn stdout() -> AccessLog {
        AccessLog::to_writer(io::stdout())
    }

    /// A log written to `out`: a file, or a buffer in a test.
    pub fn to_writer(out: impl Write + Send + 'static) -> AccessLog {
        AccessLog {
            out: Mutex::new(Box::new(out)),
        }
    }
}

impl Middleware for AccessLog {
    fn call(&self, req: &mut Request, next: Next<'_>) -> Response {
        let (arrived, started) = (SystemTime::now(), Instant::now());
        // Copied before `next` runs: a later layer may change the request.
        let (peer, method, target) = (
            req.peer(),
            req.method().to_string(),
            req.target().to_string(),
        );
        let response = next.run(req);
        let line = log_line(
            arrived,
            peer,
            &method,
            &target,
            &response,
            started.elapsed(),
        );
        // A log that cannot be written (a closed terminal) must not cost
        // the client its answer. A poisoned lock still guards a good writer.
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
        response
    }
}

/// One line of the log, newline included.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use step08::app::log_line;
/// use step08::response::Response;
/// let at = UNIX_EPOCH + Duration::from_secs(1_796_616_775);
/// let peer = "127.0.0.1:51234".parse().unwrap();
/// let line = log_line(at, peer, "GET", "/index/?a=1", &Response::text("Hello httprs!\n"),
///                     Duration::from_micros(312));
/// assert_eq!(line, "[Mon, 07 Dec 2026 04:12:55 GMT] 127.0.0.1:51234 \"GET /index/?a=1\" 200 14 0.312ms\n");
/// ```
pub fn log_line(
    arrived: SystemTime,
    peer: SocketAddr,
    method: &str,
    target: &str,
    response: &Response,
    took: Duration,
) -> String {
    // Step 02's parser refuses control characters in a target, so it cannot
    // hold a newline that would forge a second line; a quote, which would
    // end the quoted field early, is written percent-encoded.
    format!(
        "[{}] {peer} \"{method} {}\" {} {} {:.3}ms\n",
        http_date(arrived),
        target.replace('"', "%22"),
        response.status(),
        body_bytes_sent(response),
        took.as_secs_f64() * 1000.0,
    )
}

/// The body bytes that go on the wire: none for `HEAD`, nor for the
/// statuses that never carry a body (1xx, 204, 304); a file body's length.
fn body_bytes_sent(response: &Response) -> u64 {
    if response.sends_body() {
        response.body_len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_sent_leave_out_bodies_that_are_not_sent() {
        let response = Response::text("12345");
        assert_eq!(body_bytes_sent(&response), 5);
        assert_eq!(body_bytes_sent(&response.clone().without_body()), 0);
        assert_eq!(body_bytes_sent(&response.clone().with_status(304)), 0);
        assert_eq!(body_bytes_sent(&response.with_status(204)), 0);
    }
}
