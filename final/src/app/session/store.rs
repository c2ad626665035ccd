//! Where sessions live between requests: a row of `httprs_sessions` each,
//! found from a signed cookie. Why the data stays on the server, how the
//! cookie is signed and when rows expire: `final/docs/sessions.md`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::app::session::handle::{Session, SessionData, hex, random_hex};
use crate::config::keys::SecretKey;
use crate::config::settings::Settings;
use crate::data::error::DbError;
use crate::data::migrate::Migration;
use crate::data::pool::Database;
use crate::http::cookie::{Cookie, SameSite};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// The session cookie's name.
pub(crate) const COOKIE_NAME: &str = "httprs_session";

/// The framework's migration creating the session table; [`crate::App::sessions`]
/// applies it before the app's own migrations.
pub(crate) fn migration() -> Migration {
    Migration::new(
        "httprs_0001_create_sessions",
        // `BIGINT`: seconds since 1970 outgrow PostgreSQL's 4-byte INTEGER
        // in 2038. To SQLite it is the same as INTEGER, which this said first.
        "CREATE TABLE httprs_sessions (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            expires BIGINT NOT NULL
        );
        CREATE INDEX httprs_sessions_expires ON httprs_sessions (expires);",
    )
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What the session middleware needs, made at start-up and kept in the app's state.
pub(crate) struct SessionStore {
    key: SecretKey,
    db: Database,
    max_age: Duration,
    secure: bool,
}

impl SessionStore {
    /// The store for a started app: the configured key, or in debug a
    /// random one (with a warning).
    ///
    /// # Errors
    /// The sentence of `check_secret_key` (`config/checks.rs`), without a key and with `debug` off.
    pub(crate) fn new(settings: &Settings, db: Database) -> Result<SessionStore, String> {
        crate::config::checks::check_secret_key(settings)?;
        let key = match &settings.secret_key {
            Some(key) => key.clone(),
            None => {
                log::warn!(
                    "no secret_key setting: using a random key for this run (debug is on), \
                     so sessions will not survive a restart"
                );
                let mut bytes = [0u8; 32];
                getrandom::getrandom(&mut bytes)
                    .map_err(|err| format!("cannot make a random secret_key: {err}"))?;
                SecretKey::new(bytes.to_vec())?
            }
        };
        Ok(SessionStore {
            key,
            db,
            max_age: settings.session_max_age,
            secure: settings.session_cookie_secure,
        })
    }

    fn mac(&self, id: &str) -> Hmac<Sha256> {
        // Any key length works for HMAC; `new_from_slice` cannot fail here.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        // A label, so a MAC made with the same key for another purpose can
        // never pass as a session cookie.
        mac.update(b"httprs session id:");
        mac.update(id.as_bytes());
        mac
    }

    fn cookie_value(&self, id: &str) -> String {
        format!("{id}.{}", hex(&self.mac(id).finalize().into_bytes()))
    }

    /// The id in a cookie value `ID.MAC`, if its MAC is right.
    fn verified_id<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (id, tag) = value.split_once('.')?;
        let tag = unhex(tag)?;
        self.mac(id).verify_slice(&tag).ok().map(|()| id)
    }

    /// The request's session, or a fresh one: a cookie that is missing,
    /// tampered with, unknown or expired gives a new, empty session.
    pub(super) fn load(&self, req: &Request) -> Session {
        let Some(id) = req
            .cookie(COOKIE_NAME)
            .and_then(|value| self.verified_id(value))
        else {
            return Session::default();
        };
        match self.read(id) {
            Ok(Some(values)) => Session::loaded(id.to_string(), values),
            Ok(None) => Session::default(),
            Err(err) => {
                log::error!(
                    "session {}...: cannot read it: {err}",
                    &id[..8.min(id.len())]
                );
                Session::default()
            }
        }
    }

    fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, DbError> {
        let conn = self.db.checkout()?;
        let Some(row) = conn.query_opt(
            "SELECT data FROM httprs_sessions WHERE id = $1 AND expires > $2",
            &[&id, &now()],
        )?
        else {
            return Ok(None);
        };
        let data: String = row.get("data")?;
        // A row that is not a JSON object (edited by hand?) is no session.
        Ok(serde_json::from_str(&data).ok())
    }

    /// Stores the session if it changed and adds its `Set-Cookie` to `res`.
    pub(super) fn save(&self, session: &Session, res: Response) -> Response {
        let data = session.data();
        // A page that read the session (a name, a CSRF token in a form) is
        // this browser's: a shared cache must keep one copy per cookie.
        // (Every write goes through a public method, so `changed` implies `accessed`.)
        let res = if data.accessed {
            vary_on_cookie(res)
        } else {
            res
        };
        if !data.changed {
            return res;
        }
        match self.write(&data) {
            Ok(Some(id)) => {
                private(res.with_cookie(self.cookie(&self.cookie_value(&id), self.max_age)))
            }
            // Emptied: the row is gone, and so should the cookie be.
            Ok(None) if data.id.is_some() => {
                private(res.with_cookie(self.cookie("", Duration::ZERO)))
            }
            Ok(None) => res,
            Err(err) => {
                log::error!("cannot save a session: {err}");
                Response::error(Status::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// Writes the row; returns the id it is stored under, `None` if emptied.
    fn write(&self, data: &SessionData) -> Result<Option<String>, DbError> {
        let conn = self.db.checkout()?;
        let old = data.id.as_deref();
        if data.values.is_empty() || data.rotate {
            if let Some(old) = old {
                conn.execute("DELETE FROM httprs_sessions WHERE id = $1", &[&old])?;
            }
        }
        if data.values.is_empty() {
            return Ok(None);
        }
        let text = Value::Object(data.values.clone()).to_string();
        let expires = now().saturating_add(self.max_age.as_secs() as i64);
        match old.filter(|_| !data.rotate) {
            Some(id) => {
                // The row was read at the start of this request; should it
                // have expired since, this stores it again under the same id.
                conn.execute(
                    "INSERT INTO httprs_sessions (id, data, expires) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
                    &[&id, &text, &expires],
                )?;
                Ok(Some(id.to_string()))
            }
            None => {
                let id = random_hex();
                conn.execute(
                    "INSERT INTO httprs_sessions (id, data, expires) VALUES ($1, $2, $3)",
                    &[&id, &text, &expires],
                )?;
                // Lazy expiry: one indexed delete per new session.
                conn.execute("DELETE FROM httprs_sessions WHERE expires <= $1", &[&now()])?;
                Ok(Some(id))
            }
        }
    }

    fn cookie(&self, value: &str, max_age: Duration) -> Cookie {
        let cookie = Cookie::new(COOKIE_NAME, value)
            .path("/")
            .max_age(max_age.as_secs() as i64)
            .http_only()
            .same_site(SameSite::Lax);
        if self.secure { cookie.secure() } else { cookie }
    }
}

/// Adds `Cookie` to the response's `Vary` (RFC 9110 §12.5.5), keeping what
/// the handler listed there.
fn vary_on_cookie(res: Response) -> Response {
    match res.header("vary").map(str::to_owned) {
        None => res.with_header("Vary", "Cookie"),
        Some(vary)
            if vary.trim() == "*"
                || vary
                    .split(',')
                    .any(|name| name.trim().eq_ignore_ascii_case("cookie")) =>
        {
            res
        }
        Some(vary) => res.with_header("Vary", format!("{vary}, Cookie")),
    }
}

/// A response that sets the session cookie must not be stored by a shared
/// cache and handed to someone else: `Cache-Control: private`, unless the
/// handler chose its own.
fn private(res: Response) -> Response {
    if res.header("cache-control").is_some() {
        res
    } else {
        res.with_header("Cache-Control", "private")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SessionStore {
        let settings = Settings {
            secret_key: Some(SecretKey::new(vec![1; 32]).unwrap()),
            ..Settings::default()
        };
        let db = Database::open_in_memory().unwrap();
        db.migrate(&[migration()]).unwrap();
        SessionStore::new(&settings, db).unwrap()
    }

    #[test]
    fn a_signed_id_verifies_and_any_change_to_it_does_not() {
        let store = store();
        let value = store.cookie_value("abc");
        assert_eq!(store.verified_id(&value), Some("abc"));
        let mut tampered = value.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        for bad in [
            "abc",
            "abd.00",
            &tampered,
            "",
            ".",
            "abc.zz",
            &value.replace("abc", "abd"),
        ] {
            assert_eq!(store.verified_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_session_is_saved_only_when_changed_and_read_back() {
        let store = store();
        let fresh = Session::default();
        assert!(
            store
                .save(&fresh, Response::text("x"))
                .header("set-cookie")
                .is_none()
        );
        fresh.insert("n", 7).unwrap();
        let res = store.save(&fresh, Response::text("x"));
        let cookie = res.header("set-cookie").unwrap().to_string();
        assert!(
            cookie.ends_with("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"),
            "{cookie}"
        );
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("httprs_session=");
        let req = Request::new("GET", "/").with_header("Cookie", &format!("{COOKIE_NAME}={value}"));
        let again = store.load(&req);
        assert_eq!(again.get::<i32>("n"), Some(7));
        assert_eq!(
            again.get::<String>("n"),
            None,
            "the wrong type reads as nothing"
        );
        // Cleared: the row goes, and the cookie with it.
        again.clear();
        let res = store.save(&again, Response::text("x"));
        assert!(res.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert!(store.load(&req).is_empty());
    }
}
