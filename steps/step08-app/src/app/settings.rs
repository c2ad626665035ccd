//! Settings: defaults, overridden by a settings file, overridden by the
//! environment.
//!
//! A program needs a few numbers it should not hard-code: where to listen,
//! how many workers, how long to keep an idle connection. httppy keeps them
//! in a settings file; the twelve-factor habit is to let environment
//! variables override the file, so the same build runs on a laptop and in a
//! container. Each layer overrides the one before it:
//!
//! ```text
//!   defaults (in the code)  <  settings file (step08.toml)  <  STEP08_* variables  <  flags
//!   workers = 8                workers = 4                     STEP08_WORKERS=2        (none)
//! ```
//!
//! Every value remembers where it came from, so a bad one is reported with
//! its origin: "setting `workers` is "many" (from the environment variable
//! STEP08_WORKERS): expected a whole number from 1 to 256". The program then
//! exits with status 2, before it listens: a typo found at start-up, not
//! at the first request that needs the value.
//!
//! A key the program does not know is an error too (a typo such as
//! `wrokers` would otherwise be ignored without a word). Later steps add
//! keys of their own with [`Settings::with_default`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Step 08's settings and their defaults.
const DEFAULTS: [(&str, &str); 4] = [
    ("addr", "127.0.0.1:7878"),
    ("workers", "8"),
    ("idle_ms", "15000"),
    ("access_log", "true"),
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The default written in the code.
    Default,
    /// A settings file.
    File(PathBuf),
    /// An environment variable, by its name.
    Env(String),
    /// A command-line flag, by its name (`--addr`).
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "the default"),
            Source::File(path) => write!(f, "the settings file {}", path.display()),
            Source::Env(name) => write!(f, "the environment variable {name}"),
            Source::Flag(name) => write!(f, "the flag {name}"),
        }
    }
}

/// What went wrong while loading or reading the settings.
#[derive(Debug)]
pub enum SettingsError {
    /// The settings file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The settings file is not valid TOML.
    NotToml {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said (with the line).
        message: String,
    },
    /// A key no setting has: a typo, most likely.
    Unknown {
        /// The key as written.
        key: String,
        /// Where it was written.
        source: Source,
        /// The keys there are.
        known: Vec<String>,
    },
    /// A value the setting cannot take.
    Invalid {
        /// The setting.
        key: String,
        /// The value as written.
        value: String,
        /// Where it was written.
        source: Source,
        /// What the setting takes.
        expected: String,
    },
}

impl SettingsError {
    /// The exit status a program should stop with: 2, as for a bad flag.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Unreadable { path, error } => {
                write!(
                    f,
                    "cannot read the settings file {}: {error}",
                    path.display()
                )
            }
            SettingsError::NotToml { path, message } => write!(
                f,
                "the settings file {} is not valid TOML: {}",
                path.display(),
                message.trim_end()
            ),
            SettingsError::Unknown { key, source, known } => write!(
                f,
                "unknown setting `{key}` (from {source}); the settings are: {}",
                known.join(", ")
            ),
            SettingsError::Invalid {
                key,
                value,
                source,
                expected,
            } => write!(
                f,
                "setting `{key}` is {value:?} (from {source}): expected {expected}"
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// One value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Value {
    text: String,
    source: Source,
}

/// Every known setting with its current value, and where that came from.
///
/// ```
/// use step08::app::{Settings, Source};
/// let env = [("STEP08_WORKERS".to_string(), "2".to_string())];
/// let settings = Settings::defaults().with_env("STEP08", env).unwrap();
/// assert_eq!(settings.workers().unwrap(), 2);
/// assert_eq!(settings.source("workers"), Some(&Source::Env("STEP08_WORKERS".into())));
/// assert_eq!(settings.source("idle_ms"), Some(&Source::Default));
///
/// let bad = [("STEP08_WORKERS".to_string(), "many".to_string())];
/// let err = Settings::defaults().with_env("STEP08", bad).unwrap().workers().unwrap_err();
/// assert_eq!(err.to_string(), "setting `workers` is \"many\" (from the environment \
///     variable STEP08_WORKERS): expected a whole number from 1 to 256");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    values: BTreeMap<String, Value>,
}

impl Settings {
    /// Step 08's settings at their defaults: `addr` (127.0.0.1:7878),
    /// `workers` (8), `idle_ms` (15000), `access_log` (true).
    pub fn defaults() -> Settings {
        let settings = Settings {
            values: BTreeMap::new(),
        };
        DEFAULTS
            .iter()
            .fold(settings, |s, (key, value)| s.with_default(key, value))
    }

    /// The same settings with one more key, at `value`: how a later step
    /// adds a setting of its own (`database`, say) before loading the file.
    pub fn with_default(mut self, key: &str, value: &str) -> Settings {
        let value = Value {
            text: value.to_string(),
            source: Source::Default,
        };
        self.values.insert(key.to_string(), value);
        self
    }

    /// The settings with the values of `path` laid over them.
    ///
    /// The file is TOML, one `key = value` per line; strings, whole numbers
    /// and booleans are all fine (`workers = 4` and `workers = "4"` mean
    /// the same).
    ///
    /// # Errors
    /// The file cannot be read or is not TOML; a key is unknown; a value is
    /// a table or a list.
    pub fn with_file(self, path: &Path) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|error| SettingsError::Unreadable {
            path: path.to_path_buf(),
            error,
        })?;
        self.with_toml(&text, path)
    }

    /// [`Settings::with_file`] for the text of the file, `path` naming it in errors.
    ///
    /// # Errors
    /// As [`Settings::with_file`], except reading.
    pub fn with_toml(mut self, text: &str, path: &Path) -> Result<Settings, SettingsError> {
        let table: toml::Table =
            text.parse()
                .map_err(|err: toml::de::Error| SettingsError::NotToml {
                    path: path.to_path_buf(),
                    message: err.to_string(),
                })?;
        let source = Source::File(path.to_path_buf());
        for (key, value) in table {
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(x) => x.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(SettingsError::Invalid {
                        value: other.to_string(),
                        key,
                        source,
                        expected: "a string, a number or a boolean".into(),
                    });
                }
            };
            self.set(&key, text, source.clone())?;
        }
        Ok(self)
    }

    /// The settings with environment variables laid over them: the setting
    /// `idle_ms` is read from `{prefix}_IDLE_MS`. Pass `std::env::vars()`;
    /// tests pass a list.
    ///
    /// # Errors
    /// A variable that starts with `{prefix}_` but names no setting.
    pub fn with_env(
        mut self,
        prefix: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let start = format!("{prefix}_");
        for (name, value) in vars {
            let Some(key) = name.strip_prefix(&start) else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            self.set(&key, value, Source::Env(name))?;
        }
        Ok(self)
    }

    /// The settings with `key` set to `value` by a command-line flag.
    ///
    /// # Errors
    /// `key` names no setting.
    pub fn with_flag(mut self, key: &str, value: &str) -> Result<Settings, SettingsError> {
        let source = Source::Flag(format!("--{key}"));
        self.set(key, value.to_string(), source)?;
        Ok(self)
    }

    /// Overrides a known key; an unknown one is an error that lists the known.
    fn set(&mut self, key: &str, text: String, source: Source) -> Result<(), SettingsError> {
        let Some(slot) = self.values.get_mut(key) else {
            return Err(SettingsError::Unknown {
                key: key.to_string(),
                source,
                known: self.values.keys().cloned().collect(),
            });
        };
        *slot = Value { text, source };
        Ok(())
    }

    /// Where the value of `key` came from; `None` for an unknown key.
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.values.get(key).map(|value| &value.source)
    }

    /// Every setting as (key, value, source), sorted by key: for a banner.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &Source)> {
        self.values
            .iter()
            .map(|(key, value)| (key.as_str(), value.text.as_str(), &value.source))
    }

    /// The value of `key` as text, unchecked; `None` for an unknown key.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|value| value.text.as_str())
    }

    /// The value of `key`, parsed as a `T` and accepted by `check`; a
    /// failure names the key, the value, its source and `expected`.
    ///
    /// # Errors
    /// The value does not parse as a `T`, or `check` refuses it.
    ///
    /// # Panics
    /// If `key` is no setting: the program asked for a key it never added,
    /// a bug to fix, not a user's mistake.
    pub fn parse<T: FromStr>(
        &self,
        key: &str,
        expected: &str,
        check: impl Fn(&T) -> bool,
    ) -> Result<T, SettingsError> {
        let value = self
            .values
            .get(key)
            .unwrap_or_else(|| panic!("no setting called {key:?}: add it with with_default"));
        match value.text.trim().parse::<T>() {
            Ok(parsed) if check(&parsed) => Ok(parsed),
            _ => Err(SettingsError::Invalid {
                key: key.to_string(),
                value: value.text.clone(),
                source: value.source.clone(),
                expected: expected.to_string(),
            }),
        }
    }

    /// `addr`: where to listen.
    ///
    /// # Errors
    /// Not an address with a port (`127.0.0.1:7878`).
    pub fn addr(&self) -> Result<SocketAddr, SettingsError> {
        self.parse("addr", "an address and port such as 127.0.0.1:7878", |_| {
            true
        })
    }

    /// `workers`: threads running handlers.
    ///
    /// # Errors
    /// Not a whole number from 1 to 256.
    pub fn workers(&self) -> Result<usize, SettingsError> {
        self.parse("workers", "a whole number from 1 to 256", |n| {
            (1..=256).contains(n)
        })
    }

    /// `idle_ms`: how long a kept-alive connection may wait for its next request.
    ///
    /// # Errors
    /// Not a positive whole number of milliseconds.
    pub fn idle_timeout(&self) -> Result<Duration, SettingsError> {
        let ms = self.parse("idle_ms", "a positive whole number of milliseconds", |n| {
            *n > 0
        })?;
        Ok(Duration::from_millis(ms))
    }

    /// `access_log`: whether to print a line per request.
    ///
    /// # Errors
    /// Not `true` or `false`.
    pub fn access_log(&self) -> Result<bool, SettingsError> {
        self.parse("access_log", "true or false", |_| true)
    }

    /// Checks every step 08 setting at once, so a bad value stops the
    /// program at start-up.
    ///
    /// # Errors
    /// The first bad value, by the order above.
    pub fn check(&self) -> Result<(), SettingsError> {
        self.addr()?;
        self.workers()?;
        self.idle_timeout()?;
        self.access_log()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_layer_overrides_the_one_before() {
        let file = "workers = 4\nidle_ms = \"500\"\naccess_log = false\n";
        let settings = Settings::defaults()
            .with_toml(file, Path::new("step08.toml"))
            .unwrap()
            .with_env("STEP08", env(&[("STEP08_WORKERS", "2"), ("HOME", "/x")]))
            .unwrap()
            .with_flag("addr", "127.0.0.1:0")
            .unwrap();
        assert_eq!(settings.workers().unwrap(), 2);
        assert_eq!(settings.idle_timeout().unwrap(), Duration::from_millis(500));
        assert!(!settings.access_log().unwrap());
        assert_eq!(settings.addr().unwrap().port(), 0);
        let sources: Vec<String> = settings.iter().map(|(_, _, s)| s.to_string()).collect();
        assert_eq!(
            sources,
            [
                "the settings file step08.toml",
                "the flag --addr",
                "the settings file step08.toml",
                "the environment variable STEP08_WORKERS",
            ]
        );
    }

    #[test]
    fn a_bad_value_is_named_with_its_key_and_where_it_came_from() {
        let cases: &[(&str, &str)] = &[
            (
                "workers = 0",
                "setting `workers` is \"0\" (from the settings file s.toml): expected a whole number from 1 to 256",
            ),
            (
                "addr = \"localhost\"",
                "setting `addr` is \"localhost\" (from the settings file s.toml): expected an address and port such as 127.0.0.1:7878",
            ),
            (
                "idle_ms = -5",
                "setting `idle_ms` is \"-5\" (from the settings file s.toml): expected a positive whole number of milliseconds",
            ),
            (
                "access_log = \"yes\"",
                "setting `access_log` is \"yes\" (from the settings file s.toml): expected true or false",
            ),
            (
                "wrokers = 4",
                "unknown setting `wrokers` (from the settings file s.toml); the settings are: access_log, addr, idle_ms, workers",
            ),
            (
                "[server]\nworkers = 4",
                "setting `server` is \"{ workers = 4 }\" (from the settings file s.toml): expected a string, a number or a boolean",
            ),
        ];
        for (file, message) in cases {
            let err = Settings::defaults()
                .with_toml(file, Path::new("s.toml"))
                .and_then(|s| s.check())
                .unwrap_err();
            assert_eq!(err.to_string(), *message, "{file}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn a_file_that_is_not_toml_or_not_there_is_an_error_naming_it() {
        let err = Settings::defaults()
            .with_toml("workers = = 4", Path::new("s.toml"))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the settings file s.toml is not valid TOML: "),
            "{err}"
        );
        let err = Settings::defaults()
            .with_file(Path::new("/no/such/dir/step08.toml"))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read the settings file /no/such/dir/step08.toml: "),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_variable_with_the_prefix_is_refused_and_others_are_ignored() {
        let err = Settings::defaults()
            .with_env("STEP08", env(&[("STEP08_WROKERS", "2")]))
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "unknown setting `wrokers` (from the environment variable STEP08_WROKERS)"
            ),
            "{err}"
        );
        let settings = Settings::defaults()
            .with_env("STEP08", env(&[("STEP07_WORKERS", "x"), ("STEP08", "x")]))
            .unwrap();
        assert_eq!(settings, Settings::defaults());
    }

    #[test]
    fn a_later_step_adds_its_own_setting_with_a_default() {
        let settings = Settings::defaults()
            .with_default("database", "guestbook.db")
            .with_toml("database = \"other.db\"", Path::new("s.toml"))
            .unwrap();
        let path: PathBuf = settings.parse("database", "a path", |_| true).unwrap();
        assert_eq!(path, PathBuf::from("other.db"));
    }
}
