//! A real nginx in front of a server under test, as the conventional
//! alternative to httprs's own split mode.
//!
//! nginx is not a binary of this workspace: the bench looks for the one
//! installed on the machine ([`find`]) and, if there is none, leaves its rows
//! out with a message naming the package ([`INSTALL_HINT`]). Each start gets
//! a fresh scratch directory holding the configuration, rendered from
//! `benches/nginx/bench.conf.template` (the file a reader checks to see what
//! was measured), the pid file, the error log and nginx's temporary folders.
//!
//! Two things differ from the workspace's own servers. nginx cannot be told
//! to listen on port 0 and report the port it got, so [`free_port`] asks the
//! kernel for a free one and lets it go again for nginx to take (a race that
//! start-up survives by trying another port). And nginx's workers do not die
//! with their master: killed with SIGKILL, the master leaves two workers
//! holding the port. So its leash runs with `--term` and stops it with
//! SIGTERM, on which the master stops its workers first (see
//! `src/bin/leash.rs`).

use std::fs;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The configuration every nginx row runs with, before [`render`].
pub const TEMPLATE: &str = include_str!("../nginx/bench.conf.template");

/// What to run where nginx is missing.
pub const INSTALL_HINT: &str = "apt-get install -y nginx-light";

/// Where nginx is installed, if it is: on `PATH`, else in the `sbin`
/// folders that a normal user's `PATH` often lacks (Debian puts it in
/// `/usr/sbin`).
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

/// The configuration for one nginx: [`TEMPLATE`] with its scratch directory,
/// its listening address and the server behind it filled in.
pub fn render(scratch: &Path, listen: SocketAddr, upstream: SocketAddr) -> String {
    TEMPLATE
        .replace("@SCRATCH@", &scratch.display().to_string())
        .replace("@LISTEN@", &listen.to_string())
        .replace("@UPSTREAM@", &upstream.to_string())
}

/// A loopback address nothing listened on a moment ago: the kernel's pick
/// for port 0, released at once for nginx to bind.
///
/// # Errors
/// If no socket can be bound on 127.0.0.1.
pub fn free_port() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// A directory of its own for one nginx, removed (with everything nginx put
/// in it) when dropped.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Creates a new, empty directory under the system's temporary directory.
    ///
    /// # Errors
    /// If it cannot be created.
    pub fn new() -> io::Result<Scratch> {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        remove_stale(&std::env::temp_dir());
        let path = std::env::temp_dir().join(format!("{PREFIX}{}-{n}", std::process::id()));
        // A directory left by an earlier process with the same id (one that
        // was killed before it could clean up) is stale: start afresh.
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path)?;
        Ok(Scratch { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The end of nginx's error log, for an error message: the lines that say
    /// why it did not start.
    pub fn error_log_tail(&self) -> String {
        let log = fs::read_to_string(self.path.join("error.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }

    /// Whether nginx has written its pid file, which it does only once its
    /// listening sockets are bound.
    pub fn has_pid_file(&self) -> bool {
        fs::read_to_string(self.path.join("nginx.pid")).is_ok_and(|pid| !pid.trim().is_empty())
    }
}

/// How every scratch directory's name starts; the bench's process id and a
/// count follow.
const PREFIX: &str = "httprs-bench-nginx-";

/// Removes the scratch directories under `dir` whose bench process is gone:
/// a bench killed outright (`kill -9`) runs no destructor, and leaves its
/// directory behind (its nginx is stopped by the leash all the same). Only
/// where `/proc` says which processes exist; elsewhere they stay.
fn remove_stale(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(PREFIX))
            .and_then(|rest| rest.split('-').next())
            .filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendered_configuration_is_complete() {
        let listen: SocketAddr = "127.0.0.1:18080".parse().unwrap();
        let upstream: SocketAddr = "127.0.0.1:7001".parse().unwrap();
        let conf = render(Path::new("/tmp/x"), listen, upstream);
        assert!(!conf.contains('@'), "a placeholder is left: {conf}");
        assert!(conf.contains("listen 127.0.0.1:18080;"), "{conf}");
        assert!(conf.contains("server 127.0.0.1:7001;"), "{conf}");
        assert!(conf.contains("pid /tmp/x/nginx.pid;"), "{conf}");
        // What the rows claim to measure.
        for line in [
            "daemon off;",
            "worker_processes 2;",
            "keepalive 64;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
        ] {
            assert!(conf.contains(line), "{line} missing");
        }
    }

    #[test]
    fn a_free_port_is_on_loopback_and_not_zero() {
        let addr = free_port().unwrap();
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);
    }

    #[test]
    fn a_dead_benchs_directory_is_removed_by_the_next_start() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        // No process has an id this large (Linux's pid_max is at most 2^22).
        let stale = std::env::temp_dir().join(format!("{PREFIX}99999999-0"));
        fs::create_dir_all(stale.join("proxy")).unwrap();
        let live = Scratch::new().unwrap();
        assert!(!stale.exists(), "the dead bench's directory is gone");
        assert!(live.path().exists(), "this process's own stays");
    }

    #[test]
    fn scratch_directories_are_distinct_and_removed() {
        let (a, b) = (Scratch::new().unwrap(), Scratch::new().unwrap());
        assert_ne!(a.path(), b.path());
        fs::write(a.path().join("error.log"), "1\n2\n3\n4\n5\n6\n7\n").unwrap();
        assert_eq!(a.error_log_tail(), "3\n4\n5\n6\n7");
        assert!(!a.has_pid_file());
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
