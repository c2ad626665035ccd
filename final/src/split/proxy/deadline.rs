//! One deadline for a whole exchange with a backend, not one per read.
//!
//! A per-read timeout is reset by every byte: a backend trickling a byte a
//! second would never time out. So the time left is computed before each
//! socket call from one `Instant`, and the reply's reader sets it anew
//! before every read.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Time left before `deadline`, or `None` if there is none.
pub(super) fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Whether a socket error is its timeout running out.
pub(super) fn is_timeout(err: &io::Error) -> bool {
    // Unix reports a socket timeout as WouldBlock, Windows as TimedOut.
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A reader that gives up at a deadline: before each `read` it sets the
/// socket's timeout to the time left, so the whole reply is bounded, not
/// each read (a backend trickling a byte a second would otherwise never
/// time out). It counts the bytes read, to tell "died before replying"
/// from "died while replying".
pub(super) struct Deadline<'a> {
    pub(super) stream: &'a TcpStream,
    pub(super) deadline: Instant,
    /// Bytes read so far.
    pub(super) bytes: usize,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = remaining(self.deadline).ok_or(io::ErrorKind::TimedOut)?;
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        let n = stream.read(buf)?;
        self.bytes += n;
        Ok(n)
    }
}
