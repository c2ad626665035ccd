//! # Exercise 05: what a status code means, and what to call it
//!
//! Chapter 3 of `TUTORIAL.md` (step 03) answers requests. Every response
//! starts with a status line such as `HTTP/1.1 404 Not Found`: a three-digit
//! code for programs and a reason phrase for people.
//!
//! The idea to take away is in the first digit. RFC 9110 sorts every code
//! into one of five classes (1xx informational, 2xx success, 3xx
//! redirection, 4xx client error, 5xx server error), and a client that meets
//! a code it does not know must treat it like the `x00` of its class: a `499`
//! is "some client error". The phrase is decoration; programs never read it.
//!
//! Build two small functions:
//! - [`status_class`] sorts any code from 100 to 599 into its class, and
//!   returns `None` outside that range (`99` and `600` are not status codes);
//! - [`reason_phrase`] gives the phrase to send. The codes the servers of this
//!   workspace send get their own (RFC 9110 spelling): 200 OK, 201 Created,
//!   204 No Content, 301 Moved Permanently, 304 Not Modified, 308 Permanent
//!   Redirect, 400 Bad Request, 404 Not Found, 405 Method Not Allowed,
//!   408 Request Timeout, 413 Content Too Large, 431 Request Header Fields
//!   Too Large, 500 Internal Server Error, 503 Service Unavailable. Any other
//!   valid code falls back to its class's [`StatusClass::label`] (so `299`
//!   is "Success"), and an invalid one has no phrase (`None`).
//!
//! The tests (`tests/ex05_status_reason.rs`) check the class boundaries (99,
//! 100, 199, 200, ..., 599, 600), the fourteen phrases, the fallback for
//! codes without one (102, 299, 418, 499, 599), and that every code from 0 to
//! 1000 has a phrase exactly when it has a class.
//!
//! Check it with `cargo run -p exercises -- check ex05_status_reason`.
//!
//! ## 中文说明
//!
//! ### 练习 05：状态码的含义和叫法
//!
//! `TUTORIAL.zh-CN.md` 第 3 章（step03）开始应答请求。每个响应都以一个状态行开头，
//! 例如 `HTTP/1.1 404 Not Found`：三位数的状态码（status code）给程序看，
//! 原因短语（reason phrase）给人看。
//!
//! 这里要记住的道理在第一位数字上。RFC 9110 把每个状态码归入五个类别之一（1xx 信息、
//! 2xx 成功、3xx 重定向、4xx 客户端错误、5xx 服务器错误）；
//! 客户端遇到一个它不认识的状态码时，必须把它当作同类的 `x00` 处理：`499`
//! 就是“某种客户端错误”。原因短语只是装饰，程序从来不读它。
//!
//! 实现两个小函数：
//! - [`status_class`] 把 100 到 599 之间的任意状态码归入它的类别，超出这个范围时返回
//!   `None`（`99` 和 `600` 都不是状态码）；
//! - [`reason_phrase`] 给出要发送的原因短语。
//!   本工作区的服务器会发送的那些状态码各有自己的短语（按 RFC 9110 的写法）：
//!   200 OK、201 Created、204 No Content、301 Moved Permanently、304 Not Modified、
//!   308 Permanent Redirect、400 Bad Request、404 Not Found、405 Method Not Allowed、
//!   408 Request Timeout、413 Content Too Large、431 Request Header Fields Too Large、
//!   500 Internal Server Error、503 Service Unavailable。其他合法的状态码退而使用所属类别的
//!   [`StatusClass::label`]（所以 `299` 是 "Success"），不合法的则没有短语（`None`）。
//!
//! 测试（`tests/ex05_status_reason.rs`）检查：类别的边界（99、100、199、
//! 200、……、599、600）；这十四个短语；没有专属短语的状态码的后备短语（102、
//! 299、418、499、599）；以及从 0 到 1000 的每个数，当且仅当它有类别时才有短语。
//!
//! 用 `cargo run -p exercises -- check ex05_status_reason` 检查。

/// The five classes of status codes (RFC 9110, section 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 1xx: the request was received, continuing.
    Informational,
    /// 2xx: the request was received, understood and accepted.
    Success,
    /// 3xx: further action is needed to complete the request.
    Redirection,
    /// 4xx: the request is wrong.
    ClientError,
    /// 5xx: the server failed to fulfil a valid request.
    ServerError,
}

impl StatusClass {
    /// The class's name in words, the phrase of last resort. (Given.)
    pub fn label(self) -> &'static str {
        match self {
            StatusClass::Informational => "Informational",
            StatusClass::Success => "Success",
            StatusClass::Redirection => "Redirection",
            StatusClass::ClientError => "Client Error",
            StatusClass::ServerError => "Server Error",
        }
    }
}

/// The class of a status code from 100 to 599, or `None` outside that range.
// TODO: remove this `allow` once you use `code`.
#[allow(unused_variables)]
pub fn status_class(code: u16) -> Option<StatusClass> {
    // TODO: match on ranges such as `100..=199`, with `_ => None` last.
    todo!()
}

/// The reason phrase to send with `code`: its own for the codes listed at
/// the top of this file, its class's label for any other valid code, `None`
/// for a number that is not a status code.
// TODO: remove this `allow` once you use `code`.
#[allow(unused_variables)]
pub fn reason_phrase(code: u16) -> Option<&'static str> {
    // TODO: find the class first (`status_class(code)?` returns `None` for
    // you), then `match code { 200 => "OK", ... }` with the class's
    // `label()` as the `_` arm, wrapped in `Some`.
    todo!()
}
