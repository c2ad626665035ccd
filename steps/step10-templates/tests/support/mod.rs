//! Shared fixtures: the `step10` binary as a learner runs it, with what it
//! writes to standard error kept for the test to read, and a copy of the
//! guestbook's templates that a test may break on purpose.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use step10::testing::{Answer, IO_TIMEOUT, exchange};

pub const STEP10: &str = env!("CARGO_BIN_EXE_step10");

/// The `step10` binary on `127.0.0.1:0`, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `step10 --addr 127.0.0.1:0` with `args`, and waits until it
    /// says where it listens.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(STEP10)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("STEP10_ACCESS_LOG", "false")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start step10");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let collected = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut chunk = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                collected
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let word = rest.split_whitespace().next().unwrap_or_default();
                        break word.parse().expect("an address after 'listening on'");
                    }
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("step10 exited before listening: {}", stderr.lock().unwrap());
                }
            }
        };
        thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            stderr,
        }
    }

    /// Sends `request` (it should say `Connection: close`) and parses the answer.
    pub fn send(&self, request: &[u8]) -> Answer {
        Answer::parse(&exchange(self.addr, request))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
    }

    /// `POST /` with `body` of type `content_type`.
    pub fn post(&self, content_type: &str, body: &[u8]) -> Answer {
        let mut request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.send(&request)
    }

    /// `POST /` with a URL-encoded form.
    pub fn sign(&self, form: &str) -> Answer {
        self.post("application/x-www-form-urlencoded", form.as_bytes())
    }

    /// What the server wrote to standard error so far, waiting up to
    /// [`IO_TIMEOUT`] for it to contain `expected`.
    pub fn stderr_containing(&self, expected: &str) -> String {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            let text = self.stderr.lock().unwrap().clone();
            if text.contains(expected) || Instant::now() >= deadline {
                return text;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `step10` with `args` where it should refuse to start: its exit
/// status and standard error (killed after [`IO_TIMEOUT`] if it starts anyway).
pub fn refused_start(args: &[&str]) -> (ExitStatus, String) {
    refused_start_with(args, &[])
}

/// [`refused_start`] with environment variables `vars` set.
pub fn refused_start_with(args: &[&str], vars: &[(&str, &str)]) -> (ExitStatus, String) {
    let mut child = Command::new(STEP10)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .envs(vars.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start step10");
    let deadline = Instant::now() + IO_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for step10") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("step10 {args:?} started instead of refusing to");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

/// A copy of the guestbook's templates in a fresh folder, removed when dropped.
pub struct TemplateCopy {
    pub folder: PathBuf,
}

impl TemplateCopy {
    /// Copies `templates/*.html`, then in `file` replaces `from` by `to`
    /// (which must be there: a test breaking nothing would prove nothing).
    pub fn with_change(test: &str, file: &str, from: &str, to: &str) -> TemplateCopy {
        let folder = std::env::temp_dir().join(format!("step10-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for entry in std::fs::read_dir(step10::TEMPLATES).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
        }
        let target = folder.join(file);
        if from.is_empty() {
            std::fs::remove_file(&target).unwrap();
        } else {
            let source = std::fs::read_to_string(&target).unwrap();
            assert!(source.contains(from), "{file} has no {from:?}");
            std::fs::write(&target, source.replacen(from, to, 1)).unwrap();
        }
        TemplateCopy { folder }
    }

    pub fn path(&self) -> &str {
        self.folder.to_str().expect("a UTF-8 temporary folder")
    }
}

impl Drop for TemplateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The line and column of the first `needle` in `file` of the guestbook's
/// templates, as an editor shows them: so a test's expected message does
/// not break when a line is added above.
pub fn position_in(file: &str, needle: &str) -> (usize, usize) {
    let source = std::fs::read_to_string(Path::new(step10::TEMPLATES).join(file)).unwrap();
    let offset = source
        .find(needle)
        .unwrap_or_else(|| panic!("{file} has no {needle:?}"));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
}
