//! # Exercise 13: a static-file path that cannot escape its root
//!
//! Chapter 9 of `TUTORIAL.md` (step 09, static files) serves files from a
//! folder, say `public/`. The request says which file: `GET /css/site.css`
//! means `public/css/site.css`. The classic attack is to ask for
//! `GET /../../etc/passwd`, or to hide the dots from a naive check as
//! `/%2e%2e/%2e%2e/etc/passwd`. A server that joins paths carelessly hands
//! out any file on the machine.
//!
//! Build [`safe_path`]: map a URL path (without query string) to a file path
//! under `root`, or refuse it. Work segment by segment, *after* decoding:
//! - the URL path must start with `/`, or it is [`UnsafePath::NotAbsolute`];
//! - split at `/`, skip empty segments and `.`, and percent-decode each one
//!   ([`decode_segment`] is given); a bad escape is [`UnsafePath::BadEncoding`];
//! - refuse a decoded segment that is `..` ([`UnsafePath::ParentDir`]),
//!   contains `\` ([`UnsafePath::Backslash`]: a separator on Windows),
//!   contains `/` (only possible as `%2F`: [`UnsafePath::EncodedSlash`]) or
//!   contains a NUL byte ([`UnsafePath::NulByte`]: C APIs cut the name there);
//! - join the remaining segments onto `root`, one by one.
//!
//! So `/` maps to `root` itself, and `//etc/passwd` stays inside as
//! `root/etc/passwd`. The function only computes a path; it never touches
//! the file system (symbolic links inside `root` are the operator's choice).
//!
//! The tests (`tests/ex13_safe_path.rs`) check ordinary paths, each attack
//! in raw, encoded and mixed-case encoded form, and that every accepted path
//! starts with `root`.
//!
//! Check it with `cargo run -p exercises -- check ex13_safe_path`.
//!
//! ## 中文说明
//!
//! ### 练习 13：逃不出根目录的静态文件路径
//!
//! `TUTORIAL.zh-CN.md` 第 9 章（step09）讲静态文件（static files）：从一个文件夹（比如
//! `public/`）中提供文件。请求指明要哪个文件：`GET /css/site.css` 对应
//! `public/css/site.css`。经典的攻击是目录遍历（directory traversal）：
//! 请求 `GET /../../etc/passwd`，或者为了躲过幼稚的检查而把点号藏起来，
//! 写成 `/%2e%2e/%2e%2e/etc/passwd`。拼接路径时稍不小心，
//! 服务器就会把机器上的任何文件拱手送出。
//!
//! 实现 [`safe_path`]：把一个 URL 路径（不含查询字符串）映射为 `root` 之下的一个文件路径，
//! 或者拒绝它。逐段处理，并且在*解码之后*再检查：
//! - URL 路径必须以 `/` 开头，否则是 [`UnsafePath::NotAbsolute`]；
//! - 在 `/` 处切分，跳过空段和 `.`，并对每一段做百分号解码（已给出 [`decode_segment`]）；
//!   错误的转义序列是 [`UnsafePath::BadEncoding`]；
//! - 拒绝这样的解码后的段：是 `..` 的（[`UnsafePath::ParentDir`]）；含有 `\`
//!   的（[`UnsafePath::Backslash`]：它在 Windows 上是路径分隔符）；含有 `/` 的（只可能来自
//!   `%2F`：[`UnsafePath::EncodedSlash`]）；含有 NUL 字节的（[`UnsafePath::NulByte`]：
//!   C API 会在那里把文件名截断）；
//! - 把剩下的段逐个拼接到 `root` 上。
//!
//! 所以 `/` 映射为 `root` 本身，而 `//etc/passwd` 仍然留在里面，成为 `root/etc/passwd`。
//! 这个函数只计算路径，从不访问文件系统（`root` 里的符号链接由运维人员自行决定）。
//!
//! 测试（`tests/ex13_safe_path.rs`）检查：普通路径；每一种攻击的原始形式、
//! 编码形式和大小写混合的编码形式；以及每个被接受的路径都以 `root` 开头。
//!
//! 用 `cargo run -p exercises -- check ex13_safe_path` 检查。

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a URL path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafePath {
    /// The URL path does not start with `/`.
    NotAbsolute,
    /// A segment has a malformed `%` escape or decodes to bytes that are not UTF-8.
    BadEncoding,
    /// A segment is `..`, raw or encoded.
    ParentDir,
    /// A segment contains a `\`, raw or encoded (a separator on Windows).
    Backslash,
    /// A segment contains an encoded `/` (`%2F`).
    EncodedSlash,
    /// A segment contains a NUL byte (`%00`).
    NulByte,
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnsafePath::NotAbsolute => "the path does not start with '/'",
            UnsafePath::BadEncoding => "the path has a malformed percent-escape",
            UnsafePath::ParentDir => "the path climbs out with '..'",
            UnsafePath::Backslash => "the path contains a backslash",
            UnsafePath::EncodedSlash => "the path contains an encoded '/'",
            UnsafePath::NulByte => "the path contains a NUL byte",
        })
    }
}

impl std::error::Error for UnsafePath {}

/// Percent-decodes one segment (you wrote this in ex08). Given.
///
/// `None` for a malformed escape or bytes that are not UTF-8.
pub fn decode_segment(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Maps `url_path` to a path under `root`, refusing anything that could leave it.
///
/// # Errors
/// An [`UnsafePath`] naming the first problem found.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn safe_path(root: &Path, url_path: &str) -> Result<PathBuf, UnsafePath> {
    // TODO: `strip_prefix('/')`, then for each segment of `split('/')`:
    // skip "" and "."; decode; check the four dangers *on the decoded text*;
    // `push` it onto a `root.to_path_buf()`.
    todo!()
}
