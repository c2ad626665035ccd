//! Why a WebSocket connection was failed, and the close code that says so.
//!
//! RFC 6455 does not answer a bad frame with an error *message*: it "fails
//! the WebSocket connection", sending a close frame whose code names the
//! class of fault (1002 the protocol, 1007 the data, 1009 the size) and
//! then closing the socket. So every error here maps to exactly one code,
//! and its `Display` is the reason text that goes in the close frame.

use std::fmt;

use super::close_code::CloseCode;

/// A fault in what the peer sent; the connection is failed with
/// [`close_code`](ProtocolError::close_code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    /// RSV1, RSV2 or RSV3 set while no extension was agreed (1002).
    ReservedBits,
    /// An opcode RFC 6455 reserves: 3-7 or 11-15 (1002).
    ReservedOpcode(u8),
    /// A client frame without a mask, or a server frame with one (1002).
    BadMask,
    /// A length in 16 or 64 bits that would have fitted a shorter form (1002).
    NonMinimalLength,
    /// A 64-bit length with its top bit set (1002).
    LengthTooLong,
    /// A control frame (close, ping, pong) split in fragments (1002).
    FragmentedControl,
    /// A control frame with more than 125 bytes of payload (1002).
    ControlTooLong,
    /// A continuation frame with no fragmented message in progress (1002).
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is unfinished (1002).
    UnfinishedMessage,
    /// A close frame with half a code or a code no peer may send (1002).
    BadCloseFrame(&'static str),
    /// Text (a message or a close reason) that is not UTF-8 (1007).
    InvalidUtf8,
    /// A message longer than the endpoint's maximum (1009).
    TooLarge {
        /// The endpoint's maximum message size, in bytes.
        max: usize,
    },
}

impl ProtocolError {
    /// The code the close frame carries for this fault.
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            ProtocolError::TooLarge { .. } => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::ReservedBits => f.write_str("reserved bits set without an extension"),
            ProtocolError::ReservedOpcode(op) => write!(f, "reserved opcode {op:#x}"),
            ProtocolError::BadMask => f.write_str("frame masked the wrong way for its sender"),
            ProtocolError::NonMinimalLength => f.write_str("length not in its shortest form"),
            ProtocolError::LengthTooLong => f.write_str("64-bit length with the top bit set"),
            ProtocolError::FragmentedControl => f.write_str("fragmented control frame"),
            ProtocolError::ControlTooLong => f.write_str("control frame over 125 bytes"),
            ProtocolError::UnexpectedContinuation => {
                f.write_str("continuation frame with no message in progress")
            }
            ProtocolError::UnfinishedMessage => {
                f.write_str("new message before the fragmented one ended")
            }
            ProtocolError::BadCloseFrame(what) => write!(f, "bad close frame: {what}"),
            ProtocolError::InvalidUtf8 => f.write_str("text is not valid UTF-8"),
            ProtocolError::TooLarge { max } => write!(f, "message over {max} bytes"),
        }
    }
}

impl std::error::Error for ProtocolError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_maps_to_the_code_rfc_6455_names() {
        assert_eq!(ProtocolError::ReservedBits.close_code().get(), 1002);
        assert_eq!(ProtocolError::BadMask.close_code().get(), 1002);
        assert_eq!(ProtocolError::InvalidUtf8.close_code().get(), 1007);
        assert_eq!(ProtocolError::TooLarge { max: 1 }.close_code().get(), 1009);
    }

    #[test]
    fn every_reason_fits_a_close_frame() {
        // A close frame holds 123 bytes of reason after its code.
        let all = [
            ProtocolError::ReservedOpcode(0xb),
            ProtocolError::UnfinishedMessage,
            ProtocolError::BadCloseFrame("a close code no peer may send"),
            ProtocolError::TooLarge { max: usize::MAX },
        ];
        for err in all {
            assert!(err.to_string().len() <= 123, "{err}");
        }
    }
}
