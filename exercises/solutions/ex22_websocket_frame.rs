//! Reference solution for exercise 22: a WebSocket frame, as a server reads it.

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
///
/// # Examples
/// ```
/// use exercises::ex22_websocket_frame::unmask;
/// let mut bytes = *b"Hello";
/// unmask(&mut bytes, [0x37, 0xfa, 0x21, 0x3d]);
/// assert_eq!(bytes, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
pub fn unmask(payload: &mut [u8], key: [u8; 4]) {
    // XOR is its own inverse, so the same loop masks and unmasks. (`final/`
    // does it eight bytes at a time, with the key repeated into a `u64`.)
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
}

/// Reads the frame at the start of `buf`, if it has fully arrived.
///
/// # Errors
/// A [`FrameError`] for a frame a server must refuse.
///
/// # Examples
/// ```
/// use exercises::ex22_websocket_frame::{parse_frame, Frame, Parsed};
/// let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let hello = Frame { fin: true, opcode: 1, payload: b"Hello".to_vec() };
/// assert_eq!(parse_frame(&wire, 1024), Ok(Parsed::Frame { frame: hello, consumed: 11 }));
/// assert_eq!(parse_frame(&wire[..10], 1024), Ok(Parsed::Partial));
/// ```
pub fn parse_frame(buf: &[u8], max: usize) -> Result<Parsed, FrameError> {
    let [first, second, rest @ ..] = buf else {
        return Ok(Parsed::Partial);
    };
    if first & 0x70 != 0 {
        return Err(FrameError::ReservedBits);
    }
    if second & 0x80 == 0 {
        return Err(FrameError::NotMasked);
    }
    let fin = first & 0x80 != 0;
    let opcode = first & 0x0F;
    // The key lines: 126 and 127 are not lengths but "look further".
    let (len, rest) = match second & 0x7F {
        126 => match rest.split_first_chunk::<2>() {
            Some((bytes, rest)) => (u64::from(u16::from_be_bytes(*bytes)), rest),
            None => return Ok(Parsed::Partial),
        },
        127 => match rest.split_first_chunk::<8>() {
            Some((bytes, rest)) => (u64::from_be_bytes(*bytes), rest),
            None => return Ok(Parsed::Partial),
        },
        short => (u64::from(short), rest),
    };
    if opcode >= 8 && (!fin || len > MAX_CONTROL_PAYLOAD) {
        return Err(FrameError::BadControlFrame);
    }
    // Judge the announced length before waiting for its bytes; and compare
    // as u64, since a u64 length need not fit a usize.
    if len > max as u64 {
        return Err(FrameError::TooLarge { len, max });
    }
    let Some((key, rest)) = rest.split_first_chunk::<4>() else {
        return Ok(Parsed::Partial);
    };
    let len = len as usize; // at most `max`, so it fits
    let Some(payload) = rest.get(..len) else {
        return Ok(Parsed::Partial);
    };
    let mut payload = payload.to_vec();
    unmask(&mut payload, *key);
    let consumed = buf.len() - rest.len() + len;
    Ok(Parsed::Frame {
        frame: Frame {
            fin,
            opcode,
            payload,
        },
        consumed,
    })
}
