//! # Exercise 20: the CSRF decision
//!
//! Chapter 12 of `TUTORIAL.md` refuses forms that another site makes the
//! browser post (cross-site request forgery). Before any handler runs, the
//! server decides from a few parts of the request:
//!
//! 1. A **safe** method (`GET`, `HEAD`, `OPTIONS`, `TRACE`) changes
//!    nothing, so it always passes. Every other method is *unsafe*.
//! 2. An unsafe request that says it comes from elsewhere is refused as
//!    [`Refusal::CrossSite`]: `Sec-Fetch-Site: cross-site` (any case,
//!    spaces around allowed), or an `Origin` that is not **same-origin**.
//!    `Origin` is `scheme://host[:port]`; it is same-origin when the scheme
//!    is `http` or `https` and the rest equals the `Host` header, ignoring
//!    case. `Origin: null`, another scheme, or no `Host` are not.
//! 3. Then the token: no token sent, or no session token to compare with,
//!    is [`Refusal::MissingToken`]; a token that differs is
//!    [`Refusal::WrongToken`]. Compare without stopping at the first wrong
//!    byte (exercise 19 says why).
//!
//! Write [`is_unsafe`], [`same_origin`] and [`decide`].
//!
//! The tests (`tests/ex20_csrf.rs`) go through a table of requests: safe
//! methods with nothing, forms with and without the right token, other
//! origins with the right token, `null`, ports, case.
//!
//! Check it with `cargo run -p exercises -- check ex20_csrf`.
//!
//! ## 中文说明
//!
//! ### 练习 20：CSRF 的判断
//!
//! `TUTORIAL.zh-CN.md` 第 12 章拒绝由其他网站让浏览器提交的表单，即跨站请求伪造（CSRF，
//! cross-site request forgery）。在任何处理函数运行之前，
//! 服务器根据请求的几个部分做出判断：
//!
//! 1. **安全**方法（`GET`、`HEAD`、`OPTIONS`、`TRACE`）不改变任何东西，所以总是放行。
//!    其他所有方法都是*不安全*的。
//! 2. 自称来自别处的不安全请求，作为 [`Refusal::CrossSite`] 拒绝：即
//!    `Sec-Fetch-Site: cross-site`（不区分大小写，两边允许有空格），或者 `Origin`
//!    不是**同源**（same-origin）的。`Origin` 的形式是 `scheme://host[:port]`；
//!    当 scheme 是 `http` 或 `https`，且其余部分等于 `Host` 请求头（忽略大小写）
//!    时，它就是同源的。`Origin: null`、其他 scheme，或者没有 `Host`，都不算同源。
//! 3. 然后检查令牌（token）：没有发送令牌，或者没有可供比较的会话令牌，是
//!    [`Refusal::MissingToken`]；令牌不同是 [`Refusal::WrongToken`]。
//!    比较时不要在第一个错误字节处停下（练习 19 讲了原因）。
//!
//! 编写 [`is_unsafe`]、[`same_origin`] 和 [`decide`]。
//!
//! 测试（`tests/ex20_csrf.rs`）逐行检查一张请求表：什么都没带的安全方法、
//! 带与不带正确令牌的表单、带着正确令牌但来自其他源的请求、`null`、端口、
//! 大小写。
//!
//! 用 `cargo run -p exercises -- check ex20_csrf` 检查。

/// Why a request is refused (answered with 403, and no handler runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It says it comes from another site.
    CrossSite,
    /// No token was sent, or the session has none.
    MissingToken,
    /// The token sent is not the session's.
    WrongToken,
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The method, as sent (`POST`).
    pub method: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The token the request carried (form field or header).
    pub sent_token: Option<&'a str>,
    /// The token of the request's session, if it has one.
    pub session_token: Option<&'a str>,
}

/// Whether `method` may change something.
// TODO: remove this `allow` once you use `method`.
#[allow(unused_variables)]
pub fn is_unsafe(method: &str) -> bool {
    // TODO: everything but GET, HEAD, OPTIONS and TRACE.
    todo!()
}

/// Whether `origin` names the same site as `host`.
// TODO: remove this `allow` once you use `origin` and `host`.
#[allow(unused_variables)]
pub fn same_origin(origin: &str, host: Option<&str>) -> bool {
    // TODO: strip "http://" or "https://" (else false), then compare with
    // the host, ignoring ASCII case.
    todo!()
}

/// `Ok(())` if the request may reach its handler, else why not.
// TODO: remove this `allow` once you use `req`.
#[allow(unused_variables)]
pub fn decide(req: &Request<'_>) -> Result<(), Refusal> {
    // TODO: the three rules of the story, in order.
    todo!()
}
