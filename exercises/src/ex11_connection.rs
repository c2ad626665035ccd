//! # Exercise 11: a connection on a non-blocking socket
//!
//! Chapter 7 of `TUTORIAL.md` (step 07) serves thousands of connections
//! from one thread: an event loop owns every socket, and the kernel tells it
//! which ones are *ready*. A non-blocking socket never waits: a `read` with
//! nothing to give says `Err(WouldBlock)`, and a `write` with a full send
//! buffer takes part of the bytes, or none. So a connection becomes a *state
//! machine*: a value that remembers, between two readiness events, the half
//! of a head that has arrived and the half of an answer that has not left.
//!
//! The event loop calls [`Connection::on_readable`] when the socket has
//! bytes (it returns every complete request, pipelined ones included, in
//! order; "not enough bytes yet" is an empty list, not an error), then
//! [`Connection::queue`] with each answer in the same order,
//! [`Connection::on_writable`] when the socket can take bytes, and drops the
//! socket once [`Connection::should_close`]. Nothing more is read after the
//! peer's end of file (`Ok(0)`: a half-closed client still gets its
//! answers), after a request that [`Request::wants_close`], or after a
//! [`BadRequest`] (always the last item: after garbage nobody knows where
//! the next request starts). A head over [`MAX_HEAD`] bytes is
//! [`BadRequest::HeadTooLarge`] (431), and a head announcing a body is
//! [`BadRequest::Malformed`]: this server reads no bodies (chapter 13's
//! `final/` does).
//!
//! Given (read them first): the parsing (`parse_one`, with `httparse`), and
//! the reading loop of [`Connection::on_readable`], which reads until
//! `WouldBlock` and hands each arrival to `take_requests`. Yours are the
//! state machine's decisions, four `todo!()`s:
//! - `take_requests`: what a complete request, a `Partial` head and a bad
//!   one each mean for the connection, and what stays in `read_buf`;
//! - [`Connection::queue`]: one answer fewer is owed;
//! - [`Connection::on_writable`]: a write may take part of the bytes, or
//!   none (`WouldBlock`), and the rest must wait for the next event;
//! - [`Connection::should_close`]: when the socket may go.
//!
//! The socket is any `Read`/`Write`, so the same code runs on a
//! `mio::net::TcpStream`. The tests drive it with a `FakeSocket` (in the
//! test file): its reads return scripted arrivals, then `WouldBlock`; its
//! writes accept a set number of bytes, then `WouldBlock`.
//!
//! The tests (`tests/ex11_connection.rs`) split a head byte by byte, send
//! pipelined requests in one read and across reads, write through a socket
//! that takes three bytes at a time, close after end of file, `Connection:
//! close` and HTTP/1.0, and refuse heads over the limit, garbage and bodies.
//!
//! Check it with `cargo run -p exercises -- check ex11_connection`.
//!
//! ## 中文说明
//!
//! ### 练习 11：非阻塞套接字上的一个连接
//!
//! `TUTORIAL.zh-CN.md` 第 7 章（step07）用一个线程服务成千上万个连接：
//! 一个事件循环（event loop）掌管所有套接字（socket），
//! 由内核告诉它哪些套接字已经*就绪*（readiness）。非阻塞（non-blocking）
//! 套接字从不等待：没有数据可读的 `read` 返回 `Err(WouldBlock)`；发送缓冲区已满时，
//! `write` 只收下一部分字节，甚至一个也不收。于是一个连接就成了一个*状态机*（state
//! machine）：这个值在两次就绪事件之间，记住已经到达的半个请求头部，
//! 以及还没发出去的半个响应。
//!
//! 事件循环在套接字有数据时调用 [`Connection::on_readable`]（它按顺序返回每个完整的请求，
//! 包括以管线化（pipelining）方式发来的请求；“字节还不够”是一个空列表，
//! 而不是错误），然后按同样的顺序用每个响应调用 [`Connection::queue`]，
//! 在套接字可以写入时调用 [`Connection::on_writable`]，并在 [`Connection::should_close`]
//! 成立后丢弃这个套接字。以下情况之后不再读取任何内容：对端的文件结束（`Ok(0)`：
//! 半关闭的客户端仍然会收到它的响应）；一个 [`Request::wants_close`] 的请求；
//! 或者一个 [`BadRequest`]（它总是最后一项：收到乱码之后，谁也不知道下一个请求从哪里开始）。
//! 超过 [`MAX_HEAD`] 字节的请求头部是 [`BadRequest::HeadTooLarge`]（431），
//! 声明带有请求体的请求头部是 [`BadRequest::Malformed`]：这个服务器不读请求体（第 13 章的
//! `final/` 才读）。
//!
//! 已经给出的部分（先读它们）：解析（`parse_one`，用 `httparse`），以及
//! [`Connection::on_readable`] 中的读取循环，它一直读到 `WouldBlock`，
//! 把每次到达的数据交给 `take_requests`。你要写的是状态机的决策，一共四个 `todo!()`：
//! - `take_requests`：一个完整的请求、一个 `Partial` 的头部和一个错误的头部，
//!   分别对连接意味着什么，以及 `read_buf` 里要留下什么；
//! - [`Connection::queue`]：欠下的响应少了一个；
//! - [`Connection::on_writable`]：一次写入可能只收下一部分字节，
//!   或者一个都不收（`WouldBlock`），剩下的必须等到下一个事件；
//! - [`Connection::should_close`]：什么时候可以关掉这个套接字。
//!
//! 套接字可以是任何 `Read`/`Write`，所以同样的代码也能在 `mio::net::TcpStream` 上运行。
//! 测试用一个 `FakeSocket`（在测试文件里）来驱动它：它的 read 依次返回预先编排好的数据，
//! 然后返回 `WouldBlock`；它的 write 先接收设定数量的字节，然后返回 `WouldBlock`。
//!
//! 测试（`tests/ex11_connection.rs`）逐字节拆分一个请求头部；在一次 read 中以及跨多次 read
//! 发送管线化的请求；通过一个每次只收三个字节的套接字写出响应；在文件结束、
//! `Connection: close` 和 HTTP/1.0 之后关闭连接；并拒绝超出上限的头部、
//! 乱码和请求体。
//!
//! 用 `cargo run -p exercises -- check ex11_connection` 检查。

use std::fmt;
use std::io::{self, Read, Write};

/// The longest request head accepted, terminator included: 8 KiB, as in step 02.
pub const MAX_HEAD: usize = 8 * 1024;
/// The most header lines one head may have.
pub const MAX_HEADERS: usize = 32;

// ----------------------------------------------------------------------------
// Given: the request, and the two ways a request can be bad.
// ----------------------------------------------------------------------------

/// One parsed request head. (Given.) Requests here have no body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target as sent, for example `/hello?x=1`.
    pub path: String,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    /// Every header line, in order; values read as UTF-8 (lossily).
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of the header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection ends after this request's answer: HTTP/1.1
    /// keeps it open unless the client says `Connection: close`; HTTP/1.0
    /// closes it unless the client says `Connection: keep-alive`.
    pub fn wants_close(&self) -> bool {
        let says = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.version == 0 {
            !says("keep-alive")
        } else {
            says("close")
        }
    }

    /// Whether the head announces a body (this exercise's server takes none).
    pub fn announces_body(&self) -> bool {
        self.header("transfer-encoding").is_some()
            || self
                .header("content-length")
                .is_some_and(|v| v.trim() != "0")
    }
}

/// Why the bytes on a connection are not a request we can answer. (Given.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRequest {
    /// Not HTTP, or a head announcing a body, which this server does not read: 400.
    Malformed,
    /// A head longer than [`MAX_HEAD`] bytes, or with more than [`MAX_HEADERS`] lines: 431.
    HeadTooLarge,
}

impl BadRequest {
    /// The status code to answer with before closing.
    pub fn status(self) -> u16 {
        match self {
            BadRequest::Malformed => 400,
            BadRequest::HeadTooLarge => 431,
        }
    }
}

impl fmt::Display for BadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadRequest::Malformed => f.write_str("400: not a request this server can read"),
            BadRequest::HeadTooLarge => write!(
                f,
                "431: the request head is over {MAX_HEAD} bytes or {MAX_HEADERS} lines"
            ),
        }
    }
}

impl std::error::Error for BadRequest {}

// ----------------------------------------------------------------------------
// The connection: this is the exercise.
// ----------------------------------------------------------------------------

/// What one read event produced, in the order the client sent it: requests,
/// and at most one bad request, always last.
pub type Parsed = Vec<Result<Request, BadRequest>>;

/// One client connection's state, between readiness events.
///
/// The event loop owns one per socket. It calls [`Connection::on_readable`]
/// when the socket has bytes, answers every item it returns (in order) with
/// [`Connection::queue`], calls [`Connection::on_writable`] while
/// [`Connection::wants_write`], and drops the socket once
/// [`Connection::should_close`].
#[derive(Debug, Default)]
pub struct Connection {
    /// Bytes read but not yet parsed: the start of a head still arriving.
    read_buf: Vec<u8>,
    /// Answers queued but not yet accepted by the socket.
    write_buf: Vec<u8>,
    /// Items returned by `on_readable` that have not been answered yet.
    owed: usize,
    /// A request said "close", or a bad one arrived: read nothing more, and
    /// close once every answer is written.
    closing: bool,
    /// The peer closed its side (a read returned `Ok(0)`).
    peer_closed: bool,
}

impl Connection {
    /// A fresh connection: nothing read, nothing owed. (Given.)
    pub fn new() -> Connection {
        Connection::default()
    }

    /// Reads everything the socket has, until it would block, and parses it. (Given.)
    ///
    /// Returns the complete requests in the order they were sent (pipelined
    /// ones included), followed by a [`BadRequest`] if one was met; an empty
    /// list means "nothing complete yet". The bytes of a head still
    /// arriving are kept for the next call.
    ///
    /// # Errors
    /// Any read error other than `WouldBlock` and `Interrupted`: the
    /// connection is broken, and the event loop drops it.
    pub fn on_readable(&mut self, sock: &mut impl Read) -> io::Result<Parsed> {
        let mut parsed = Vec::new();
        let mut chunk = [0u8; 4096];
        // Edge-triggered readiness says "something arrived" once: read until
        // the socket says WouldBlock, or the next event may never come.
        while !self.closing && !self.peer_closed {
            match sock.read(&mut chunk) {
                Ok(0) => self.peer_closed = true,
                Ok(n) => {
                    self.read_buf.extend_from_slice(&chunk[..n]);
                    // Parse after every read, not once at the end: a client
                    // flooding us is stopped at MAX_HEAD, not at our memory.
                    self.take_requests(&mut parsed);
                }
                // The key line: "nothing more for now" is not an error, it is
                // the normal end of every read event.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            }
        }
        if self.peer_closed {
            // An unfinished head can never be finished now: drop it.
            self.read_buf.clear();
        }
        self.owed += parsed.len();
        Ok(parsed)
    }

    /// Takes every complete request off the front of `read_buf`, into `parsed`.
    // TODO: remove this `allow` once you use `parsed`.
    #[allow(unused_variables)]
    fn take_requests(&mut self, parsed: &mut Parsed) {
        // TODO: parse from an offset `start` (0 at first) while not
        // `closing`, with `parse_one(&self.read_buf[start..])`:
        // - `Ok(Some((request, len)))`: push it; `start += len`; a request
        //   that `wants_close()` is the last one read (set `closing`);
        // - `Ok(None)`: the rest of a head is still on its way: stop;
        // - `Err(bad)`: push it, set `closing`: nobody knows where the
        //   next request would start.
        // Then drop the `start` bytes you used (`drain(..start)`), or all of
        // `read_buf` once `closing`.
        todo!()
    }

    /// Queues the answer to the oldest item not answered yet.
    ///
    /// Answers must be queued in the order [`Connection::on_readable`]
    /// returned the items: HTTP/1.1 has no other way to tell them apart.
    // TODO: remove this `allow` once you use `response`.
    #[allow(unused_variables)]
    pub fn queue(&mut self, response: &[u8]) {
        // TODO: append to `write_buf`; one answer fewer is owed.
        todo!()
    }

    /// Whether answers are waiting for the socket to take them. (Given.)
    pub fn wants_write(&self) -> bool {
        !self.write_buf.is_empty()
    }

    /// Writes queued answers until they are all sent or the socket would block.
    ///
    /// # Errors
    /// Any write error other than `WouldBlock` and `Interrupted`, or a socket
    /// that accepts zero bytes (`WriteZero`).
    // TODO: remove this `allow` once you use `sock`.
    #[allow(unused_variables)]
    pub fn on_writable(&mut self, sock: &mut impl Write) -> io::Result<()> {
        // TODO: while `write_buf` is not empty, `sock.write(&self.write_buf)`:
        // `Ok(n)` took the first `n` bytes (remove them, keep the rest);
        // `Ok(0)` is a `WriteZero` error; `WouldBlock` ends the loop without
        // an error; `Interrupted` tries again; any other error is returned.
        // `on_readable` above has the same shape.
        todo!()
    }

    /// Whether the event loop should close the socket now: nothing more will
    /// be read (end of file, a "close", or a bad request), every item has
    /// been answered, and every answer has been written.
    pub fn should_close(&self) -> bool {
        // TODO: three conditions, from the fields.
        todo!()
    }
}

/// Parses the request at the start of `buf`: `Ok(None)` while its head is
/// incomplete, or the request and the length of its head. (Given.)
///
/// # Errors
/// [`BadRequest::HeadTooLarge`] for a head over [`MAX_HEAD`] bytes (whether
/// or not its end has arrived) or with too many headers,
/// [`BadRequest::Malformed`] for anything `httparse` refuses and for a head
/// that announces a body.
fn parse_one(buf: &[u8]) -> Result<Option<(Request, usize)>, BadRequest> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut headers);
    let len = match head.parse(buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => len,
        Ok(httparse::Status::Complete(_)) => return Err(BadRequest::HeadTooLarge),
        // "Not enough bytes yet" is a value, unless MAX_HEAD bytes have come
        // without the end of the head: then it can only be too long.
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
            return Err(BadRequest::HeadTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(BadRequest::HeadTooLarge),
        Err(_) => return Err(BadRequest::Malformed),
    };
    let request = Request {
        // A complete parse always has all three; the defaults are never used.
        method: head.method.unwrap_or_default().to_string(),
        path: head.path.unwrap_or_default().to_string(),
        version: head.version.unwrap_or_default(),
        headers: head
            .headers
            .iter()
            .map(|h| {
                let value = String::from_utf8_lossy(h.value).into_owned();
                (h.name.to_string(), value)
            })
            .collect(),
    };
    if request.announces_body() {
        // Reading on would take the body's bytes for the next request.
        return Err(BadRequest::Malformed);
    }
    Ok(Some((request, len)))
}
