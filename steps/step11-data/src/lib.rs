//! # Step 11: the data layer
//!
//! Step 10's guestbook kept its entries in a `Vec`: a restart forgot them.
//! This step stores them in SQLite, through a small data layer written
//! here: a [`data::Model`] trait that maps a struct to a table
//! (every value a bound parameter, never SQL built from input), migrations
//! applied once each at start-up and recorded in a table, and typed errors
//! that tell a missing row from a refused value from a failing engine.
//!
//! What it deliberately leaves out: a pool of connections (one connection
//! behind a `Mutex` is enough for a guestbook), `UPDATE`, sorting and
//! paging, PostgreSQL; `final/src/data/` has them.
//!
//! Modules:
//! - everything before, re-exported from step 10 (and through it steps
//!   01-09): [`app`], [`templates`], [`response`], [`cli`], ...
//! - [`data`]: **the layer this step teaches**.
//!
//! The rest of this file is the guestbook: its [`Entry`] model and
//! [`MIGRATIONS`], and [`guestbook_app`], step 10's pages over the database.
#![warn(missing_docs)]

pub mod data;
pub use step10::{
    app, cli, event_loop, pool, request, response, router, server, shutdown, split, static_files,
    templates, testing,
};

use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use rusqlite::Row;
use rusqlite::types::ToSql;
use serde_json::{Value, json};

use app::{App, Request, Settings, SettingsError};
use data::{DataError, Database, Migration, Model};
use response::Response;
use static_files::StaticFiles;
use step10::FieldErrors;
use templates::{TemplateError, Templates};

/// The database file when no setting names one: beside this crate's
/// `Cargo.toml`, wherever you run the program from.
pub const DEFAULT_DATABASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guestbook.sqlite3");

/// The prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "STEP11";

/// The guestbook's schema, oldest first. Never edit one that has run: add
/// the next.
pub const MIGRATIONS: &[Migration] = &[Migration::new(
    "0001_create_entries",
    // The CHECKs repeat step 10's limits (NAME_LIMIT, MESSAGE_LIMIT) on
    // purpose: the form speaks to the visitor, the table holds whatever
    // path a row takes.
    "CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 60),
        message TEXT NOT NULL CHECK (length(trim(message)) BETWEEN 1 AND 500),
        created_at TEXT NOT NULL
    )",
)];

/// One signature of the guestbook: a row of `entries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `None` until stored.
    pub id: Option<i64>,
    /// Who signed.
    pub name: String,
    /// What they wrote.
    pub message: String,
    /// When, as an HTTP date (`Mon, 07 Dec 2026 04:40:00 GMT`).
    pub created_at: String,
}

impl Model for Entry {
    const TABLE: &'static str = "entries";
    const COLUMNS: &'static [&'static str] = &["name", "message", "created_at"];

    fn from_row(row: &Row) -> rusqlite::Result<Entry> {
        Ok(Entry {
            id: row.get("id")?,
            name: row.get("name")?,
            message: row.get("message")?,
            created_at: row.get("created_at")?,
        })
    }

    fn to_params(&self) -> Vec<&dyn ToSql> {
        vec![&self.name, &self.message, &self.created_at]
    }
}

impl Entry {
    /// A signature step 10's `validate` accepted, dated now, not stored yet.
    pub fn new(checked: step10::Entry) -> Entry {
        Entry {
            id: None,
            name: checked.name,
            message: checked.message,
            created_at: response::http_date(SystemTime::now()),
        }
    }
}

/// What the handlers share: the database and the templates.
pub struct Guestbook {
    /// The entries' database, migrated.
    pub db: Database,
    /// The page templates, parsed.
    pub templates: Templates,
}

/// The template of the page: step 10's `index.html` with a new tagline.
pub const PAGE: &str = "page.html";

/// Step 10's `base.html` and `index.html`, and this step's `page.html`,
/// which extends them; compiled into the program.
///
/// # Errors
/// A template that does not parse.
pub fn load_templates() -> Result<Templates, TemplateError> {
    let templates = Templates::from_sources([
        (
            "base.html",
            include_str!("../../step10-templates/templates/base.html"),
        ),
        (
            "index.html",
            include_str!("../../step10-templates/templates/index.html"),
        ),
        (PAGE, include_str!("../templates/page.html")),
    ])?;
    templates.require(PAGE)?;
    Ok(templates)
}

/// The guestbook: `GET /` shows the entries and the form, `POST /` signs,
/// `/static/` serves step 09's style sheet and script (as step 10 does).
///
/// # Errors
/// Step 09's folder is missing.
pub fn guestbook_app(guestbook: Guestbook) -> io::Result<App> {
    let app = App::new()
        .with_state(guestbook)
        .get("/", |req: &Request| {
            let empty = json!({ "name": "", "message": "" });
            page(req, 200, empty, &FieldErrors::default())
        })
        .post("/", sign);
    Ok(StaticFiles::new("/static/", step10::static_dir())?.mount(app))
}

/// `POST /`: checked by step 10's `validate`; a valid entry is stored and
/// answered with 303 to `/` (post/redirect/get), an invalid one gets the
/// page again, with 422.
fn sign(req: &Request) -> Response {
    sign_then(req, &state(req).db, |form, errors| {
        page(req, 422, form, errors)
    })
}

/// Signs the guestbook with the request's form: checked by step 10's
/// `validate`, then stored in `db`, answered with 303 to `/`; or, when
/// refused, the answer `refused` makes from the form as typed and why.
/// A failing query is [`failed`]'s answer.
pub fn sign_then(
    req: &Request,
    db: &Database,
    refused: impl FnOnce(Value, &FieldErrors) -> Response,
) -> Response {
    // A body that is no sign form at all (too large, not URL-encoded, not
    // UTF-8) gets step 10's 413 or 400, before anything is checked.
    if let Some(refusal) = step10::refuse_body(req) {
        return refusal;
    }
    let name = req.form("name").unwrap_or_default();
    let message = req.form("message").unwrap_or_default();
    match step10::validate(name, message) {
        Ok(checked) => match Entry::new(checked).insert(&db.lock()) {
            Ok(_) => Response::new(303).with_header("Location", "/"),
            Err(err) => failed(req, &err),
        },
        Err(errors) => refused(json!({ "name": name, "message": message }), &errors),
    }
}

/// The page with `status`: the form (with `form` and `errors`), then the
/// entries, newest first.
fn page(req: &Request, status: u16, form: Value, errors: &FieldErrors) -> Response {
    let guestbook = state(req);
    match page_values(&guestbook.db, form, errors) {
        Ok(values) => render(&guestbook.templates, PAGE, &values).with_status(status),
        Err(err) => failed(req, &err),
    }
}

/// What the page shows: the entries, newest first, and the form's values
/// and errors.
///
/// # Errors
/// The entries cannot be read.
pub fn page_values(db: &Database, form: Value, errors: &FieldErrors) -> Result<Value, DataError> {
    let mut entries = Entry::all(&db.lock())?;
    entries.reverse();
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| json!({ "id": e.id, "name": e.name, "message": e.message }))
        .collect();
    Ok(json!({
        "entries": entries,
        "form": form,
        "errors": { "name": errors.name, "message": errors.message },
        "limits": { "name": step10::NAME_LIMIT, "message": step10::MESSAGE_LIMIT },
    }))
}

/// A page rendered, or a 500 whose cause goes to the log.
pub fn render(templates: &Templates, name: &str, values: &Value) -> Response {
    match templates.render(name, values) {
        Ok(html) => Response::html(html),
        Err(err) => {
            eprintln!("error: rendering {name}: {err}");
            Response::text("500 Internal Server Error\n").with_status(500)
        }
    }
}

/// The answer to a failed query: 404 for a missing row, 422 for a value
/// the schema refused, 500 for the engine, whose cause goes to the log and
/// not to the visitor (it would tell a stranger about our tables).
pub fn failed(req: &Request, err: &DataError) -> Response {
    match err {
        DataError::NotFound { .. } => Response::text("404 Not Found\n").with_status(404),
        DataError::Constraint { .. } => {
            Response::text("422 Unprocessable Content: the data was refused\n").with_status(422)
        }
        _ => {
            eprintln!("error: {} {}: {err}", req.method(), req.path());
            Response::text("500 Internal Server Error\n").with_status(500)
        }
    }
}

fn state(req: &Request) -> &Guestbook {
    req.state::<Guestbook>()
        .expect("guestbook_app adds the Guestbook state")
}

/// The settings: step 08's, plus `database`, then the `STEP11_*`
/// variables in `vars`, then the flags (`(key, value)`, `None` when not given).
///
/// # Errors
/// The first bad setting, naming its key, its value and where it came from.
pub fn load_settings(
    flags: &[(&str, Option<&str>)],
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, SettingsError> {
    let mut settings = Settings::defaults()
        .with_default("database", DEFAULT_DATABASE)
        .with_env(ENV_PREFIX, vars)?;
    for (key, value) in flags {
        if let Some(value) = value {
            settings = settings.with_flag(key, value)?;
        }
    }
    settings.check()?;
    Ok(settings)
}

/// The database of the `database` setting, opened and brought up to date
/// with `migrations`; the names of the migrations applied now.
///
/// # Errors
/// The file cannot be opened, or a migration failed.
pub fn open_database(
    settings: &Settings,
    migrations: &[Migration],
) -> Result<(Database, Vec<String>), DataError> {
    let path = PathBuf::from(settings.text("database").unwrap_or(DEFAULT_DATABASE));
    let db = Database::open(&path)?;
    let applied = db.migrate(migrations)?;
    Ok((db, applied))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_checks_accept_exactly_what_step_10_accepts() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(MIGRATIONS[0].sql).unwrap();
        let fits = |name: &str, message: &str| {
            let entry = Entry {
                id: None,
                name: name.to_string(),
                message: message.to_string(),
                created_at: "now".to_string(),
            };
            entry.insert(&db).is_ok()
        };
        let longest_name = "é".repeat(step10::NAME_LIMIT);
        let longest_message = "é".repeat(step10::MESSAGE_LIMIT);
        for (name, message) in [
            (longest_name.as_str(), "hi"),
            ("Ada", longest_message.as_str()),
            ("x", "y"),
        ] {
            assert!(step10::validate(name, message).is_ok());
            assert!(fits(name, message), "{name} / {message}");
        }
        let too_long_name = "é".repeat(step10::NAME_LIMIT + 1);
        let too_long_message = "é".repeat(step10::MESSAGE_LIMIT + 1);
        for (name, message) in [
            (too_long_name.as_str(), "hi"),
            ("Ada", too_long_message.as_str()),
            ("  ", "hi"),
            ("Ada", ""),
        ] {
            assert!(step10::validate(name, message).is_err());
            assert!(!fits(name, message), "{name} / {message}");
        }
    }

    #[test]
    fn the_page_template_extends_step_10s_with_a_tagline_of_its_own() {
        let templates = load_templates().unwrap();
        let values = page_values_for_test();
        let html = templates.render(PAGE, &values).unwrap();
        assert!(html.contains("kept in SQLite"), "{html}");
        assert!(html.contains("<form class=\"sign\""), "{html}");
    }

    fn page_values_for_test() -> Value {
        json!({
            "entries": [],
            "form": { "name": "", "message": "" },
            "errors": { "name": null, "message": null },
            "limits": { "name": 60, "message": 1000 },
        })
    }
}
