//! Version 2 of the split protocol: version 1's frames after a handshake
//! that proves both ends hold the same key (the `split_key` setting, the
//! front's `HTTPRS_SPLIT_KEY` or `--split-key-file`).
//!
//! Sans-IO: no socket in this file. Each side is a value that takes the
//! bytes its peer sent (the start of a connection's input) and gives back
//! the bytes to send, or a typed reason to close. The backend's connection
//! (`server/client_conn.rs`) and the front's (`server/backend_conn.rs`)
//! only move those bytes, and the tests below run
//! whole handshakes, right and wrong, with no network at all.
//!
//! ```text
//! backend → front   {"v":2,"type":"challenge","nonce":"<32 random bytes, hex>"}
//! front → backend   {"v":2,"type":"hello","nonce":"<32 bytes, hex>","mac":"<hex>"}
//!                       mac = HMAC-SHA256(key, HELLO_LABEL ‖ backend nonce ‖ front nonce)
//! backend → front   {"v":2,"type":"welcome","mac":"<hex>"}
//!                       mac = HMAC-SHA256(key, WELCOME_LABEL ‖ backend nonce ‖ front nonce)
//! then version 1's request and response frames, unchanged
//! ```
//!
//! Why each piece, and what this does not protect against: step 06's
//! `PROTOCOL.md`, "Version 2: authentication".

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::keys::SecretKey;
use crate::split::protocol::{MAX_FRAME_BYTES, PREFIX_BYTES};

/// The version the handshake frames carry. The frames after it are
/// version 1's, `"v":1` and all (`PROTOCOL.md` says why).
pub const VERSION: u64 = 2;

/// Bytes of each side's nonce: as many as the MAC, so a nonce is never
/// the weak part.
pub const NONCE_BYTES: usize = 32;

/// The largest handshake frame either side accepts. A hello is about 200
/// bytes; anything longer is no handshake frame, and is refused from its
/// prefix, before its payload is waited for.
pub const MAX_HANDSHAKE_BYTES: usize = 1024;

/// Prefixed to the front's MAC input. The two labels differ, so that a
/// backend's welcome can never pass as a front's hello (a reflection: an
/// attacker sending the backend's own answer back to it).
pub const HELLO_LABEL: &[u8] = b"httprs split v2 hello\0";

/// Prefixed to the backend's MAC input; see [`HELLO_LABEL`].
pub const WELCOME_LABEL: &[u8] = b"httprs split v2 welcome\0";

/// A nonce: fresh random bytes for one connection.
pub type Nonce = [u8; NONCE_BYTES];

/// A nonce from the operating system's random source.
///
/// # Errors
/// When the system has no random source to offer (practically never);
/// the caller closes the connection rather than use a predictable nonce.
pub fn fresh_nonce() -> Result<Nonce, getrandom::Error> {
    let mut nonce = [0; NONCE_BYTES];
    getrandom::getrandom(&mut nonce)?;
    Ok(nonce)
}

/// Why a handshake failed. Each reads as the end of a sentence that starts
/// with the peer: "front 10.0.0.5:41234 sent a request without ...".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The front's first frame was not a hello: a version-1 front, or one
    /// started without the key. `found` says what came instead.
    NoHello {
        /// `"a request"`, `"a frame of 5000 bytes"`, ...
        found: String,
    },
    /// A hello whose MAC is not the key's: another key, or a hello copied
    /// from another connection (whose backend nonce was another).
    WrongKey,
    /// The backend's first frame was not a challenge.
    NoChallenge {
        /// What came instead.
        found: String,
    },
    /// A welcome whose MAC is not the key's: whatever answered does not
    /// hold the key, so it is not our backend.
    WrongWelcome,
    /// A handshake frame that does not parse (bad JSON, a missing field, a
    /// nonce or MAC of the wrong length).
    Malformed(String),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::NoHello { found } => write!(
                f,
                "sent {found} without the split key's hello \
                 (a version-1 front, or no HTTPRS_SPLIT_KEY set)"
            ),
            HandshakeError::WrongKey => f.write_str(
                "sent a hello made with the wrong split key \
                 (or one replayed from another connection)",
            ),
            HandshakeError::NoChallenge { found } => write!(
                f,
                "sent {found} where the split key's challenge was expected \
                 (a backend that is not httprs, or a newer one)"
            ),
            HandshakeError::WrongWelcome => f.write_str(
                "answered with a welcome that proves no split key of ours \
                 (whatever listens there is not our backend)",
            ),
            HandshakeError::Malformed(problem) => {
                write!(f, "sent a malformed handshake frame ({problem})")
            }
        }
    }
}

impl std::error::Error for HandshakeError {}

/// A handshake frame on the wire. One struct for the three: serde checks
/// the fields each needs by `type` below.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    v: u64,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none", borrow, default)]
    nonce: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none", borrow, default)]
    mac: Option<Cow<'a, str>>,
}

/// The frame for `wire`: length prefix, JSON payload.
fn frame(wire: &Wire<'_>) -> Vec<u8> {
    let mut out = vec![0; PREFIX_BYTES];
    // Three short strings of our own: serialising cannot fail.
    serde_json::to_writer(&mut out, wire).unwrap_or_else(|_| unreachable!("plain strings"));
    let length = (out.len() - PREFIX_BYTES) as u32;
    out[..PREFIX_BYTES].copy_from_slice(&length.to_be_bytes());
    out
}

/// The handshake frame at the start of `buf` and the bytes it takes, or
/// `None` until it is all there.
///
/// `Err(found)` for something that is no handshake frame: a prefix over
/// [`MAX_HANDSHAKE_BYTES`] (refused at once: `found` names its length) or
/// a frame of a version other than 2 (`found` names its type). The caller
/// turns `found` into its side's error.
fn take(buf: &[u8]) -> Result<Option<(Wire<'_>, usize)>, Found> {
    let Some(prefix) = buf.first_chunk::<PREFIX_BYTES>() else {
        return Ok(None);
    };
    let length = u32::from_be_bytes(*prefix) as usize;
    if length > MAX_HANDSHAKE_BYTES {
        return Err(Found::Other(if length > MAX_FRAME_BYTES {
            format!("a frame prefix announcing {length} bytes (no frame at all)")
        } else {
            format!("a frame of {length} bytes")
        }));
    }
    let Some(payload) = buf.get(PREFIX_BYTES..PREFIX_BYTES + length) else {
        return Ok(None);
    };
    let wire: Wire = serde_json::from_slice(payload)
        .map_err(|err| Found::Malformed(format!("not a handshake frame: {err}")))?;
    if wire.v != VERSION {
        // A version-1 frame: say which, it tells the operator what is wrong.
        return Err(Found::Other(format!("a version-{} {}", wire.v, wire.kind)));
    }
    Ok(Some((wire, PREFIX_BYTES + length)))
}

/// What [`take`] found instead of a handshake frame.
enum Found {
    Other(String),
    Malformed(String),
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

fn unhex<const N: usize>(text: Option<&str>, what: &str) -> Result<[u8; N], HandshakeError> {
    let bad = || HandshakeError::Malformed(format!("{what}: expected {} hex digits", 2 * N));
    let text = text.ok_or_else(|| HandshakeError::Malformed(format!("no {what}")))?;
    // Hex digits only: `from_str_radix` alone would also take a `+` sign,
    // so "+f" would read as 0x0f and a frame would have two spellings.
    if text.len() != 2 * N || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// HMAC-SHA256 over `label ‖ backend nonce ‖ front nonce`.
fn mac(key: &SecretKey, label: &[u8], backend: &Nonce, front: &Nonce) -> Hmac<Sha256> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(label);
    mac.update(backend);
    mac.update(front);
    mac
}

/// Whether a MAC received in hex matches the one `expected` computes, in
/// constant time (`verify_slice`): a comparison that stopped at the first
/// wrong byte would tell a patient attacker, by its timing, how many
/// leading bytes of a guess were right.
///
/// A yes or no, so a `bool`: each caller has its own error to give (the
/// backend [`HandshakeError::WrongKey`], the front
/// [`HandshakeError::WrongWelcome`]), and a MAC that is not even 64 hex
/// digits is wrong in the same way as one that does not match.
fn verified(expected: Hmac<Sha256>, received: Option<&str>) -> bool {
    match unhex::<32>(received, "mac") {
        Ok(received) => expected.verify_slice(&received).is_ok(),
        Err(_) => false,
    }
}

/// The backend's side of one connection's handshake.
pub struct BackendHandshake {
    key: SecretKey,
    nonce: Nonce,
}

impl fmt::Debug for BackendHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendHandshake").finish_non_exhaustive()
    }
}

impl BackendHandshake {
    /// The handshake for a new connection, with `nonce` (from
    /// [`fresh_nonce`]), and the challenge frame to send at once.
    pub fn new(key: SecretKey, nonce: Nonce) -> (BackendHandshake, Vec<u8>) {
        let challenge = frame(&Wire {
            v: VERSION,
            kind: "challenge".into(),
            nonce: Some(hex(&nonce).into()),
            mac: None,
        });
        (BackendHandshake { key, nonce }, challenge)
    }

    /// Looks for the front's hello at the start of `input`: `Ok(None)`
    /// until it is all there; then the welcome frame to send and how many
    /// bytes of `input` the hello took (frames after it are requests).
    ///
    /// # Errors
    /// Anything but a hello made with the key; the connection must close.
    pub fn receive(&self, input: &[u8]) -> Result<Option<(Vec<u8>, usize)>, HandshakeError> {
        let (wire, used) = match take(input) {
            Ok(Some(taken)) => taken,
            Ok(None) => return Ok(None),
            Err(Found::Other(found)) => return Err(HandshakeError::NoHello { found }),
            Err(Found::Malformed(problem)) => return Err(HandshakeError::Malformed(problem)),
        };
        if wire.kind != "hello" {
            return Err(HandshakeError::NoHello {
                found: format!("a {}", wire.kind),
            });
        }
        let front: Nonce = unhex(wire.nonce.as_deref(), "nonce")?;
        let expected = mac(&self.key, HELLO_LABEL, &self.nonce, &front);
        if !verified(expected, wire.mac.as_deref()) {
            return Err(HandshakeError::WrongKey);
        }
        let proof = mac(&self.key, WELCOME_LABEL, &self.nonce, &front).finalize();
        let welcome = frame(&Wire {
            v: VERSION,
            kind: "welcome".into(),
            nonce: None,
            mac: Some(hex(&proof.into_bytes()).into()),
        });
        Ok(Some((welcome, used)))
    }
}

/// The front's side of one connection's handshake, between its hello and
/// the backend's welcome.
pub struct FrontHandshake {
    /// The welcome's MAC, computed in advance: checking it needs nothing else.
    expected: Hmac<Sha256>,
}

impl fmt::Debug for FrontHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrontHandshake").finish_non_exhaustive()
    }
}

impl FrontHandshake {
    /// Answers the backend's challenge at the start of `input` with the
    /// front's `nonce`: `Ok(None)` until it is all there; then the hello
    /// frame to send, the state that checks the welcome, and how many
    /// bytes the challenge took.
    ///
    /// # Errors
    /// Anything but a well-formed challenge.
    pub fn answer(
        key: &SecretKey,
        nonce: Nonce,
        input: &[u8],
    ) -> Result<Option<(Vec<u8>, FrontHandshake, usize)>, HandshakeError> {
        let (wire, used) = match take(input) {
            Ok(Some(taken)) => taken,
            Ok(None) => return Ok(None),
            Err(Found::Other(found)) => return Err(HandshakeError::NoChallenge { found }),
            Err(Found::Malformed(problem)) => return Err(HandshakeError::Malformed(problem)),
        };
        if wire.kind != "challenge" {
            return Err(HandshakeError::NoChallenge {
                found: format!("a {}", wire.kind),
            });
        }
        let backend: Nonce = unhex(wire.nonce.as_deref(), "nonce")?;
        let proof = mac(key, HELLO_LABEL, &backend, &nonce).finalize();
        let hello = frame(&Wire {
            v: VERSION,
            kind: "hello".into(),
            nonce: Some(hex(&nonce).into()),
            mac: Some(hex(&proof.into_bytes()).into()),
        });
        let expected = mac(key, WELCOME_LABEL, &backend, &nonce);
        Ok(Some((hello, FrontHandshake { expected }, used)))
    }

    /// Checks the backend's welcome at the start of `input`: `Ok(None)`
    /// until it is all there, then how many bytes it took (what follows is
    /// the first reply).
    ///
    /// # Errors
    /// Anything but a welcome made with the key.
    pub fn welcome(&self, input: &[u8]) -> Result<Option<usize>, HandshakeError> {
        let (wire, used) = match take(input) {
            Ok(Some(taken)) => taken,
            Ok(None) => return Ok(None),
            Err(Found::Other(found)) => {
                return Err(HandshakeError::Malformed(format!(
                    "{found} where the welcome was expected"
                )));
            }
            Err(Found::Malformed(problem)) => return Err(HandshakeError::Malformed(problem)),
        };
        if wire.kind != "welcome" {
            return Err(HandshakeError::Malformed(format!(
                "a {} where the welcome was expected",
                wire.kind
            )));
        }
        if !verified(self.expected.clone(), wire.mac.as_deref()) {
            return Err(HandshakeError::WrongWelcome);
        }
        Ok(Some(used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::new(vec![byte; 32]).unwrap()
    }

    /// A whole handshake: challenge, hello, welcome, as the two sides see it.
    fn handshake(
        backend_key: &SecretKey,
        front_key: &SecretKey,
    ) -> Result<(), (HandshakeError, &'static str)> {
        let (backend, challenge) = BackendHandshake::new(backend_key.clone(), [1; 32]);
        let (hello, front, used) = FrontHandshake::answer(front_key, [2; 32], &challenge)
            .map_err(|e| (e, "front"))?
            .expect("a whole challenge");
        assert_eq!(used, challenge.len());
        let (welcome, used) = backend
            .receive(&hello)
            .map_err(|e| (e, "backend"))?
            .expect("a whole hello");
        assert_eq!(used, hello.len());
        assert_eq!(
            front.welcome(&welcome).map_err(|e| (e, "front"))?,
            Some(welcome.len())
        );
        Ok(())
    }

    #[test]
    fn the_same_key_on_both_sides_completes_the_handshake() {
        assert_eq!(handshake(&key(7), &key(7)), Ok(()));
    }

    #[test]
    fn another_key_is_refused_by_the_backend() {
        assert_eq!(
            handshake(&key(7), &key(8)),
            Err((HandshakeError::WrongKey, "backend"))
        );
    }

    #[test]
    fn the_frames_are_json_a_person_can_read() {
        let (_, challenge) = BackendHandshake::new(key(7), [0xab; 32]);
        let text = String::from_utf8_lossy(&challenge[PREFIX_BYTES..]).into_owned();
        assert_eq!(
            text,
            format!(
                r#"{{"v":2,"type":"challenge","nonce":"{}"}}"#,
                "ab".repeat(32)
            )
        );
        assert_eq!(
            &challenge[..PREFIX_BYTES],
            &(text.len() as u32).to_be_bytes()
        );
    }

    #[test]
    fn a_hello_replayed_on_a_new_connection_is_refused() {
        let k = key(7);
        let (_, first) = BackendHandshake::new(k.clone(), [1; 32]);
        let (hello, _, _) = FrontHandshake::answer(&k, [2; 32], &first)
            .unwrap()
            .unwrap();
        // The next connection's backend picks another nonce.
        let (second, _) = BackendHandshake::new(k, [3; 32]);
        assert_eq!(second.receive(&hello), Err(HandshakeError::WrongKey));
    }

    #[test]
    fn a_welcome_sent_back_as_a_hello_is_refused() {
        let k = key(7);
        let (backend, challenge) = BackendHandshake::new(k.clone(), [1; 32]);
        let (hello, _, _) = FrontHandshake::answer(&k, [2; 32], &challenge)
            .unwrap()
            .unwrap();
        let (welcome, _) = backend.receive(&hello).unwrap().unwrap();
        // The welcome's MAC in a hello, with the front's nonce: the labels differ.
        let text = String::from_utf8_lossy(&welcome[PREFIX_BYTES..]).replace(
            r#""type":"welcome""#,
            &format!(r#""type":"hello","nonce":"{}""#, "02".repeat(32)),
        );
        let mut forged = (text.len() as u32).to_be_bytes().to_vec();
        forged.extend_from_slice(text.as_bytes());
        assert_eq!(backend.receive(&forged), Err(HandshakeError::WrongKey));
    }

    #[test]
    fn a_front_that_reached_something_without_the_key_refuses_its_welcome() {
        let (backend, challenge) = BackendHandshake::new(key(9), [1; 32]);
        let (_, front, _) = FrontHandshake::answer(&key(7), [2; 32], &challenge)
            .unwrap()
            .unwrap();
        // An impostor holding key 9 answers a hello made with key 9.
        let (hello, _, _) = FrontHandshake::answer(&key(9), [2; 32], &challenge)
            .unwrap()
            .unwrap();
        let (welcome, _) = backend.receive(&hello).unwrap().unwrap();
        assert_eq!(front.welcome(&welcome), Err(HandshakeError::WrongWelcome));
    }

    #[test]
    fn a_version_1_request_first_is_named_in_the_error() {
        let (backend, _) = BackendHandshake::new(key(7), [1; 32]);
        let request = crate::split::protocol::encode(&crate::split::protocol::Message::Request(
            crate::split::protocol::Request {
                id: 1,
                method: "GET".into(),
                path: "/".into(),
                query: String::new(),
                headers: vec![],
                body: vec![],
            },
        ))
        .unwrap();
        let err = backend.receive(&request).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sent a version-1 request without the split key's hello \
             (a version-1 front, or no HTTPRS_SPLIT_KEY set)"
        );
        // A long one is refused from its prefix alone.
        let err = backend.receive(&5000u32.to_be_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("sent a frame of 5000 bytes without"),
            "{err}"
        );
    }

    #[test]
    fn a_handshake_arriving_byte_by_byte_waits_then_completes() {
        let k = key(7);
        let (backend, challenge) = BackendHandshake::new(k.clone(), [1; 32]);
        for end in 0..challenge.len() {
            assert!(
                FrontHandshake::answer(&k, [2; 32], &challenge[..end])
                    .unwrap()
                    .is_none()
            );
        }
        let (mut hello, _, _) = FrontHandshake::answer(&k, [2; 32], &challenge)
            .unwrap()
            .unwrap();
        let hello_len = hello.len();
        for end in 0..hello_len {
            assert!(backend.receive(&hello[..end]).unwrap().is_none());
        }
        // A request right behind the hello is left for the frames that follow.
        hello.extend_from_slice(b"\0\0\0\x02{}");
        let (_, used) = backend.receive(&hello).unwrap().unwrap();
        assert_eq!(used, hello_len);
    }

    #[test]
    fn malformed_handshake_frames_are_errors_not_panics() {
        let (backend, _) = BackendHandshake::new(key(7), [1; 32]);
        let raw = |json: &str| {
            let mut frame = (json.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(json.as_bytes());
            frame
        };
        for bad in [
            "not json",
            r#"{"v":2,"type":"hello"}"#,
            r#"{"v":2,"type":"hello","nonce":"00","mac":"00"}"#,
            &format!(
                r#"{{"v":2,"type":"hello","nonce":"{}","mac":"zz"}}"#,
                "0".repeat(64)
            ),
            &format!(r#"{{"v":2,"type":"hello","nonce":"{}"}}"#, "é".repeat(32)),
        ] {
            let err = backend.receive(&raw(bad)).unwrap_err();
            assert!(
                matches!(err, HandshakeError::Malformed(_) | HandshakeError::WrongKey),
                "{bad}: {err:?}"
            );
        }
        assert!(matches!(
            backend.receive(&raw(r#"{"v":2,"type":"welcome","mac":"00"}"#)),
            Err(HandshakeError::NoHello { .. })
        ));
    }

    #[test]
    fn a_nonce_with_a_plus_sign_is_malformed_not_read_as_hex() {
        // Found by the split_handshake fuzz target: u8::from_str_radix takes
        // "+1" as 1, so this challenge was answered as if its nonce were hex.
        let nonce = format!("1111111111+{}", "1".repeat(53));
        let challenge = format!(r#"{{"v":2,"type":"challenge","nonce":"{nonce}"}}"#);
        let mut frame = (challenge.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(challenge.as_bytes());
        assert!(matches!(
            FrontHandshake::answer(&key(7), [2; 32], &frame),
            Err(HandshakeError::Malformed(_))
        ));
        assert_eq!(
            unhex::<1>(Some("+f"), "mac"),
            Err(HandshakeError::Malformed(
                "mac: expected 2 hex digits".into()
            ))
        );
    }
}
