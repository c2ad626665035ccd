//! # Exercise 09: matching a route pattern
//!
//! Chapter 5 of `TUTORIAL.md` (step 05) gives the server a router: a list
//! of patterns such as `/hello/{name}`, each with a handler. For every
//! request the router asks each pattern "do you match this path, and if so,
//! what are the parameters?".
//!
//! Build [`match_route`]:
//! - split the pattern and the path into segments at `/`; they match only
//!   with the same number of segments;
//! - a literal segment must equal the path's segment exactly (case matters:
//!   `/Hello` is not `/hello`);
//! - a segment written `{name}` matches any **non-empty** path segment and
//!   captures it as the parameter `name`;
//! - the result lists `(name, value)` pairs in pattern order, borrowed from
//!   the pattern and the path; `None` when the path does not match.
//!
//! A trailing slash is a segment of its own (an empty one): `/users/` does
//! not match `/users` nor `/users/{id}`. Values are returned raw, still
//! percent-encoded; decoding them is the job of ex08.
//!
//! The tests (`tests/ex09_route_match.rs`) check literals, one and several
//! parameters, the root path, too few and too many segments, empty segments,
//! trailing slashes and case.
//!
//! Check it with `cargo run -p exercises -- check ex09_route_match`.
//!
//! ## 中文说明
//!
//! ### 练习 09：匹配路由模式
//!
//! `TUTORIAL.zh-CN.md` 第 5 章（step05）给服务器加上一个路由器（router）：
//! 一张由 `/hello/{name}` 这类模式组成的列表，每个模式对应一个处理函数（handler）。
//! 对每个请求，路由器都逐个询问这些模式：“你匹配这个路径吗？如果匹配，
//! 参数是什么？”
//!
//! 实现 [`match_route`]：
//! - 在 `/` 处把模式和路径切成若干段；只有段数相同，二者才可能匹配；
//! - 字面段必须与路径中对应的段完全相等（区分大小写：`/Hello` 不是 `/hello`）；
//! - 写成 `{name}` 的段匹配任何**非空**的路径段，并把它捕获为参数 `name`；
//! - 结果按模式中的顺序列出 `(name, value)` 对，它们借用自模式和路径；路径不匹配时返回
//!   `None`。
//!
//! 末尾的斜杠自成一段（一个空段）：`/users/` 既不匹配 `/users`，也不匹配 `/users/{id}`。
//! 返回的值是原样的，仍然带着百分号编码；解码是 ex08 的事。
//!
//! 测试（`tests/ex09_route_match.rs`）检查：字面段、一个和多个参数、根路径、
//! 段数过少和过多、空段、末尾斜杠以及大小写。
//!
//! 用 `cargo run -p exercises -- check ex09_route_match` 检查。

/// Matches `path` against `pattern`, returning the named parameters.
///
/// `match_route("/hello/{name}", "/hello/ferris")` is
/// `Some(vec![("name", "ferris")])`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn match_route<'a>(pattern: &'a str, path: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    // TODO: walk `pattern.split('/')` and `path.split('/')` side by side
    // (`zip`, after checking that both have the same number of segments).
    // `strip_prefix('{')` and `strip_suffix('}')` spot a parameter.
    todo!()
}
