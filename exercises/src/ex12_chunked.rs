//! # Exercise 12: a chunked request body
//!
//! Chapter 13 of `TUTORIAL.md` (what production adds, in `final/`) accepts request
//! bodies whose length is not known in advance. The client says
//! `Transfer-Encoding: chunked` and sends the body in pieces, each prefixed
//! by its size in **hex**, ending with a chunk of size zero:
//!
//! ```text
//! 5\r\n          size of the first chunk: 5 bytes
//! hello\r\n      its data, then \r\n
//! 7;note=x\r\n   a size may carry an extension after ';', which we ignore
//! , world\r\n
//! 0\r\n          the last chunk
//! Expires: 0\r\n optional trailer fields, which we skip
//! \r\n           the end
//! ```
//!
//! Build [`decode_chunked`]. Given the bytes after the request head, it
//! returns the decoded body and how many bytes it used, or
//! [`Chunked::Partial`] while the end has not arrived. Sizes come from the
//! network, so treat them as hostile:
//! - an empty size (`\r\n` alone, or `;ext` with no digits) is [`ChunkedError::EmptySize`];
//! - anything but hex digits (`0x5`, `-5`, `+5`, ` 5`, `5z`) is [`ChunkedError::BadSize`];
//!   spaces or tabs *after* the digits, before `;` or `\r\n`, are allowed;
//! - a size that does not fit a `usize` is [`ChunkedError::SizeOverflow`],
//!   not a panic and not a silent wrap-around;
//! - a body that would grow past `max_body` is [`ChunkedError::TooLarge`],
//!   decided as soon as the size line arrives, before the data;
//! - chunk data, and every line, must be followed by `\r\n`, or it is
//!   [`ChunkedError::MissingCrlf`].
//!
//! The tests (`tests/ex12_chunked.rs`) check one and several chunks, hex in
//! both cases, extensions, trailers, bytes after the end, every partial
//! prefix, and each error.
//!
//! Check it with `cargo run -p exercises -- check ex12_chunked`.
//!
//! ## 中文说明
//!
//! ### 练习 12：分块传输的请求体
//!
//! `TUTORIAL.zh-CN.md` 第 13 章（生产环境还要补上什么，在 `final/` 中）
//! 接受事先不知道长度的请求体。客户端声明 `Transfer-Encoding: chunked`，
//! 然后把请求体分成若干块发送，每块前面是用**十六进制**写的块大小，
//! 最后以一个大小为零的块结束。这就是分块传输编码（chunked transfer encoding）。
//! 上面的示意逐行注明了各部分：块大小后面可以带一个 `;` 开头的扩展（如 `7;note=x`），
//! 我们忽略它；每块数据之后是 `\r\n`；大小为 `0` 的最后一块之后是可选的尾部字段（trailer，
//! 如 `Expires: 0`），我们跳过它们；最后的空行表示结束。
//!
//! 实现 [`decode_chunked`]。给它请求头部之后的字节，它返回解码后的请求体以及用掉的字节数；
//! 在结尾还没到达时返回 [`Chunked::Partial`]。块大小来自网络，
//! 所以要把它们当作恶意输入对待：
//! - 空的大小（只有 `\r\n`，或者 `;ext` 前面没有数字）是 [`ChunkedError::EmptySize`]；
//! - 除十六进制数字以外的任何东西（`0x5`、`-5`、`+5`、` 5`、`5z`）是
//!   [`ChunkedError::BadSize`]；数字*之后*、`;` 或 `\r\n` 之前的空格或制表符是允许的；
//! - 放不进 `usize` 的大小是 [`ChunkedError::SizeOverflow`]，既不能 panic，
//!   也不能悄悄地回绕；
//! - 会让请求体超过 `max_body` 的是 [`ChunkedError::TooLarge`]，大小行一到就要做出判断，
//!   不等数据到达；
//! - 块数据以及每一行之后都必须跟着 `\r\n`，否则是 [`ChunkedError::MissingCrlf`]。
//!
//! 测试（`tests/ex12_chunked.rs`）检查：一个和多个块、两种大小写的十六进制、
//! 扩展、尾部字段、结尾之后的字节、每一种不完整的前缀，以及每一种错误。
//!
//! 用 `cargo run -p exercises -- check ex12_chunked` 检查。

use std::fmt;

/// The answer to "has the whole chunked body arrived?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunked {
    /// The body is complete.
    Complete {
        /// The decoded body: every chunk's data, concatenated.
        body: Vec<u8>,
        /// How many input bytes the chunked body used, up to and including
        /// the blank line after the last chunk. Anything after is the next request.
        consumed: usize,
    },
    /// Not everything has arrived: read more and call again with all bytes so far.
    Partial,
}

/// What is wrong with a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedError {
    /// A chunk-size line has no size before its `\r\n` (or before `;`).
    EmptySize,
    /// A chunk size contains something other than hex digits.
    BadSize,
    /// A chunk size does not fit in a `usize`.
    SizeOverflow,
    /// The decoded body would be longer than the limit.
    TooLarge {
        /// The limit, in bytes.
        max: usize,
    },
    /// A line or a chunk's data is not followed by `\r\n`.
    MissingCrlf,
}

impl fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkedError::EmptySize => f.write_str("chunk-size line without a size"),
            ChunkedError::BadSize => f.write_str("chunk size is not a hex number"),
            ChunkedError::SizeOverflow => f.write_str("chunk size is too big to represent"),
            ChunkedError::TooLarge { max } => write!(f, "chunked body longer than {max} bytes"),
            ChunkedError::MissingCrlf => {
                f.write_str("expected \\r\\n after a chunk line or chunk data")
            }
        }
    }
}

impl std::error::Error for ChunkedError {}

/// Decodes a chunked body from the start of `input`.
///
/// # Errors
/// A [`ChunkedError`] for a malformed body or one longer than `max_body`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn decode_chunked(input: &[u8], max_body: usize) -> Result<Chunked, ChunkedError> {
    // TODO: loop over chunks with a position into `input`:
    //   1. find the `\r\n` ending the size line (none yet: Partial);
    //   2. cut the line at ';', parse the hex size with `checked_mul(16)` and
    //      `checked_add` (overflow: SizeOverflow), check it against `max_body`;
    //   3. size 0: skip trailer lines until an empty one, then Complete;
    //   4. otherwise take `size` bytes of data, then expect `\r\n`.
    todo!()
}
