//! # Step 02: parsing HTTP requests
//!
//! Step 01 moved bytes. This step finds out what they *mean*: an HTTP/1.1
//! request is a head (a request line and header lines, ended by an empty line)
//! followed, sometimes, by a body. The new module, [`request`], reads from the
//! socket until a whole head has arrived, however many pieces it came in, and
//! parses it with `httparse`.
//!
//! What it deliberately leaves out: a response type (the answer below is
//! written by hand, byte by byte, so you can see what step 03 will abstract),
//! concurrency (step 04), routing (step 05).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01, unchanged.
//! - [`request`]: **the layer this step teaches**: buffer until the head is complete, parse, bound.
//!
//! [`handle_connection`] is this step's server: parse, print, describe.
#![warn(missing_docs)]

pub mod request;
pub use step01::{cli, server, testing};

use std::io::Write;
use std::net::TcpStream;

use request::{RequestError, RequestHead};

/// Reads one request head from `stream`, prints it, and answers with a
/// plain-text description of what was parsed.
///
/// The answer is a literal HTTP response, built with `format!`: a status
/// line, three headers, an empty line, the body. Step 03 replaces this with a
/// `Response` type; here you see every byte.
pub fn handle_connection(mut stream: TcpStream) {
    // Without a timeout, one client that never finishes its head would hold
    // this one-at-a-time server forever. Setting it only fails for a zero duration.
    stream
        .set_read_timeout(Some(request::READ_TIMEOUT))
        .unwrap();
    let (status_line, body) = match request::read_head(&mut stream) {
        Ok((head, _body_start)) => {
            print!("{}", describe(&head));
            ("200 OK".to_string(), describe(&head))
        }
        // The client left before sending a whole head: there is nobody to answer.
        Err(RequestError::ConnectionClosed) => return,
        Err(err) => {
            println!("bad request: {err}");
            let (code, reason) = err.status();
            (format!("{code} {reason}"), format!("{err}\n"))
        }
    };
    let response = format!(
        "HTTP/1.1 {status_line}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n\
         {body}",
        body.len()
    );
    // If the client has gone, there is nothing useful to do with the error.
    let _ = stream.write_all(response.as_bytes());
}

/// A human-readable account of a parsed head, as printed and sent back.
pub fn describe(head: &RequestHead) -> String {
    let mut text = format!(
        "method:  {}\npath:    {}\nversion: HTTP/1.{}\nheaders: {}\n",
        head.method,
        head.path,
        head.version,
        head.headers.len()
    );
    for (name, value) in &head.headers {
        text.push_str(&format!("  {name}: {value}\n"));
    }
    text
}
