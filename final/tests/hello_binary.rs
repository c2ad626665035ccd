//! The `hello` example as a process: command line, environment, settings
//! file, log lines, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// `cargo test` builds the examples next to the test binaries' directory.
fn hello_exe() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let exe = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/hello");
    assert!(exe.exists(), "build the example first: {}", exe.display());
    exe
}

/// A running `hello`, its stdout lines arriving on a channel; killed on drop.
struct Hello {
    child: Child,
    lines: Receiver<String>,
    addr: SocketAddr,
    /// The first `listening on` line.
    listening: String,
}

impl Hello {
    fn spawn(args: &[&str], env: &[(&str, &str)]) -> Hello {
        let mut child = Command::new(hello_exe())
            .args(args)
            .envs(env.iter().copied())
            .env_remove("HTTPRS_SETTINGS")
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut hello = Hello {
            child,
            lines,
            addr: "0.0.0.0:0".parse().unwrap(),
            listening: String::new(),
        };
        let line = hello.line_containing("listening on ");
        hello.addr = line.rsplit(' ').next().unwrap().parse().unwrap();
        hello.listening = line;
        hello
    }

    #[track_caller]
    fn line_containing(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no line containing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }
}

impl Drop for Hello {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `YYYY-MM-DD HH:MM:SS LEVEL message`
#[track_caller]
fn assert_log_line(line: &str, level: &str) {
    let b = line.as_bytes();
    let shape_ok = b.len() > 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && line[..19].bytes().filter(u8::is_ascii_digit).count() == 14;
    assert!(shape_ok, "not a timestamped line: {line:?}");
    assert!(line[20..].starts_with(&format!("{level} ")), "{line:?}");
}

#[test]
fn the_example_serves_on_the_addr_flag_logs_and_stops_on_sigterm() {
    let mut hello = Hello::spawn(&["--addr", "127.0.0.1:0"], &[]);
    assert_ne!(hello.addr.port(), 7777);
    assert!(hello.get("/index/").ends_with("\r\n\r\nHello httprs!"));
    assert!(hello.get("/hello/you").ends_with("Hello, you!"));
    let access = hello.line_containing("\"GET /index/ HTTP/1.1\"");
    assert_log_line(&access, "INFO");
    assert!(access.contains("\" 200 13B "), "{access}");
    assert!(access.ends_with("ms"), "{access}");

    let status = Command::new("kill")
        .args(["-TERM", &hello.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    hello.line_containing("server stopped");
    let (tx, rx) = mpsc::channel();
    let mut child = std::mem::replace(&mut hello.child, Command::new("true").spawn().unwrap());
    thread::spawn(move || tx.send(child.wait().unwrap()).unwrap());
    let exit = rx.recv_timeout(WAIT).expect("exits after SIGTERM");
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn httprs_addr_overrides_the_address_in_the_code() {
    let hello = Hello::spawn(&[], &[("HTTPRS_ADDR", "127.0.0.1:0")]);
    assert_log_line(&hello.listening, "INFO");
    assert_ne!(hello.addr.port(), 7777);
    assert!(hello.get("/hello/env").ends_with("Hello, env!"));
}

#[test]
fn several_addr_flags_listen_on_each() {
    let mut hello = Hello::spawn(&["--addr", "127.0.0.1:0", "--addr=127.0.0.1:0"], &[]);
    let second = hello.line_containing("listening on ");
    let second: SocketAddr = second.rsplit(' ').next().unwrap().parse().unwrap();
    assert_ne!(second, hello.addr);
    hello.addr = second;
    assert!(hello.get("/index/").ends_with("Hello httprs!"));
}

/// Runs `hello` expecting it to refuse to start; returns (exit code, stderr).
fn refuses(args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(hello_exe())
        .args(args)
        .envs(env.iter().copied())
        .env_remove("HTTPRS_SETTINGS")
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("httprs-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bad_settings_file_stops_start_up_naming_file_key_and_problem() {
    let dir = temp_dir("bad-settings");
    std::fs::write(dir.join("settings.toml"), "workers = \"four\"\n").unwrap();
    let (code, stderr) = refuses(&["--addr", "127.0.0.1:0"], &[], &dir);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "settings.toml: key 'workers': expected a whole number of at least 1, found \"four\""
        ),
        "{stderr}"
    );
    std::fs::write(
        dir.join("settings.toml"),
        "max_body_bytes = 10\nlog_leve = \"info\"\n",
    )
    .unwrap();
    let (code, stderr) = refuses(&["--addr", "127.0.0.1:0"], &[], &dir);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("key 'log_leve': unknown key"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_good_settings_file_is_applied() {
    let dir = temp_dir("good-settings");
    std::fs::write(
        dir.join("settings.toml"),
        "addrs = [\"127.0.0.1:0\"]\nworkers = 3\nevent_loops = 1\n",
    )
    .unwrap();
    let mut child = Command::new(hello_exe())
        .current_dir(&dir)
        .env_remove("HTTPRS_SETTINGS")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        started.ends_with("INFO server started: 1 event loop(s), 3 worker(s)"),
        "{started}"
    );
}

#[test]
fn a_bad_environment_variable_or_flag_stops_start_up() {
    let dir = std::env::temp_dir();
    let (code, stderr) = refuses(
        &["--addr", "127.0.0.1:0"],
        &[("HTTPRS_IDLE_TIMEOUT", "soon")],
        &dir,
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("environment variable HTTPRS_IDLE_TIMEOUT"),
        "{stderr}"
    );
    let (code, stderr) = refuses(&["--adr", "127.0.0.1:0"], &[], &dir);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--adr"), "{stderr}");
}

#[test]
fn an_address_in_use_exits_with_a_sentence() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, stderr) = refuses(&["--addr", &addr], &[], &std::env::temp_dir());
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}
