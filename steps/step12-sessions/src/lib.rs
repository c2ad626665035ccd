//! # Step 12: sessions, CSRF and a login
//!
//! Step 11's guestbook forgets each visitor the moment it has answered, and
//! trusts every form that reaches it. Both are fine while anyone may sign
//! and nobody may delete. This step gives the guestbook an admin who logs
//! in and deletes entries, and with it what a site needs once someone may:
//! sessions behind a signed cookie, a CSRF token in every form, passwords
//! stored as salted Argon2id hashes, and secure default headers.
//!
//! What it deliberately leaves out: a limit on wrong passwords (`final/`
//! has `LoginLimit`), sessions stored only when written, tokens masked
//! against BREACH, more than one kind of user.
//!
//! Modules:
//! - everything before, re-exported from step 11: [`data`], [`app`],
//!   [`templates`], [`response`], ...
//! - [`sessions`]: **the layer this step teaches**: cookies, signing, the
//!   session store, CSRF, passwords, secure headers, and the middleware
//!   that ties them together.
//!
//! The rest of this file is the guestbook's new part: its admins
//! ([`USERS`], [`create_admin`]), the login and delete handlers, and
//! [`guestbook_app`].
#![warn(missing_docs)]

pub mod sessions;
pub use step11::{
    Entry, Guestbook, app, cli, data, event_loop, pool, request, response, router, server,
    shutdown, split, static_files, templates, testing,
};

use std::time::Duration;

use serde_json::{Value, json};

use app::{App, Request, Settings, SettingsError};
use data::{DataError, Database, Migration, Model};
use response::Response;
use sessions::layer::{SessionLayer, session};
use sessions::password::{MIN_PASSWORD_CHARS, hash_password, verify_password};
use sessions::signing::ShortKey;
use sessions::{SessionError, SessionStore, Signer};
use step10::FieldErrors;
use templates::{TemplateError, Templates};

/// The database file when no setting names one.
pub const DEFAULT_DATABASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guestbook.sqlite3");

/// The prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "STEP12";

/// The variable `--create-admin` reads the password from. Not a `STEP12_*`
/// name: those are settings, and an unknown one stops the program.
pub const PASSWORD_VARIABLE: &str = "GUESTBOOK_ADMIN_PASSWORD";

/// The admins: a name and an Argon2id PHC string each.
pub const USERS: Migration = Migration::new(
    "0003_create_users",
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password TEXT NOT NULL
    )",
);

/// The guestbook's schema: step 11's entries, then the sessions, then the admins.
pub fn migrations() -> Vec<Migration> {
    let mut all = step11::MIGRATIONS.to_vec();
    all.extend([sessions::store::MIGRATION, USERS]);
    all
}

/// The settings: step 08's, plus `database`, `secret_key` (empty: a random
/// key for this run), `cookie_secure` and `session_max_age_s`; then the
/// `STEP12_*` variables in `vars`; then the flags.
///
/// # Errors
/// The first bad setting, naming its key, its value and where it came from.
pub fn load_settings(
    flags: &[(&str, Option<&str>)],
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, SettingsError> {
    let mut settings = Settings::defaults()
        .with_default("database", DEFAULT_DATABASE)
        .with_default("secret_key", "")
        .with_default("cookie_secure", "false")
        .with_default("session_max_age_s", "1209600")
        .with_env(ENV_PREFIX, vars)?;
    for (key, value) in flags {
        if let Some(value) = value {
            settings = settings.with_flag(key, value)?;
        }
    }
    settings.check()?;
    settings.parse::<bool>("cookie_secure", "true or false", |_| true)?;
    settings.parse::<u64>(
        "session_max_age_s",
        "a positive whole number of seconds",
        |n| *n > 0,
    )?;
    Ok(settings)
}

/// The session store of `settings`, and whether its key is a random one
/// made for this run (no `secret_key` set).
///
/// # Errors
/// A `secret_key` shorter than 32 bytes.
pub fn session_store(settings: &Settings) -> Result<(SessionStore, bool), ShortKey> {
    let key = settings.text("secret_key").unwrap_or_default();
    let (signer, random) = if key.is_empty() {
        // Only if the OS has no random bytes at all; nothing can run then.
        (Signer::random().expect("random bytes from the OS"), true)
    } else {
        (Signer::new(key.as_bytes())?, false)
    };
    // Both were checked by `load_settings`.
    let secure = settings
        .parse("cookie_secure", "", |_| true)
        .unwrap_or(false);
    let max_age = settings
        .parse("session_max_age_s", "", |_| true)
        .unwrap_or(1_209_600);
    let store = SessionStore::new(signer, Duration::from_secs(max_age), secure);
    Ok((store, random))
}

/// Step 10's `base.html` and this step's pages, compiled into the program
/// (`cargo run` rebuilds it when one changes).
///
/// # Errors
/// A template that does not parse.
pub fn load_templates() -> Result<Templates, TemplateError> {
    Templates::from_sources([
        (
            "base.html",
            include_str!("../../step10-templates/templates/base.html"),
        ),
        ("index.html", include_str!("../templates/index.html")),
        ("login.html", include_str!("../templates/login.html")),
    ])
}

/// The guestbook with sessions: step 11's pages, a login, delete for
/// admins, and step 09's style sheet and script under `/static/`.
///
/// # Errors
/// Step 09's folder is missing.
pub fn guestbook_app(guestbook: Guestbook, store: SessionStore) -> std::io::Result<App> {
    let app = App::new()
        .with_state(guestbook)
        .wrap(SessionLayer::new(store, |req| &site(req).db))
        .get("/", |req: &Request| {
            let empty = json!({ "name": "", "message": "" });
            index(req, empty, &FieldErrors::default(), 200)
        })
        .post("/", sign)
        .get("/login", |req: &Request| login_page(req, "", None, 200))
        .post("/login", login)
        .post("/logout", logout)
        .post("/entries/{id}/delete", delete);
    Ok(static_files::StaticFiles::new("/static/", step10::static_dir())?.mount(app))
}

fn site(req: &Request) -> &Guestbook {
    req.state::<Guestbook>()
        .expect("guestbook_app adds the Guestbook state")
}

/// The answer to a session that cannot be made or saved: a 500, the cause logged.
fn session_failed(req: &Request, err: &SessionError) -> Response {
    eprintln!("error: {} {}: {err}", req.method(), req.path());
    Response::text("500 Internal Server Error\n").with_status(500)
}

/// The page, with the session's CSRF token and, for an admin, their name.
fn index(req: &Request, form: Value, errors: &FieldErrors, status: u16) -> Response {
    let db = &site(req).db;
    let token = match session(req).get_or_create(db) {
        Ok(session) => session.csrf_token,
        Err(err) => return session_failed(req, &err),
    };
    let values = step11::page_values(db, form, errors).and_then(|mut values| {
        values["csrf_token"] = token.into();
        values["admin"] = admin(req, db)?.into();
        Ok(values)
    });
    match values {
        Ok(values) => {
            step11::render(&site(req).templates, "index.html", &values).with_status(status)
        }
        Err(err) => step11::failed(req, &err),
    }
}

/// `POST /`: step 11's, behind the CSRF check of the session layer; a
/// refused form comes back with this step's page (its token, its admin).
fn sign(req: &Request) -> Response {
    step11::sign_then(req, &site(req).db, |form, errors| {
        index(req, form, errors, 422)
    })
}

/// The logged-in admin's name: the session's user, if still in `users`.
/// Checked on every request, so an admin removed from the table loses the
/// power at once.
fn admin(req: &Request, db: &Database) -> Result<Option<String>, DataError> {
    let Some(user) = session(req).get().and_then(|s| s.user) else {
        return Ok(None);
    };
    let found = db.lock().query_row(
        "SELECT count(*) FROM users WHERE name = ?1",
        [&user],
        |row| row.get::<_, i64>(0),
    )?;
    Ok((found > 0).then_some(user))
}

/// `GET /login`, and the form again after a wrong password.
fn login_page(req: &Request, name: &str, error: Option<&str>, status: u16) -> Response {
    let token = match session(req).get_or_create(&site(req).db) {
        Ok(session) => session.csrf_token,
        Err(err) => return session_failed(req, &err),
    };
    let values = json!({ "csrf_token": token, "name": name, "error": error });
    step11::render(&site(req).templates, "login.html", &values).with_status(status)
}

/// `POST /login` (`name`, `password`): 303 to the page when right; the
/// form again with 403 when wrong, never saying which of the two was.
fn login(req: &Request) -> Response {
    let name = req.form("name").unwrap_or_default().trim();
    let password = req.form("password").unwrap_or_default();
    let db = &site(req).db;
    let stored = db.lock().query_row(
        "SELECT password FROM users WHERE name = ?1",
        [name],
        |row| row.get::<_, String>(0),
    );
    let stored = match stored {
        Ok(phc) => Some(phc),
        Err(rusqlite::Error::QueryReturnedNoRows) => None,
        Err(err) => return step11::failed(req, &err.into()),
    };
    // An unknown name is checked against a dummy hash: the same time.
    if !verify_password(password, stored.as_deref()) {
        eprintln!("failed login for {name:?} from {}", req.peer());
        return login_page(req, name, Some("Wrong name or password."), 403);
    }
    match session(req).log_in(db, name) {
        Ok(_) => Response::new(303).with_header("Location", "/"),
        Err(err) => session_failed(req, &err),
    }
}

/// `POST /logout`: the session ended, back to the page.
fn logout(req: &Request) -> Response {
    match session(req).end(&site(req).db) {
        Ok(()) => Response::new(303).with_header("Location", "/"),
        Err(err) => session_failed(req, &err),
    }
}

/// `POST /entries/{id}/delete`: for an admin, the entry deleted and 303 to
/// the page; 403 for anyone else, 404 for an id that is not there.
fn delete(req: &Request) -> Response {
    let db = &site(req).db;
    match admin(req, db) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Response::text("403 Forbidden: only an admin may delete entries\n")
                .with_status(403);
        }
        Err(err) => return step11::failed(req, &err),
    }
    let Some(id) = req.param("id").and_then(|id| id.parse::<i64>().ok()) else {
        return Response::text("404 Not Found\n").with_status(404);
    };
    match Entry::delete(&db.lock(), id) {
        Ok(()) => Response::new(303).with_header("Location", "/"),
        Err(err) => step11::failed(req, &err),
    }
}

/// Why an admin could not be saved.
#[derive(Debug)]
pub enum AdminError {
    /// The name is empty or longer than step 11's limit.
    BadName,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`].
    ShortPassword,
    /// The hash could not be made.
    Hash(argon2::password_hash::Error),
    /// The row could not be written.
    Data(DataError),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminError::BadName => write!(
                f,
                "an admin's name has 1 to {} characters",
                step10::NAME_LIMIT
            ),
            AdminError::ShortPassword => write!(
                f,
                "the password needs at least {MIN_PASSWORD_CHARS} characters"
            ),
            AdminError::Hash(err) => write!(f, "cannot hash the password: {err}"),
            AdminError::Data(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for AdminError {}

/// Makes `name` an admin with `password` (its hash), or changes the
/// password of an admin of that name.
///
/// # Errors
/// [`AdminError`] for a bad name, a short password, or a failing database.
pub fn create_admin(db: &Database, name: &str, password: &str) -> Result<(), AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > step10::NAME_LIMIT {
        return Err(AdminError::BadName);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AdminError::ShortPassword);
    }
    let phc = hash_password(password).map_err(AdminError::Hash)?;
    db.lock()
        .execute(
            "INSERT INTO users (name, password) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET password = excluded.password",
            [name, &phc],
        )
        .map_err(|err| AdminError::Data(err.into()))?;
    Ok(())
}

/// The names of the admins, for the banner.
///
/// # Errors
/// The table cannot be read.
pub fn admins(db: &Database) -> Result<Vec<String>, DataError> {
    let conn = db.lock();
    let mut stmt = conn.prepare("SELECT name FROM users ORDER BY name")?;
    let names = stmt.query_map([], |row| row.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}
