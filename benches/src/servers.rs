//! Starting the servers under test, and making sure they stop.
//!
//! Every server binary in the workspace takes `--addr HOST:PORT` and prints a
//! line containing `listening on HOST:PORT`. The bench asks for port 0, so the
//! kernel picks a free port, and reads the real one from that line: two runs,
//! or a developer's own server on 7878, never collide.
//!
//! Stopping is the hard part. A `Drop` guard that kills the child covers a
//! bench that ends or panics, but not one that is killed (`kill`, a CI
//! timeout, a closed terminal): then no destructor runs, and a server would be
//! left holding a port and a core. So each server runs on a *leash*: the
//! small `leash` program in this package starts the server and kills it as
//! soon as its own stdin reaches end of file. The bench holds the writing end
//! of that stdin and never writes to it. However the bench process ends, the
//! kernel closes that pipe, and the leash pulls. No signal handler, no
//! process-group tricks, no `unsafe`: only a pipe that closes when its owner dies.
//! (Ctrl-C reaches every process in the terminal's foreground group, servers
//! included, so it needs no help.)
//!
//! nginx ([`Launch::Nginx`], see [`crate::nginx`]) is the one server that
//! needs more: its workers outlive a master killed with SIGKILL, so its leash
//! runs with `--term`, sends the master SIGTERM, and the master stops its
//! workers before it exits.

use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::nginx;

/// How long a server may take to say where it listens.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// How a server is started.
#[derive(Debug, Clone, Copy)]
pub enum Launch {
    /// One process: `exe --addr 127.0.0.1:0 ARGS...`.
    Single {
        /// Path to the binary.
        exe: &'static str,
        /// Arguments after `--addr`.
        args: &'static [&'static str],
        /// Environment variables to set, such as httprs's `HTTPRS_*` settings.
        env: &'static [(&'static str, &'static str)],
    },
    /// Two processes, as in step 06: a backend, then a front that is told
    /// where the backend listens with `--backend HOST:PORT`. Clients talk to
    /// the front.
    Split {
        /// The process that runs the handlers.
        backend: &'static str,
        /// Arguments for the backend after `--addr`.
        backend_args: &'static [&'static str],
        /// The process that speaks HTTP to clients and forwards to the backend.
        front: &'static str,
        /// Arguments for the front after `--addr` and `--backend`.
        front_args: &'static [&'static str],
        /// Environment variables for both processes.
        env: &'static [(&'static str, &'static str)],
    },
    /// Two processes, the conventional way: an HTTP server, then the
    /// machine's own nginx in front of it as a reverse proxy, configured by
    /// `benches/nginx/bench.conf.template` (2 workers, upstream keep-alive).
    /// Clients talk to nginx. Where nginx is not installed the server is
    /// [`Server::unavailable`].
    Nginx {
        /// The HTTP server behind nginx.
        backend: &'static str,
        /// Arguments for it after `--addr`.
        backend_args: &'static [&'static str],
        /// Environment variables for it.
        env: &'static [(&'static str, &'static str)],
    },
}

/// A server under test: how to start it, and what it can serve.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// The name in bench ids, the table and the chart: `step03`, `hyper`.
    pub name: &'static str,
    /// How to start it.
    pub launch: Launch,
    /// A cheap `GET` route that answers `200`.
    pub hello_path: &'static str,
    /// A `GET` route whose handler sleeps about 10 ms, if the server has one.
    pub slow_path: Option<&'static str>,
    /// Whether it serves several requests on one connection. The bench then
    /// checks that it really does: one connection per client, no more.
    pub keep_alive: bool,
}

impl Server {
    /// Why this server cannot run on this machine, if it cannot: a program
    /// it needs is not installed. The bench then leaves its rows out and says
    /// so, rather than failing.
    pub fn unavailable(&self) -> Option<String> {
        match self.launch {
            Launch::Nginx { .. } if nginx::find().is_none() => Some(format!(
                "nginx is not installed (not on PATH nor in /usr/sbin); `{}` installs it",
                nginx::INSTALL_HINT
            )),
            _ => None,
        }
    }

    /// Starts the server (every process of it) on loopback, each on a leash.
    ///
    /// `leash` is the path of this package's `leash` binary.
    ///
    /// # Errors
    /// If a process cannot be started, or does not print `listening on` (for
    /// nginx: does not listen) in time, or nginx is not installed; anything
    /// already started is stopped again.
    pub fn start(&self, leash: &str) -> io::Result<RunningServer> {
        match self.launch {
            Launch::Single { exe, args, env } => {
                let process = LeashedProcess::spawn(leash, exe, args, env)?;
                Ok(RunningServer {
                    addr: process.addr,
                    processes: vec![process],
                    _scratch: None,
                })
            }
            Launch::Split {
                backend,
                backend_args,
                front,
                front_args,
                env,
            } => {
                let backend = LeashedProcess::spawn(leash, backend, backend_args, env)?;
                let mut args = vec!["--backend".to_string(), backend.addr.to_string()];
                args.extend(front_args.iter().map(|arg| arg.to_string()));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                // If the front fails, `backend` drops here and is stopped.
                let front = LeashedProcess::spawn(leash, front, &args, env)?;
                Ok(RunningServer {
                    addr: front.addr,
                    // The front is stopped first: it is the one clients reach.
                    processes: vec![front, backend],
                    _scratch: None,
                })
            }
            Launch::Nginx {
                backend,
                backend_args,
                env,
            } => {
                let Some(exe) = nginx::find() else {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        self.unavailable().unwrap_or_default(),
                    ));
                };
                let backend = LeashedProcess::spawn(leash, backend, backend_args, env)?;
                let (front, scratch) = start_nginx(leash, &exe, backend.addr)?;
                Ok(RunningServer {
                    addr: front.addr,
                    processes: vec![front, backend],
                    _scratch: Some(scratch),
                })
            }
        }
    }
}

/// How many ports nginx is offered before start-up gives up: another
/// program may take the free port [`nginx::free_port`] found before nginx
/// binds it.
const NGINX_PORT_ATTEMPTS: usize = 3;

/// Starts nginx in front of `upstream` on a free loopback port, on a leash
/// with `--term`, and waits until it has bound the port.
fn start_nginx(
    leash: &str,
    exe: &Path,
    upstream: SocketAddr,
) -> io::Result<(LeashedProcess, nginx::Scratch)> {
    let mut last_error = None;
    for _ in 0..NGINX_PORT_ATTEMPTS {
        let scratch = nginx::Scratch::new()?;
        let listen = nginx::free_port()?;
        let conf = scratch.path().join("nginx.conf");
        std::fs::write(&conf, nginx::render(scratch.path(), listen, upstream))?;
        let exe = exe.display().to_string();
        let args = [
            "-c".to_string(),
            conf.display().to_string(),
            "-p".to_string(),
            scratch.path().display().to_string(),
        ];
        let (mut process, stdout) = LeashedProcess::start(leash, &["--term"], &exe, &args, &[])?;
        process.addr = listen;
        drain(stdout);
        match wait_for_nginx(&mut process, &scratch) {
            Ok(()) => return Ok((process, scratch)),
            // Someone took the port first: try another. (Dropping `process`
            // stops whatever did start.)
            Err(err) if err.to_string().contains("in use") => last_error = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("nginx did not start")))
}

/// Waits until nginx has written its pid file (it does so only after binding
/// its port) and accepts a connection; fails with its error log if it exits.
fn wait_for_nginx(process: &mut LeashedProcess, scratch: &nginx::Scratch) -> io::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if let Ok(Some(status)) = process.leash.try_wait() {
            return Err(io::Error::other(format!(
                "nginx exited ({status}) before listening on {}; its error log ends:\n{}",
                process.addr,
                scratch.error_log_tail()
            )));
        }
        if scratch.has_pid_file() && TcpStream::connect(process.addr).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "nginx did not listen on {} within {STARTUP_TIMEOUT:?}; its error log ends:\n{}",
                    process.addr,
                    scratch.error_log_tail()
                ),
            ));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Reads and discards a process's output on a thread, so that it never
/// blocks on a full pipe.
fn drain(stdout: ChildStdout) {
    thread::spawn(move || {
        let mut sink = [0u8; 4096];
        let mut stdout = stdout;
        while matches!(stdout.read(&mut sink), Ok(n) if n > 0) {}
    });
}

/// A started server; dropping it stops every process it runs.
#[derive(Debug)]
pub struct RunningServer {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// Dropped in order, each stopping its process.
    processes: Vec<LeashedProcess>,
    /// nginx's configuration and files, held only to be removed once every
    /// process is stopped (fields drop in order, after `processes`).
    _scratch: Option<nginx::Scratch>,
}

impl RunningServer {
    /// How many processes this server runs.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }
}

/// One server process, started as `leash EXE --addr 127.0.0.1:0 ARGS...`
/// with `ENV` added to the environment.
#[derive(Debug)]
struct LeashedProcess {
    /// The leash process (the server is its child).
    leash: Child,
    /// The leash's stdin. Dropping it is the signal to stop; so is the death
    /// of this whole process, which closes it too.
    stdin: Option<ChildStdin>,
    /// Where the server said it listens.
    addr: SocketAddr,
}

impl LeashedProcess {
    /// Starts `leash EXE --addr 127.0.0.1:0 ARGS...` and waits for the
    /// server's `listening on` line.
    fn spawn(
        leash: &str,
        exe: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> io::Result<LeashedProcess> {
        let mut all_args = vec!["--addr".to_string(), "127.0.0.1:0".to_string()];
        all_args.extend(args.iter().map(|arg| arg.to_string()));
        // If no address comes, `process` drops here and is stopped.
        let (mut process, stdout) = LeashedProcess::start(leash, &[], exe, &all_args, env)?;
        process.addr = wait_for_address(stdout, exe)?;
        Ok(process)
    }

    /// Starts `leash LEASH_FLAGS... EXE ARGS...` and returns the guard at
    /// once, with the server's stdout for the caller to read. The guard's
    /// address is a placeholder until the caller knows the real one.
    fn start(
        leash: &str,
        leash_flags: &[&str],
        exe: &str,
        args: &[String],
        env: &[(&str, &str)],
    ) -> io::Result<(LeashedProcess, ChildStdout)> {
        let mut child = Command::new(leash)
            .args(leash_flags)
            .arg(exe)
            .args(args)
            // The leash passes its environment on to the server.
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|err| io::Error::new(err.kind(), format!("cannot start {leash}: {err}")))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        // The guard exists before anyone waits for the server, so a server
        // that never gets ready is still stopped when we give up on it.
        let process = LeashedProcess {
            leash: child,
            stdin,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        Ok((process, stdout))
    }
}

/// Reads the server's stdout on a thread until a line says `listening on
/// ADDR`; the thread then keeps reading, because a server whose stdout pipe
/// fills up blocks on its next `println!` (the steps log every connection).
fn wait_for_address(stdout: impl io::Read + Send + 'static, exe: &str) -> io::Result<SocketAddr> {
    let (found, address) = mpsc::channel();
    thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Some(rest) = line.split("listening on ").nth(1) else {
                continue;
            };
            if let Some(sender) = found.take() {
                let word = rest.split_whitespace().next().unwrap_or_default();
                let _ = sender.send(word.parse::<SocketAddr>().map_err(|_| line.clone()));
            }
        }
    });
    match address.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Ok(addr)) => Ok(addr),
        Ok(Err(line)) => Err(io::Error::other(format!("{exe}: no address in {line:?}"))),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{exe} did not print 'listening on' within {STARTUP_TIMEOUT:?}"),
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(io::Error::other(format!(
            "{exe} exited before printing 'listening on'"
        ))),
    }
}

impl Drop for LeashedProcess {
    fn drop(&mut self) {
        // Closing the leash's stdin makes it kill the server and exit.
        drop(self.stdin.take());
        // Longer than the 5 s a leash with `--term` gives its server.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.leash.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(Duration::from_millis(10)),
            }
        }
        // The leash is stuck: kill it. (Its server may survive this one case;
        // it has never happened, and the message says where to look.)
        eprintln!(
            "warning: leash for the server on {} did not exit; killing it",
            self.addr
        );
        let _ = self.leash.kill();
        let _ = self.leash.wait();
    }
}

/// Parses the value of a `--sleep-ms N` flag, for the bench's server
/// binaries: `None` if the flag is absent; exits with status 2 (a usage
/// error, as every binary in the workspace does) if it is not a number.
pub fn sleep_flag(value: Option<&str>) -> Option<Duration> {
    let value = value?;
    match value.parse::<u64>() {
        Ok(ms) => Some(Duration::from_millis(ms)),
        Err(_) => {
            eprintln!("error: --sleep-ms needs a whole number of milliseconds, not {value:?}");
            std::process::exit(2);
        }
    }
}
