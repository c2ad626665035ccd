//! # Exercise 19: checking a signed cookie in constant time
//!
//! Chapter 12 of `TUTORIAL.md` keeps the session id in a cookie, and the
//! visitor can write any cookie they like. So the server signs it: the
//! cookie is `VALUE.TAG`, where TAG is the HMAC-SHA256 of VALUE under a key
//! only the server has, in lowercase hex (64 digits). [`sign`] makes one;
//! you write the check.
//!
//! 1. [`constant_time_eq`]: whether two byte strings are equal, looking at
//!    EVERY byte even after a difference. A comparison that returns at the
//!    first wrong byte (which is what `==` does) takes longer the more
//!    leading bytes of a guess are right, and an attacker who can time
//!    many refusals finds a valid tag byte by byte. Different lengths may
//!    return `false` at once: every real tag has the same length, so the
//!    length tells nothing. (The tests cannot measure time, so they check
//!    the answers; the hint says how to make the time honest. Step 12
//!    uses the `subtle` crate's `ct_eq` for this.)
//! 2. [`verify`]: the VALUE of a signed cookie if its TAG is right, `None`
//!    for anything else. Split at the LAST `.` (a value may hold dots of
//!    its own), decode the tag with the given [`unhex`], compute the tag
//!    the value should have with [`tag`], and compare with your function.
//!
//! The tests (`tests/ex19_signed_cookie.rs`) check equal and unequal byte
//! strings, a signed cookie verifying to its value, and every way to
//! tamper with one: another value, a changed or shortened tag, no tag, a
//! tag that is not hex, another key.
//!
//! Check it with `cargo run -p exercises -- check ex19_signed_cookie`.
//!
//! ## 中文说明
//!
//! ### 练习 19：以常数时间检查签名 Cookie
//!
//! `TUTORIAL.zh-CN.md` 第 12 章把会话（session）id 放在 Cookie 里，而访客想写什么 Cookie
//! 都可以。所以服务器要给它签名：Cookie 的形式是 `VALUE.TAG`，其中 TAG
//! 是用只有服务器才有的密钥对 VALUE 计算出的 HMAC-SHA256 消息认证码（HMAC），
//! 写成小写十六进制（64 位数字）。[`sign`] 负责生成签名；检查由你来写。
//!
//! 1. [`constant_time_eq`]：判断两个字节串是否相等，即使已经发现了不同，
//!    也要看完**每一个**字节，这就是常数时间比较（constant-time comparison）。
//!    在第一个错误字节处就返回的比较（`==` 就是这样做的），猜测值开头猜对的字节越多，
//!    耗时就越长；能够对大量拒绝计时的攻击者，就可以一个字节一个字节地找出有效的标签。
//!    长度不同时可以立即返回 `false`：所有真实标签的长度都相同，所以长度不泄露任何信息。
//!    （测试无法测量时间，所以只检查答案；提示会告诉你怎样让耗时也诚实。
//!    step12 为此使用 `subtle` crate 的 `ct_eq`。）
//! 2. [`verify`]：如果签名 Cookie 的 TAG 正确，返回它的 VALUE，其他任何情况都返回 `None`。
//!    在**最后一个** `.` 处切分（值里可能有它自己的点号），用给出的 [`unhex`] 解码标签，
//!    用 [`tag`] 计算这个值应有的标签，再用你的函数进行比较。
//!
//! 测试（`tests/ex19_signed_cookie.rs`）检查：相等和不相等的字节串、签名 Cookie
//! 验证后得到它的值，以及篡改的每一种方式：换一个值、修改或截短标签、
//! 没有标签、标签不是十六进制、换一个密钥。
//!
//! 用 `cargo run -p exercises -- check ex19_signed_cookie` 检查。

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The HMAC-SHA256 tag of `value` under `key`.
pub fn tag(key: &[u8], value: &str) -> [u8; 32] {
    // HMAC accepts a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `VALUE.TAG`, the tag in lowercase hex.
pub fn sign(key: &[u8], value: &str) -> String {
    let hex: String = tag(key, value).iter().map(|b| format!("{b:02x}")).collect();
    format!("{value}.{hex}")
}

/// The bytes of an even-length hex string, or `None` if it is not one.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Whether `a` and `b` are equal, in a time that does not depend on where
/// they differ.
// TODO: remove this `allow` once you use `a` and `b`.
#[allow(unused_variables)]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // TODO: lengths first; then go through every pair of bytes without
    // stopping early, and decide only at the end.
    todo!()
}

/// The value of a signed cookie `VALUE.TAG` if the tag is right.
// TODO: remove this `allow` once you use `key` and `cookie`.
#[allow(unused_variables)]
pub fn verify<'a>(key: &[u8], cookie: &'a str) -> Option<&'a str> {
    // TODO: split at the last '.', unhex the tag, compare it with
    // `tag(key, value)` using `constant_time_eq`.
    todo!()
}
