//! One browser's session as a handler sees it: typed values by key, and
//! the CSRF token. No I/O here: `store.rs` loads and saves it, and a
//! request carries it (`Request::session`).

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The session's key for its CSRF token ([`Session::csrf_token`]).
pub(crate) const CSRF_KEY: &str = "_csrf_token";

/// One browser's session, from [`Request::session`](crate::Request::session): typed values by key.
///
/// Every method takes `&self` (a handler has only `&Request`); the values
/// sit behind a `Mutex`, held only for the length of each call.
///
#[doc = include_str!("../../../docs/sessions.md")]
#[derive(Debug, Default)]
pub struct Session {
    inner: Mutex<SessionData>,
}

#[derive(Debug, Default)]
pub(super) struct SessionData {
    /// The stored row's id; `None` for a session not stored yet.
    pub(super) id: Option<String>,
    pub(super) values: Map<String, Value>,
    /// Something was written: the middleware must save it.
    pub(super) changed: bool,
    /// [`Session::rotate`] was called: save it under a new id.
    pub(super) rotate: bool,
    /// A handler read or wrote it: the page depends on the cookie.
    pub(super) accessed: bool,
}

impl Session {
    pub(super) fn loaded(id: String, values: Map<String, Value>) -> Session {
        Session {
            inner: Mutex::new(SessionData {
                id: Some(id),
                values,
                ..SessionData::default()
            }),
        }
    }

    pub(super) fn data(&self) -> MutexGuard<'_, SessionData> {
        // A handler that panicked while holding it left whole values behind.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Session::data`] for the public methods: it also records that the
    /// response now depends on the session (see `store.rs`, `Vary: Cookie`).
    fn used(&self) -> MutexGuard<'_, SessionData> {
        let mut data = self.data();
        data.accessed = true;
        data
    }

    /// The value under `key`, if there is one and it reads as a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let value = self.used().values.get(key)?.clone();
        serde_json::from_value(value).ok()
    }

    /// Stores `value` under `key`, replacing what was there.
    ///
    /// # Errors
    /// If `value` cannot be written as JSON (a map whose keys are not strings).
    pub fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        let mut data = self.used();
        data.values.insert(key.to_string(), value);
        data.changed = true;
        Ok(())
    }

    /// Removes the value under `key`, if any.
    pub fn remove(&self, key: &str) {
        let mut data = self.used();
        if data.values.remove(key).is_some() {
            data.changed = true;
        }
    }

    /// Removes every value, the CSRF token too: what a logout does. The
    /// stored row is deleted and the browser told to drop the cookie.
    pub fn clear(&self) {
        let mut data = self.used();
        data.values.clear();
        data.changed = true;
    }

    /// Saves the session under a new id, with a new CSRF token, deleting
    /// the old row: call it on login, so that an id planted before the
    /// login (session fixation) is worth nothing after it.
    pub fn rotate(&self) {
        let mut data = self.used();
        data.values.remove(CSRF_KEY);
        data.rotate = true;
        data.changed = true;
    }

    /// Whether the session holds no value.
    pub fn is_empty(&self) -> bool {
        self.used().values.is_empty()
    }

    /// The session's CSRF token, made (and the session saved) on first use.
    /// Templates write it with `{{ csrf_field() }}`; a script sends it in
    /// the `X-CSRF-Token` header. A form `POST` without it is refused.
    pub fn csrf_token(&self) -> String {
        let mut data = self.used();
        if let Some(Value::String(token)) = data.values.get(CSRF_KEY) {
            return token.clone();
        }
        let token = random_hex();
        data.values
            .insert(CSRF_KEY.to_string(), Value::String(token.clone()));
        data.changed = true;
        token
    }
}

/// 32 bytes from the operating system's generator, as 64 hex digits.
///
/// # Panics
/// If the operating system has no random numbers to give, which leaves
/// nothing safe to do; inside a handler the panic is a 500.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    hex(&bytes)
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
