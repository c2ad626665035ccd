//! The guestbook's one kind of account: an admin, who may delete entries.
//!
//! An admin is made on the command line, never through the site:
//!
//! ```text
//! cargo run -p httprs --example demo -- --create-admin ada
//! ```
//!
//! reads the password from `GUESTBOOK_ADMIN_PASSWORD` or, without it, one line
//! of standard input (never from the command line, where `ps` and the shell's
//! history would show it), and stores its Argon2id hash, a PHC string such as
//! `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`, in the `users` table. Run it
//! again with the same name to change the password.
//!
//! Logging in checks the hash (`argon2` compares in constant time), rotates
//! the session (a new id: see `httprs::Session::rotate`) and keeps the name in
//! it. Failed logins are limited per client address by [`httprs::LoginLimit`]:
//! five in a minute, then `429 Too Many Requests` with `Retry-After`.

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use httprs::{
    CommandError, DbError, Flags, LoginLimit, Request, Response, Settings, Status, context,
};
use httprs::{Connection, Database};

/// The session key holding the logged-in admin's name.
const USER: &str = "user";
/// The variable `--create-admin` reads the password from, if set. Not an
/// `HTTPRS_*` name: those are the framework's settings, and start-up refuses
/// one it does not know, so a leftover `export` would stop the server.
pub const PASSWORD_VARIABLE: &str = "GUESTBOOK_ADMIN_PASSWORD";
/// The shortest password `--create-admin` accepts.
const MIN_PASSWORD: usize = 8;

/// The Argon2id PHC string of `password`, with a fresh random salt.
fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    // 16 bytes of salt from the operating system, the size Argon2 advises.
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash. Without a stored hash (no
/// such admin) a dummy hash is checked all the same, so that the time taken
/// does not tell an attacker which names exist.
fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not anyone's password").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

/// The logged-in admin's name, if the session has one that is still an admin.
pub fn admin(req: &Request, conn: &Connection) -> Result<Option<String>, DbError> {
    let Some(name) = req.session().get::<String>(USER) else {
        return Ok(None);
    };
    let is_admin = conn
        .query_opt(
            "SELECT name FROM users WHERE name = $1 AND is_admin = 1",
            &[&name],
        )?
        .is_some();
    Ok(is_admin.then_some(name))
}

/// `GET /login`: the form.
pub fn login_page(req: &Request) -> Response {
    Response::render(req, "login.html", context! { name => "" })
}

/// `POST /login` (`name`, `password`): 303 to the page when right, the form
/// again with 403 when wrong, 429 after too many failures.
pub fn login(req: &Request) -> Result<Response, DbError> {
    // No address only for a request built in code (`App::handle`).
    // The client's, also behind an authenticated front (`client_ip`).
    let ip = req.client_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let limit = req.state::<LoginLimit>();
    if let Some(Err(wait)) = limit.map(|l| l.check(ip)) {
        return Ok(LoginLimit::too_many(wait));
    }
    let name = req.form_value("name").unwrap_or_default();
    let name = name.trim();
    let password = req.form_value("password").unwrap_or_default();
    let stored: Option<String> = req
        .db()?
        .query_opt(
            "SELECT password FROM users WHERE name = $1 AND is_admin = 1",
            &[&name],
        )?
        .map(|row| row.get("password"))
        .transpose()?;
    if verify(&password, stored.as_deref()) {
        if let Some(limit) = limit {
            limit.succeeded(ip);
        }
        let session = req.session();
        // A new id for the logged-in session: one planted before is worthless.
        session.rotate();
        if session.insert(USER, name).is_err() {
            return Ok(Response::error(Status::INTERNAL_SERVER_ERROR));
        }
        log::info!("admin {name} logged in from {ip}");
        return Ok(Response::redirect("/"));
    }
    if let Some(limit) = limit {
        limit.failed(ip);
    }
    log::warn!("failed login for {name:?} from {ip}");
    let error = "Wrong name or password.";
    Ok(
        Response::render(req, "login.html", context! { name, error })
            .with_status(Status::FORBIDDEN),
    )
}

/// `POST /logout`: the session emptied (its row deleted), back to the page.
pub fn logout(req: &Request) -> Response {
    req.session().clear();
    Response::redirect("/")
}

/// `--create-admin NAME`: makes (or updates) that admin. `main` declares
/// the flag with `App::command`, so `--help` lists it and `run` calls this
/// instead of starting the server, with the settings it loaded (the file,
/// then `HTTPRS_*` variables): status 0 when saved, 1 when not, 2 (from
/// `run`) for the flag without a name.
pub fn create_admin(settings: &Settings, flags: &Flags) -> Result<(), CommandError> {
    let name = flags.get(CREATE_ADMIN).unwrap_or_default();
    try_create_admin(settings, name)?;
    println!("admin {} saved: log in at /login", name.trim());
    Ok(())
}

/// The flag that runs [`create_admin`].
pub const CREATE_ADMIN: &str = "--create-admin";

fn try_create_admin(settings: &Settings, name: &str) -> Result<(), CommandError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > super::models::MAX_NAME {
        return Err(format!(
            "an admin's name has 1 to {} characters",
            super::models::MAX_NAME
        )
        .into());
    }
    let password = match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) => password,
        Err(_) => {
            eprint!("password for {name} (the text shows as you type): ");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|err| format!("cannot read the password: {err}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!("the password needs at least {MIN_PASSWORD} characters").into());
    }
    let db = open(settings)?;
    let phc = hash(&password).map_err(|err| format!("cannot hash the password: {err}"))?;
    let conn = db.checkout()?;
    conn.execute(
        "INSERT INTO users (name, password, is_admin) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO UPDATE SET password = excluded.password, is_admin = 1",
        &[&name, &phc],
    )?;
    Ok(())
}

/// The demo's database, as the server would open it, migrated.
fn open(settings: &Settings) -> Result<Database, CommandError> {
    let db = Database::open(settings.database_location(), 1)?;
    db.migrate(&super::models::migrations())
        .map_err(|err| format!("database {}: {err}", db.name()))?;
    Ok(db)
}
