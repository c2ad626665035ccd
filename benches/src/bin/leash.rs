//! `leash [--term] PROGRAM [ARGS...]`: runs PROGRAM, and stops it when
//! leash's own stdin reaches end of file.
//!
//! The benches start every server through this program and hold the writing
//! end of its stdin without ever writing. When the bench ends, however it
//! ends (normally, by a panic, or killed outright), the kernel closes that
//! pipe, the read below returns, and the server is killed. See
//! `benches/src/servers.rs` for why this beats a signal handler.
//!
//! By default the server is killed (SIGKILL), which no program can ignore.
//! With `--term` it is asked to stop with SIGTERM first, and killed only if
//! it is still running [`TERM_GRACE`] later. That is for servers with child
//! processes of their own: nginx's master killed with SIGKILL leaves its
//! workers running, holding the port, while on SIGTERM it stops them and
//! then exits. The signal is sent by the system's `kill` command, as a
//! person would send it: the standard library can only send SIGKILL, and
//! this workspace forbids the `unsafe` a direct `kill(2)` call needs.
//!
//! The server inherits stdout and stderr, so its `listening on` line reaches
//! the bench unchanged. If the server exits first, the leash exits with it.

use std::io::{self, Read};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server told to stop with `--term` has before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(5);

const USAGE: &str = "usage: leash [--term] PROGRAM [ARGS...]

Runs PROGRAM until this process's stdin closes, then kills it.

  --term   stop it with SIGTERM first, and kill it only if it is still
           running 5 s later (for servers that stop child processes of their own)";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).peekable();
    let term = args.next_if(|arg| arg == "--term").is_some();
    let Some(program) = args.next() else {
        eprintln!("{USAGE}");
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
                if term {
                    ask_to_stop(&mut child);
                }
                let _ = child.kill();
                let _ = child.wait();
                return ExitCode::SUCCESS;
            }
        }
    }
}

/// Sends the server SIGTERM and waits up to [`TERM_GRACE`] for it to exit.
/// If `kill` cannot be run, or the server takes longer, the caller's SIGKILL
/// follows (which finds nothing to kill if the server is gone).
fn ask_to_stop(child: &mut Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !sent {
        eprintln!("leash: could not send SIGTERM with `kill`; killing the server instead");
        return;
    }
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Ok(Some(_)) | Err(_) => return,
        }
    }
    eprintln!("leash: the server did not stop within {TERM_GRACE:?} of SIGTERM; killing it");
}
