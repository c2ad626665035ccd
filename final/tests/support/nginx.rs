//! A real nginx in front of servers under test, on a leash.
//!
//! Each [`Nginx`] gets a temp folder of its own holding a minimal main
//! configuration (written here: where the pid file, the error log and the
//! temporary folders go) that `include`s the site configuration the test
//! passes in, typically the repository's own file with the test's addresses
//! filled in. So the test runs the text a user copies, and nothing of nginx
//! lands outside the folder.
//!
//! - **Port.** nginx cannot be told to listen on port 0 and say which it
//!   got, so [`start`] asks the kernel for a free port, lets it go, and
//!   hands it to nginx; should another program take it in between, nginx
//!   fails to bind and the next port is tried.
//! - **Stopping.** nginx runs in the foreground (`daemon off`) under a small
//!   `sh` that waits for EOF on its stdin, whose writing end only this
//!   process holds: when the [`Nginx`] is dropped, or the test binary dies
//!   however it dies, the pipe closes and the shell sends the master SIGTERM,
//!   on which it stops its workers too (a SIGKILL would leave the workers
//!   holding the port). The same leash as `support/postgres.rs`.
//! - **Root.** As root, nginx's workers run as `nobody`: every file they
//!   serve, and every folder above it, must be readable by all. A checkout
//!   need not be (a clone in a `mktemp -d` folder is its owner's alone), so
//!   a test serves its static files from a [`published`] copy, as the README
//!   tells an operator to. The temporary folders nginx makes itself, in the
//!   scratch folder.
//! - **Missing.** Where nginx is not installed, [`start`] returns `None`
//!   after saying so in capitals (outside CI), so a plain `cargo test` on a
//!   machine with only a Rust toolchain still runs everything else. Under
//!   `CI=true` it panics: CI installs nginx (`.ci/run`), and a test that
//!   needs it must never pass there by not running.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::TempDir;

/// How long nginx may take to bind its port before the test gives up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How many free ports are offered before start-up gives up (another
/// program may take one between our look and nginx's bind).
const PORT_TRIES: usize = 5;

/// A running nginx; stopped (SIGTERM, workers included) on drop.
pub struct Nginx {
    /// Where clients connect.
    pub addr: SocketAddr,
    leash: Option<ChildStdin>,
    shell: Child,
    dir: TempDir,
}

/// Where nginx is installed: on `PATH`, or in the `sbin` folders that a
/// normal user's `PATH` often lacks (Debian puts it in `/usr/sbin`).
fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The main configuration around the site's: what a distribution's
/// `/etc/nginx/nginx.conf` holds, pointed into `dir`.
fn main_conf(dir: &Path, site: &Path) -> String {
    let dir = dir.display();
    format!(
        "daemon off;\n\
         master_process on;\n\
         worker_processes 2;\n\
         error_log {dir}/error.log;\n\
         pid {dir}/nginx.pid;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20   access_log off;\n\
         \x20   types {{ text/html html; text/css css; text/javascript js; }}\n\
         \x20   client_body_temp_path {dir}/client_body;\n\
         \x20   proxy_temp_path {dir}/proxy;\n\
         \x20   fastcgi_temp_path {dir}/fastcgi;\n\
         \x20   uwsgi_temp_path {dir}/uwsgi;\n\
         \x20   scgi_temp_path {dir}/scgi;\n\
         \x20   include {site};\n\
         }}\n",
        site = site.display()
    )
}

/// Starts nginx with the site configuration `site(listen)` returns for the
/// loopback address it is to listen on, and waits until it accepts
/// connections. `None` (after a loud message) where nginx is not installed
/// and this is not CI; `label` names the test in that message.
///
/// # Panics
/// Under `CI=true` when nginx is missing; anywhere when it is installed but
/// will not start (the message quotes its error log).
#[track_caller]
pub fn start(label: &str, site: impl Fn(SocketAddr) -> String) -> Option<Nginx> {
    let Some(exe) = find() else {
        let why = "nginx is not installed (not on PATH nor in /usr/sbin)";
        if in_ci() {
            panic!(
                "nginx for the tests: {why}; .ci/run installs it (apt-get install -y nginx-light)"
            );
        }
        eprintln!(
            "\n*** NGINX TEST NOT RUN ({label}): {why}.\n*** Install it \
             (apt-get install -y nginx-light) to run it; CI (CI=true) fails here.\n"
        );
        return None;
    };
    let mut last_log = String::new();
    for _ in 0..PORT_TRIES {
        let dir = TempDir::new("nginx");
        let listen = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port");
        let site_file = dir.join("site.conf");
        std::fs::write(&site_file, site(listen)).unwrap();
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, main_conf(dir.path(), &site_file)).unwrap();
        // fd 3 keeps the pipe for the background `read` (an asynchronous
        // list's stdin is /dev/null otherwise); the shell's own exit status
        // is nginx's, so a failed start shows as an exited shell.
        let script = format!(
            "exec 3<&0; '{exe}' -p '{dir}' -c '{conf}' -e '{dir}/error.log' & pid=$!; \
             (read _ <&3; kill -TERM $pid) & wait $pid",
            exe = exe.display(),
            dir = dir.path().display(),
            conf = conf.display(),
        );
        let mut shell = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start nginx: {err}"));
        let leash = shell.stdin.take();
        let mut nginx = Nginx {
            addr: listen,
            leash,
            shell,
            dir,
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if nginx.dir.join("nginx.pid").exists() && TcpStream::connect(listen).is_ok() {
                return Some(nginx);
            }
            if nginx.shell.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        last_log = nginx.error_log();
        // A port taken in between: try another. Anything else is a failure.
        if !last_log.contains("Address already in use") {
            break;
        }
    }
    panic!("nginx did not start; its error log ends:\n{last_log}");
}

impl Nginx {
    /// The end of nginx's error log, for a failing test's message.
    pub fn error_log(&self) -> String {
        let mut log = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.join("error.log")) {
            let _ = file.read_to_string(&mut log);
        }
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // Closing the pipe is the stop signal; then wait, bounded, for the
        // master to have stopped its workers and exited.
        drop(self.leash.take());
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.shell.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

/// A copy of the files in `from` (one level: a static folder) in a fresh
/// folder every user can read, as the README's recipe has an operator copy
/// the static folder to `/srv/guestbook/static/`: nginx's workers run as
/// `nobody` when it starts as root, and a checkout (a clone in a `mktemp -d`
/// folder, a home folder) may be its owner's alone.
///
/// # Panics
/// If a file cannot be copied, or a folder above the copy is not open to
/// all (a private `TMPDIR`): nginx would answer 403, for a reason the
/// message names.
#[track_caller]
pub fn published(from: &Path) -> TempDir {
    let to = TempDir::new("static");
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|err| panic!("chmod {mode:o} {}: {err}", path.display()))
    };
    set(to.path(), 0o755);
    for entry in std::fs::read_dir(from).unwrap_or_else(|err| panic!("{}: {err}", from.display())) {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            let copy = to.join(entry.file_name());
            std::fs::copy(entry.path(), &copy)
                .unwrap_or_else(|err| panic!("copy {}: {err}", entry.path().display()));
            set(&copy, 0o644);
        }
    }
    for folder in to.path().ancestors().skip(1) {
        let mode = std::fs::metadata(folder).map_or(0, |m| m.permissions().mode());
        assert!(
            mode & 0o001 != 0,
            "{} is closed to other users (mode {mode:o}): nginx's workers could not reach \
             {}; set TMPDIR to a folder open to all",
            folder.display(),
            to.path().display()
        );
    }
    to
}
