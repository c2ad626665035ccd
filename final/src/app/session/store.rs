//! Where sessions live between requests: a row of `httprs_sessions` each,
//! found from a signed cookie. Why the data stays on the server, how the
//! cookie is signed and when rows expire: `final/docs/sessions.md`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::app::session::csrf_cookie;
use crate::app::session::handle::{Session, SessionData, random_hex};
use crate::app::session::hex::{hex, unhex};
use crate::app::session::sweep::{Sweeper, now};
use crate::config::keys::SecretKey;
use crate::config::settings::Settings;
use crate::config::start_error::{StartError, StartErrorKind};
use crate::data::error::DbError;
use crate::data::migrate::Migration;
use crate::data::pool::Database;
use crate::http::cookie::{Cookie, SameSite};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;
use crate::http::trusted_proxies::Scheme;

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

/// What the session middleware needs, made at start-up and kept in the app's state.
pub(crate) struct SessionStore {
    key: SecretKey,
    db: Database,
    max_age: Duration,
    secure: bool,
    /// Deletes expired rows while the store lives (`sweep.rs`).
    _sweeper: Sweeper,
}

impl SessionStore {
    /// The store for a started app: the configured key, or in debug a
    /// random one (with a warning).
    ///
    /// Start-up has checked the key already (`check_start` in
    /// `config/checks.rs`): without one here, `debug` is on.
    ///
    /// # Errors
    /// A [`StartErrorKind::Io`] one if the operating system gives no
    /// random bytes for a key, or no thread for the expired-session sweep.
    pub(crate) fn new(settings: &Settings, db: Database) -> Result<SessionStore, StartError> {
        let key = match &settings.secret_key {
            Some(key) => key.clone(),
            None => {
                log::warn!(
                    "no secret_key setting: using a random key for this run (debug is on), \
                     so sessions will not survive a restart"
                );
                let mut bytes = [0u8; 32];
                getrandom::getrandom(&mut bytes).map_err(|err| {
                    StartError::new(
                        StartErrorKind::Io,
                        format!("cannot make a random secret_key: {err}"),
                    )
                })?;
                SecretKey::new(bytes.to_vec())
                    .unwrap_or_else(|_| unreachable!("32 bytes are SecretKey::MIN_BYTES"))
            }
        };
        let sweeper =
            Sweeper::start(db.clone(), settings.session_sweep_interval).map_err(|err| {
                StartError::new(
                    StartErrorKind::Io,
                    format!("cannot start the expired-session sweep: {err}"),
                )
            })?;
        Ok(SessionStore {
            key,
            db,
            max_age: settings.session_max_age,
            secure: settings.session_cookie_secure,
            _sweeper: sweeper,
        })
    }

    fn mac(&self, id: &str) -> Hmac<Sha256> {
        // A label, so a MAC made with the same key for another purpose (a
        // CSRF token's cookie) can never pass as a session cookie.
        csrf_cookie::mac(self.key.bytes(), b"httprs session id:", id)
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
    /// tampered with, unknown or expired gives a new, empty session. With
    /// it, the CSRF token of the browser's token cookie, if its MAC is
    /// right. A browser without a session cookie costs no query.
    pub(super) fn load(&self, req: &Request) -> Session {
        let csrf = req
            .cookie(csrf_cookie::COOKIE_NAME)
            .and_then(|value| csrf_cookie::verified(self.key.bytes(), value))
            .map(str::to_string);
        let Some(id) = req
            .cookie(COOKIE_NAME)
            .and_then(|value| self.verified_id(value))
        else {
            return Session::loaded(None, csrf);
        };
        match self.read(id) {
            Ok(Some(values)) => Session::loaded(Some((id.to_string(), values)), csrf),
            Ok(None) => Session::loaded(None, csrf),
            Err(err) => {
                log::error!(
                    "session {}...: cannot read it: {err}",
                    &id[..8.min(id.len())]
                );
                Session::loaded(None, csrf)
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

    /// Stores the session if it changed and adds its `Set-Cookie` to `res`,
    /// then the token cookie's if a CSRF token was made. Cookies sent to a
    /// request that came over HTTPS (as a trusted proxy says) are `Secure`.
    pub(super) fn save(&self, req: &Request, session: &Session, mut res: Response) -> Response {
        let data = session.data();
        let secure = self.secure || req.scheme() == Scheme::Https;
        // A page that read the session (a name, a CSRF token in a form) is
        // this browser's: a shared cache must keep one copy per cookie.
        // (Every write goes through a public method, so `changed` implies `accessed`.)
        if data.accessed {
            res.headers_mut().add_vary("Cookie");
        }
        if data.changed {
            res = match self.write(&data) {
                Ok(Some(id)) => private(res.with_cookie(cookie(
                    COOKIE_NAME,
                    &self.cookie_value(&id),
                    self.max_age,
                    secure,
                ))),
                // Emptied: the row is gone, and so should the cookie be.
                Ok(None) if data.id.is_some() => {
                    private(res.with_cookie(cookie(COOKIE_NAME, "", Duration::ZERO, secure)))
                }
                Ok(None) => res,
                Err(err) => {
                    log::error!("cannot save a session: {err}");
                    return Response::error(Status::INTERNAL_SERVER_ERROR);
                }
            };
        }
        match data.csrf.as_deref().filter(|_| data.csrf_new) {
            Some(token) => {
                let value = csrf_cookie::signed(self.key.bytes(), token);
                let token_cookie = cookie(csrf_cookie::COOKIE_NAME, &value, self.max_age, secure);
                private(res.with_cookie(token_cookie))
            }
            None => res,
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
                // The row was read at the start of this request, but another
                // request of the same browser may have ended the session since
                // (a logout in another tab deletes the row), or it expired. An
                // UPDATE of a live row only, never an upsert: writing the row
                // back would bring a logged-out session back to life, with
                // its user id in it. Nothing updated: the session is over,
                // this request's changes to it go with it, and the browser's
                // cookie is cleared.
                let updated = conn.execute(
                    "UPDATE httprs_sessions SET data = $2, expires = $3 WHERE id = $1 AND expires > $4",
                    &[&id, &text, &expires, &now()],
                )?;
                Ok((updated > 0).then(|| id.to_string()))
            }
            None => {
                let id = random_hex();
                conn.execute(
                    "INSERT INTO httprs_sessions (id, data, expires) VALUES ($1, $2, $3)",
                    &[&id, &text, &expires],
                )?;
                // Expired rows are the sweeper's (`sweep.rs`), not this visitor's.
                Ok(Some(id))
            }
        }
    }
}

/// One of the framework's cookies: `HttpOnly; SameSite=Lax` on the whole
/// site, `Secure` when asked.
fn cookie(name: &'static str, value: &str, max_age: Duration, secure: bool) -> Cookie {
    // Our names are tokens and our values hex, dots or empty: never refused.
    let cookie = Cookie::new(name, value)
        .and_then(|c| c.path("/"))
        .unwrap_or_else(|err| unreachable!("the framework's own cookie: {err}"))
        .max_age(max_age.as_secs() as i64)
        .http_only()
        .same_site(SameSite::Lax);
    if secure { cookie.secure() } else { cookie }
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
        let get = Request::new("GET", "/");
        assert!(
            store
                .save(&get, &fresh, Response::text("x"))
                .header("set-cookie")
                .is_none()
        );
        fresh.insert("n", 7).unwrap();
        let res = store.save(&get, &fresh, Response::text("x"));
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
        let res = store.save(&req, &again, Response::text("x"));
        assert!(res.header("set-cookie").unwrap().contains("Max-Age=0"));
        assert!(store.load(&req).is_empty());
    }

    fn rows(store: &SessionStore) -> i64 {
        let conn = store.db.checkout().unwrap();
        let row = conn
            .query_opt("SELECT count(*) AS n FROM httprs_sessions", &[])
            .unwrap()
            .unwrap();
        row.get("n").unwrap()
    }

    #[test]
    fn a_csrf_token_is_a_signed_cookie_and_stores_no_row() {
        let store = store();
        let session = Session::default();
        let token = session.raw_csrf_token();
        let res = store.save(&Request::new("GET", "/"), &session, Response::text("x"));
        let set = res.header("set-cookie").unwrap().to_string();
        assert!(set.starts_with("httprs_csrf="), "{set}");
        assert_eq!(res.header("cache-control"), Some("private"));
        assert_eq!(rows(&store), 0);
        // The browser sends it back: the same token, still no row.
        let pair = set.split(';').next().unwrap();
        let req = Request::new("GET", "/").with_header("Cookie", pair);
        let again = store.load(&req);
        assert_eq!(again.expected_csrf_token().as_deref(), Some(token.as_str()));
        assert_eq!(again.raw_csrf_token(), token);
        // What a page shows is masked, and unmasks to it.
        let shown = again.csrf_token();
        assert!(!shown.contains(&token));
        assert!(super::super::csrf_mask::matches(&shown, &token));
        assert!(
            store
                .save(&req, &again, Response::text("x"))
                .header("set-cookie")
                .is_none()
        );
        assert_eq!(rows(&store), 0);
        // Another key's cookie is no token.
        let forged = Request::new("GET", "/").with_header(
            "Cookie",
            &format!("httprs_csrf={}", csrf_cookie::signed(&[2; 32], &token)),
        );
        assert_eq!(store.load(&forged).expected_csrf_token(), None);
    }

    #[test]
    fn cookies_to_an_https_request_are_secure() {
        let store = store();
        let session = Session::default();
        session.csrf_token();
        let https = Request::new("GET", "/")
            .with_peer_addr("10.0.0.1:1".parse().unwrap())
            .with_header("X-Forwarded-Proto", "https")
            .with_header("X-Forwarded-For", "192.0.2.1");
        let mut https = https;
        https.believe_proxy(
            &crate::http::trusted_proxies::TrustedProxies::parse(["10.0.0.1"]).unwrap(),
            false,
        );
        let res = store.save(&https, &session, Response::text("x"));
        assert!(
            res.header("set-cookie")
                .unwrap()
                .ends_with("; Secure; SameSite=Lax")
        );
    }

    #[test]
    fn the_sweep_deletes_expired_rows_only() {
        let store = store();
        let conn = store.db.checkout().unwrap();
        for (id, expires) in [("old", now() - 1), ("new", now() + 60)] {
            conn.execute(
                "INSERT INTO httprs_sessions (id, data, expires) VALUES ($1, '{}', $2)",
                &[&id, &expires],
            )
            .unwrap();
        }
        drop(conn);
        assert_eq!(crate::app::session::sweep::sweep(&store.db).unwrap(), 1);
        assert_eq!(rows(&store), 1);
    }

    /// Two requests of one browser at once: a long one that read the session
    /// and changes it, and a logout in another tab that ends while the first
    /// still runs. The first one's save must not bring the session back.
    #[test]
    fn a_request_that_ends_after_a_logout_does_not_bring_the_session_back() {
        let store = store();
        let login = Session::default();
        login.insert("user", 1).unwrap();
        let set = store
            .save(&Request::new("POST", "/login"), &login, Response::text("x"))
            .header("set-cookie")
            .unwrap()
            .to_string();
        let pair = set.split(';').next().unwrap().to_string();
        let req = Request::new("GET", "/").with_header("Cookie", &pair);

        let long = store.load(&req);
        let logout = store.load(&req);
        logout.clear();
        store.save(&req, &logout, Response::text("bye"));
        assert_eq!(rows(&store), 0);

        long.insert("visits", 2).unwrap();
        let res = store.save(&req, &long, Response::text("late"));
        assert_eq!(rows(&store), 0, "the logged-out session came back");
        assert!(store.load(&req).is_empty());
        let cookie = res.header("set-cookie").unwrap();
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
    }
}
