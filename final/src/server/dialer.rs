//! How the front opens its connections to backends, and stops watching
//! them: the only three things the forwarder asks of the network.
//!
//! The forwarder (`forwarder.rs`) decides which backend, which connection,
//! a retry, a 502, a 504; a [`BackendConn`](crate::server::backend_conn::BackendConn)
//! moves one connection's bytes. Between them, someone must turn a
//! backend's name into addresses, start a connect to one of them and have
//! the event loop watch the new socket under a token. That is a
//! [`Dialer`]. In the server it is the loop's own `mio` [`Registry`] (a
//! real non-blocking connect, registered edge-triggered); in the unit tests
//! it is a scripted fake (`fake_socket.rs`'s `FakeDialer`), so the
//! forwarder's whole policy runs with no network at all.

use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use mio::net::TcpStream;
use mio::{Interest, Registry, Token};

use crate::server::backend_conn::Link;

/// Why a dial gave no connection; its `Display` is the reason the
/// forwarder logs when it marks the backend down.
#[derive(Debug)]
pub(crate) enum DialError {
    /// The connect failed at once (no route, no such address family, ...).
    /// A refusal usually comes later, as the connection's first event.
    Connect(io::Error),
    /// The socket could not be watched by the loop (out of memory, or of
    /// file descriptors for epoll).
    Register(io::Error),
}

impl fmt::Display for DialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialError::Connect(err) => write!(f, "cannot connect: {err}"),
            DialError::Register(err) => write!(f, "cannot register: {err}"),
        }
    }
}

/// What the forwarder needs to open and close backend connections; see the
/// module docs. Methods take `&self` so that a loop's `&Registry` is one.
pub(crate) trait Dialer {
    /// The socket a dial gives.
    type Link: Link;

    /// The addresses `name` (`HOST:PORT`) stands for, in the order to try
    /// them. Resolved at each connect, so a backend whose name moves is
    /// found again.
    fn resolve(&self, name: &str) -> io::Result<Vec<SocketAddr>> {
        Ok(name.to_socket_addrs()?.collect())
    }

    /// Starts a non-blocking connect to `addr` and has the loop report the
    /// socket's events under `token`. The connect is *under way* when this
    /// returns: [`Link::connected`] says later whether it worked.
    fn dial(&self, addr: SocketAddr, token: Token) -> Result<Self::Link, DialError>;

    /// Stops reporting `link`'s events; dropping it then closes the socket.
    fn hang_up(&self, link: &mut Self::Link);
}

impl Dialer for Registry {
    type Link = TcpStream;

    fn dial(&self, addr: SocketAddr, token: Token) -> Result<TcpStream, DialError> {
        let mut stream = TcpStream::connect(addr).map_err(DialError::Connect)?;
        // Both interests from the start: WRITABLE is how a non-blocking
        // connect says it finished (or failed), READABLE brings a keyed
        // backend's challenge and the replies. Registered once, never
        // re-armed: mio is edge-triggered, so `BackendConn` reads and
        // writes until `WouldBlock` each time it is told.
        self.register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
            .map_err(DialError::Register)?;
        Ok(stream)
    }

    fn hang_up(&self, link: &mut TcpStream) {
        // An error here means it was never registered: nothing to undo.
        let _ = self.deregister(link);
    }
}
