//! An app served in the background on a port of its own: for tests.
//!
//! A test of a page wants the real thing (step 07's loop, real sockets) on
//! `127.0.0.1:0`, a port the kernel picks, and wants it gone afterwards.
//! [`RunningApp`] is that handle, and its `Drop` stops the server, so a
//! failing test leaves nothing listening.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::App;
use super::settings::Settings;
use crate::shutdown::Shutdown;

/// How long [`RunningApp::stop`] waits for the loop to return.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// An [`App`] being served on a loopback port by a background thread.
pub struct RunningApp {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Shutdown,
    /// Receives once `serve` has returned.
    stopped: mpsc::Receiver<()>,
}

/// Binds `127.0.0.1:0` and serves `app` on it from a new thread.
pub(super) fn spawn(app: App, settings: Settings) -> io::Result<RunningApp> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let shutdown = Shutdown::new(&listener)?;
    let (done, stopped) = mpsc::channel();
    let server_shutdown = shutdown.clone();
    thread::spawn(move || {
        if let Err(err) = app.serve(listener, &server_shutdown, &settings) {
            eprintln!("the app stopped with an error: {err}");
        }
        let _ = done.send(());
    });
    Ok(RunningApp {
        addr,
        shutdown,
        stopped,
    })
}

impl RunningApp {
    /// Stops the server and waits until it has (every answer in flight
    /// written, as `serve` promises).
    ///
    /// # Panics
    /// If it has not stopped within 10 seconds.
    #[track_caller]
    pub fn stop(self) {
        self.shutdown.trigger();
        assert!(
            self.stopped.recv_timeout(STOP_TIMEOUT).is_ok(),
            "the app did not stop within {STOP_TIMEOUT:?}"
        );
    }
}

impl Drop for RunningApp {
    /// Stops the server, without waiting (a test that failed half-way).
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}
