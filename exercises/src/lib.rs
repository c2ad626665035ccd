//! # httprs exercises
//!
//! Small exercises, one per idea, in the spirit of rustlings. Each
//! chapter of `TUTORIAL.md` ends by naming its exercises; you prove you
//! understood the chapter by replacing an exercise's `todo!()`s until its
//! tests pass.
//!
//! ```text
//! cargo run -p exercises                 # progress table and the next exercise to do
//! cargo run -p exercises -- hint ex02_head_end
//! cargo run -p exercises -- check ex02_head_end
//! ```
//!
//! Where things live:
//! - `src/exNN_*.rs`: **your files**. A story at the top says what to build,
//!   which chapter explains it and what the tests check; `// TODO:` marks the
//!   places to change.
//! - `tests/exNN_*.rs`: the specification, one test file per exercise
//!   (`cargo test -p exercises --test ex05_status_reason` runs one). Each
//!   test file compiles its exercise file into itself with `#[path]`.
//! - `solutions/exNN_*.rs`: reference solutions. With `--features solutions`
//!   the tests compile these *instead of* your files, which is how CI proves
//!   that every test can pass. Peek only when stuck; the hints come first.
//! - `runner/`: the progress runner behind `cargo run -p exercises`.
//! - `check-honesty.sh`: CI's proof that solutions pass and stubs fail.
//!
//! Why your files are not modules of this library: a library compiles as a
//! whole, so one unfinished exercise with a typo would break every test and
//! the runner itself (the runner is a binary of this package, and binaries
//! link the library). Compiled into its own test instead, an exercise that
//! does not build yet fails only its own row of the progress table.
//!
//! What this crate deliberately leaves out: it does not depend on the step
//! crates. Every exercise stands alone, and the tests pin down behaviour, not
//! the tutorial's code.
//!
//! The exercises, by number (the runner lists them by chapter):
//! - `ex01_echo`: chapter 1, echo a stream until end of file.
//! - `ex02_head_end`: chapter 2, find where a request head ends; "not enough bytes yet" is a value.
//! - `ex03_request_line`: chapter 2, parse a request line by hand with typed errors.
//! - `ex04_headers`: chapter 2, parse header lines; case-insensitive lookup; repeats kept.
//! - `ex05_status_reason`: chapter 3, the class of a status code and the reason phrases a server sends.
//! - `ex06_serialize_response`: chapter 3, a response as HTTP/1.1 bytes.
//! - `ex07_thread_pool`: chapter 4, a bounded thread pool: `execute` waits while the queue is full; `Drop` drains and joins.
//! - `ex08_percent_decode`: chapter 5, percent-decode a path segment as step 05 does (malformed escapes kept).
//! - `ex09_route_match`: chapter 5, match `/hello/{name}` and return the parameters.
//! - `ex10_frame`: chapter 6, length-prefixed frames with a size limit.
//! - `ex11_connection`: chapter 7, a connection's read/parse/answer state machine on a non-blocking socket.
//! - `ex12_chunked`: chapter 13, decode a chunked request body.
//! - `ex13_safe_path`: chapter 9, map a URL path to a file under a root, safely.
//! - `ex14_escape_html`: chapter 10, escape text for an HTML template.
//! - `ex15_middleware`: chapter 8, a middleware chain: layers in order, a short-circuit.
//! - `ex16_not_modified`: chapter 9, the 304 decision from If-None-Match and If-Modified-Since.
//! - `ex17_template_lexer`: chapter 10, cut a template into text, `{{ }}` and `{% %}` tokens, with lines.
//! - `ex18_model`: chapter 11, map a row to a struct and back; values only as parameters.
//! - `ex19_signed_cookie`: chapter 12, check a signed cookie's tag in constant time.
//! - `ex20_csrf`: chapter 12, the CSRF decision: safe methods, same origin, the token.
//! - `ex21_forwarded_for`: chapter 14, the client's address behind trusted proxies (`X-Forwarded-For`).
//! - `ex22_websocket_frame`: chapter 15, read one WebSocket frame: FIN, opcode, the mask, three sizes of length.
//!
//! With `--features solutions` (never in a learner's build) the library
//! exposes the reference solutions as modules of the same names, so their
//! documentation and examples are built and tested, and `exercises::reference`: the
//! request-head parser that the benches race against `httparse`.
#![warn(missing_docs)]

// The reference solutions, as library modules. Only with the feature: without
// it the library is empty on purpose (see "Why your files are not modules").

#[cfg(feature = "solutions")]
#[path = "../solutions/ex01_echo.rs"]
pub mod ex01_echo;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex02_head_end.rs"]
pub mod ex02_head_end;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex03_request_line.rs"]
pub mod ex03_request_line;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex04_headers.rs"]
pub mod ex04_headers;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex05_status_reason.rs"]
pub mod ex05_status_reason;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex06_serialize_response.rs"]
pub mod ex06_serialize_response;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex07_thread_pool.rs"]
pub mod ex07_thread_pool;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex08_percent_decode.rs"]
pub mod ex08_percent_decode;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex09_route_match.rs"]
pub mod ex09_route_match;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex10_frame.rs"]
pub mod ex10_frame;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex11_connection.rs"]
pub mod ex11_connection;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex12_chunked.rs"]
pub mod ex12_chunked;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex13_safe_path.rs"]
pub mod ex13_safe_path;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex14_escape_html.rs"]
pub mod ex14_escape_html;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex15_middleware.rs"]
pub mod ex15_middleware;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex16_not_modified.rs"]
pub mod ex16_not_modified;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex17_template_lexer.rs"]
pub mod ex17_template_lexer;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex18_model.rs"]
pub mod ex18_model;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex19_signed_cookie.rs"]
pub mod ex19_signed_cookie;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex20_csrf.rs"]
pub mod ex20_csrf;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex21_forwarded_for.rs"]
pub mod ex21_forwarded_for;
#[cfg(feature = "solutions")]
#[path = "../solutions/ex22_websocket_frame.rs"]
pub mod ex22_websocket_frame;

/// Reference code other crates may use; exists only with `--features solutions`.
///
/// The benches crate compares a hand-written parser with `httparse`:
/// [`reference::parse_request_head`] is ex03's reference solution taken one
/// step further (request line *and* headers, in one pass, borrowing from the
/// input). It lives behind the feature so that nothing can ever benchmark, or
/// depend on, a learner's unfinished `todo!()`.
#[cfg(feature = "solutions")]
pub mod reference {
    pub use crate::ex03_request_line::{
        HeadError, Header, RequestHead, RequestLine, RequestLineError, Status, Version,
        parse_request_head, parse_request_line,
    };
}
