//! Why a setting could not be used: its own file, because both the
//! framework's settings (`settings.rs`) and the app's (`app_settings.rs`,
//! `flags.rs`) report with it, and the first holds the second.

use std::fmt;

/// A setting that could not be used: where it came from, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The file path, or `environment variable HTTPRS_X`, or `command line`.
    pub source: String,
    /// The key, empty when the whole source is unreadable.
    pub key: String,
    /// What is wrong, with the value found.
    pub problem: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.source, self.problem)
        } else {
            write!(f, "{}: key '{}': {}", self.source, self.key, self.problem)
        }
    }
}

impl std::error::Error for SettingsError {}
