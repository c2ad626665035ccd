//! Configuration: what an operator sets, and what start-up checks before a
//! server runs.
//!
//! | file | concept |
//! |---|---|
//! | `settings.rs` | [`Settings`](crate::Settings): defaults, `settings.toml`, `HTTPRS_*`, the command line |
//! | `keys.rs` | [`SecretKey`](crate::SecretKey): the session key and the split key, parsed and never shown |
//! | `checks.rs` | the start-up checks that need several settings at once (a key for the mode in force) |
//! | `start_error.rs` | [`StartError`](crate::StartError): why a start failed, and the exit status it suggests |
//! | `logger.rs` | the log lines and the access log an operator reads |

pub(crate) mod checks;
pub(crate) mod keys;
pub(crate) mod logger;
pub(crate) mod settings;
pub(crate) mod start_error;
