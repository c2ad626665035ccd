//! Stopping the server: from Ctrl-C, from `kill`, or from code.
//!
//! With a pool, stopping well takes three moves, in this order:
//! 1. stop accepting new connections;
//! 2. let the requests already in flight finish (the pool's `Drop` does it);
//! 3. exit with status 0, because nothing went wrong.
//!
//! The catch is move 1: the accept loop spends its life blocked inside
//! `accept()`, and setting a flag does not wake it. So [`Shutdown::trigger`]
//! sets the flag *and then connects to the listener itself*: `accept()`
//! returns that connection, the loop checks the flag, and stops. (A signal
//! handler may not do much, so the `ctrlc` crate runs ours on a thread of its
//! own, where connecting to a socket is fine.)
//!
//! A [`Shutdown`] is a cheap handle: clone it into the signal handler, into a
//! test, into anything that may decide the server should stop.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A shared "please stop" flag for one listener, able to wake its accept loop.
#[derive(Debug, Clone)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    requested: AtomicBool,
    /// Where to connect to wake the accept loop: the listener's own address.
    wake_addr: SocketAddr,
}

impl Shutdown {
    /// A handle for stopping the server that accepts on `listener`.
    ///
    /// # Errors
    /// If the listener's address cannot be read (it always can for a bound listener).
    pub fn new(listener: &TcpListener) -> io::Result<Shutdown> {
        let wake_addr = wake_address(listener.local_addr()?);
        Ok(Shutdown {
            inner: Arc::new(Inner {
                requested: AtomicBool::new(false),
                wake_addr,
            }),
        })
    }

    /// Asks the server to stop, and wakes its accept loop so it notices.
    ///
    /// Returns `true` if shutdown had already been asked for.
    pub fn trigger(&self) -> bool {
        let already = self.inner.requested.swap(true, Ordering::SeqCst);
        // The flag is set *before* we connect, so the loop that accepts this
        // connection is sure to see it. If the listener is already closed the
        // connection fails, and that is fine: nobody is left to wake.
        let _ = TcpStream::connect_timeout(&self.inner.wake_addr, Duration::from_secs(1));
        already
    }

    /// Whether shutdown has been asked for.
    pub fn is_requested(&self) -> bool {
        self.inner.requested.load(Ordering::SeqCst)
    }

    /// Calls [`Shutdown::trigger`] on Ctrl-C (SIGINT), SIGTERM and SIGHUP.
    ///
    /// A second signal while the server is still finishing its requests
    /// exits at once with status 130 (the shell's code for "ended by
    /// Ctrl-C"): the person pressing Ctrl-C twice does not want to wait.
    ///
    /// # Errors
    /// If a handler is already installed: a process has one, so call this
    /// once, from `main` (tests stop their servers with `trigger` instead).
    pub fn trigger_on_signals(&self) -> Result<(), ctrlc::Error> {
        let shutdown = self.clone();
        // ctrlc runs this on its own thread, one signal after another.
        ctrlc::set_handler(move || {
            if shutdown.is_requested() {
                eprintln!("second signal: exiting without waiting");
                std::process::exit(130);
            }
            println!("shutting down: no new connections; finishing the ones in flight");
            shutdown.trigger();
        })
    }
}

/// The address to connect to in order to reach a listener bound to `local`.
///
/// A server listening on every interface (`0.0.0.0` or `::`) is reached
/// through loopback: connecting to `0.0.0.0` is not portable.
fn wake_address(mut local: SocketAddr) -> SocketAddr {
    if local.ip().is_unspecified() {
        local.set_ip(match local.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_sets_the_flag_and_connects_to_the_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let shutdown = Shutdown::new(&listener).unwrap();
        assert!(!shutdown.is_requested());
        assert!(
            !shutdown.trigger(),
            "the first trigger reports a first request"
        );
        assert!(shutdown.is_requested());
        // The connection that would wake a blocked accept is in the backlog.
        // Look for it without blocking, for a bounded time.
        listener.set_nonblocking(true).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while listener.accept().is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "trigger never connected"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            shutdown.trigger(),
            "a second trigger reports the earlier one"
        );
    }

    #[test]
    fn a_listener_on_every_interface_is_woken_through_loopback() {
        let cases = [
            ("0.0.0.0:7878", "127.0.0.1:7878"),
            ("[::]:7878", "[::1]:7878"),
            ("192.0.2.1:80", "192.0.2.1:80"),
        ];
        for (local, wake) in cases {
            assert_eq!(wake_address(local.parse().unwrap()), wake.parse().unwrap());
        }
    }
}
