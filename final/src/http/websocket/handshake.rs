//! The opening handshake: an HTTP request that asks to become a WebSocket.
//!
//! A WebSocket starts life as an ordinary `GET`, so that it passes through
//! the same ports, proxies and routers as every page:
//!
//! ```text
//! GET /chat HTTP/1.1
//! Host: example.com
//! Upgrade: websocket
//! Connection: Upgrade
//! Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
//! Sec-WebSocket-Version: 13
//! ```
//!
//! The server that agrees answers `101 Switching Protocols`, and from the
//! next byte on both sides speak frames, not HTTP. The key proves nothing
//! about who the client is; it proves that the *server* understood the
//! request as a WebSocket handshake: the answer's `Sec-WebSocket-Accept` is
//! the SHA-1 of the key joined to a fixed GUID, which no plain HTTP server
//! (or cache replaying an old answer) would produce by accident.
//!
//! What is refused, and with what: a method other than GET (405), HTTP/1.0
//! (400: its connections cannot be upgraded), no `Upgrade: websocket` (426,
//! saying which upgrade is needed), no `upgrade` token in `Connection`
//! (400), a version other than 13 (426 with `Sec-WebSocket-Version: 13`,
//! as RFC 6455 §4.4 asks), a key that is not the base64 of 16 bytes (400).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// The GUID that RFC 6455 joins to every key.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`: the base64 of
/// the SHA-1 of the key followed by the RFC's GUID.
///
/// ```
/// use httprs::dev::websocket::accept_key;
/// // RFC 6455 §1.3's example.
/// assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// Why a request is not a WebSocket handshake we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The method is not GET (405).
    NotGet,
    /// HTTP/1.0, whose connections cannot switch protocols (400).
    NotHttp11,
    /// No `Upgrade: websocket` (426).
    NoUpgrade,
    /// No `upgrade` token in `Connection` (400).
    NoConnectionUpgrade,
    /// `Sec-WebSocket-Version` missing or not 13 (426).
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` missing, or not the base64 of 16 bytes (400).
    BadKey,
}

impl HandshakeError {
    /// The status the refusal answers with.
    pub fn status(&self) -> Status {
        match self {
            HandshakeError::NotGet => Status::METHOD_NOT_ALLOWED,
            HandshakeError::NoUpgrade | HandshakeError::UnsupportedVersion => {
                Status::UPGRADE_REQUIRED
            }
            _ => Status::BAD_REQUEST,
        }
    }

    /// The whole refusal: the status, the headers RFC 6455 and RFC 9110 ask
    /// for (`Allow`, `Upgrade`, `Sec-WebSocket-Version`), this error as text.
    pub fn response(&self) -> Response {
        let response = Response::text(self.to_string()).with_status(self.status());
        match self {
            HandshakeError::NotGet => response.with_header("Allow", "GET"),
            HandshakeError::NoUpgrade => response
                .with_header("Upgrade", "websocket")
                .with_header("Connection", "Upgrade"),
            HandshakeError::UnsupportedVersion => {
                response.with_header("Sec-WebSocket-Version", "13")
            }
            _ => response,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandshakeError::NotGet => "a WebSocket handshake must be a GET",
            HandshakeError::NotHttp11 => "a WebSocket handshake needs HTTP/1.1",
            HandshakeError::NoUpgrade => "this resource needs `Upgrade: websocket`",
            HandshakeError::NoConnectionUpgrade => {
                "a WebSocket handshake needs `Connection: Upgrade`"
            }
            HandshakeError::UnsupportedVersion => "only WebSocket version 13 is supported",
            HandshakeError::BadKey => "Sec-WebSocket-Key must be the base64 of 16 bytes",
        })
    }
}

impl std::error::Error for HandshakeError {}

/// A handshake the server accepts: what its 101 answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    accept: String,
    protocol: Option<String>,
}

impl Upgrade {
    /// Checks `req` as a WebSocket handshake. `protocols` are the
    /// subprotocols the server speaks, in its order of preference; the
    /// first of them the client offered in `Sec-WebSocket-Protocol` is
    /// chosen. None in common is not an error: the answer then names none,
    /// and the client decides whether to go on.
    ///
    /// # Errors
    ///
    /// A [`HandshakeError`] naming the first fault found; its
    /// [`response`](HandshakeError::response) is the answer to send.
    pub fn accept(req: &Request, protocols: &[&str]) -> Result<Upgrade, HandshakeError> {
        if req.method() != "GET" {
            return Err(HandshakeError::NotGet);
        }
        if req.version() != "HTTP/1.1" {
            return Err(HandshakeError::NotHttp11);
        }
        let headers = req.headers();
        if !headers.has_token("Upgrade", "websocket") {
            return Err(HandshakeError::NoUpgrade);
        }
        if !headers.has_token("Connection", "upgrade") {
            return Err(HandshakeError::NoConnectionUpgrade);
        }
        if headers.get("Sec-WebSocket-Version").map(str::trim) != Some("13") {
            return Err(HandshakeError::UnsupportedVersion);
        }
        let key = headers
            .get("Sec-WebSocket-Key")
            .map(str::trim)
            .filter(|key| STANDARD.decode(key).is_ok_and(|raw| raw.len() == 16))
            .ok_or(HandshakeError::BadKey)?;
        let offered: Vec<&str> = headers
            .get_all("Sec-WebSocket-Protocol")
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let protocol = protocols
            .iter()
            .find(|ours| offered.iter().any(|theirs| theirs == *ours))
            .map(|chosen| (*chosen).to_owned());
        Ok(Upgrade {
            accept: accept_key(key),
            protocol,
        })
    }

    /// The subprotocol chosen, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The `101 Switching Protocols` head, as bytes for the socket. (The
    /// response encoder writes final answers only; after these bytes the
    /// connection speaks frames.)
    pub fn response_head(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
            self.accept
        );
        if let Some(protocol) = &self.protocol {
            head.push_str("Sec-WebSocket-Protocol: ");
            head.push_str(protocol);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::buffer::InputBuffer;
    use crate::http::parse::RequestDecoder;
    use crate::http::parse_error::Limits;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    /// A request as the server reads it off the wire: a request line, then
    /// the RFC's handshake fields with `replace` swapped in (an empty value
    /// leaves the field out).
    #[track_caller]
    fn request(line: &str, replace: &[(&str, &str)]) -> Request {
        let mut head = format!("{line}\r\nHost: example.com\r\n");
        for (name, value) in [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", KEY),
            ("Sec-WebSocket-Version", "13"),
        ] {
            let value = replace
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(value, |(_, v)| *v);
            if !value.is_empty() {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str("\r\n");
        let mut buf = InputBuffer::new();
        buf.extend(head.as_bytes());
        let raw = RequestDecoder::new(Limits::default())
            .decode(&mut buf)
            .unwrap()
            .expect("a whole head");
        Request::from_raw(raw, None)
    }

    fn handshake() -> Request {
        request("GET /chat HTTP/1.1", &[])
    }

    #[test]
    fn the_rfcs_example_gets_the_rfcs_accept_key() {
        let upgrade = Upgrade::accept(&handshake(), &[]).unwrap();
        assert_eq!(
            String::from_utf8(upgrade.response_head()).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        );
    }

    #[test]
    fn tokens_are_found_in_lists_whatever_their_case() {
        let req = request(
            "GET / HTTP/1.1",
            &[
                ("Upgrade", "h2c, WebSocket"),
                ("Connection", "keep-alive, UPGRADE"),
            ],
        );
        assert!(Upgrade::accept(&req, &[]).is_ok());
    }

    #[test]
    fn the_servers_first_preference_the_client_offered_is_chosen() {
        let req = handshake()
            .with_header("Sec-WebSocket-Protocol", "chat.v1, json")
            .with_header("Sec-WebSocket-Protocol", "chat.v2");
        let upgrade = Upgrade::accept(&req, &["chat.v2", "chat.v1"]).unwrap();
        assert_eq!(upgrade.protocol(), Some("chat.v2"));
        let head = String::from_utf8(upgrade.response_head()).unwrap();
        assert!(
            head.contains("\r\nSec-WebSocket-Protocol: chat.v2\r\n"),
            "{head}"
        );
        let none = Upgrade::accept(&req, &["mqtt"]).unwrap();
        assert_eq!(none.protocol(), None);
    }

    #[test]
    fn each_fault_is_refused_with_its_status() {
        let get = "GET /chat HTTP/1.1";
        let cases = [
            (
                request("POST /chat HTTP/1.1", &[]),
                HandshakeError::NotGet,
                405,
            ),
            (
                request("GET /chat HTTP/1.0", &[]),
                HandshakeError::NotHttp11,
                400,
            ),
            (
                request(get, &[("Upgrade", "")]),
                HandshakeError::NoUpgrade,
                426,
            ),
            (
                request(get, &[("Upgrade", "h2c")]),
                HandshakeError::NoUpgrade,
                426,
            ),
            (
                request(get, &[("Connection", "keep-alive")]),
                HandshakeError::NoConnectionUpgrade,
                400,
            ),
            (
                request(get, &[("Sec-WebSocket-Version", "")]),
                HandshakeError::UnsupportedVersion,
                426,
            ),
            (
                request(get, &[("Sec-WebSocket-Version", "8")]),
                HandshakeError::UnsupportedVersion,
                426,
            ),
            (
                request(get, &[("Sec-WebSocket-Key", "")]),
                HandshakeError::BadKey,
                400,
            ),
            // The base64 of 5 bytes, and text that is no base64 at all.
            (
                request(get, &[("Sec-WebSocket-Key", "c2hvcnQ=")]),
                HandshakeError::BadKey,
                400,
            ),
            (
                request(get, &[("Sec-WebSocket-Key", "not base64 at all!!!!===")]),
                HandshakeError::BadKey,
                400,
            ),
        ];
        for (req, expected, status) in cases {
            let err = Upgrade::accept(&req, &[]).unwrap_err();
            assert_eq!(err, expected);
            assert_eq!(err.response().status().code(), status, "{expected:?}");
        }
    }

    #[test]
    fn a_wrong_version_is_told_which_version_to_speak() {
        let err = HandshakeError::UnsupportedVersion.response();
        assert_eq!(err.header("Sec-WebSocket-Version"), Some("13"));
        assert_eq!(
            HandshakeError::NoUpgrade.response().header("Upgrade"),
            Some("websocket")
        );
        assert_eq!(
            HandshakeError::NotGet.response().header("Allow"),
            Some("GET")
        );
    }
}
