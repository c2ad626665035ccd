//! # Exercise 02: where does the request head end?
//!
//! Chapter 2 of `TUTORIAL.md` (step 02) reads an HTTP request from a socket.
//! TCP delivers a stream of bytes in pieces of any size: the head
//! `GET / HTTP/1.1\r\nHost: x\r\n\r\n` may arrive in one read, or split
//! right in the middle of the final `\r\n\r\n`. After every read the server
//! asks one question: *is the whole head here yet?*
//!
//! Build [`find_head_end`]. It looks for the empty line that ends the head
//! and answers with a value, not an error:
//! - [`HeadEnd::Complete`] with the head's length, *including* the empty
//!   line (any bytes after it belong to the body, or to the next request);
//! - [`HeadEnd::Partial`] when the terminator has not arrived yet: "not enough
//!   bytes yet" is the normal case while a request trickles in, so it is a
//!   value the caller loops on, not an `Err`;
//! - `Err(HeadTooLarge)` when the head cannot fit in `limit` bytes. Without a
//!   limit, a client that never sends the empty line makes the server
//!   buffer forever.
//!
//! A line ends in `\r\n`, or in a bare `\n`: RFC 9112 §2.2 lets a server
//! accept that, and httparse (which step 02 parses with) does. So the head
//! ends just after the first `\n` that is followed by `\n` or by `\r\n`:
//! `\r\n\r\n`, `\n\n`, `\r\n\n` and `\n\r\n` all end one. A lone `\r` ends
//! nothing.
//!
//! The tests (`tests/ex02_head_end.rs`) check complete heads, every way of
//! splitting one across reads, bytes after the head, the empty buffer,
//! bare `\n` line endings, and heads at, just under and just over the limit.
//!
//! Check it with `cargo run -p exercises -- check ex02_head_end`.
//!
//! ## 中文说明
//!
//! ### 练习 02：请求头部在哪里结束？
//!
//! `TUTORIAL.zh-CN.md` 第 2 章（step02）从套接字（socket）读取一个 HTTP 请求。
//! TCP 交付的是字节流，每次到达的片段可大可小：请求头部（head）
//! `GET / HTTP/1.1\r\nHost: x\r\n\r\n` 可能一次 read 就全部到达，也可能恰好在结尾的
//! `\r\n\r\n` 中间断开。每读一次，服务器都要问同一个问题：*整个头部到齐了吗？*
//!
//! 实现 [`find_head_end`]。它寻找标志头部结束的那个空行，并用一个值（而不是错误）
//! 来回答：
//! - [`HeadEnd::Complete`]，带上头部的长度，*包括*那个空行（空行之后的字节属于请求体，
//!   或者属于下一个请求）；
//! - [`HeadEnd::Partial`]，表示结束标志还没到：请求一点点到来时，“字节还不够”
//!   是常态，所以它是一个让调用者继续循环的值，而不是 `Err`；
//! - `Err(HeadTooLarge)`，表示头部在 `limit` 字节之内放不下。如果没有上限，
//!   一个永远不发送空行的客户端会让服务器无休止地缓冲下去。
//!
//! 一行以 `\r\n` 结尾，也可以只以 `\n` 结尾：RFC 9112 §2.2 允许服务器接受这种写法，
//! httparse（step02 用它来解析）也接受。所以要找到第一个后面紧跟着 `\n` 或 `\r\n` 的 `\n`，
//! 头部就在它们之后结束：`\r\n\r\n`、`\n\n`、`\r\n\n` 和 `\n\r\n` 都标志着头部结束。
//! 单独一个 `\r` 什么也不结束。
//!
//! 测试（`tests/ex02_head_end.rs`）检查：完整的头部；把一个头部拆到多次 read
//! 中的每一种拆法；头部之后还有字节；空缓冲区；只用 `\n` 的行尾；以及长度恰好等于、
//! 略低于和略超过上限的头部。
//!
//! 用 `cargo run -p exercises -- check ex02_head_end` 检查。

use std::fmt;

/// The answer to "is the whole head here yet?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadEnd {
    /// The head is complete: it is `buf[..head_len]`, its empty line included.
    Complete {
        /// Length of the head in bytes, including the empty line that ends it.
        head_len: usize,
    },
    /// No empty line yet: read more bytes and ask again.
    Partial,
}

/// The head is longer than the limit the server allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadTooLarge {
    /// The limit that was exceeded, in bytes.
    pub limit: usize,
}

impl fmt::Display for HeadTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request head longer than {} bytes", self.limit)
    }
}

impl std::error::Error for HeadTooLarge {}

/// Finds the end of the request head at the start of `buf`.
///
/// A head may be at most `limit` bytes long, its empty line included.
///
/// # Errors
/// [`HeadTooLarge`] when the head is complete but longer than `limit`, or
/// when it is still incomplete although `buf` already holds `limit` bytes
/// (so it can never end in time).
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn find_head_end(buf: &[u8], limit: usize) -> Result<HeadEnd, HeadTooLarge> {
    // TODO: find the first b'\n' followed by b"\n" or by b"\r\n" (a slice
    // pattern on `&buf[i + 1..]` helps). Found: the head ends just after
    // them; check it against `limit`.
    // Not found: `Partial`, unless `buf` is already `limit` bytes or longer.
    todo!()
}
