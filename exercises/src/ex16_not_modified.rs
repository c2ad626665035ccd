//! # Exercise 16: the 304 decision
//!
//! Chapter 9 of `TUTORIAL.md` serves the guestbook's style sheet with two
//! labels: `ETag: "6751f3a2-1c4"` (a tag that changes when the file does)
//! and `Last-Modified: Sat, 05 Dec 2026 18:22:58 GMT`. On the next visit
//! the browser asks *conditionally*, sending them back as `If-None-Match`
//! and `If-Modified-Since`, and a server whose file has not changed answers
//! `304 Not Modified` with no body: the browser uses its copy.
//!
//! Write [`not_modified`], the decision, by RFC 9110's rules (§13.2.2):
//!
//! 1. If the request has `If-None-Match`, decide by tags alone: it is a
//!    comma-separated list (spaces around the commas are allowed), and the
//!    answer is "not modified" if one of them is `*` or equals our `etag`.
//!    Tags compare *weakly*: a `W/` in front of either tag is ignored, so
//!    `W/"abc"` matches `"abc"`. `If-Modified-Since` is then ignored, even
//!    if it would say "not modified".
//! 2. Otherwise, if the request has `If-Modified-Since` (the caller parsed
//!    its date for you: `None` if absent or not a date), the answer is "not
//!    modified" if the file was not modified after that date. HTTP dates
//!    count whole seconds, so compare whole seconds: a file modified at
//!    12:00:00.7 was not modified after `12:00:00`.
//! 3. Otherwise: modified (send the file).
//!
//! The tests (`tests/ex16_not_modified.rs`) go through each rule and the
//! traps: the weak mark, spaces in the list, a tag that merely starts like
//! ours, and the fraction of a second.
//!
//! Check it with `cargo run -p exercises -- check ex16_not_modified`.
//!
//! ## 中文说明
//!
//! ### 练习 16：304 的判断
//!
//! `TUTORIAL.zh-CN.md` 第 9 章在提供留言板的样式表时附上两个标识：
//! `ETag: "6751f3a2-1c4"`（一个随文件变化而变化的标签）和
//! `Last-Modified: Sat, 05 Dec 2026 18:22:58 GMT`。下次访问时，浏览器会发出*条件*请求，
//! 也就是协商缓存（conditional request）：把这两个值分别放在 `If-None-Match` 和
//! `If-Modified-Since` 中送回来；如果文件没有变，服务器就回答不带响应体的
//! `304 Not Modified`，浏览器使用它自己的副本。
//!
//! 按 RFC 9110 的规则（§13.2.2）编写这个判断，即 [`not_modified`]：
//!
//! 1. 如果请求带有 `If-None-Match`，就只按标签判断：
//!    它是一个逗号分隔的列表（逗号两边允许有空格），只要其中某一项是 `*` 或等于我们的 `etag`，
//!    答案就是“未修改”。标签按*弱比较*：任一标签前面的 `W/` 都不计，所以 `W/"abc"` 与 `"abc"`
//!    匹配。这时 `If-Modified-Since` 被忽略，即使它会得出“未修改”的结论。
//! 2. 否则，如果请求带有 `If-Modified-Since`（调用者已经替你解析好了日期：
//!    没有这个头部或者它不是日期时为 `None`），只要文件在那个日期之后没有修改过，
//!    答案就是“未修改”。HTTP 日期以整秒计，所以要按整秒比较：在 12:00:00.7 修改的文件，
//!    并没有在 `12:00:00` 之后修改。
//! 3. 否则：已修改（发送文件）。
//!
//! 测试（`tests/ex16_not_modified.rs`）逐条检查这些规则和其中的陷阱：
//! 弱标记、列表中的空格、仅仅开头和我们的标签一样的标签，以及不足一秒的零头。
//!
//! 用 `cargo run -p exercises -- check ex16_not_modified` 检查。

use std::time::SystemTime;

/// Whether the client's copy is current, so the answer is `304`.
///
/// `if_none_match` is the request's `If-None-Match` header, if any;
/// `if_modified_since` its `If-Modified-Since` date, if any and valid;
/// `etag` and `modified` describe the file as it is now.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<SystemTime>,
    etag: &str,
    modified: SystemTime,
) -> bool {
    // TODO: rule 1 returns early when `if_none_match` is `Some`; rule 2
    // compares seconds since `UNIX_EPOCH` (`duration_since(..).as_secs()`).
    todo!()
}
