//! Close codes: why a WebSocket ended, as a number both ends read.
//!
//! Not every number is a code a peer may *send*: 1005 ("no code was given")
//! and 1006 ("the connection dropped without a close frame") exist only to
//! be reported locally, 1015 is for a TLS failure, and 1004 is reserved.
//! RFC 6455 §7.4 and the IANA registry say which are assigned; a close frame
//! carrying any other code below 3000 is a protocol error (1002). Its own
//! file because both the faults (`error.rs`, each with its code) and the
//! close frame (`close.rs`, which reports faults) name it.

use std::fmt;

/// A close code: why a WebSocket ended (RFC 6455 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseCode(u16);

impl CloseCode {
    /// 1000: the purpose of the connection was fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the server is going down, or a browser left the page.
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol (a bad frame).
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a kind of data this endpoint cannot take (binary to a text-only app).
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1007: a text message that is not UTF-8.
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a message that breaks the application's policy.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a message larger than this endpoint takes.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1011: the server met an error it did not expect.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);

    /// A code a peer may put in a close frame, or `None` for one it may not:
    /// 1000-1003, 1007-1014 (assigned by RFC 6455 and IANA), 3000-3999
    /// (registered by libraries and frameworks) and 4000-4999 (private use).
    /// Everything else (0-999, 1004-1006, 1015, the unassigned rest up to
    /// 2999, and 5000 and above) is refused.
    pub fn new(code: u16) -> Option<CloseCode> {
        let allowed = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        allowed.then_some(CloseCode(code))
    }

    /// The number on the wire.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_assigned_and_registered_codes_may_be_sent() {
        // Autobahn 7.7.x sends these and expects them echoed.
        for ok in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999,
        ] {
            assert_eq!(CloseCode::new(ok).map(CloseCode::get), Some(ok));
        }
        // Autobahn 7.9.x: each of these fails the connection with 1002.
        for bad in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert_eq!(CloseCode::new(bad), None, "{bad}");
        }
    }
}
