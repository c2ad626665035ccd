//! # Exercise 10: length-prefixed frames
//!
//! Chapter 6 of `TUTORIAL.md` (step 06) splits the server into two
//! processes that talk JSON over a pipe. A pipe, like TCP, is a stream of
//! bytes with no message boundaries, so each message travels as a *frame*:
//! a 4-byte big-endian length, then that many payload bytes.
//!
//! ```text
//! 00 00 00 05 h e l l o     a frame carrying "hello"
//! ```
//!
//! Build the two halves, symmetric as in mini-redis:
//! - [`encode_frame`] appends the prefix and the payload to `out` (so several
//!   frames can share one buffer), or refuses a payload longer than `max`;
//! - [`decode_frame`] looks at the start of `buf` and answers with a value:
//!   [`Decoded::Frame`] with the payload (borrowed, not copied) and how many
//!   bytes it used, or [`Decoded::Partial`] when the prefix or the payload
//!   has not fully arrived. It returns [`FrameError::TooLarge`] as soon as
//!   the prefix announces more than `max` bytes, *before* any of them
//!   arrive: a peer must not make us wait for, or buffer, 4 GiB.
//!
//! The tests (`tests/ex10_frame.rs`) check the exact bytes, round trips, the
//! empty payload, every partial prefix, back-to-back frames, the limit on
//! both sides, and that a too-large announcement is refused early.
//!
//! Check it with `cargo run -p exercises -- check ex10_frame`.
//!
//! ## 中文说明
//!
//! ### 练习 10：长度前缀帧
//!
//! `TUTORIAL.zh-CN.md` 第 6 章（step06）把服务器拆成两个进程（process），
//! 它们通过管道用 JSON 通信。管道和 TCP 一样，是没有消息边界的字节流，
//! 所以每条消息都以*帧*（frame）的形式传输：先是 4 字节的大端（big-endian）
//! 长度，然后是这么多字节的载荷（payload），见上面的示意。
//!
//! 仿照 mini-redis，实现对称的两半：
//! - [`encode_frame`] 把前缀和载荷追加到 `out` 的末尾（这样多个帧可以共用一个缓冲区），
//!   载荷长于 `max` 时则拒绝；
//! - [`decode_frame`] 查看 `buf` 的开头，用一个值来回答：要么是 [`Decoded::Frame`]，
//!   带上载荷（借用而不复制）和这个帧用掉的字节数；要么是 [`Decoded::Partial`]，
//!   表示前缀或载荷还没有完全到达。一旦前缀声明的长度超过 `max` 字节，它就立即返回
//!   [`FrameError::TooLarge`]，*不等*这些字节到达：绝不能让对端迫使我们为 4 GiB 数据而等待，
//!   或者把它们缓冲下来。
//!
//! 测试（`tests/ex10_frame.rs`）检查：确切的字节、编码后再解码的往返、
//! 空载荷、前缀每一种不完整的情况、首尾相接的多个帧、两侧的长度上限，
//! 以及过大的声明会被提前拒绝。
//!
//! 用 `cargo run -p exercises -- check ex10_frame` 检查。

use std::fmt;

/// Bytes of the length prefix in front of every payload.
pub const PREFIX_LEN: usize = 4;

/// The answer to "is a whole frame here yet?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A whole frame is at the start of the buffer.
    Frame {
        /// The payload, borrowed from the buffer.
        payload: &'a [u8],
        /// How many bytes the frame used, prefix included: the next frame starts there.
        consumed: usize,
    },
    /// Not enough bytes yet: read more and call again with everything so far.
    Partial,
}

/// A frame that breaks the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The payload is longer than the limit.
    TooLarge {
        /// The payload length that was given or announced.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => {
                write!(f, "frame payload of {len} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Appends a frame carrying `payload` to `out`.
///
/// # Errors
/// [`FrameError::TooLarge`] if `payload` is longer than `max`; nothing is
/// appended then.
// TODO: remove this `allow` once you use the parameters. (Clippy's
// `ptr_arg` only fires because the stub never pushes to `out`.)
#[allow(unused_variables, clippy::ptr_arg)]
pub fn encode_frame(payload: &[u8], max: usize, out: &mut Vec<u8>) -> Result<(), FrameError> {
    // TODO: check the length, then `u32::to_be_bytes` gives the prefix.
    // (Why `u32::try_from(payload.len())` and not `as u32`? Try 5 GiB.)
    todo!()
}

/// Decodes the frame at the start of `buf`, if it has fully arrived.
///
/// # Errors
/// [`FrameError::TooLarge`] if the prefix announces more than `max` bytes.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn decode_frame(buf: &[u8], max: usize) -> Result<Decoded<'_>, FrameError> {
    // TODO: fewer than PREFIX_LEN bytes: Partial. Otherwise read the length
    // with `u32::from_be_bytes`, check it against `max`, then see whether the
    // payload is all there.
    todo!()
}
