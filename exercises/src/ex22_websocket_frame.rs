//! # Exercise 22: a WebSocket frame, as a server reads it
//!
//! Chapter 15 of `TUTORIAL.md` (real time) upgrades an HTTP connection to a
//! WebSocket: after the `101 Switching Protocols`, both sides send *frames*.
//! You write the server's reader for one frame, as a browser sends it:
//!
//! ```text
//! byte 0:  FIN (0x80) | RSV1-3 (0x70) | opcode (0x0F)
//! byte 1:  MASK (0x80) | length (0x7F)
//!          length 0-125: that is the payload length
//!          length 126:   the next 2 bytes are the length, big-endian
//!          length 127:   the next 8 bytes are the length, big-endian
//! then:    the 4-byte masking key (present when MASK is set)
//! then:    the payload, each byte XORed with key[i % 4]
//! ```
//!
//! ```text
//! 81 85 37 fa 21 3d 7f 9f 4d 51 58   a masked text frame "Hello" (RFC 6455 §5.7)
//! ```
//!
//! Why three sizes of length? Most messages are a few bytes, and pay a
//! 2-byte header; a 1 MiB upload pays 10. Why must a client mask? So that a
//! script in a browser cannot choose the bytes on the wire, and trick a
//! proxy that does not understand WebSockets into caching a fake answer.
//!
//! Build two functions:
//! - [`unmask`] XORs `payload` in place with `key[i % 4]` (masking twice
//!   gives the bytes back);
//! - [`parse_frame`] looks at the start of `buf` and returns
//!   [`Parsed::Frame`] with the frame (payload unmasked) and how many bytes
//!   it used, or [`Parsed::Partial`] while the header or the payload has not
//!   fully arrived. In this order, as soon as the bytes to decide have
//!   arrived, it refuses: RSV bits set ([`FrameError::ReservedBits`]), no
//!   mask ([`FrameError::NotMasked`]), a control frame (opcode 8 or more)
//!   with FIN clear or a length over 125 ([`FrameError::BadControlFrame`]),
//!   and a length over `max` ([`FrameError::TooLarge`]), judged from the
//!   header, before any payload arrives.
//!
//! (RFC 6455 also asks for the shortest length form, and `final/`'s reader
//! refuses a longer one; here a longer form is accepted, the tests do not
//! mind.)
//!
//! The tests (`tests/ex22_websocket_frame.rs`) check the RFC's example,
//! each length form at its boundaries, every partial prefix, back-to-back
//! frames, each refusal, and a too-large length refused early.
//!
//! Check it with `cargo run -p exercises -- check ex22_websocket_frame`.
//!
//! ## 中文说明
//!
//! ### 练习 22：服务器眼中的一个 WebSocket 帧
//!
//! `TUTORIAL.zh-CN.md` 第 15 章（实时通信）把一条 HTTP 连接升级为 WebSocket：
//! 在 `101 Switching Protocols` 之后，双方收发的都是*帧*（frame）。你要写的是
//! 服务器读取一个帧的代码，读的是浏览器发来的帧，格式见上面的示意；第二个示意是
//! RFC 6455 §5.7 中一个带掩码的文本帧 "Hello"。
//!
//! 为什么长度有三种大小？大多数消息只有几个字节，只需 2 字节的头部；1 MiB 的上传
//! 则要 10 字节。为什么客户端必须加掩码？这样浏览器里的脚本就无法决定线路上的字节，
//! 也就无法骗过不懂 WebSocket 的代理（proxy），让它缓存一个伪造的应答。
//!
//! 实现两个函数：
//! - [`unmask`] 用 `key[i % 4]` 对 `payload` 原地做异或（掩码做两次就还原了）；
//! - [`parse_frame`] 查看 `buf` 的开头，返回 [`Parsed::Frame`]（帧本身，负载已去掉
//!   掩码，以及它用掉的字节数），或者在头部或负载还没完全到达时返回
//!   [`Parsed::Partial`]。一旦用来判断的字节到齐，它就按以下顺序拒绝：RSV 位被置位
//!   （[`FrameError::ReservedBits`]）、没有掩码（[`FrameError::NotMasked`]）、FIN
//!   未置位或长度超过 125 的控制帧（操作码为 8 或更大，[`FrameError::BadControlFrame`]），
//!   以及长度超过 `max`（[`FrameError::TooLarge`]）：只凭头部判断，不等任何负载到达。
//!
//! （RFC 6455 还要求使用最短的长度形式，`final/` 的读取器会拒绝更长的形式；这里
//! 接受更长的形式，测试也不在意。）
//!
//! 测试（`tests/ex22_websocket_frame.rs`）检查：RFC 的示例、每种长度形式的边界、
//! 每一种不完整的前缀、首尾相接的多个帧、每一种拒绝，以及过大的长度会被提前拒绝。
//!
//! 用 `cargo run -p exercises -- check ex22_websocket_frame` 检查。

use std::fmt;

/// The longest payload a control frame (close, ping, pong: opcodes 8 and up) may carry.
pub const MAX_CONTROL_PAYLOAD: u64 = 125;

/// One frame, read and unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The last (or only) fragment of its message.
    pub fin: bool,
    /// The low 4 bits of byte 0: 1 text, 2 binary, 8 close, 9 ping, 10 pong, ...
    pub opcode: u8,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

/// The answer to "is a whole frame here yet?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A whole frame is at the start of the buffer.
    Frame {
        /// The frame, unmasked.
        frame: Frame,
        /// How many bytes it used, header included: the next frame starts there.
        consumed: usize,
    },
    /// Not enough bytes yet: read more and call again with everything so far.
    Partial,
}

/// A frame a server must refuse (it then closes with code 1002 or 1009).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// One of RSV1-3 (`0x70` of byte 0) is set, and no extension was agreed.
    ReservedBits,
    /// The mask bit (`0x80` of byte 1) is clear: clients must mask.
    NotMasked,
    /// A control frame (opcode 8 or more) with FIN clear or over 125 bytes.
    BadControlFrame,
    /// The announced payload length is over the limit.
    TooLarge {
        /// The length the header announced.
        len: u64,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::ReservedBits => f.write_str("reserved bits set"),
            FrameError::NotMasked => f.write_str("a client frame without a mask"),
            FrameError::BadControlFrame => {
                f.write_str("a control frame fragmented or over 125 bytes")
            }
            FrameError::TooLarge { len, max } => {
                write!(f, "frame payload of {len} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// XORs `payload` with the masking `key`: byte `i` with `key[i % 4]`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn unmask(payload: &mut [u8], key: [u8; 4]) {
    // TODO: one loop over `payload.iter_mut().enumerate()` does it.
    todo!()
}

/// Reads the frame at the start of `buf`, if it has fully arrived.
///
/// # Errors
/// A [`FrameError`] for a frame a server must refuse (see the story above).
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn parse_frame(buf: &[u8], max: usize) -> Result<Parsed, FrameError> {
    // TODO: fewer than 2 bytes: Partial. Check byte 0's RSV bits and byte 1's
    // mask bit. Read the length (7 bits, or 2 or 8 more bytes: Partial if
    // they have not arrived), check the control frame's rules and `max`,
    // then the 4-byte key, then the payload; unmask a copy of it.
    todo!()
}
