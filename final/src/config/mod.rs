//! Configuration: what an operator sets, and what start-up checks before a
//! server runs.
//!
//! | file | concept |
//! |---|---|
//! | `settings.rs` | [`Settings`](crate::Settings): defaults, `settings.toml`, `HTTPRS_*`, the command line |
//! | `app_settings.rs` | [`AppSettings`](crate::AppSettings): the `[app]` table and `HTTPRS_APP_*`, read into the app's own type |
//! | `flags.rs` | [`Flag`](crate::Flag): an app's own command-line flags, their help, their values |
//! | `settings_error.rs` | [`SettingsError`](crate::SettingsError): where, which key, what is wrong |
//! | `keys.rs` | [`SecretKey`](crate::SecretKey): the session key and the split key, parsed and never shown |
//! | `checks.rs` | the start-up checks that need several settings at once (a key for the mode in force) |
//! | `start_error.rs` | [`StartError`](crate::StartError): why a start failed, and the exit status it suggests |
//! | `logger.rs` | the log lines and the access log an operator reads |

pub(crate) mod app_settings;
pub(crate) mod checks;
pub(crate) mod flags;
pub(crate) mod keys;
pub(crate) mod logger;
pub(crate) mod settings;
pub(crate) mod settings_error;
pub(crate) mod start_error;
