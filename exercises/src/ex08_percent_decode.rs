//! # Exercise 08: percent-decoding a path segment
//!
//! Chapter 5 of `TUTORIAL.md` (step 05) routes requests by path. A browser
//! cannot put every character in a URL, so it percent-encodes the rest: a
//! byte becomes `%` plus two hex digits. `/caf%C3%A9` is the path `/café`
//! (é is the two UTF-8 bytes C3 A9), and `/a%20b` is `/a b`.
//!
//! Build [`percent_decode`] for one path segment, with the rules of step
//! 05's `router::percent_decode` (the router decodes each captured
//! parameter with it):
//! - each `%XY` (two hex digits, either case) becomes the byte 0xXY;
//! - every other character is kept as is. In particular `+` stays `+`: it
//!   means a space only in HTML form data, never in a path;
//! - a `%` that is not followed by two hex digits is not an escape and is
//!   kept as it is: `100%` stays `100%`, `%4` stays `%4`, `%zz` stays `%zz`,
//!   and in `%%41` the first `%` is kept and `%41` is an `A`;
//! - the decoded bytes are read as UTF-8, and a byte that is not part of a
//!   valid character becomes the replacement character `�` (U+FFFD), as
//!   `String::from_utf8_lossy` does: `%FF` alone is not text.
//!
//! Why no errors? A URL a client sent is what it is: the router has already
//! matched the raw path, and the handler is better served by a best reading
//! of a malformed parameter than by a refusal. (Where a wrong reading is
//! dangerous, for a file name, ex13 is strict instead.) Whatever the input,
//! the function must not panic.
//!
//! Decoding happens exactly once: `%2541` decodes to `%41`, not to `A`.
//!
//! The tests (`tests/ex08_percent_decode.rs`) check plain text, spaces,
//! multi-byte characters, both hex cases, `+`, double encoding, `%2F` and
//! `%00`, every malformed escape (at the start, in the middle, at the end,
//! before a multi-byte character), and invalid UTF-8; they compare with
//! step 05's cases.
//!
//! Check it with `cargo run -p exercises -- check ex08_percent_decode`.
//!
//! ## 中文说明
//!
//! ### 练习 08：对路径段做百分号解码
//!
//! `TUTORIAL.zh-CN.md` 第 5 章（step05）按路径为请求分派路由（route）。
//! 浏览器不能把所有字符都放进 URL，于是对其余的字符做百分号编码（percent-encoding）：
//! 一个字节变成 `%` 加两位十六进制数字。`/caf%C3%A9` 就是路径 `/café`（é 是 C3 A9 这两个
//! UTF-8 字节），`/a%20b` 就是 `/a b`。
//!
//! 为单个路径段实现 [`percent_decode`]，规则与 step05 的 `router::percent_decode`
//! 相同（路由器用它解码每个捕获到的参数）：
//! - 每个 `%XY`（两位十六进制数字，大小写均可）变成字节 0xXY；
//! - 其他字符一律原样保留。特别是 `+` 仍然是 `+`：只有在 HTML 表单数据里它才表示空格，
//!   在路径里从来不是；
//! - 后面没有跟着两位十六进制数字的 `%` 不是转义序列，原样保留：`100%` 仍是 `100%`，
//!   `%4` 仍是 `%4`，`%zz` 仍是 `%zz`；而在 `%%41` 中，第一个 `%` 保留，
//!   `%41` 是一个 `A`；
//! - 解码得到的字节按 UTF-8 解读，不属于任何合法字符的字节变成替换字符 `�`（U+FFFD），
//!   与 `String::from_utf8_lossy` 的做法一样：单独一个 `%FF` 不是文本。
//!
//! 为什么不报错？客户端发来的 URL 就是那个样子：路由器已经用原始路径完成了匹配，
//! 对处理函数（handler）来说，把格式错误的参数尽量读出个结果，比直接拒绝更有用。
//! （在读错会带来危险的地方，比如文件名，ex13 就严格得多。）无论输入是什么，
//! 这个函数都不能 panic。
//!
//! 解码只做一次：`%2541` 解码为 `%41`，而不是 `A`。
//!
//! 测试（`tests/ex08_percent_decode.rs`）检查：纯文本、空格、多字节字符、
//! 十六进制的两种大小写、`+`、双重编码、`%2F` 和 `%00`、每一种格式错误的转义（在开头、
//! 在中间、在结尾，以及紧挨在多字节字符之前），还有非法的 UTF-8；并与 step05
//! 的用例做对照。
//!
//! 用 `cargo run -p exercises -- check ex08_percent_decode` 检查。

/// Decodes the `%XY` escapes in one path segment. A `%` not followed by two
/// hex digits is kept as it is, and bytes that are not UTF-8 become `�`.
// TODO: remove this `allow` once you use `segment`.
#[allow(unused_variables)]
pub fn percent_decode(segment: &str) -> String {
    // TODO: walk `segment.as_bytes()` with an index. On a `%` followed by two
    // hex digits, push the byte they make and skip 3; otherwise push the byte
    // itself and move on. Finally `String::from_utf8_lossy(&out).into_owned()`.
    todo!()
}
