//! The front's half of version 2's handshake, on a blocking socket: the
//! backend's challenge read when a connection opens, the hello sent with
//! the first request, the welcome checked before the first reply.
//!
//! The handshake itself (frames, MACs, errors) is `split/auth.rs`, sans-IO;
//! this file only moves its bytes, each read bounded by the request's
//! deadline, and says which [`Failure`] each way of going wrong is.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::deadline::{Deadline, is_timeout};
use super::retry::{Failure, is_reset};
use crate::app::settings::SecretKey;
use crate::split::auth::{self, FrontHandshake, MAX_HANDSHAKE_BYTES};
use crate::split::protocol::PREFIX_BYTES;

/// The longest a backend may take to send its challenge, within the
/// request's own timeout. A keyed backend sends it as it accepts; one that
/// sends nothing is most likely a version-1 backend, which waits for a
/// request, and a request should learn that in a second, not thirty.
const CHALLENGE_TIMEOUT: Duration = Duration::from_secs(1);

/// A connection whose challenge has been answered: the hello to send
/// before the first request, and what checks the welcome.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) hello: Vec<u8>,
    pub(super) handshake: FrontHandshake,
}

/// Reads one handshake frame (prefix and payload), or only the prefix if
/// it announces more than a handshake frame may hold: `auth.rs` refuses
/// that from the prefix alone.
fn read_frame(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut frame = vec![0; PREFIX_BYTES];
    input.read_exact(&mut frame)?;
    let mut prefix = [0; PREFIX_BYTES];
    prefix.copy_from_slice(&frame);
    let length = u32::from_be_bytes(prefix) as usize;
    if length <= MAX_HANDSHAKE_BYTES {
        frame.resize(PREFIX_BYTES + length, 0);
        input.read_exact(&mut frame[PREFIX_BYTES..])?;
    }
    Ok(frame)
}

/// Reads the challenge on a fresh `stream` and answers it: nothing has been
/// sent yet, so every failure here is [`Failure::Unreachable`] (any request
/// may go elsewhere), or [`Failure::Timeout`] once the request's time is up.
pub(super) fn answer_challenge(
    stream: &TcpStream,
    key: &SecretKey,
    deadline: Instant,
) -> Result<Pending, Failure> {
    let patience = deadline.min(Instant::now() + CHALLENGE_TIMEOUT);
    let mut input = Deadline {
        stream,
        deadline: patience,
        bytes: 0,
    };
    let frame = read_frame(&mut input).map_err(|err| {
        if is_timeout(&err) && Instant::now() >= deadline {
            Failure::Timeout
        } else if is_timeout(&err) {
            Failure::Unreachable(format!(
                "it sent no challenge within {} ms: a version-1 backend (step 06's, or \
                 httprs without split_key) says nothing first",
                CHALLENGE_TIMEOUT.as_millis()
            ))
        } else {
            Failure::Unreachable(format!("no challenge: {err}"))
        }
    })?;
    let nonce = auth::fresh_nonce()
        .map_err(|err| Failure::Unreachable(format!("no random nonce: {err}")))?;
    match FrontHandshake::answer(key, nonce, &frame) {
        Ok(Some((hello, handshake, _))) => Ok(Pending { hello, handshake }),
        Ok(None) => unreachable!("a whole frame was read"),
        Err(err) => Err(Failure::Unreachable(err.to_string())),
    }
}

/// Reads and checks the welcome, which comes before the first reply. The
/// request has been sent: a close now is [`Failure::Died`] (a backend
/// refusing the hello closes without a word, and its log says why).
pub(super) fn check_welcome(
    input: &mut Deadline<'_>,
    handshake: &FrontHandshake,
) -> Result<(), Failure> {
    let frame = read_frame(input).map_err(|err| {
        if is_timeout(&err) {
            Failure::Timeout
        } else if err.kind() == io::ErrorKind::UnexpectedEof || is_reset(&err) {
            Failure::Died {
                reason: "it closed the connection instead of welcoming the hello: \
                         it holds another split key, or none (its log says which)"
                    .to_string(),
                replying: false,
            }
        } else {
            Failure::Broken(format!("no welcome: {err}"))
        }
    })?;
    match handshake.welcome(&frame) {
        Ok(_) => Ok(()),
        Err(err) => Err(Failure::Broken(err.to_string())),
    }
}
