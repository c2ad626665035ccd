//! `cargo run -p step07 --bin hold -- --connections 2000`: a client that
//! opens many keep-alive connections to a server, sends one request on each,
//! holds them all open and idle, then sends a second request on each, and
//! reports how many were answered on the same connection.
//!
//! Against step 07 every connection is answered twice while the server runs
//! one loop thread and its workers; against step 05 (`Connection: close`
//! after each answer) none survives to a second request. With `--pid` it
//! also counts the server's threads (`/proc/PID/task`, Linux only).
//!
//! It is bounded: loopback only, at most [`MAX_CONNECTIONS`], a minute in
//! all, and it refuses to open more sockets than `ulimit -n` allows.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use step07::cli;

/// The most connections one run opens.
const MAX_CONNECTIONS: usize = 20_000;
/// File descriptors kept free for everything else the process opens.
const SPARE_FDS: usize = 32;
/// How long one connect, read or write may take.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the whole run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

const USAGE: &str =
    "usage: hold [--addr HOST:PORT] [--connections N] [--idle-ms N] [--pid PID] [--path PATH]

  --addr HOST:PORT   the server, on loopback (default 127.0.0.1:7878)
  --connections N    how many connections to open and hold (default 1000)
  --idle-ms N        how long to hold them idle between the two requests (default 1000)
  --pid PID          the server's process id, to count its threads (Linux)
  --path PATH        what to GET (default /hello/hold)";

fn main() {
    let flags = cli::flags_or_exit(USAGE, &["addr", "connections", "idle-ms", "pid", "path"]);
    let usage_error = |message: String| -> ! {
        eprintln!("error: {message}\n\n{USAGE}");
        std::process::exit(2);
    };
    let addr: SocketAddr = flags
        .get("addr")
        .unwrap_or(cli::DEFAULT_ADDR)
        .parse()
        .unwrap_or_else(|_| usage_error("--addr needs an IP address and a port".into()));
    if !addr.ip().is_loopback() {
        usage_error(format!("hold only talks to loopback, not {addr}"));
    }
    let count = number(flags.get("connections"), 1000)
        .filter(|n| (1..=MAX_CONNECTIONS).contains(n))
        .unwrap_or_else(|| usage_error(format!("--connections needs 1 to {MAX_CONNECTIONS}")));
    let idle = number(flags.get("idle-ms"), 1000)
        .map(|ms| Duration::from_millis(ms as u64))
        .unwrap_or_else(|| usage_error("--idle-ms needs a whole number".into()));
    let pid = flags.get("pid").map(|pid| {
        pid.parse::<u32>()
            .unwrap_or_else(|_| usage_error("--pid needs a process id".into()))
    });
    let path = flags.get("path").unwrap_or("/hello/hold");
    check_file_limit("/proc/self/limits", count, "this shell").unwrap_or_else(|message| {
        eprintln!("error: {message}");
        std::process::exit(1);
    });
    if let Some(pid) = pid {
        if let Err(message) = check_file_limit(&format!("/proc/{pid}/limits"), count, "the server")
        {
            eprintln!("warning: {message}");
        }
    }
    let deadline = Instant::now() + RUN_TIMEOUT;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");

    // 1. Open the connections one after the other, each with a first
    // request and its answer, and keep the ones the server keeps open.
    // (Waiting for each answer paces us to the server: firing thousands of
    // connects at once would overflow its accept queue, and the kernel
    // would make the extra clients retry a second later.)
    let mut connections = Vec::with_capacity(count);
    let (mut opened, mut refused, mut closed_after_first) = (0, 0, 0);
    for _ in 0..count {
        if Instant::now() > deadline {
            break;
        }
        let Ok(mut stream) = open(addr, request.as_bytes()) else {
            refused += 1;
            continue;
        };
        opened += 1;
        match read_response(&mut stream) {
            Ok(answer) if answer.closes => closed_after_first += 1,
            Ok(_) => connections.push(stream),
            Err(_) => {}
        }
    }
    println!("opened {opened} of {count} connections ({refused} failed to connect)");
    println!(
        "first request: {} answered and kept open, {closed_after_first} answered with \"Connection: close\"",
        connections.len()
    );
    if let Some(pid) = pid {
        match thread_count(pid) {
            Some(threads) => println!(
                "the server (pid {pid}) runs {threads} threads while {} connections are open",
                connections.len()
            ),
            None => println!("cannot read /proc/{pid}/task: is that the server's pid, on Linux?"),
        }
    }
    println!("holding them idle for {} ms...", idle.as_millis());
    thread::sleep(idle);

    // 3. A second request on every connection we still hold.
    let held = connections.len();
    let mut second = 0;
    for stream in &mut connections {
        if Instant::now() > deadline {
            break;
        }
        if stream.write_all(request.as_bytes()).is_ok() && read_response(stream).is_ok() {
            second += 1;
        }
    }
    println!(
        "second request: {second} of {count} answered on the same connection \
         ({} held connections were closed while idle)",
        held - second
    );
}

/// `value` as a number, `default` without one; `None` if it is not a number.
fn number(value: Option<&str>, default: usize) -> Option<usize> {
    value.map_or(Some(default), |v| v.parse().ok())
}

/// Connects and sends `request`.
fn open(addr: SocketAddr, request: &[u8]) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(request)?;
    Ok(stream)
}

/// What `hold` needs from an answer.
struct Answer {
    /// The server said `Connection: close`.
    closes: bool,
}

/// Reads one response: a head, then `Content-Length` bytes of body.
///
/// # Errors
/// If the server closed the connection (or reset it) before a whole answer,
/// or went quiet for [`IO_TIMEOUT`].
fn read_response(stream: &mut TcpStream) -> io::Result<Answer> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':').map(str::trim))
            .map(str::to_string)
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut missing = (head_end + length).saturating_sub(bytes.len());
    while missing > 0 {
        let n = stream.read(&mut buf[..missing.min(4096)])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        missing -= n;
    }
    Ok(Answer {
        closes: header("connection").is_some_and(|v| v == "close"),
    })
}

/// How many threads process `pid` runs: the entries of `/proc/PID/task`.
fn thread_count(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.count())
}

/// Checks that the soft "Max open files" limit in `limits` (a
/// `/proc/PID/limits` file) leaves room for `count` sockets. No such file
/// (not Linux) is not an error: the connects then fail one by one instead.
fn check_file_limit(limits: &str, count: usize, whose: &str) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(limits) else {
        return Ok(());
    };
    let Some((soft, hard)) = parse_open_files_limit(&text) else {
        return Ok(());
    };
    if count + SPARE_FDS <= soft {
        return Ok(());
    }
    Err(format!(
        "{count} connections need {count} open files, and {whose} may open {soft} \
         (`ulimit -n`, at most {hard}). Run `ulimit -n {}` in its terminal first, or ask for fewer.",
        (count + SPARE_FDS * 4).min(hard)
    ))
}

/// The soft and hard limits from the `Max open files` line of a
/// `/proc/PID/limits` file ("unlimited" counts as `usize::MAX`).
fn parse_open_files_limit(text: &str) -> Option<(usize, usize)> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line["Max open files".len()..]
        .split_whitespace()
        .map(|word| match word {
            "unlimited" => Some(usize::MAX),
            _ => word.parse().ok(),
        });
    Some((numbers.next()??, numbers.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_files_line_gives_soft_and_hard_limits() {
        let text = "Limit                     Soft Limit           Hard Limit           Units\n\
                    Max processes             63704                63704                processes\n\
                    Max open files            1024                 524288               files\n";
        assert_eq!(parse_open_files_limit(text), Some((1024, 524288)));
        assert_eq!(parse_open_files_limit("nothing"), None);
    }
}
