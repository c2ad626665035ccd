//! Shared fixtures for the guestbook's socket tests (step 11's, and step
//! 12's, which include this file): a temporary folder, the real program as a
//! child process with its log in a file, and one-request HTTP exchanges.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use step11::testing::{Answer, IO_TIMEOUT, exchange};

/// A fresh folder under the system's temp folder, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "guestbook-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The program, running; killed on drop. Its standard error goes to a
/// file, so a test can read what it logged.
pub struct Program {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

/// Runs `exe` with `args`, `envs`, `--addr 127.0.0.1:0`, and returns once
/// it says where it listens, or how it exited first.
pub fn start(
    exe: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    log: &Path,
) -> Result<Program, (ExitStatus, String)> {
    let mut child = Command::new(exe)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {exe}: {err}"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    break rest.split_whitespace().next().unwrap().parse().unwrap();
                }
            }
            _ => {
                let status = wait_bounded(&mut child);
                return Err((status, std::fs::read_to_string(log).unwrap_or_default()));
            }
        }
    };
    // Keep draining stdout: a child whose pipe fills up blocks.
    thread::spawn(move || for _ in lines {});
    Ok(Program {
        child,
        addr,
        log: log.to_path_buf(),
    })
}

fn wait_bounded(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the program did not exit");
        thread::sleep(Duration::from_millis(10));
    }
}

impl Program {
    /// What it wrote to standard error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it (SIGKILL: nothing is flushed on the way out, so whatever
    /// survives was on disk already) and waits.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        wait_bounded(&mut self.child);
    }

    /// `GET path` with extra header lines (`"Cookie: a=b\r\n"`).
    #[track_caller]
    pub fn get(&self, path: &str, headers: &str) -> Answer {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n{headers}Connection: close\r\n\r\n",
            self.addr
        );
        Answer::parse(&exchange(self.addr, request.as_bytes()))
    }

    /// `POST path` of a URL-encoded `form`, with extra header lines.
    #[track_caller]
    pub fn post(&self, path: &str, form: &str, headers: &str) -> Answer {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\n{headers}\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
            self.addr,
            form.len()
        );
        Answer::parse(&exchange(self.addr, request.as_bytes()))
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `text` percent-encoded for a form field: every byte but letters and digits.
pub fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The lines of the TUTORIAL.md block under the marker
/// `<!-- output-from-test: {file}::{test} -->` that a program printed
/// (not the `$ ` commands): step 01's `tutorial_block`, filtered.
#[track_caller]
pub fn quoted_output(file: &str, test: &str) -> Vec<String> {
    step11::testing::tutorial_block(file, test)
        .into_iter()
        .filter(|line| !line.starts_with("$ "))
        .collect()
}
