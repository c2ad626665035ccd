//! Running an exercise's tests: `cargo test -p exercises --test <name>`.
//!
//! The runner never reimplements testing; it asks cargo, exactly as a
//! learner could by hand. It uses the same cargo that started it (the
//! `CARGO` variable that `cargo run` sets) and points it at this package's
//! manifest, so it works from any directory. `CARGO_TARGET_DIR`, if set, is
//! inherited, so nothing is built twice.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of an exercise's tests found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every test passed.
    Passed,
    /// At least one test failed.
    Failed,
    /// The exercise (or its test file) did not compile.
    BuildError,
}

fn command(dir: &Path, test: &str) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("test")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .args(["-p", "exercises", "--test", test]);
    cmd
}

/// Runs the tests quietly, keeping their output to ourselves.
pub fn run_captured(dir: &Path, test: &str) -> io::Result<Outcome> {
    let output = command(dir, test)
        .args(["--quiet", "--color", "never"])
        .stdin(Stdio::null())
        .output()?;
    Ok(classify(
        output.status.success(),
        &String::from_utf8_lossy(&output.stderr),
    ))
}

/// Runs the tests with their output going straight to the terminal.
pub fn run_visible(dir: &Path, test: &str) -> io::Result<Outcome> {
    // Build first, keeping cargo's messages: if that fails, they are the
    // compiler's errors and all the learner needs to see.
    let build = command(dir, test)
        .args(["--no-run", "--color", "always"])
        .stdin(Stdio::null())
        .output()?;
    if !build.status.success() {
        eprint!("{}", String::from_utf8_lossy(&build.stderr));
        return Ok(Outcome::BuildError);
    }
    // Then run, live. The build above is done, so this only runs the tests.
    // (Not `--quiet`: that would shrink the sentence-named tests to dots.)
    let status = command(dir, test)
        .args(["--color", "always", "--", "--color", "always"])
        .stdin(Stdio::null())
        .status()?;
    Ok(if status.success() {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

/// Tells a test failure from a build failure by cargo's own words.
pub fn classify(success: bool, stderr: &str) -> Outcome {
    if success {
        Outcome::Passed
    } else if stderr.contains("could not compile") {
        Outcome::BuildError
    } else {
        Outcome::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_errors_are_told_from_test_failures() {
        assert_eq!(classify(true, ""), Outcome::Passed);
        assert_eq!(
            classify(
                false,
                "error: test failed, to rerun pass `--test ex01_echo`"
            ),
            Outcome::Failed
        );
        assert_eq!(
            classify(
                false,
                "error: could not compile `exercises` (test \"ex01_echo\") due to 1 previous error"
            ),
            Outcome::BuildError
        );
    }
}
