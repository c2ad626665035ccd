//! The start-up checks: what no single setting can say alone, checked
//! once before a server starts (a key that is missing, or public, for the
//! mode and the `debug` setting in force).

use crate::config::keys::INSECURE_PREFIX;
use crate::config::settings::{Mode, Settings};
use crate::config::start_error::{StartError, StartErrorKind};

/// Every start-up check, run once by `App::start` (`run/start.rs`), the
/// one way every start goes (`App::run` and `App::run_with` included):
/// the session key if the app has sessions, the split key in backend mode.
/// What each check refuses, and why, is on the function below.
///
/// # Errors
/// The first check's [`StartErrorKind::Key`] error, which start-up stops
/// with (exit status 2).
pub(crate) fn check_start(settings: &Settings, sessions: bool) -> Result<(), StartError> {
    if sessions {
        check_secret_key(settings)?;
    }
    check_split_key(settings)
}

/// The session key: with `debug` off, one is needed and a development key
/// (see [`INSECURE_PREFIX`]) is refused. With `debug` on and none, the
/// session store makes a random one for the run (`SessionStore::new`).
///
/// # Errors
/// A [`StartErrorKind::Key`] error saying which key is missing or public.
pub(crate) fn check_secret_key(settings: &Settings) -> Result<(), StartError> {
    if settings.debug {
        return Ok(());
    }
    let problem = match &settings.secret_key {
        Some(key) if key.is_development() => format!(
            "the secret_key setting starts with \"{INSECURE_PREFIX}\", a development key, \
             which is refused when debug is off: set your own (HTTPRS_SECRET_KEY, \
             at least 32 random bytes)"
        ),
        Some(_) => return Ok(()),
        None => "the app uses sessions, so it needs the secret_key setting \
             (HTTPRS_SECRET_KEY or secret_key in settings.toml, at least 32 bytes) \
             when debug is off"
            .to_string(),
    };
    Err(StartError::new(StartErrorKind::Key, problem))
}

/// The backend's start-up rule: in backend mode with `debug` off, a
/// `split_key` is required, and start-up stops otherwise (exit 2, as for
/// a missing `secret_key`). With `debug` on and no key, `Ok`: version 1,
/// with a warning (`warn_if_open`).
///
/// # Errors
/// A [`StartErrorKind::Key`] error saying which setting is missing and
/// why it matters.
pub(crate) fn check_split_key(settings: &Settings) -> Result<(), StartError> {
    if settings.mode != Mode::Backend || settings.debug || settings.split_key.is_some() {
        return Ok(());
    }
    Err(StartError::new(
        StartErrorKind::Key,
        "backend mode needs the split_key setting when debug is off \
         (HTTPRS_SPLIT_KEY or split_key in settings.toml, at least 32 bytes, \
         the same as the front's HTTPRS_SPLIT_KEY or --split-key-file): \
         without it anyone who can reach the backend's port can send it requests \
         as if they came from the front",
    ))
}

/// Logs, in backend mode without a key (so with `debug` on), that the port
/// is open to anyone who reaches it.
pub(crate) fn warn_if_open(settings: &Settings) {
    if settings.mode == Mode::Backend && settings.split_key.is_none() {
        log::warn!(
            "no split_key setting (debug is on): the backend speaks version 1, \
             unauthenticated; anyone who can reach its port can send it requests"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::SecretKey;

    fn key(byte: u8) -> SecretKey {
        SecretKey::new(vec![byte; 32]).unwrap()
    }

    #[test]
    fn backend_mode_needs_a_key_unless_debug_is_on() {
        let backend = Settings {
            mode: Mode::Backend,
            ..Settings::default()
        };
        let err = check_split_key(&backend).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("backend mode needs the split_key setting"),
            "{err}"
        );
        assert_eq!((err.kind(), err.exit_code()), (StartErrorKind::Key, 2));
        assert!(
            check_split_key(&Settings {
                debug: true,
                ..backend.clone()
            })
            .is_ok()
        );
        assert!(
            check_split_key(&Settings {
                split_key: Some(key(1)),
                ..backend
            })
            .is_ok()
        );
        assert!(
            check_split_key(&Settings::default()).is_ok(),
            "HTTP mode has no port to guard"
        );
    }

    #[test]
    fn no_key_is_an_error_only_without_debug() {
        let err = check_secret_key(&Settings::default()).unwrap_err();
        assert!(err.to_string().contains("secret_key setting"), "{err}");
        assert_eq!((err.kind(), err.exit_code()), (StartErrorKind::Key, 2));
        let debug = Settings {
            debug: true,
            ..Settings::default()
        };
        assert!(check_secret_key(&debug).is_ok());
        let insecure = Settings {
            secret_key: Some(
                SecretKey::new(b"insecure-but-long-enough-0123456789".to_vec()).unwrap(),
            ),
            ..Settings::default()
        };
        let err = check_secret_key(&insecure).unwrap_err();
        assert!(err.to_string().contains("a development key"), "{err}");
    }
}
