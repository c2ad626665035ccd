//! One scripted fake socket for the unit tests of both kinds of
//! connection this floor owns: a [`ClientConn`](crate::server::client_conn::ClientConn)
//! (a browser's, or a front's in backend mode) and a
//! [`BackendConn`](crate::server::backend_conn::BackendConn) (the front's
//! own, to a backend). Each state machine is generic over a small trait
//! (`Socket`, `Link`); this one type implements both, so the two test
//! suites script their sockets the same way and no network is needed.
//!
//! A script is: the chunks each `read` hands out, in order (a chunk longer
//! than the buffer is handed out over several reads, as a kernel would);
//! then `WouldBlock`, or the end of the stream once `eof` is set, or a
//! reset once `reset` is. Writes are taken up to `room` bytes in all, then
//! `WouldBlock`: a full send buffer.
//!
//! [`FakeDialer`] opens such sockets for the forwarder's tests
//! (`forwarder/on_fakes.rs`): each dial gives a fresh one, still
//! connecting, which the test then scripts through the forwarder's slot.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;

use mio::Token;

use crate::server::backend_conn::Link;
use crate::server::client_conn::Socket;
use crate::server::dialer::{DialError, Dialer};

/// A socket whose reads are scripted and whose writes are kept; see the module docs.
#[derive(Default)]
pub(crate) struct FakeSocket {
    /// What the peer sent, one chunk per read.
    pub(crate) reads: VecDeque<Vec<u8>>,
    /// Past the reads, the peer has closed: `Ok(0)`.
    pub(crate) eof: bool,
    /// Past the reads, the connection was reset (wins over `eof`).
    pub(crate) reset: bool,
    /// Everything written, in order.
    pub(crate) written: Vec<u8>,
    /// How many more bytes the send buffer takes; `None`: no limit.
    pub(crate) room: Option<usize>,
    /// For a `Link`: the connect has completed.
    pub(crate) up: bool,
    /// For a `Link`: the connect was refused.
    pub(crate) refuse: bool,
    /// For a `Socket`: the writing half was shut (a FIN sent).
    pub(crate) shut: Cell<bool>,
    /// For a `Socket`: Nagle was switched off.
    pub(crate) nodelay: Cell<bool>,
}

impl FakeSocket {
    /// A socket that will hand out `reads`, one per call, then `WouldBlock`.
    pub(crate) fn reading(reads: &[&[u8]]) -> FakeSocket {
        FakeSocket {
            reads: reads.iter().map(|r| r.to_vec()).collect(),
            ..FakeSocket::default()
        }
    }
}

impl Read for FakeSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.reads.front_mut() {
            Some(chunk) => {
                let n = chunk.len().min(buf.len());
                buf[..n].copy_from_slice(&chunk[..n]);
                chunk.drain(..n);
                if chunk.is_empty() {
                    self.reads.pop_front();
                }
                Ok(n)
            }
            None if self.reset => Err(io::ErrorKind::ConnectionReset.into()),
            None if self.eof => Ok(0),
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for FakeSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.room.map_or(buf.len(), |room| room.min(buf.len()));
        if n == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        if let Some(room) = &mut self.room {
            *room -= n;
        }
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Socket for FakeSocket {
    fn shutdown_write(&self) -> io::Result<()> {
        self.shut.set(true);
        Ok(())
    }

    fn set_nodelay(&self) -> io::Result<()> {
        self.nodelay.set(true);
        Ok(())
    }
}

impl Link for FakeSocket {
    fn connected(&self) -> io::Result<bool> {
        if self.refuse {
            return Err(io::ErrorKind::ConnectionRefused.into());
        }
        Ok(self.up)
    }
}

/// A [`Dialer`] that opens [`FakeSocket`]s and remembers every dial.
#[derive(Default)]
pub(crate) struct FakeDialer {
    /// Names that resolve to several addresses; any other name must be an
    /// address (`10.0.0.1:7001`) and resolves to itself.
    pub(crate) names: Vec<(String, Vec<SocketAddr>)>,
    /// Addresses whose connect fails at once (no route to them).
    pub(crate) unroutable: Vec<SocketAddr>,
    /// Every dial that gave a socket, in order: where to, under which token.
    pub(crate) dialled: RefCell<Vec<(SocketAddr, Token)>>,
    /// How many sockets were hung up (deregistered, about to be closed).
    pub(crate) hung_up: Cell<usize>,
}

impl Dialer for FakeDialer {
    type Link = FakeSocket;

    fn resolve(&self, name: &str) -> io::Result<Vec<SocketAddr>> {
        if let Some((_, addrs)) = self.names.iter().find(|(n, _)| n == name) {
            return Ok(addrs.clone());
        }
        let addr = name.parse().map_err(io::Error::other)?;
        Ok(vec![addr])
    }

    fn dial(&self, addr: SocketAddr, token: Token) -> Result<FakeSocket, DialError> {
        if self.unroutable.contains(&addr) {
            return Err(DialError::Connect(io::Error::other("no route to host")));
        }
        self.dialled.borrow_mut().push((addr, token));
        Ok(FakeSocket::default())
    }

    fn hang_up(&self, _link: &mut FakeSocket) {
        self.hung_up.set(self.hung_up.get() + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_chunk_is_read_in_pieces_then_the_socket_would_block() {
        let mut socket = FakeSocket::reading(&[b"hello"]);
        let mut buf = [0; 3];
        assert_eq!(socket.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf, b"hel");
        assert_eq!(socket.read(&mut buf).unwrap(), 2);
        assert_eq!(
            socket.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        socket.eof = true;
        assert_eq!(socket.read(&mut buf).unwrap(), 0);
        socket.reset = true;
        assert_eq!(
            socket.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::ConnectionReset
        );
    }

    #[test]
    fn writes_stop_at_the_room_left() {
        let mut socket = FakeSocket {
            room: Some(4),
            ..FakeSocket::default()
        };
        assert_eq!(socket.write(b"abcdef").unwrap(), 4);
        assert_eq!(
            socket.write(b"ef").unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        assert_eq!(socket.written, b"abcd");
    }
}
