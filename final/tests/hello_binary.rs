//! The `hello` example as a process: command line, environment, settings
//! file, log lines, and a clean exit on SIGTERM.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use support::process::{Process, example_exe};
use support::{TempDir, exchange};

/// Starts `hello` with `args` and `env` and waits until it listens.
fn spawn_hello(args: &[&str], env: &[(&str, &str)]) -> Process {
    Process::spawn(&example_exe("hello"), args, env)
}

/// The whole raw response to `GET path`, read until the server closes.
fn get(addr: SocketAddr, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    exchange(addr, request.as_bytes())
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
    let mut hello = spawn_hello(&["--addr", "127.0.0.1:0"], &[]);
    assert_ne!(hello.addr.port(), 7777);
    let index = get(hello.addr, "/index/");
    assert!(index.ends_with("\r\n\r\nHello httprs!"));
    assert!(get(hello.addr, "/hello/you").ends_with("Hello, you!"));
    let access = hello.line_containing("\"GET /index/ HTTP/1.1\"");
    assert_log_line(&access, "INFO");
    assert!(access.contains("\" 200 13B "), "{access}");
    // The time, then the request's id, the one on the response.
    let id = index
        .lines()
        .find_map(|line| line.strip_prefix("X-Request-Id: "))
        .expect("an X-Request-Id")
        .trim();
    assert!(access.ends_with(&format!("ms {id}")), "{access}");
    // HEAD: the headers of the GET, and the log counts the body bytes sent: none.
    let head = exchange(
        hello.addr,
        b"HEAD /index/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(
        head.contains("Content-Length: 13\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    let access = hello.line_containing("\"HEAD /index/ HTTP/1.1\"");
    assert!(access.contains("\" 200 0B "), "{access}");

    // Sends SIGTERM (asserting `kill` worked) and waits, bounded, for the exit.
    let exit = hello.terminate();
    hello.line_containing("server stopped");
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn httprs_addr_overrides_the_address_in_the_code() {
    let hello = spawn_hello(&[], &[("HTTPRS_ADDR", "127.0.0.1:0")]);
    assert_log_line(&hello.listening, "INFO");
    assert_ne!(hello.addr.port(), 7777);
    assert!(get(hello.addr, "/hello/env").ends_with("Hello, env!"));
}

#[test]
fn several_addr_flags_listen_on_each() {
    let mut hello = spawn_hello(&["--addr", "127.0.0.1:0", "--addr=127.0.0.1:0"], &[]);
    let second = hello.line_containing("listening on ");
    let second: SocketAddr = second.rsplit(' ').next().unwrap().parse().unwrap();
    assert_ne!(second, hello.addr);
    assert!(get(second, "/index/").ends_with("Hello httprs!"));
}

/// Runs `hello` expecting it to refuse to start; returns (exit code, stderr).
fn refuses(args: &[&str], env: &[(&str, &str)], dir: &Path) -> (Option<i32>, String) {
    let out = Command::new(example_exe("hello"))
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

#[test]
fn a_bad_settings_file_stops_start_up_naming_file_key_and_problem() {
    let dir = TempDir::new("hello-bad-settings");
    std::fs::write(dir.join("settings.toml"), "workers = \"four\"\n").unwrap();
    let (code, stderr) = refuses(&["--addr", "127.0.0.1:0"], &[], dir.path());
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
    let (code, stderr) = refuses(&["--addr", "127.0.0.1:0"], &[], dir.path());
    assert_eq!(code, Some(2));
    assert!(stderr.contains("key 'log_leve': unknown key"), "{stderr}");
}

#[test]
fn a_good_settings_file_is_applied() {
    let dir = TempDir::new("hello-good-settings");
    std::fs::write(
        dir.join("settings.toml"),
        "addrs = [\"127.0.0.1:0\"]\nworkers = 3\nevent_loops = 1\n",
    )
    .unwrap();
    // Not a `Process`: that one runs in the temp folder, and this test needs
    // the first line, which `Process::spawn` reads past.
    let mut child = Command::new(example_exe("hello"))
        .current_dir(dir.path())
        .env_remove("HTTPRS_SETTINGS")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
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
fn help_prints_the_usage_on_standard_output_and_exits_with_0_without_listening() {
    // Bound by this test and kept: were `--help` to start the server, it
    // would fail on this port (status 1), not print the usage.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for flag in ["--help", "-h"] {
        let out = Command::new(example_exe("hello"))
            .args(["--addr", &addr, flag])
            .env_remove("HTTPRS_SETTINGS")
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{flag}: {stderr}");
        assert!(
            stdout.starts_with("usage: [--addr HOST:PORT]... [--backend]\n"),
            "{flag}: {stdout}"
        );
        assert!(
            stdout.contains("--backend          serve a front"),
            "{stdout}"
        );
        assert!(stderr.is_empty(), "{flag}: nothing is wrong: {stderr}");
    }
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

/// What `curl -i http://127.0.0.1:7777/hello/w%C3%B6rld` sends (curl
/// 7.88.1): the answer is the tutorial's block, but for the date.
#[test]
fn the_tutorials_curl_i_is_what_the_hello_example_answers() {
    let block = step01::testing::tutorial_block(
        "final/tests/hello_binary.rs",
        "the_tutorials_curl_i_is_what_the_hello_example_answers",
    );
    let hello = spawn_hello(&["--addr", "127.0.0.1:0"], &[]);
    let reply = support::request(
        hello.addr,
        b"GET /hello/w%C3%B6rld HTTP/1.1\r\nHost: 127.0.0.1:7777\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
    );
    let mut raw = reply.head.into_bytes();
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(&reply.body);
    step01::testing::assert_answer_matches_block(&block, &raw);
}
