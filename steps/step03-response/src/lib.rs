//! # Step 03: building and sending responses
//!
//! Step 02 could read a request but answered with a string glued together by
//! hand. This step adds the other half of HTTP: a [`response::Response`] type
//! that knows every standard status and its reason phrase, and computes the
//! headers a client relies on (`Content-Length`, `Date`, `Connection`).
//! With it the server becomes a small web site: an HTML home page a browser
//! can open, a real 404 page, and `POST /echo`, which sends a request's body
//! back to show it was read (by `Content-Length`, up to a bound).
//!
//! What it deliberately leaves out: concurrency (one client at a time, still:
//! step 04), a routing table (the `match` in [`respond`] is step 05's starting
//! point), keep-alive (every response says `Connection: close`).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02.
//! - [`response`]: **the layer this step teaches**: status, headers, body, bytes.
#![warn(missing_docs)]

pub mod response;
pub use step02::{cli, request, server, testing};

use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};

use request::{RequestError, RequestHead};
use response::Response;

/// The home page: plain HTML with its CSS inline, so one request gets it all.
pub const HOME_PAGE: &str = include_str!("pages/home.html");
/// The page for any path this server does not know.
pub const NOT_FOUND_PAGE: &str = include_str!("pages/404.html");

/// Chooses the response for a request: the whole "application" of this step.
pub fn respond(head: &RequestHead, body: &[u8]) -> Response {
    match (head.method.as_str(), head.path.as_str()) {
        ("GET", "/") => Response::html(HOME_PAGE),
        // Echo the body back, bytes as they came, with the type the client gave.
        ("POST", "/echo") => {
            let content_type = head
                .header("content-type")
                .unwrap_or("application/octet-stream");
            Response::new(200)
                .with_header("Content-Type", content_type)
                .with_body(body)
        }
        _ => Response::html(NOT_FOUND_PAGE).with_status(404),
    }
}

/// Reads one request from `stream` (head, then body), answers it, and returns
/// so the connection closes. Errors in the request get their status code and
/// a one-line explanation.
pub fn handle_connection(stream: TcpStream) {
    handle_connection_with(stream, |head, body| respond(head, &body));
}

/// [`handle_connection`] with another application: `app` turns a request
/// head and its body into the response. Later steps pass their own (step 04
/// adds `/sleep`, step 05 a router) and keep this reading and writing as is.
pub fn handle_connection_with(
    mut stream: TcpStream,
    app: impl FnOnce(&RequestHead, Vec<u8>) -> Response,
) {
    // Without a timeout, one client that never finishes its head would hold
    // this one-at-a-time server forever. Setting it only fails for a zero duration.
    stream
        .set_read_timeout(Some(request::READ_TIMEOUT))
        .unwrap();
    let response = match read_request(&mut stream) {
        Ok((head, body)) => {
            // A bug in the application must cost this one request a 500, not
            // the whole server: catch the panic here, where we can still answer.
            let response = panic::catch_unwind(AssertUnwindSafe(|| app(&head, body)))
                .unwrap_or_else(|_| {
                    Response::text("500 Internal Server Error: the handler panicked\n")
                        .with_status(500)
                });
            println!("{} {} -> {}", head.method, head.path, response.status());
            response
        }
        // The client left before sending a request: there is nobody to answer.
        Err(RequestError::ConnectionClosed) => return,
        Err(err) => {
            println!("bad request: {err}");
            let (status, _) = err.status();
            Response::text(format!("{err}\n")).with_status(status)
        }
    };
    // If the client has gone, there is nothing useful to do with the error.
    let _ = response.write_to(&mut stream);
}

/// Reads a head and then the body it announces.
fn read_request(stream: &mut TcpStream) -> Result<(RequestHead, Vec<u8>), RequestError> {
    let (head, body_start) = request::read_head(stream)?;
    let body = request::read_body(stream, &head, body_start, request::MAX_BODY_BYTES)?;
    Ok((head, body))
}
