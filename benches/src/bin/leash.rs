//! `leash PROGRAM [ARGS...]`: runs PROGRAM, and kills it when leash's own
//! stdin reaches end of file.
//!
//! The benches start every server through this program and hold the writing
//! end of its stdin without ever writing. When the bench ends, however it
//! ends (normally, by a panic, or killed outright), the kernel closes that
//! pipe, the read below returns, and the server is killed. See
//! `benches/src/servers.rs` for why this beats a signal handler.
//!
//! The server inherits stdout and stderr, so its `listening on` line reaches
//! the bench unchanged. If the server exits first, the leash exits with it.

use std::io::{self, Read};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!(
            "usage: leash PROGRAM [ARGS...]\n\nRuns PROGRAM until this process's stdin closes."
        );
        return ExitCode::from(2);
    };
    let mut child = match Command::new(&program)
        .args(args)
        .stdin(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            eprintln!("leash: cannot start {}: {err}", program.to_string_lossy());
            return ExitCode::from(127);
        }
    };

    // A thread blocks reading stdin; when the read ends (end of file or an
    // error, both mean the bench is gone) it says so on the channel.
    let (closed, stdin_closed) = mpsc::channel();
    thread::spawn(move || {
        let mut sink = [0u8; 64];
        let mut stdin = io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed.send(());
    });

    loop {
        match child.try_wait() {
            // The server exited on its own: pass its status on.
            Ok(Some(status)) => {
                let code = status.code().unwrap_or(1);
                return ExitCode::from(u8::try_from(code).unwrap_or(1));
            }
            Ok(None) => {}
            Err(err) => {
                eprintln!("leash: cannot wait for the server: {err}");
                let _ = child.kill();
                return ExitCode::from(1);
            }
        }
        match stdin_closed.recv_timeout(Duration::from_millis(100)) {
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            // Stdin closed (or the reader thread is gone, which means the same).
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.kill();
                let _ = child.wait();
                return ExitCode::SUCCESS;
            }
        }
    }
}
