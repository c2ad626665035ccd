//! Command-line flags shared by every server binary in the workspace.
//!
//! Every binary takes `--addr HOST:PORT` (or `--addr=HOST:PORT`) so that
//! `cargo run -p step03 -- --addr 127.0.0.1:9000` works in every step. Step 06
//! adds `--backend`, so the parser takes the list of flags a binary accepts
//! rather than knowing them all. It is small on purpose: a real project would
//! reach for `clap`, but a dependency here would hide nothing worth learning.

use std::fmt;
use std::net::TcpListener;

/// Where every step listens unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// Flags parsed from the command line: each a `--name value` pair.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flags {
    values: Vec<(String, String)>,
}

/// Why the command line could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// `--help` or `-h` was given: the caller prints usage and exits 0.
    HelpRequested,
    /// A flag this binary does not know, such as `--adr`.
    UnknownFlag(String),
    /// A known flag at the end of the line with no value after it.
    MissingValue(String),
    /// A bare word where a flag was expected.
    UnexpectedArgument(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::HelpRequested => write!(f, "help requested"),
            CliError::UnknownFlag(flag) => write!(f, "unknown flag '{flag}'"),
            CliError::MissingValue(flag) => write!(f, "flag '--{flag}' needs a value"),
            CliError::UnexpectedArgument(arg) => write!(f, "unexpected argument '{arg}'"),
        }
    }
}

impl std::error::Error for CliError {}

impl Flags {
    /// Parses `args` (without the program name), accepting only the flags in `known`.
    ///
    /// Both `--addr 127.0.0.1:9000` and `--addr=127.0.0.1:9000` are understood;
    /// a flag given twice keeps every value, in order (see [`Flags::all`]).
    ///
    /// # Errors
    /// A [`CliError`] naming the first argument that could not be understood.
    ///
    /// # Examples
    /// ```
    /// use step01::cli::Flags;
    /// let args = ["--addr", "127.0.0.1:9000"].map(String::from);
    /// let flags = Flags::parse(args, &["addr"]).unwrap();
    /// assert_eq!(flags.get("addr"), Some("127.0.0.1:9000"));
    /// ```
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Flags, CliError> {
        let mut flags = Flags::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(CliError::HelpRequested);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(CliError::UnexpectedArgument(arg));
            };
            // `--name=value` carries its value; `--name value` takes the next word.
            let (name, inline_value) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (flag, None),
            };
            if !known.contains(&name) {
                return Err(CliError::UnknownFlag(arg.clone()));
            }
            let value = match inline_value {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| CliError::MissingValue(name.to_string()))?,
            };
            flags.values.push((name.to_string(), value));
        }
        Ok(flags)
    }

    /// The last value given for `name`, if any: a later flag overrides an earlier one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).pop()
    }

    /// Every value given for `name`, in command-line order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Parses the process's own arguments for a server that takes only `--addr`,
/// and returns the address to listen on.
///
/// This is what every step's `main` calls. On `--help` it prints usage and
/// exits 0; on a bad flag it prints the problem and usage and exits 2, the
/// conventional status for a usage error.
pub fn addr_from_args(program: &str, default_addr: &str) -> String {
    let usage = format!(
        "usage: {program} [--addr HOST:PORT]\n\n  --addr HOST:PORT   where to listen (default {default_addr})"
    );
    let flags = flags_or_exit(&usage, &["addr"]);
    flags.get("addr").unwrap_or(default_addr).to_string()
}

/// Parses the process's arguments against `known`, printing `usage` and
/// exiting on `--help` (status 0) or on an error (status 2).
pub fn flags_or_exit(usage: &str, known: &[&str]) -> Flags {
    match Flags::parse(std::env::args().skip(1), known) {
        Ok(flags) => flags,
        Err(CliError::HelpRequested) => {
            println!("{usage}");
            std::process::exit(0);
        }
        Err(err) => {
            eprintln!("error: {err}\n\n{usage}");
            std::process::exit(2);
        }
    }
}

/// Binds a listener on `addr`, or prints a clear message and exits 1.
///
/// The usual failures are an address already in use (another server, or an
/// earlier run still shutting down) and a malformed address; both deserve a
/// sentence, not a panic with a backtrace.
pub fn bind_or_exit(addr: &str) -> TcpListener {
    match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen on {addr}: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Flags, CliError> {
        Flags::parse(args.iter().map(|s| s.to_string()), &["addr", "backend"])
    }

    #[test]
    fn no_flags_means_no_values() {
        assert_eq!(parse(&[]).unwrap().get("addr"), None);
    }

    #[test]
    fn value_after_a_space_or_an_equals_sign() {
        assert_eq!(parse(&["--addr", "a:1"]).unwrap().get("addr"), Some("a:1"));
        assert_eq!(parse(&["--addr=a:1"]).unwrap().get("addr"), Some("a:1"));
    }

    #[test]
    fn later_flag_wins_but_all_are_kept() {
        let flags = parse(&["--addr", "a:1", "--addr", "b:2"]).unwrap();
        assert_eq!(flags.get("addr"), Some("b:2"));
        assert_eq!(flags.all("addr"), ["a:1", "b:2"]);
    }

    #[test]
    fn bad_command_lines_name_the_problem() {
        assert_eq!(
            parse(&["--adr", "x"]),
            Err(CliError::UnknownFlag("--adr".into()))
        );
        assert_eq!(
            parse(&["--addr"]),
            Err(CliError::MissingValue("addr".into()))
        );
        assert_eq!(
            parse(&["serve"]),
            Err(CliError::UnexpectedArgument("serve".into()))
        );
        assert_eq!(parse(&["-h"]), Err(CliError::HelpRequested));
    }
}
