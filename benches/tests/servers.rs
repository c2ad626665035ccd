//! The bench's promise, tested: every server it starts answers, and is gone
//! when the bench lets go of it.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use benches::load::{ConnectionMode, Load};
use benches::servers::{Launch, Server};

const LEASH: &str = env!("CARGO_BIN_EXE_leash");
const STEP03: &str = env!("CARGO_BIN_EXE_bench-step03");

fn server(name: &'static str, launch: Launch) -> Server {
    Server {
        name,
        launch,
        hello_path: "/",
        slow_path: None,
        keep_alive: false,
    }
}

fn load(path: &str) -> Load {
    Load {
        clients: 2,
        requests_per_client: 3,
        path: path.to_string(),
        mode: ConnectionMode::PerRequest,
    }
}

/// Waits up to five seconds for nothing to listen on `addr` any more.
#[track_caller]
fn assert_stops_listening(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "something still listens on {addr}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_started_server_answers_and_dropping_it_stops_it() {
    let step03 = server(
        "step03",
        Launch::Single {
            exe: STEP03,
            args: &[],
            env: &[],
        },
    );
    let running = step03.start(LEASH).unwrap();
    let addr = running.addr;
    assert_eq!(
        load("/").run(addr).unwrap(),
        6,
        "one connection per request"
    );
    drop(running);
    assert_stops_listening(addr);
}

#[test]
fn a_split_server_runs_two_processes_and_stops_both() {
    let step06 = server(
        "step06",
        Launch::Split {
            backend: env!("CARGO_BIN_EXE_bench-step06-backend"),
            backend_args: &["--sleep-ms", "1"],
            front: env!("CARGO_BIN_EXE_bench-step06-front"),
            front_args: &[],
            env: &[],
        },
    );
    let running = step06.start(LEASH).unwrap();
    assert_eq!(running.process_count(), 2);
    let addr = running.addr;
    load("/hello/test").run(addr).unwrap();
    load("/sleep").run(addr).unwrap();
    drop(running);
    assert_stops_listening(addr);
}

#[test]
fn the_event_loop_step_keeps_one_connection_per_client() {
    let step07 = Server {
        keep_alive: true,
        ..server(
            "step07",
            Launch::Single {
                exe: env!("CARGO_BIN_EXE_bench-step07"),
                args: &["--sleep-ms", "1"],
                env: &[],
            },
        )
    };
    let running = step07.start(LEASH).unwrap();
    let addr = running.addr;
    let kept = Load {
        mode: ConnectionMode::KeepAlive,
        ..load("/hello/test")
    };
    assert_eq!(kept.run(addr).unwrap(), 2, "one connection per client");
    drop(running);
    assert_stops_listening(addr);
}

#[test]
fn the_app_step_keeps_one_connection_per_client() {
    let step08 = Server {
        keep_alive: true,
        ..server(
            "step08",
            Launch::Single {
                exe: env!("CARGO_BIN_EXE_bench-step08"),
                args: &[],
                env: &[("STEP08_WORKERS", "8")],
            },
        )
    };
    let running = step08.start(LEASH).unwrap();
    let addr = running.addr;
    let kept = Load {
        mode: ConnectionMode::KeepAlive,
        ..load("/hello/test")
    };
    assert_eq!(kept.run(addr).unwrap(), 2, "one connection per client");
    drop(running);
    assert_stops_listening(addr);
}

/// What happens when the bench is killed: nobody runs `Drop`, but the
/// kernel closes the bench's end of the leash's stdin, exactly as here.
#[test]
fn the_leash_kills_its_program_when_its_stdin_closes() {
    let mut leash = Command::new(LEASH)
        .args([STEP03, "--addr", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(leash.stdout.take().unwrap()).lines();
    let line = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.contains("listening on "))
        .expect("the server says where it listens");
    // Keep reading: a server whose stdout is closed dies of a broken pipe at
    // its next log line, and this test would then prove nothing.
    thread::spawn(move || lines.for_each(drop));
    let addr: SocketAddr = line.rsplit(' ').next().unwrap().parse().unwrap();
    load("/").run(addr).expect("the server is up and answering");

    drop(leash.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    while leash.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the leash did not exit");
        thread::sleep(Duration::from_millis(20));
    }
    assert_stops_listening(addr);
}

#[test]
fn a_program_that_never_listens_is_an_error_not_a_hang() {
    // `true` ignores its arguments and exits at once, saying nothing.
    let silent = server(
        "silent",
        Launch::Single {
            exe: "true",
            args: &[],
            env: &[],
        },
    );
    let err = silent.start(LEASH).unwrap_err();
    assert!(err.to_string().contains("exited before"), "{err}");
}

/// nginx in front of a server: both start, requests go through nginx with
/// keep-alive, and once let go nothing listens on nginx's port any more,
/// which is only true if its workers stopped too (they hold that port, and
/// outlive a master killed with SIGKILL: hence the leash's `--term`).
#[test]
fn nginx_in_front_of_a_server_answers_and_stops_with_its_workers() {
    let proxied = Server {
        keep_alive: true,
        ..server(
            "nginx→hyper",
            Launch::Nginx {
                backend: env!("CARGO_BIN_EXE_hyper_hello"),
                backend_args: &[],
                env: &[],
            },
        )
    };
    if let Some(reason) = proxied.unavailable() {
        // Not a failure: the bench skips these rows the same way. CI installs nginx.
        eprintln!("skipped: {reason}");
        return;
    }
    let running = proxied.start(LEASH).unwrap();
    assert_eq!(running.process_count(), 2);
    let addr = running.addr;
    let kept = Load {
        mode: ConnectionMode::KeepAlive,
        ..load("/hello/test")
    };
    assert_eq!(kept.run(addr).unwrap(), 2, "nginx keeps client connections");
    load("/hello/test").run(addr).unwrap();
    drop(running);
    assert_stops_listening(addr);
}

/// `--term`: the leash asks with SIGTERM first, and a program that exits on
/// it is gone long before the grace period (it is not left to SIGKILL).
#[test]
fn the_leash_with_term_stops_its_program_with_sigterm() {
    // `sleep` dies of SIGTERM at once.
    let mut leash = Command::new(LEASH)
        .args(["--term", "sleep", "30"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(100));
    assert!(leash.try_wait().unwrap().is_none(), "sleep is running");
    let asked = Instant::now();
    drop(leash.stdin.take());
    while leash.try_wait().unwrap().is_none() {
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "the leash did not exit"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "stopped by SIGTERM, not by the kill after the grace period"
    );
}
