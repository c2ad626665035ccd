//! The body of a close frame, and the close handshake it serves.
//!
//! A WebSocket ends with a *close handshake*: one side sends a close frame,
//! the other answers with one, and only then does the TCP connection go.
//! The handshake exists so that neither side cuts the socket while data is
//! still in flight (a TCP reset can throw away bytes the peer had not read
//! yet). A close frame's payload is either empty or a 2-byte big-endian code
//! followed by a UTF-8 reason of at most 123 bytes (control frames carry at
//! most 125). Which codes a peer may send is `close_code.rs`'s business.

use super::close_code::CloseCode;
use super::error::ProtocolError;

/// What a close frame said: its code and reason, or nothing at all (an
/// empty close frame, which is allowed and reports as 1005 "no status").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The code, or `None` when the frame carried no payload.
    pub code: Option<CloseCode>,
    /// The reason, UTF-8, at most 123 bytes; empty when none was given.
    pub reason: String,
}

impl CloseFrame {
    /// Reads a close frame's (already unmasked) payload.
    ///
    /// # Errors
    ///
    /// A 1-byte payload (half a code) or a code a peer may not send is
    /// [`ProtocolError::BadCloseFrame`] (1002); a reason that is not UTF-8 is
    /// [`ProtocolError::InvalidUtf8`] (1007).
    pub fn parse(payload: &[u8]) -> Result<CloseFrame, ProtocolError> {
        match payload {
            [] => Ok(CloseFrame {
                code: None,
                reason: String::new(),
            }),
            [_] => Err(ProtocolError::BadCloseFrame("a 1-byte close payload")),
            [hi, lo, reason @ ..] => {
                let number = u16::from_be_bytes([*hi, *lo]);
                let code = CloseCode::new(number).ok_or(ProtocolError::BadCloseFrame(
                    "a close code no peer may send",
                ))?;
                let reason = std::str::from_utf8(reason).map_err(|_| ProtocolError::InvalidUtf8)?;
                Ok(CloseFrame {
                    code: Some(code),
                    reason: reason.to_owned(),
                })
            }
        }
    }

    /// The payload of a close frame: the code big-endian, then the reason,
    /// cut at a character boundary to fit the 125 bytes of a control frame.
    /// No code means an empty payload (and then no reason either).
    pub fn payload(&self) -> Vec<u8> {
        let Some(code) = self.code else {
            return Vec::new();
        };
        let mut out = code.get().to_be_bytes().to_vec();
        let mut end = self.reason.len().min(123);
        while !self.reason.is_char_boundary(end) {
            end -= 1;
        }
        out.extend_from_slice(&self.reason.as_bytes()[..end]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_close_payload_is_a_close_without_a_code() {
        assert_eq!(
            CloseFrame::parse(b""),
            Ok(CloseFrame {
                code: None,
                reason: String::new()
            })
        );
    }

    #[test]
    fn a_one_byte_close_payload_is_a_protocol_error() {
        let err = CloseFrame::parse(&[3]).unwrap_err();
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);
    }

    #[test]
    fn a_reason_that_is_not_utf8_is_1007() {
        let err = CloseFrame::parse(&[0x03, 0xe8, 0xce, 0xba, 0xff]).unwrap_err();
        assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
    }

    #[test]
    fn code_and_reason_round_trip() {
        let frame = CloseFrame {
            code: Some(CloseCode::GOING_AWAY),
            reason: "bye κόσμε".into(),
        };
        assert_eq!(CloseFrame::parse(&frame.payload()), Ok(frame));
    }

    #[test]
    fn a_long_reason_is_cut_at_a_character_boundary_to_fit_a_control_frame() {
        let frame = CloseFrame {
            code: Some(CloseCode::NORMAL),
            reason: "é".repeat(100),
        };
        let payload = frame.payload();
        assert!(payload.len() <= 125);
        let back = CloseFrame::parse(&payload).unwrap();
        assert_eq!(back.reason, "é".repeat(61));
    }
}
