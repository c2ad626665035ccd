//! The backend as a child process of the launcher, stopped when the launcher stops.
//!
//! `cargo run -p step06` should start both halves and Ctrl-C should stop
//! both. Three ways the launcher can end, and how the child follows it:
//!
//! - **Ctrl-C in the terminal.** The terminal sends SIGINT to every process
//!   in the foreground group, child included: each shuts itself down.
//! - **`kill <launcher>` (SIGTERM), or the launcher returning.** Its signal
//!   handler stops the front, `main` returns, and [`BackendChild`]'s `Drop`
//!   kills the child and waits for it.
//! - **`kill -9 <launcher>`, or a crash.** No code of the launcher runs. But
//!   the child's standard input is a pipe from the launcher, and the kernel
//!   closes it when the launcher dies: the child reads end-of-file, and exits
//!   (see [`exit_when_stdin_closes`]). No orphan, in every case.

use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread;

/// A backend running as a child process; killed when dropped.
pub struct BackendChild {
    child: Child,
    /// Never written: held so the pipe stays open while we live.
    _stdin: ChildStdin,
    /// Where the child says it listens.
    pub addr: SocketAddr,
}

impl BackendChild {
    /// Runs `exe` with `args`, and waits for the line in which it says
    /// `listening on HOST:PORT`. The child's later output is relayed to ours.
    ///
    /// # Errors
    /// If the program cannot be started, or exits (for example because its
    /// port is taken) before saying where it listens.
    pub fn spawn(exe: &std::path::Path, args: &[&str]) -> io::Result<BackendChild> {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::other(
                    "the backend exited before saying where it listens",
                ));
            };
            println!("{line}");
            let Some(rest) = line.split("listening on ").nth(1) else {
                continue;
            };
            let word = rest.split_whitespace().next().unwrap_or_default();
            match word.parse() {
                Ok(addr) => break addr,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::other(format!("bad address in {line:?}")));
                }
            }
        };
        // Relay the rest, so its log shows in our terminal; this also keeps
        // the pipe drained (a full pipe would block the child's next println).
        thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                println!("{line}");
            }
        });
        Ok(BackendChild {
            child,
            _stdin: stdin,
            addr,
        })
    }

    /// The child's process id, for `kill`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for BackendChild {
    fn drop(&mut self) {
        // Fails only if it already exited, which is what we want anyway.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// For a child: exits as soon as standard input reaches end-of-file, which
/// happens when the parent holding its other end exits, however it exits.
///
/// It exits at once rather than shutting down gracefully: the front that
/// sent it requests lived in the launcher, so there is nobody left to answer,
/// and its standard output (a pipe to the launcher) is gone too, so even a
/// goodbye on it would fail. The goodbye goes to standard error.
///
/// Only for a process started by [`BackendChild::spawn`]: a backend started
/// by hand may have its input closed from the start (`< /dev/null`, `nohup`).
pub fn exit_when_stdin_closes() {
    thread::spawn(|| {
        // Whatever the parent might write is ignored; only the end matters.
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
        // `eprintln!` would panic if the terminal had gone as well.
        let _ = writeln!(io::stderr(), "backend: the launcher is gone; exiting");
        std::process::exit(0);
    });
}
