//! One browser's session as a handler sees it: typed values by key, and
//! the CSRF token (which is kept in a cookie of its own, not in the values:
//! `csrf_cookie.rs`). No I/O here: `store.rs` loads and saves it, and a
//! request carries it (`Request::session`).
//!
//! `Request::session` is defined here, not in `http/request.rs`: the
//! request carries the session in its type-keyed extensions without
//! naming it, so that the protocol floor never imports the app.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::app::session::csrf_mask;
use crate::app::session::hex::hex;
use crate::http::request::Request;

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

impl Request {
    /// This browser's session: typed values kept between requests; see
    /// [`Session`](crate::Session). In an app without [`crate::App::sessions`]
    /// it is an empty session that is never saved (and a warning is logged).
    pub fn session(&self) -> &Session {
        self.extensions().get_or_insert_with(|| {
            log::warn!("req.session() in an app without App::sessions(): nothing will be kept");
            Arc::<Session>::default()
        })
    }

    pub(crate) fn attach_session(&self, session: Arc<Session>) {
        // Set once per request, by the one session middleware.
        let _ = self.extensions().get_or_insert_with(|| session);
    }

    pub(crate) fn attached_session(&self) -> Option<Arc<Session>> {
        self.extensions().get::<Arc<Session>>().cloned()
    }
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
    /// The CSRF token: the one the browser's token cookie holds, or one
    /// made during this request (then `csrf_new`).
    pub(super) csrf: Option<String>,
    /// `csrf` was made now: the middleware must send its cookie.
    pub(super) csrf_new: bool,
}

impl Session {
    /// The session of a request: its stored row (`id`, `values`) if it
    /// has one, and the token its token cookie holds, if valid.
    pub(crate) fn loaded(
        row: Option<(String, Map<String, Value>)>,
        csrf: Option<String>,
    ) -> Session {
        let (id, values) = match row {
            Some((id, values)) => (Some(id), values),
            None => (None, Map::new()),
        };
        Session {
            inner: Mutex::new(SessionData {
                id,
                values,
                csrf,
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

    /// Removes every value, and gives a new CSRF token: what a logout
    /// does. The stored row is deleted and the browser told to drop the
    /// session cookie.
    pub fn clear(&self) {
        let mut data = self.used();
        data.values.clear();
        data.changed = true;
        new_token(&mut data);
    }

    /// Saves the session under a new id, with a new CSRF token, deleting
    /// the old row: call it on login, so that an id or a token planted
    /// before the login (session fixation) is worth nothing after it.
    pub fn rotate(&self) {
        let mut data = self.used();
        data.rotate = true;
        data.changed = true;
        new_token(&mut data);
    }

    /// Whether the session holds no value.
    pub fn is_empty(&self) -> bool {
        self.used().values.is_empty()
    }

    /// This browser's CSRF token, made on first use and sent in its own
    /// signed cookie, `httprs_csrf` (no session row is stored for it).
    /// Templates write it with `{{ csrf_field() }}`; a script sends it in
    /// the `X-CSRF-Token` header. A form `POST` without it is refused.
    ///
    /// Each call gives another string: the token under a fresh random
    /// mask, so that no two responses carry the same bytes for a
    /// compression side channel (BREACH) to guess at. Every one of them is
    /// accepted; see `final/docs/compression.md`.
    pub fn csrf_token(&self) -> String {
        csrf_mask::mask(&self.raw_csrf_token())
    }

    /// The token itself, as the cookie holds it, made on first use: never
    /// to be written into a body (see [`Session::csrf_token`]).
    pub(crate) fn raw_csrf_token(&self) -> String {
        let mut data = self.used();
        match &data.csrf {
            Some(token) => token.clone(),
            None => new_token(&mut data),
        }
    }

    /// The token the browser's cookie holds, which a post must match
    /// (`None` if it has none, or a forged one); never a new one.
    pub(crate) fn expected_csrf_token(&self) -> Option<String> {
        let data = self.used();
        data.csrf.clone().filter(|_| !data.csrf_new)
    }
}

/// Gives the session a new CSRF token, whose cookie the middleware sends.
fn new_token(data: &mut SessionData) -> String {
    let token = random_hex();
    data.csrf = Some(token.clone());
    data.csrf_new = true;
    token
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
