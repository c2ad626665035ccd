//! Reference solution for exercise 10: length-prefixed frames.

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
///
/// # Examples
/// ```
/// use exercises::ex10_frame::{decode_frame, encode_frame, Decoded};
/// let mut out = Vec::new();
/// encode_frame(b"hello", 1024, &mut out).unwrap();
/// assert_eq!(out, b"\0\0\0\x05hello");
/// assert_eq!(decode_frame(&out, 1024), Ok(Decoded::Frame { payload: b"hello", consumed: 9 }));
/// ```
pub fn encode_frame(payload: &[u8], max: usize, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let len = payload.len();
    let too_large = FrameError::TooLarge { len, max };
    if len > max {
        return Err(too_large);
    }
    // `as u32` would silently wrap a 5 GiB payload to 1 GiB and corrupt the
    // stream; `try_from` refuses it instead.
    let prefix = u32::try_from(len).map_err(|_| too_large)?.to_be_bytes();
    out.extend_from_slice(&prefix);
    out.extend_from_slice(payload);
    Ok(())
}

/// Decodes the frame at the start of `buf`, if it has fully arrived.
///
/// # Errors
/// [`FrameError::TooLarge`] if the prefix announces more than `max` bytes.
pub fn decode_frame(buf: &[u8], max: usize) -> Result<Decoded<'_>, FrameError> {
    let Some((prefix, rest)) = buf.split_first_chunk::<PREFIX_LEN>() else {
        return Ok(Decoded::Partial);
    };
    let len = u32::from_be_bytes(*prefix) as usize;
    // The key line: judge the announced length before waiting for the bytes.
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    match rest.get(..len) {
        Some(payload) => Ok(Decoded::Frame {
            payload,
            consumed: PREFIX_LEN + len,
        }),
        None => Ok(Decoded::Partial),
    }
}
