//! Running an exercise's tests, as `cargo test -p exercises --test <name>` would.
//!
//! The runner never reimplements testing: cargo builds the test binary, and
//! the runner starts it. It uses the same cargo that started it (the `CARGO`
//! variable that `cargo run` sets) and points it at this package's manifest,
//! so it works from any directory. `CARGO_TARGET_DIR`, if set, is inherited,
//! so nothing is built twice.
//!
//! Why not simply `cargo test`? Two steps give two things: a build error is
//! told apart from failing tests without guessing from cargo's wording, and
//! the test process is our own child, so an exercise stuck in an endless loop
//! can be stopped after [`TIME_LIMIT`] (killing `cargo test` would leave its
//! test binary running).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long one exercise's tests may run. The slowest honest failure (a
/// thread pool whose jobs never run) takes about half a minute, because the
/// tests wait 10 s before giving up on each thread.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// What one run of an exercise's tests found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every test passed.
    Passed,
    /// At least one test failed.
    Failed,
    /// The exercise (or its test file) did not compile.
    BuildError,
    /// The tests were still running after [`TIME_LIMIT`] and were stopped.
    TimedOut,
}

/// Whether the learner sees cargo's and the tests' output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Everything goes to the terminal, in color.
    Visible,
    /// Nothing is shown; only the outcome counts (for the progress table).
    Hidden,
}

/// Builds and runs the tests of exercise `test`.
pub fn run_tests(dir: &Path, test: &str, output: Output) -> io::Result<Outcome> {
    let Some(binary) = build(dir, test, output)? else {
        return Ok(Outcome::BuildError);
    };
    let mut cmd = Command::new(binary);
    // `cargo test` runs test binaries from the package folder; so do we.
    cmd.current_dir(dir).stdin(Stdio::null());
    match output {
        Output::Visible => cmd.args(["--color", "always"]),
        Output::Hidden => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
    };
    let child = cmd.spawn()?;
    wait_with_limit(child, TIME_LIMIT)
}

/// Builds the test binary; `None` if it does not compile (the compiler's
/// messages were shown if the output is visible).
fn build(dir: &Path, test: &str, output: Output) -> io::Result<Option<PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("test")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .args(["-p", "exercises", "--test", test, "--no-run"])
        // Artifacts as JSON on stdout (to find the binary); diagnostics
        // rendered for humans on stderr.
        .arg("--message-format=json-render-diagnostics")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    match output {
        Output::Visible => cmd.args(["--color", "always"]).stderr(Stdio::inherit()),
        Output::Hidden => cmd.stderr(Stdio::null()),
    };
    let result = cmd.output()?;
    if !result.status.success() {
        return Ok(None);
    }
    let stdout = String::from_utf8_lossy(&result.stdout);
    match test_executable(&stdout) {
        Some(path) => Ok(Some(path)),
        None => Err(io::Error::other(format!(
            "cargo built {test} but did not say where the test binary is"
        ))),
    }
}

/// Finds the test binary in cargo's JSON messages: the artifact whose target
/// kind is `test`. (Cargo also builds the runner binary for integration
/// tests; its kind is `bin`.) A dozen lines of string search spare the
/// runner a JSON dependency.
pub fn test_executable(json_lines: &str) -> Option<PathBuf> {
    json_lines
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter(|line| line.contains("\"kind\":[\"test\"]"))
        .find_map(|line| json_string_field(line, "executable"))
        .map(PathBuf::from)
}

/// The value of `"name":"..."` in one line of JSON, unescaped.
fn json_string_field(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let mut value = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            // Paths only ever need `\\` and `\"` (Windows separators, odd names).
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

/// Waits for `child`, killing it if it runs longer than `limit`.
fn wait_with_limit(mut child: Child, limit: Duration) -> io::Result<Outcome> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(if status.success() {
                Outcome::Passed
            } else {
                Outcome::Failed
            });
        }
        if Instant::now() >= deadline {
            child.kill()?;
            child.wait()?;
            return Ok(Outcome::TimedOut);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_binary_is_found_among_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"exercises"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"exercises"},"executable":"/t/debug/exercises"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"ex01_echo"},"executable":"/t/debug/deps/ex01_echo-0a1b"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            test_executable(messages),
            Some(PathBuf::from("/t/debug/deps/ex01_echo-0a1b"))
        );
        assert_eq!(test_executable(r#"{"reason":"build-finished"}"#), None);
    }

    #[test]
    fn escaped_paths_are_unescaped() {
        let line = r#"{"reason":"compiler-artifact","target":{"kind":["test"]},"executable":"C:\\t\\ex01.exe"}"#;
        assert_eq!(test_executable(line), Some(PathBuf::from(r"C:\t\ex01.exe")));
    }
}
