//! An app's own command-line flags: declared with their help, shown by
//! `--help`, taken off the command line before the framework's flags.
//!
//! Why declared, not read from `std::env::args()` by the app: [`App::run`](crate::App::run)
//! refuses a flag it does not know (a typo such as `--adr` must not start a
//! server on the default address), so an app that scanned the command line
//! itself had to do it before `run` and hide its flags from it. Declared,
//! they are known: `--help` lists them, an unknown one is still refused,
//! and their values reach the app ([`Flags`], or the command given to
//! [`App::command`](crate::App::command)).

use std::collections::BTreeMap;

use crate::config::settings_error::SettingsError;

/// The flags the framework itself reads; an app may not declare these.
const RESERVED: [&str; 4] = ["--addr", "--backend", "--help", "-h"];

/// One flag of the app's command line: `--name`, with a value or without,
/// and a line of help.
///
/// # Examples
/// ```
/// use httprs::Flag;
/// let admin = Flag::value("--create-admin", "NAME", "save an admin, then exit");
/// let verbose = Flag::switch("--explain", "log each query plan");
/// assert_eq!(admin.name(), "--create-admin");
/// # let _ = verbose;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    name: String,
    /// `Some("NAME")` for a flag that takes a value.
    value_name: Option<String>,
    help: String,
}

impl Flag {
    /// A flag with a value: `--create-admin NAME` or `--create-admin=NAME`.
    ///
    /// # Panics
    /// If `name` does not start with `--`, or is one of the framework's own
    /// (`--addr`, `--backend`, `--help`).
    pub fn value(name: &str, value_name: &str, help: &str) -> Flag {
        Flag::checked(name, Some(value_name), help)
    }

    /// A flag without a value: present or not.
    ///
    /// # Panics
    /// As [`Flag::value`].
    pub fn switch(name: &str, help: &str) -> Flag {
        Flag::checked(name, None, help)
    }

    fn checked(name: &str, value_name: Option<&str>, help: &str) -> Flag {
        assert!(
            name.starts_with("--") && name.len() > 2 && !name.contains('='),
            "flag {name:?}: an app's flag is --name"
        );
        assert!(
            !RESERVED.contains(&name),
            "flag {name:?} is the framework's own; choose another name"
        );
        Flag {
            name: name.to_string(),
            value_name: value_name.map(str::to_string),
            help: help.to_string(),
        }
    }

    /// The flag as typed, `--create-admin`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// The app's flags given on the command line, by name; an app reaches them
/// in its handlers with `req.state::<Flags>()`, and a command
/// ([`App::command`](crate::App::command)) is handed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    given: BTreeMap<String, String>,
}

impl Flags {
    /// The value of flag `name` (`""` for a switch), if it was given; the
    /// last one wins when it was given twice.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.given.get(name).map(String::as_str)
    }

    /// Whether flag `name` was given.
    pub fn is_set(&self, name: &str) -> bool {
        self.given.contains_key(name)
    }
}

/// Takes the `declared` flags (and their values) off `args`; the rest is
/// left, in order, for [`Settings::apply_args`](crate::Settings::apply_args),
/// which refuses what it does not know.
///
/// # Errors
/// A [`SettingsError`] for a flag with a value given without one, or a
/// switch given one (`--explain=yes`).
pub(crate) fn take(
    args: impl IntoIterator<Item = String>,
    declared: &[Flag],
) -> Result<(Flags, Vec<String>), SettingsError> {
    let fail = |flag: &Flag, problem: String| SettingsError {
        source: "command line".to_string(),
        key: flag.name.clone(),
        problem,
    };
    let mut flags = Flags::default();
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let Some(flag) = declared.iter().find(|f| f.name == name) else {
            rest.push(arg);
            continue;
        };
        let value = match (&flag.value_name, inline) {
            (Some(_), Some(value)) => value,
            (Some(value_name), None) => args
                .next()
                .ok_or_else(|| fail(flag, format!("needs a value {value_name}")))?,
            (None, Some(value)) => {
                return Err(fail(flag, format!("takes no value (found {value:?})")));
            }
            (None, None) => String::new(),
        };
        flags.given.insert(flag.name.clone(), value);
    }
    Ok((flags, rest))
}

/// The app's part of `--help`: one line per flag, after the framework's.
pub(crate) fn help(declared: &[Flag]) -> String {
    if declared.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = declared
        .iter()
        .map(|f| match &f.value_name {
            Some(v) => format!("{} {v}", f.name),
            None => f.name.clone(),
        })
        .collect();
    let width = shown.iter().map(String::len).max().unwrap_or(0).max(16);
    let mut text = String::from("\n\nthis app's flags:\n");
    for (flag, shown) in declared.iter().zip(&shown) {
        text.push_str(&format!("  {shown:width$}   {}\n", flag.help));
    }
    text.pop();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn declared() -> Vec<Flag> {
        vec![
            Flag::value("--create-admin", "NAME", "save an admin"),
            Flag::switch("--explain", "log query plans"),
        ]
    }

    #[test]
    fn declared_flags_are_taken_and_the_rest_is_left_in_order() {
        let (flags, rest) = take(
            args(&[
                "--addr",
                "127.0.0.1:1",
                "--create-admin",
                "ada",
                "--explain",
                "--x",
            ]),
            &declared(),
        )
        .unwrap();
        assert_eq!(flags.get("--create-admin"), Some("ada"));
        assert!(flags.is_set("--explain"));
        assert_eq!(rest, args(&["--addr", "127.0.0.1:1", "--x"]));
        let (flags, _) = take(args(&["--create-admin=bo"]), &declared()).unwrap();
        assert_eq!(flags.get("--create-admin"), Some("bo"));
        assert!(!flags.is_set("--explain"));
    }

    #[test]
    fn a_missing_value_or_a_value_for_a_switch_is_refused_naming_the_flag() {
        let err = take(args(&["--create-admin"]), &declared()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "command line: key '--create-admin': needs a value NAME"
        );
        let err = take(args(&["--explain=yes"]), &declared()).unwrap_err();
        assert_eq!(err.key, "--explain");
    }

    #[test]
    fn help_lists_each_flag_with_its_value_and_text() {
        let text = help(&declared());
        assert!(
            text.contains("  --create-admin NAME   save an admin\n"),
            "{text}"
        );
        assert!(
            text.ends_with("  --explain             log query plans"),
            "{text}"
        );
        assert_eq!(help(&[]), "");
    }

    #[test]
    #[should_panic(expected = "is the framework's own")]
    fn the_framework_s_flags_cannot_be_declared() {
        let _ = Flag::switch("--backend", "mine");
    }
}
