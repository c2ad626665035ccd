//! # Exercise 06: a response as bytes
//!
//! Chapter 3 of `TUTORIAL.md` (step 03) sends real HTTP responses. On the
//! wire a response is plain text followed by the body:
//!
//! ```text
//! HTTP/1.1 404 Not Found\r\n
//! Content-Type: text/plain\r\n
//! Content-Length: 9\r\n
//! \r\n
//! not found
//! ```
//!
//! Build [`serialize_response`], which turns a [`Response`] into exactly
//! those bytes:
//! 1. the status line `HTTP/1.1 {status} {reason}\r\n` (with an empty
//!    reason the space after the code stays);
//! 2. each header as `Name: value\r\n`, in order, except any
//!    `Content-Length` the caller set (in any letter case): it is dropped,
//!    because the only correct length is the body's real length;
//! 3. `Content-Length: {body length}\r\n`, written by you, after the other
//!    headers, so the client knows where the body ends; but not for 1xx,
//!    204 and 304 responses, which never have a body;
//! 4. the blank line `\r\n`, then the body.
//!
//! Refuse, with a [`SerializeError`], anything that would produce a broken
//! or dangerous response: a status outside 100..=999, a control character
//! in the reason, a header name that is not a token, a control character
//! (other than tab) in a header value, and a body on a 1xx/204/304
//! response. A `\r\n` smuggled into a header value would let whoever
//! controls that value add headers of their own ("response splitting").
//!
//! The tests (`tests/ex06_serialize_response.rs`) compare exact bytes, and
//! check each refusal.
//!
//! Check it with `cargo run -p exercises -- check ex06_serialize_response`.
//!
//! ## 中文说明
//!
//! ### 练习 06：把响应变成字节
//!
//! `TUTORIAL.zh-CN.md` 第 3 章（step03）发送真正的 HTTP 响应。在线路上，
//! 一个响应就是一段纯文本，后面跟着响应体（见上面的示意）。
//!
//! 实现 [`serialize_response`]，把一个 [`Response`] 变成与之完全一致的字节：
//! 1. 状态行 `HTTP/1.1 {status} {reason}\r\n`（原因短语为空时，状态码后面的空格仍然保留）；
//! 2. 每个响应头（header）写成 `Name: value\r\n`，保持原有顺序，但调用者设置的
//!    `Content-Length`（不论字母大小写）除外：它会被丢弃，
//!    因为唯一正确的长度是响应体的实际长度；
//! 3. `Content-Length: {body length}\r\n`，由你在其他响应头之后写出，
//!    让客户端知道响应体在哪里结束；但 1xx、204 和 304 响应不写，它们从来没有响应体；
//! 4. 空行 `\r\n`，然后是响应体。
//!
//! 凡是会产生残缺或危险响应的情况，都用一个 [`SerializeError`] 拒绝：
//! 状态码不在 100..=999 之内；原因短语里有控制字符；响应头的名字不是 token；
//! 响应头的值里有控制字符（制表符除外）；以及 1xx/204/304 响应带有响应体。
//! 如果有人把 `\r\n` 夹带进响应头的值里，谁控制了这个值，
//! 谁就能加上自己的响应头（即“响应拆分”，response splitting）。
//!
//! 测试（`tests/ex06_serialize_response.rs`）逐字节比较输出，并检查每一种拒绝。
//!
//! 用 `cargo run -p exercises -- check ex06_serialize_response` 检查。

use std::fmt;

/// A response about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, such as 200.
    pub status: u16,
    /// The reason phrase, such as `OK`. May be empty.
    pub reason: String,
    /// Header fields in the order they will be sent, except `Content-Length`,
    /// which the serializer always writes itself.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with no headers and an empty body. Given.
    pub fn new(status: u16, reason: &str) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header field. Given.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body. Given.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }
}

/// Why a response cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerializeError {
    /// The status code does not have exactly three digits (100 to 999).
    InvalidStatus {
        /// The offending code.
        status: u16,
    },
    /// The reason phrase contains a control character (CR and LF included).
    InvalidReason,
    /// A header name is not a token, or its value contains a control character.
    InvalidHeader {
        /// The name of the offending header, as given.
        name: String,
    },
    /// A 1xx, 204 or 304 response was given a body; HTTP forbids one.
    BodyNotAllowed {
        /// The status code that forbids a body.
        status: u16,
    },
}

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SerializeError::InvalidStatus { status } => {
                write!(f, "status {status} is not a three-digit code")
            }
            SerializeError::InvalidReason => {
                f.write_str("reason phrase contains a control character")
            }
            SerializeError::InvalidHeader { name } => write!(f, "header {name:?} is malformed"),
            SerializeError::BodyNotAllowed { status } => {
                write!(f, "a {status} response must not have a body")
            }
        }
    }
}

impl std::error::Error for SerializeError {}

/// Is `byte` a token character (`tchar` in RFC 9110)? Given.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Serialises `response` to HTTP/1.1 bytes, ready to write to a socket.
///
/// # Errors
/// A [`SerializeError`] when the response cannot be sent as it is.
// TODO: remove this `allow` once you use `response`.
#[allow(unused_variables)]
pub fn serialize_response(response: &Response) -> Result<Vec<u8>, SerializeError> {
    // TODO: validate first, then build a `Vec<u8>`: `write!(out, ...)` works on
    // a Vec once `std::io::Write` is in scope, or push `format!` strings'
    // bytes with `extend_from_slice`.
    todo!()
}
