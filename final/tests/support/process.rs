//! A server as a child process: an example or a binary, started on port 0,
//! its log lines on a channel, stopped by SIGTERM or killed on drop.
//!
//! `cargo test` builds the package's examples beside the test binaries
//! (`target/debug/examples/NAME`), and its binaries are named by Cargo in
//! `CARGO_BIN_EXE_<name>`, so a test can run either as a user would.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use super::IO_TIMEOUT;

/// `httprs-front` on `127.0.0.1:0` for `backends`, in turn, with the flags
/// in `extra` (`--static /static=DIR`, say) and the environment in `env`
/// (`HTTPRS_SPLIT_KEY`).
#[track_caller]
pub fn front(backends: &[SocketAddr], extra: &[&str], env: &[(&str, &str)]) -> Process {
    let mut args = vec!["--addr".to_string(), "127.0.0.1:0".to_string()];
    for backend in backends {
        args.extend(["--backend".to_string(), backend.to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Process::spawn(Path::new(env!("CARGO_BIN_EXE_httprs-front")), &args, env)
}

/// The path of example `name`, built by `cargo test` before the tests run.
#[track_caller]
pub fn example_exe(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    // target/debug/deps/this-test -> target/debug/examples/NAME
    let exe = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(exe.exists(), "build the example first: {}", exe.display());
    exe
}

/// A running server process; killed and reaped on drop, so a failing test
/// leaves nothing behind.
pub struct Process {
    pub child: Child,
    lines: Receiver<String>,
    /// The first address it said it listens on.
    pub addr: SocketAddr,
    /// The first `listening on` line.
    pub listening: String,
}

impl Process {
    /// Starts `exe` with `args` and `env`, in the temp folder (so no stray
    /// `settings.toml` is read), and waits for its `listening on HOST:PORT`
    /// line.
    #[track_caller]
    pub fn spawn(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut child = Command::new(exe)
            .args(args)
            // Only the flags and `env` count: no settings file, and none of
            // the variables a developer's shell might have set for a server.
            .env_remove("HTTPRS_SETTINGS")
            .env_remove("HTTPRS_ADDR")
            .env_remove("HTTPRS_MODE")
            .env_remove("HTTPRS_BACKENDS")
            .env_remove("HTTPRS_SPLIT_KEY")
            .envs(env.iter().copied())
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", exe.display()));
        // Both streams feed one channel: the logger writes to stdout, a
        // start-up error goes to stderr, and a test may wait for either.
        let (tx, lines) = mpsc::channel();
        forward(child.stdout.take().unwrap(), tx.clone());
        forward(child.stderr.take().unwrap(), tx);
        let mut process = Process {
            child,
            lines,
            addr: "0.0.0.0:0".parse().unwrap(),
            listening: String::new(),
        };
        let line = process.line_containing("listening on ");
        let addr = line
            .split_whitespace()
            .find_map(|word| word.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        process.addr = addr;
        process.listening = line;
        process
    }

    /// The next output line containing `needle`, waiting at most [`IO_TIMEOUT`].
    #[track_caller]
    pub fn line_containing(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(IO_TIMEOUT)
                .unwrap_or_else(|_| panic!("no output line containing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// The output lines received so far and not yet read, without waiting.
    pub fn lines_so_far(&mut self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// Sends SIGTERM and waits (bounded) for the process to exit.
    #[track_caller]
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        self.wait()
    }

    /// Kills the process at once (SIGKILL: no goodbye), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits at most [`IO_TIMEOUT`] for the process to exit by itself.
    #[track_caller]
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = std::time::Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not exit"
            );
            thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends each line of `stream` to `tx` until either end goes away.
fn forward(stream: impl Read + Send + 'static, tx: Sender<String>) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
}
