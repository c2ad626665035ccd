//! The guestbook's data layer on its own: entries in SQLite, as JSON.
//!
//! ```text
//! cargo run -p httprs --example guestbook_data                 # creates ./httprs.sqlite3
//! curl -i -d name=Ada -d message=Hello http://127.0.0.1:7777/entries        # 201
//! curl -i -d name=Ada -d message=Hello http://127.0.0.1:7777/entries        # 409: posted twice
//! curl -i -d name= -d message=Hi http://127.0.0.1:7777/entries              # 422: no name
//! curl -i http://127.0.0.1:7777/entries          # the latest 20, newest first
//! curl -i http://127.0.0.1:7777/entries/1        # one entry; /entries/99 is a 404
//! ```
//!
//! `HTTPRS_DATABASE=/tmp/guestbook.sqlite3` puts the file elsewhere.

use std::time::{SystemTime, UNIX_EPOCH};

use httprs::model::{Column, Model, Order};
use httprs::rusqlite::{self, Row, ToSql};
use httprs::{App, DbError, Migration, Request, Response, Status};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Entry {
    id: Option<i64>,
    name: String,
    message: String,
    /// Seconds since 1970-01-01 UTC.
    created_at: i64,
}

impl Model for Entry {
    const TABLE: &'static str = "entries";
    const COLUMNS: &'static [Column] = &[
        Column::new(
            "name",
            "TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50)",
        ),
        // UNIQUE: a double-clicked "Sign" button posts twice; the second is a 409.
        Column::new(
            "message",
            "TEXT NOT NULL UNIQUE CHECK (length(message) BETWEEN 1 AND 500)",
        ),
        Column::new("created_at", "INTEGER NOT NULL"),
    ];
    fn id(&self) -> Option<i64> {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = Some(id);
    }
    fn to_params(&self) -> Vec<&dyn ToSql> {
        vec![&self.name, &self.message, &self.created_at]
    }
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
        Ok(Entry {
            id: row.get("id")?,
            name: row.get("name")?,
            message: row.get("message")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// `POST /entries` with form fields `name` and `message`.
fn sign(req: &Request) -> Result<Response, DbError> {
    let mut entry = Entry {
        id: None,
        // A missing field is an empty one; the CHECK turns it into a 422.
        name: req.form_value("name").unwrap_or_default(),
        message: req.form_value("message").unwrap_or_default(),
        created_at: now(),
    };
    let conn = req.db()?;
    entry.insert(&conn)?;
    Ok(Response::json(&entry).with_status(Status::CREATED))
}

/// `GET /entries`: the latest 20, newest first.
fn latest(req: &Request) -> Result<Response, DbError> {
    let conn = req.db()?;
    let entries = Entry::list(&conn, Order::desc("created_at"), 20)?;
    Ok(Response::json(&entries))
}

/// `GET /entries/{id}`.
fn show(req: &Request) -> Result<Response, DbError> {
    let Some(id) = req.param("id").and_then(|id| id.parse().ok()) else {
        return Ok(Response::error(Status::NOT_FOUND));
    };
    let conn = req.db()?;
    Ok(Response::json(&Entry::get(&conn, id)?))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn main() -> std::io::Result<()> {
    App::new()
        .database([Migration::create_table::<Entry>("0001_create_entries")])
        .get("/entries", latest)
        .post("/entries", sign)
        .get("/entries/{id}", show)
        .bind("127.0.0.1:7777")
        .run()
}
