//! A backend's idle connections, kept for the next request, and new ones.
//!
//! Each backend keeps up to [`MAX_IDLE`] idle connections, one request in
//! flight on each (step 06's `PROTOCOL.md` says why not multiplexing). Only
//! a connection whose exchange went entirely right is put back. Before
//! reusing one, the front peeks at it ([`still_open`]): a backend that
//! restarted has closed it, and a fresh one is opened instead.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::deadline::remaining;
use super::handshake::{self, Pending};
use super::retry::Failure;
use crate::app::settings::SecretKey;

/// Idle connections kept per backend; more are closed when returned.
const MAX_IDLE: usize = 16;

/// The longest a connection attempt may take (within the request's own
/// timeout). On a network a connection opens in well under a millisecond;
/// a host that drops packets should cost a request a second, not thirty.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// One backend's idle connections.
#[derive(Debug, Default)]
pub(super) struct ConnectionPool {
    idle: Mutex<Vec<TcpStream>>,
}

impl ConnectionPool {
    fn idle(&self) -> MutexGuard<'_, Vec<TcpStream>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection the backend has not closed meanwhile, if any.
    pub(super) fn checkout(&self) -> Option<TcpStream> {
        loop {
            // The lock is held for the `pop` only.
            let stream = self.idle().pop()?;
            if still_open(&stream) {
                return Some(stream);
            }
        }
    }

    /// Keeps `stream` for a later request, unless enough are kept already.
    pub(super) fn checkin(&self, stream: TcpStream) {
        let mut idle = self.idle();
        if idle.len() < MAX_IDLE {
            idle.push(stream);
        }
    }

    /// Drops every idle connection: the process behind them died.
    pub(super) fn clear(&self) {
        self.idle().clear();
    }
}

/// Opens a connection to `addr`, trying each address the name resolves to,
/// and with a `key`, answers the backend's challenge: the [`Pending`]
/// hello then goes out with the first request (`handshake.rs`).
pub(super) fn connect(
    addr: &str,
    deadline: Instant,
    key: Option<&SecretKey>,
) -> Result<(TcpStream, Option<Pending>), Failure> {
    let stream = open(addr, deadline)?;
    let pending = match key {
        Some(key) => Some(handshake::answer_challenge(&stream, key, deadline)?),
        None => None,
    };
    Ok((stream, pending))
}

/// Opens a TCP connection to `addr`, trying each address the name resolves to.
fn open(addr: &str, deadline: Instant) -> Result<TcpStream, Failure> {
    let addrs = addr
        .to_socket_addrs()
        .map_err(|err| Failure::Unreachable(format!("cannot resolve: {err}")))?;
    let mut last = "the name resolves to no address".to_string();
    for addr in addrs {
        let left = remaining(deadline).ok_or(Failure::Timeout)?;
        match TcpStream::connect_timeout(&addr, left.min(CONNECT_TIMEOUT)) {
            Ok(stream) => {
                // Frames are written whole; Nagle would only delay the last packet.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(err) => last = format!("cannot connect: {err}"),
        }
    }
    Err(Failure::Unreachable(last))
}

/// Whether an idle connection is still open: a peek that would block means
/// nothing has happened to it; end-of-stream or an error means the backend
/// closed it (a stray byte would mean a reply we never asked for: not
/// reusable either).
fn still_open(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let open = matches!(stream.peek(&mut [0u8; 1]),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock);
    open && stream.set_nonblocking(false).is_ok()
}
