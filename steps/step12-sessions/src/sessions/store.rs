//! Sessions in the database, found from a signed cookie.
//!
//! A **session** is the server's memory of one browser: a random id, sent
//! to the browser in a cookie, and a row of the `sessions` table under that
//! id, holding what the server wants to remember (here: the CSRF token, and
//! who logged in, if anyone). The browser holds only the id, so a visitor
//! can neither read nor change what is stored, and logging out really ends
//! the session: its row is deleted.
//!
//! The id is 32 random bytes, so guessing one is hopeless; the cookie also
//! carries an HMAC tag ([`Signer`]), so a cookie the server did not make is
//! refused before any query, and a copy of the table alone (a leaked
//! backup) cannot be turned into cookies without the key. A cookie that
//! fails the check, or names a row that is gone or expired, is simply no
//! session: the visitor gets a new one, never an error page.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension};
use step11::data::{DataError, Migration};

use crate::sessions::cookie::{SetCookie, find_cookie};
use crate::sessions::signing::{Signer, random_hex};

/// The session cookie's name.
pub const COOKIE_NAME: &str = "step12_session";

/// The migration creating the table; the app lists it with its own.
pub const MIGRATION: Migration = Migration::new(
    "0002_create_sessions",
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        csrf_token TEXT NOT NULL,
        user_name TEXT,
        expires INTEGER NOT NULL
    );
    CREATE INDEX sessions_expires ON sessions (expires);",
);

/// One browser's session, as loaded from its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The random id, 64 hex digits: the row's key and the cookie's value (signed).
    pub id: String,
    /// The token every form of this session must send back (see [`crate::sessions::csrf`]).
    pub csrf_token: String,
    /// Who logged in with this session, if anyone.
    pub user: Option<String>,
}

/// What the app needs to keep sessions: the key that signs cookies, how
/// long a session lives, and whether its cookie is `Secure`.
#[derive(Debug, Clone)]
pub struct SessionStore {
    signer: Signer,
    max_age: Duration,
    secure: bool,
}

/// A session that cannot be made: the database failed, or the operating
/// system had no random bytes.
#[derive(Debug)]
pub enum SessionError {
    /// The `sessions` table could not be read or written.
    Data(DataError),
    /// No random bytes for a new id.
    Random(getrandom::Error),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Data(err) => write!(f, "sessions: {err}"),
            SessionError::Random(err) => write!(f, "sessions: no random bytes for an id: {err}"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<rusqlite::Error> for SessionError {
    fn from(err: rusqlite::Error) -> SessionError {
        SessionError::Data(err.into())
    }
}

impl From<getrandom::Error> for SessionError {
    fn from(err: getrandom::Error) -> SessionError {
        SessionError::Random(err)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl SessionStore {
    /// Sessions signed by `signer`, living `max_age` from when they are
    /// made, with `Secure` cookies if `secure`.
    pub fn new(signer: Signer, max_age: Duration, secure: bool) -> SessionStore {
        SessionStore {
            signer,
            max_age,
            secure,
        }
    }

    /// The session named by the request's `Cookie:` header, if its cookie
    /// is signed by us and its row exists and has not expired. Anything
    /// else (no cookie, a forged or tampered one, an expired session) is
    /// `Ok(None)`: no session, not an error.
    ///
    /// # Errors
    /// [`SessionError::Data`] only when the database itself fails.
    pub fn load(
        &self,
        conn: &Connection,
        cookie_header: Option<&str>,
    ) -> Result<Option<Session>, SessionError> {
        let Some(id) = cookie_header
            .and_then(|header| find_cookie(header, COOKIE_NAME))
            .and_then(|value| self.signer.verify(value))
        else {
            return Ok(None);
        };
        let session = conn
            .query_row(
                "SELECT id, csrf_token, user_name FROM sessions WHERE id = ?1 AND expires > ?2",
                rusqlite::params![id, now()],
                |row| {
                    Ok(Session {
                        id: row.get("id")?,
                        csrf_token: row.get("csrf_token")?,
                        user: row.get("user_name")?,
                    })
                },
            )
            .optional()?;
        Ok(session)
    }

    /// A new session for `user` (or nobody), stored, with a fresh id and
    /// CSRF token. Expired rows are deleted on the way: no timer thread.
    ///
    /// # Errors
    /// [`SessionError`] if the row cannot be written.
    pub fn create(&self, conn: &Connection, user: Option<&str>) -> Result<Session, SessionError> {
        let session = Session {
            id: random_hex(32)?,
            csrf_token: random_hex(32)?,
            user: user.map(str::to_string),
        };
        let now = now();
        conn.execute("DELETE FROM sessions WHERE expires <= ?1", [now])?;
        conn.execute(
            "INSERT INTO sessions (id, csrf_token, user_name, expires) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                session.id,
                session.csrf_token,
                session.user,
                now + self.max_age.as_secs() as i64
            ],
        )?;
        Ok(session)
    }

    /// Logs `user` in: deletes the old session and makes a new one, with a
    /// new id and a new token. Keeping the old id would let whoever planted
    /// that cookie in the victim's browser before the login (session
    /// fixation) share the logged-in session after it.
    ///
    /// # Errors
    /// [`SessionError`] if a row cannot be deleted or written.
    pub fn rotate(
        &self,
        conn: &Connection,
        old: Option<&Session>,
        user: Option<&str>,
    ) -> Result<Session, SessionError> {
        if let Some(old) = old {
            self.end(conn, old)?;
        }
        self.create(conn, user)
    }

    /// Deletes the session's row: the cookie no longer means anything.
    ///
    /// # Errors
    /// [`SessionError::Data`] if the row cannot be deleted.
    pub fn end(&self, conn: &Connection, session: &Session) -> Result<(), SessionError> {
        conn.execute("DELETE FROM sessions WHERE id = ?1", [&session.id])?;
        Ok(())
    }

    /// The `Set-Cookie` that gives the browser this session.
    pub fn cookie(&self, session: &Session) -> SetCookie {
        SetCookie::new(COOKIE_NAME, &self.signer.sign(&session.id))
            // The id is hex and the tag is hex: every byte is a cookie-octet.
            .unwrap_or_else(|err| unreachable!("a signed id is a valid cookie: {err}"))
            .with_max_age(self.max_age)
            .with_secure(self.secure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use step11::data::Database;

    struct TempDb {
        dir: std::path::PathBuf,
        db: Database,
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn temp_db(label: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!("step12-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Database::open(dir.join("sessions.sqlite3")).unwrap();
        db.migrate(&[MIGRATION]).unwrap();
        TempDb { dir, db }
    }

    fn store(max_age: Duration) -> SessionStore {
        let signer = Signer::new(b"the key of the session store tests!!").unwrap();
        SessionStore::new(signer, max_age, false)
    }

    /// `name=value` of a `Set-Cookie`, as a browser sends it back.
    fn header_for(cookie: &SetCookie) -> String {
        cookie.to_string().split(';').next().unwrap().to_string()
    }

    #[test]
    fn a_created_session_loads_back_from_its_cookie() {
        let t = temp_db("load");
        let conn = t.db.lock();
        let store = store(Duration::from_secs(60));
        let session = store.create(&conn, None).unwrap();
        assert_eq!(session.id.len(), 64);
        let header = format!("other=1; {}", header_for(&store.cookie(&session)));
        assert_eq!(
            store.load(&conn, Some(&header)).unwrap(),
            Some(session.clone())
        );
        let cookie = store.cookie(&session).to_string();
        assert!(
            cookie.ends_with("; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"),
            "{cookie}"
        );
    }

    /// `text` with the hex digit at `at` changed (to another hex digit).
    fn flip(text: &str, at: usize) -> String {
        let digit = if &text[at..=at] == "0" { "1" } else { "0" };
        format!("{}{digit}{}", &text[..at], &text[at + 1..])
    }

    #[test]
    fn a_forged_tampered_or_unknown_cookie_is_no_session() {
        let t = temp_db("forged");
        let conn = t.db.lock();
        let store = store(Duration::from_secs(60));
        let session = store.create(&conn, Some("ada")).unwrap();
        let signed = store.signer.sign(&session.id);
        let unknown = store.signer.sign(&"0".repeat(64)); // signed, but no row
        let other_key = Signer::new(&[1; 32]).unwrap().sign(&session.id);
        for value in [
            session.id.clone(),              // the bare id, no tag
            flip(&signed, signed.len() - 1), // the tag changed
            flip(&signed, 0),                // the id changed
            unknown,
            other_key,
            "garbage".to_string(),
        ] {
            let header = format!("{COOKIE_NAME}={value}");
            assert_eq!(store.load(&conn, Some(&header)).unwrap(), None, "{value}");
        }
        assert_eq!(store.load(&conn, None).unwrap(), None);
    }

    #[test]
    fn an_expired_session_is_no_session_and_is_deleted_by_the_next_create() {
        let t = temp_db("expired");
        let conn = t.db.lock();
        let store = store(Duration::ZERO); // expires the second it is made
        let session = store.create(&conn, None).unwrap();
        let header = header_for(&store.cookie(&session));
        assert_eq!(store.load(&conn, Some(&header)).unwrap(), None);
        store.create(&conn, None).unwrap();
        let rows: i64 = conn
            .query_row(
                "SELECT count(*) FROM sessions WHERE id = ?1",
                [&session.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn rotate_gives_a_new_id_and_token_and_the_old_cookie_stops_working() {
        let t = temp_db("rotate");
        let conn = t.db.lock();
        let store = store(Duration::from_secs(60));
        let before = store.create(&conn, None).unwrap();
        let after = store.rotate(&conn, Some(&before), Some("ada")).unwrap();
        assert_ne!(after.id, before.id);
        assert_ne!(after.csrf_token, before.csrf_token);
        assert_eq!(after.user.as_deref(), Some("ada"));
        let old = header_for(&store.cookie(&before));
        assert_eq!(store.load(&conn, Some(&old)).unwrap(), None);
        let new = header_for(&store.cookie(&after));
        assert_eq!(store.load(&conn, Some(&new)).unwrap(), Some(after.clone()));
        store.end(&conn, &after).unwrap();
        assert_eq!(store.load(&conn, Some(&new)).unwrap(), None);
    }
}
