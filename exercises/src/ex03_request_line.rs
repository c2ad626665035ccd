//! # Exercise 03: parse a request line by hand
//!
//! Chapter 2 of `TUTORIAL.md` (step 02) hands the request head to the
//! `httparse` crate. Here you write the first part of that job yourself, to
//! see what it involves. Every HTTP/1.x request starts with one line:
//!
//! ```text
//! GET /hello?name=ferris HTTP/1.1
//! ^^^ ^^^^^^^^^^^^^^^^^^ ^^^^^^^^
//! method   target        version      separated by exactly one space each
//! ```
//!
//! Build [`parse_request_line`]. It receives the line *without* its `\r\n`
//! and returns the three parts, borrowed from the input (no copying), or a
//! [`RequestLineError`] naming the part that is wrong:
//! - the **method** is one or more token characters ([`is_token_byte`]).
//!   Methods are case-sensitive: `get` is a valid (if unknown) method;
//! - the **target** is one or more visible ASCII characters, `!` to `~`
//!   (so no spaces and no control bytes). `/`, `*` and `http://host/` are all fine;
//! - the **version** is exactly `HTTP/1.1` or `HTTP/1.0`, and nothing follows it.
//!
//! When a part is missing (the line ends early, or two spaces leave it
//! empty), the error names the missing part.
//!
//! The tests (`tests/ex03_request_line.rs`) are a table of good and bad
//! lines, including empty lines, double spaces, control bytes, lowercase
//! `http`, unknown versions and trailing spaces.
//!
//! The reference solution goes one step further with a whole-head parser
//! (request line plus headers) that the benches race against `httparse`.
//!
//! Check it with `cargo run -p exercises -- check ex03_request_line`.
//!
//! ## 中文说明
//!
//! ### 练习 03：手写解析请求行
//!
//! `TUTORIAL.zh-CN.md` 第 2 章（step02）把请求头部交给 `httparse` crate 处理。
//! 这里由你亲手完成这项工作的第一部分，看看其中都涉及些什么。每个 HTTP/1.x
//! 请求都以一行请求行（request line）开头（见上面的示意）：方法（method）、
//! 目标（target）和版本（version），彼此之间恰好隔一个空格。
//!
//! 实现 [`parse_request_line`]。它接收*不带* `\r\n` 的这一行，返回其中三个部分（从输入借用，
//! 不做复制），或者返回一个指明哪一部分有错的 [`RequestLineError`]：
//! - **方法**是一个或多个 token 字符（[`is_token_byte`]）。方法区分大小写：
//!   `get` 是一个合法的方法（尽管没人认识它）；
//! - **目标**是一个或多个可见 ASCII 字符，即 `!` 到 `~`（所以不能有空格，
//!   也不能有控制字节）。`/`、`*` 和 `http://host/` 都可以；
//! - **版本**恰好是 `HTTP/1.1` 或 `HTTP/1.0`，后面不能再有任何东西。
//!
//! 某个部分缺失时（这一行提前结束，或者两个连续的空格让它成了空的），
//! 错误指明缺失的那个部分。
//!
//! 测试（`tests/ex03_request_line.rs`）是一张由正确行和错误行组成的表格，
//! 包括空行、双空格、控制字节、小写的 `http`、未知版本和行尾空格。
//!
//! 参考答案更进一步，实现了一个完整的请求头部解析器（请求行加上各个请求头），
//! 基准测试（benches）拿它和 `httparse` 比速度。
//!
//! 用 `cargo run -p exercises -- check ex03_request_line` 检查。

use std::fmt;

/// The HTTP versions this parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`
    Http10,
    /// `HTTP/1.1`
    Http11,
}

/// A parsed request line, borrowing from the bytes it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'b> {
    /// The method, such as `GET`.
    pub method: &'b str,
    /// The request target, such as `/hello?name=ferris`.
    pub target: &'b str,
    /// The protocol version.
    pub version: Version,
}

/// Which part of a request line is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLineError {
    /// The method is empty or contains a byte that is not a token character.
    Method,
    /// The target is missing, empty, or contains a space or control byte.
    Target,
    /// The version is missing, is not `HTTP/1.0` or `HTTP/1.1`, or is followed by more bytes.
    Version,
}

impl fmt::Display for RequestLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestLineError::Method => "invalid method: expected one or more token characters",
            RequestLineError::Target => "invalid target: expected visible ASCII without spaces",
            RequestLineError::Version => "invalid version: expected HTTP/1.0 or HTTP/1.1",
        })
    }
}

impl std::error::Error for RequestLineError {}

/// Is `byte` a token character (`tchar` in RFC 9110, section 5.6.2)?
///
/// Letters, digits and ``!#$%&'*+-.^_`|~``. Given, so you need not look it up.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Parses a request line such as `GET / HTTP/1.1` (without its `\r\n`).
///
/// # Errors
/// A [`RequestLineError`] naming the first part (method, target, version)
/// that is missing or malformed.
// TODO: remove this `allow` once you use `line`.
#[allow(unused_variables)]
pub fn parse_request_line(line: &[u8]) -> Result<RequestLine<'_>, RequestLineError> {
    // TODO: split `line` at the first two spaces (`splitn(3, ...)` on a byte
    // slice works), check each part, and turn method and target into `&str`
    // with `std::str::from_utf8` (they are ASCII once checked).
    todo!()
}
