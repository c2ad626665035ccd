//! A throwaway PostgreSQL server for the tests: a real one, never a mock.
//!
//! The first test that asks for it makes a cluster with `initdb` in a temp
//! folder, starts `postgres` on a free loopback port (and a Unix socket in
//! that folder), and waits until it answers. Every test then gets a database
//! of its own (`CREATE DATABASE`), so tests running in parallel never see
//! each other's rows. The server lives as long as the test binary:
//!
//! - **Stopping.** A test binary has no "after all tests" hook, and a killed
//!   one runs no destructor. So `postgres` runs under a small `sh` that
//!   reads its stdin, whose writing end this process holds and never writes
//!   to: however the test binary ends, the kernel closes that pipe, `read`
//!   returns, and the shell stops PostgreSQL with SIGINT (its "fast
//!   shutdown") and removes the cluster's folder. The same leash as the
//!   benches' `leash` program, in four words of shell.
//! - **Root.** `initdb` and `postgres` refuse to run as root. CI containers
//!   often are root, so then both run as the `postgres` user that Debian's
//!   package creates (`runuser -u postgres`), and the folder is given to it.
//! - **Missing.** Where PostgreSQL is not installed, [`database`] returns
//!   `None` after printing why, in capitals, so a developer's plain `cargo
//!   test` (which needs only a Rust toolchain) still runs everything else.
//!   Under `CI=true` it panics instead: CI installs PostgreSQL (`.ci/run`),
//!   and a PostgreSQL test must never pass there by not running.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long `initdb` plus start-up may take before the harness gives up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The role the tests connect as; `initdb -U` makes it the superuser.
const ROLE: &str = "httprs";

/// A running throwaway server.
struct Cluster {
    port: u16,
    /// The socket folder, also the cluster's parent folder.
    dir: PathBuf,
    /// Held, never written: dropping it (or dying) stops the server.
    _leash: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// A fresh, empty database on the throwaway server, as a connection URL:
/// `postgres://httprs@127.0.0.1:PORT/NAME`. `None` (after a loud message)
/// where PostgreSQL is not installed and this is not CI.
///
/// # Panics
/// Under `CI=true` when PostgreSQL cannot be found or started; anywhere when
/// it is installed but will not start (that is a real failure, not a skip).
#[track_caller]
pub fn database(label: &str) -> Option<String> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(why) if !in_ci() && why.starts_with(NOT_INSTALLED) => {
            eprintln!(
                "\n*** POSTGRESQL TEST NOT RUN ({label}): {why}.\n*** Install it \
                 (apt-get install -y postgresql) to run it; CI (CI=true) fails here.\n"
            );
            return None;
        }
        Err(why) => panic!("PostgreSQL for the tests: {why}"),
    };
    let name = format!(
        "{}_{}_{}",
        // PostgreSQL cuts names at 63 bytes; a test's name can be longer.
        label
            .chars()
            .take(32)
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    psql(cluster, &format!("CREATE DATABASE \"{name}\""))
        .unwrap_or_else(|err| panic!("CREATE DATABASE {name}: {err}"));
    Some(format!(
        "postgres://{ROLE}@127.0.0.1:{}/{name}",
        cluster.port
    ))
}

/// The first words of the error that means "not installed" (a skip outside
/// CI), as opposed to "installed and broken" (always a failure).
const NOT_INSTALLED: &str = "PostgreSQL is not installed";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The folder holding `initdb`, `postgres` and `psql`: `pg_config --bindir`,
/// else the newest `/usr/lib/postgresql/N/bin` (Debian keeps them there,
/// off the `PATH`).
fn bin_dir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // No libc call needed: /proc says who we are.
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
    })
}

/// `program args...`, as the `postgres` user when we are root.
fn command(bin: &Path, program: &str) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin.join(program));
        cmd
    } else {
        Command::new(bin.join(program))
    }
}

fn free_port() -> Result<u16, String> {
    // Bind port 0, read the port, let it go: PostgreSQL cannot be told "any
    // port". The window in which another program could take it is tiny.
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn start() -> Result<Cluster, String> {
    let bin = bin_dir().ok_or_else(|| {
        format!("{NOT_INSTALLED} (no initdb from pg_config or in /usr/lib/postgresql/*/bin)")
    })?;
    let dir = std::env::temp_dir().join(format!("httprs-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if is_root() {
        let owned = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| format!("chown: {e}"))?;
        if !owned.success() {
            return Err(format!(
                "cannot give {} to the postgres user",
                dir.display()
            ));
        }
    }
    let data = dir.join("data");
    let init = command(&bin, "initdb")
        .args(["--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"])
        .args(["-U", ROLE, "-D"])
        .arg(&data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        ));
    }
    let port = free_port()?;
    // The leash: `read` returns when this process's end of the pipe closes.
    let script = format!(
        "'{postgres}' -D '{data}' -p {port} -h 127.0.0.1 -k '{dir}' \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off & \
         pg=$!; read _; kill -INT $pg; wait $pg; rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let mut shell = if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", "sh", "-c", &script]);
        cmd
    } else {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]);
        cmd
    };
    let mut child = shell
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting postgres: {e}"))?;
    let leash = child.stdin.take().expect("stdin is piped");
    let log = child.stderr.take().expect("stderr is piped");
    let cluster = Cluster {
        port,
        dir,
        _leash: Mutex::new(leash),
        _child: Mutex::new(child),
    };
    // PostgreSQL logs to stderr; keep the tail for the error message, and
    // keep draining it so that a chatty server never blocks on a full pipe.
    let tail = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = tail.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(log).lines().map_while(Result::ok) {
            let mut lines = sink.lock().unwrap_or_else(|e| e.into_inner());
            lines.push(line);
            if lines.len() > 20 {
                lines.remove(0);
            }
        }
    });
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    while psql(&cluster, "SELECT 1").is_err() {
        if Instant::now() > deadline {
            let lines = tail.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
            return Err(format!(
                "postgres did not answer within {STARTUP_TIMEOUT:?}:\n{lines}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(cluster)
}

/// Runs one statement through `psql` over the Unix socket, as the test role.
fn psql(cluster: &Cluster, sql: &str) -> Result<(), String> {
    let bin = bin_dir().ok_or("no psql")?;
    let mut child = Command::new(bin.join("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(&cluster.dir)
        .args([
            "-p",
            &cluster.port.to_string(),
            "-U",
            ROLE,
            "-d",
            "postgres",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(sql.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
