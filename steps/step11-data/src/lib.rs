//! # Step 11: the data layer
//!
//! Step 10's guestbook kept its entries in a `Vec`: a restart forgot them.
//! This step stores them in SQLite, through a small data layer written
//! here: a [`Model`](data::Model) trait that maps a struct to a table
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
pub use step08::{
    app, cli, event_loop, pool, request, response, router, server, shutdown, split, testing,
};
pub use step10::templates;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::Row;
use rusqlite::types::ToSql;
use serde_json::{Value, json};

use app::{App, Request, Settings, SettingsError};
use data::{DataError, Database, Migration, Model};
use response::Response;
use templates::Templates;

/// The database file when no setting names one: beside this crate's
/// `Cargo.toml`, wherever you run the program from.
pub const DEFAULT_DATABASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guestbook.sqlite3");

/// The page templates.
pub const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../step10-templates/templates");

/// The prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "STEP11";

/// The longest name, in characters.
pub const MAX_NAME: usize = 40;
/// The longest message, in characters.
pub const MAX_MESSAGE: usize = 500;

/// The guestbook's schema, oldest first. Never edit one that has run: add
/// the next.
pub const MIGRATIONS: &[Migration] = &[Migration::new(
    "0001_create_entries",
    // The CHECKs repeat the form's limits on purpose: the form speaks to
    // the visitor, the table holds whatever path a row takes.
    "CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 40),
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

/// What a visitor typed, kept to show it again next to what was wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The name field, as typed.
    pub name: String,
    /// The message field, as typed.
    pub message: String,
}

impl Draft {
    /// The form's fields (missing ones are empty).
    pub fn from_form(req: &Request) -> Draft {
        Draft {
            name: req.form("name").unwrap_or_default().to_string(),
            message: req.form("message").unwrap_or_default().to_string(),
        }
    }

    /// An entry, trimmed and dated now; or a sentence per refused field.
    ///
    /// # Errors
    /// A JSON object from field name to what is wrong with it.
    pub fn validate(&self) -> Result<Entry, Value> {
        let (name, message) = (self.name.trim(), self.message.trim());
        let mut errors = serde_json::Map::new();
        let too_long = |max: usize| Value::from(format!("At most {max} characters, please."));
        if name.is_empty() {
            errors.insert("name".into(), "Please tell us your name.".into());
        } else if name.chars().count() > MAX_NAME {
            errors.insert("name".into(), too_long(MAX_NAME));
        }
        if message.is_empty() {
            errors.insert("message".into(), "Please write a message.".into());
        } else if message.chars().count() > MAX_MESSAGE {
            errors.insert("message".into(), too_long(MAX_MESSAGE));
        }
        if !errors.is_empty() {
            return Err(Value::Object(errors));
        }
        Ok(Entry {
            id: None,
            name: name.to_string(),
            message: message.to_string(),
            created_at: response::http_date(SystemTime::now()),
        })
    }
}

/// What the handlers share: the database and the templates.
pub struct Guestbook {
    /// The entries' database, migrated.
    pub db: Database,
    /// The page templates, parsed.
    pub templates: Templates,
}

/// The guestbook: `GET /` shows the entries and the form, `POST /` signs.
pub fn guestbook_app(guestbook: Guestbook) -> App {
    App::new()
        .with_state(guestbook)
        .get("/", |req: &Request| {
            page(req, &Draft::default(), &json!({})).unwrap_or_else(|err| failed(req, &err))
        })
        .post("/", sign)
}

/// `POST /`: a valid entry is stored and answered with 303 to `/`
/// (post/redirect/get); an invalid one gets the page again, with 422.
fn sign(req: &Request) -> Response {
    let draft = Draft::from_form(req);
    let guestbook = state(req);
    let result = match draft.validate() {
        Ok(entry) => entry
            .insert(&guestbook.db.lock())
            .map(|_| Response::new(303).with_header("Location", "/")),
        Err(errors) => page(req, &draft, &errors).map(|res| res.with_status(422)),
    };
    result.unwrap_or_else(|err| failed(req, &err))
}

/// The page: the form (with `draft` and `errors`), then the entries, newest first.
fn page(req: &Request, draft: &Draft, errors: &Value) -> Result<Response, DataError> {
    let guestbook = state(req);
    let values = page_values(&guestbook.db, draft, errors)?;
    Ok(render(&guestbook.templates, "index.html", &values))
}

/// What `index.html` shows: the entries, newest first, and the form with
/// `draft` and `errors`.
///
/// # Errors
/// The entries cannot be read.
pub fn page_values(db: &Database, draft: &Draft, errors: &Value) -> Result<Value, DataError> {
    let mut entries = Entry::all(&db.lock())?;
    entries.reverse();
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| json!({ "id": e.id, "name": e.name, "message": e.message, "created_at": e.created_at }))
        .collect();
    Ok(json!({
        "entries": entries,
        "form": { "name": draft.name, "message": draft.message },
        "errors": errors,
        "limits": { "name": MAX_NAME, "message": MAX_MESSAGE },
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
/// variables in `vars`, then the flags.
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

/// `path` relative to the current directory when it is inside it: what a
/// learner would type.
pub fn shown(path: &Path) -> PathBuf {
    step08::shown(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_trimmed_and_checked_in_characters() {
        let ok = Draft {
            name: "  Ada ".into(),
            message: "é".repeat(MAX_MESSAGE),
        };
        let entry = ok.validate().unwrap();
        assert_eq!(entry.name, "Ada");
        assert!(entry.created_at.ends_with(" GMT"));
        let bad = Draft {
            name: " ".into(),
            message: "x".repeat(MAX_MESSAGE + 1),
        };
        assert_eq!(
            bad.validate().unwrap_err(),
            json!({
                "name": "Please tell us your name.",
                "message": "At most 500 characters, please."
            })
        );
    }
}
