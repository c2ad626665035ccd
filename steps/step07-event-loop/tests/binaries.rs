//! The two binaries as a learner runs them: `step07` serves step 05's demo
//! and stops on SIGTERM; `hold` holds connections open and counts.

use std::process::Command;
use step07::testing::{ChildServer, IO_TIMEOUT};

const STEP07: &str = env!("CARGO_BIN_EXE_step07");
const HOLD: &str = env!("CARGO_BIN_EXE_hold");

#[test]
fn the_server_serves_the_demo_on_kept_alive_connections_and_stops_on_sigterm() {
    let mut server = ChildServer::spawn(STEP07, &[]);
    let answer = step07::testing::Answer::parse(&step07::testing::exchange(
        server.addr,
        b"GET /hello/learner HTTP/1.1\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(answer.text(), "Hello, learner!\n");
    let killed = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = server
        .wait_for_exit(IO_TIMEOUT)
        .expect("stopped on SIGTERM");
    assert!(status.success(), "{status}");
}

#[test]
fn hold_sees_every_connection_answered_twice_and_counts_the_threads() {
    let server = ChildServer::spawn(STEP07, &[]);
    let output = Command::new(HOLD)
        .args(["--addr", &server.addr.to_string()])
        .args(["--connections", "50", "--idle-ms", "50"])
        .args(["--pid", &server.pid().to_string()])
        .output()
        .expect("run hold");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("opened 50 of 50 connections"), "{text}");
    assert!(
        text.contains("second request: 50 of 50 answered on the same connection"),
        "{text}"
    );
    if cfg!(target_os = "linux") {
        // The loop, 8 workers, the Ctrl-C handler's thread: not one per connection.
        assert!(
            text.contains("runs 10 threads while 50 connections are open"),
            "{text}"
        );
    }
    drop(server);
}

#[test]
fn hold_talks_to_loopback_only() {
    let output = Command::new(HOLD)
        .args(["--addr", "192.0.2.1:80"])
        .output()
        .expect("run hold");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("only talks to loopback"));
}
