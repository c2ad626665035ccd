//! The data layer over real sockets: a small notes API, on a SQLite file and
//! on a real PostgreSQL server (each test body runs on both, through
//! `on_both_engines!`). Created rows come back, missing ones are 404, the
//! schema's constraints become 409 and 422, lists are ordered and limited,
//! data and migrations survive a restart, and a database that cannot be
//! opened, reached or migrated stops start-up with a sentence naming it.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use httprs::Migration;
use httprs::{App, Request, Response, Server, Settings, Status};
use httprs::{Column, Direction, Model, Order};
use httprs::{DbError, Row, ToValue};
use serde::{Deserialize, Serialize};
use support::{Backend, Reply, TempDir, request};

#[derive(Debug, Serialize, Deserialize)]
struct Note {
    #[serde(default)]
    id: Option<i64>,
    title: String,
    /// `Option` so that a JSON `null` reaches the database, whose NOT NULL refuses it.
    body: Option<String>,
}

impl Model for Note {
    const TABLE: &'static str = "notes";
    const COLUMNS: &'static [Column] = &[
        Column::new("title", "TEXT NOT NULL UNIQUE CHECK (title <> '')"),
        Column::new("body", "TEXT NOT NULL CHECK (length(body) <= 100)"),
    ];
    fn id(&self) -> Option<i64> {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = Some(id);
    }
    fn to_params(&self) -> Vec<&dyn ToValue> {
        vec![&self.title, &self.body]
    }
    fn from_row(row: &Row) -> Result<Note, DbError> {
        Ok(Note {
            id: row.get("id")?,
            title: row.get("title")?,
            body: row.get("body")?,
        })
    }
}

fn migrations() -> Vec<Migration> {
    vec![
        Migration::create_table::<Note>("0001_create_notes"),
        // Would fail with a UNIQUE violation if it ever ran twice.
        Migration::new(
            "0002_welcome_note",
            "INSERT INTO notes (title, body) VALUES ('welcome', 'first note')",
        ),
    ]
}

fn app(migrations: Vec<Migration>) -> App {
    App::new()
        .database(migrations)
        .post("/notes", |req: &Request| -> Result<Response, DbError> {
            let mut note: Note = match req.json() {
                Ok(note) => note,
                Err(err) => return Ok(Response::text(err.to_string()).with_status(400)),
            };
            let conn = req.db()?;
            note.insert(&conn)?;
            Ok(Response::json(&note).with_status(Status::CREATED))
        })
        .get(
            "/notes/{id}",
            |req: &Request| -> Result<Response, DbError> {
                let Some(id) = req.param("id").and_then(|id| id.parse().ok()) else {
                    return Ok(Response::error(Status::NOT_FOUND));
                };
                let conn = req.db()?;
                Ok(Response::json(&Note::get(&conn, id)?))
            },
        )
        .get("/notes", |req: &Request| -> Result<Response, DbError> {
            let column = req.query("order").unwrap_or_else(|| "id".to_string());
            let direction = match req.query("dir").as_deref() {
                Some("desc") => Direction::Desc,
                _ => Direction::Asc,
            };
            let limit = req
                .query("limit")
                .and_then(|n| n.parse().ok())
                .unwrap_or(20);
            let order = Order {
                column: &column,
                direction,
            };
            let conn = req.db()?;
            Ok(Response::json(&Note::list(&conn, order, limit)?))
        })
        .get(
            "/migrations",
            |req: &Request| -> Result<Response, DbError> {
                let conn = req.db()?;
                // By name: the names start with their number.
                let names = conn
                    .query("SELECT name FROM httprs_migrations ORDER BY name", &[])?
                    .iter()
                    .map(|row| row.get::<String>("name"))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Response::json(&names))
            },
        )
}

/// A scratch folder standing for the app's folder (a SQLite database goes
/// in it), and the engine.
struct Folder(TempDir, Backend);

impl Folder {
    fn new(backend: &Backend) -> Folder {
        Folder(TempDir::new("database"), backend.clone())
    }

    /// Test settings whose root is this folder, with a relative `database`
    /// (or the PostgreSQL URL).
    fn settings(&self) -> Settings {
        Settings {
            root: self.0.path().to_path_buf(),
            database: self.1.database("notes.sqlite3"),
            ..support::settings()
        }
    }

    fn start(&self) -> Server {
        app(migrations())
            .start(self.settings())
            .expect("start notes server")
    }
}

#[track_caller]
fn get(addr: SocketAddr, path: &str) -> Reply {
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
}

#[track_caller]
fn post_json(addr: SocketAddr, path: &str, json: &str) -> Reply {
    request(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        )
        .as_bytes(),
    )
}

#[track_caller]
fn titles(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let notes: Vec<Note> = serde_json::from_slice(&reply.body).expect("a JSON list of notes");
    notes.into_iter().map(|n| n.title).collect()
}

fn a_created_note_is_201_with_its_id_and_can_be_read_back(backend: Backend) {
    let folder = Folder::new(&backend);
    let server = folder.start();
    let addr = server.addrs()[0];
    let created = post_json(addr, "/notes", r#"{"title": "groceries", "body": "eggs"}"#);
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("content-type"), Some("application/json"));
    // The welcome note from the migration is 1.
    assert_eq!(
        created.text(),
        r#"{"id":2,"title":"groceries","body":"eggs"}"#
    );
    let read = get(addr, "/notes/2");
    assert_eq!((read.status, read.text()), (200, created.text()));
    if backend.is_sqlite() {
        assert!(
            folder.0.join("notes.sqlite3").is_file(),
            "relative to the root"
        );
    }
}

fn a_missing_note_is_404_naming_it(backend: Backend) {
    let folder = Folder::new(&backend);
    let server = folder.start();
    let reply = get(server.addrs()[0], "/notes/99");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.text(), "404 Not Found\n\nno notes row with id 99\n");
}

fn constraints_are_409_for_a_duplicate_and_422_for_a_refused_value(backend: Backend) {
    let folder = Folder::new(&backend);
    let server = folder.start();
    let addr = server.addrs()[0];
    // Each engine names the constraint in its own words.
    let cases = [
        (
            r#"{"title": "welcome", "body": "again"}"#,
            409,
            backend.pick(
                "UNIQUE constraint failed: notes.title",
                "duplicate key value violates unique constraint \"notes_title_key\"",
            ),
        ),
        (
            r#"{"title": "empty body", "body": null}"#,
            422,
            backend.pick(
                "NOT NULL constraint failed: notes.body",
                "null value in column \"body\" of relation \"notes\" violates not-null constraint",
            ),
        ),
        (
            r#"{"title": "", "body": "no title"}"#,
            422,
            backend.pick("CHECK constraint failed", "violates check constraint"),
        ),
        (
            &format!(r#"{{"title": "long", "body": "{}"}}"#, "x".repeat(101)),
            422,
            backend.pick("CHECK constraint failed", "violates check constraint"),
        ),
    ];
    for (json, status, message) in cases {
        let reply = post_json(addr, "/notes", json);
        assert_eq!(reply.status, status, "{json}: {}", reply.text());
        // The client sent JSON, so it reads problem details; the engine's
        // message (naming tables and constraints) is logged, never sent.
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        let problem: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(problem["status"], status, "{json}");
        let detail = problem["detail"].as_str().unwrap();
        let expected = if status == 409 {
            "A record with this value already exists."
        } else if message.contains("NOT NULL") || message.contains("not-null") {
            "A required value is missing."
        } else {
            "A value is outside what is allowed."
        };
        assert_eq!(detail, expected, "{json}");
        assert!(!reply.text().contains(message), "{json}: {}", reply.text());
        assert!(!reply.text().contains("notes"), "{json}: {}", reply.text());
    }
    // None of them was stored.
    assert_eq!(titles(&get(addr, "/notes")), ["welcome"]);
}

fn lists_are_ordered_by_a_declared_column_and_limited(backend: Backend) {
    let folder = Folder::new(&backend);
    let server = folder.start();
    let addr = server.addrs()[0];
    for title in ["cherry", "apple", "banana"] {
        let reply = post_json(
            addr,
            "/notes",
            &format!(r#"{{"title": "{title}", "body": ""}}"#),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    assert_eq!(
        titles(&get(addr, "/notes")),
        ["welcome", "cherry", "apple", "banana"]
    );
    assert_eq!(
        titles(&get(addr, "/notes?order=title&limit=3")),
        ["apple", "banana", "cherry"]
    );
    assert_eq!(
        titles(&get(addr, "/notes?order=title&dir=desc&limit=2")),
        ["welcome", "cherry"]
    );
    // A column name from the query string goes nowhere near the SQL.
    let reply = get(addr, "/notes?order=title%3B%20DROP%20TABLE%20notes");
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains(
            "cannot order notes by \"title; DROP TABLE notes\": the columns are id, title, body"
        ),
        "{}",
        reply.text()
    );
    assert_eq!(titles(&get(addr, "/notes?limit=1")), ["welcome"]);
}

fn data_survives_a_restart_and_migrations_are_not_applied_again(backend: Backend) {
    let folder = Folder::new(&backend);
    let server = folder.start();
    let created = post_json(
        server.addrs()[0],
        "/notes",
        r#"{"title": "kept", "body": "across restarts"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    drop(server);

    // The second start would fail if 0002 ran again (its note's title is unique).
    let server = folder.start();
    let addr = server.addrs()[0];
    assert_eq!(get(addr, "/notes/2").text(), created.text());
    assert_eq!(titles(&get(addr, "/notes")), ["welcome", "kept"]);
    let recorded = get(addr, "/migrations");
    assert_eq!(
        recorded.text(),
        r#"["0001_create_notes","0002_welcome_note"]"#
    );
}

#[test]
fn a_missing_database_folder_stops_start_up_naming_the_path() {
    let folder = Folder::new(&Backend::Sqlite);
    let settings = Settings {
        database: PathBuf::from("no-such-folder/notes.sqlite3"),
        ..folder.settings()
    };
    let err = app(migrations())
        .start(settings)
        .expect_err("start-up fails");
    let path = folder.0.join("no-such-folder/notes.sqlite3");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot open database {}: folder {} does not exist",
            path.display(),
            folder.0.join("no-such-folder").display()
        )
    );
}

fn a_failing_migration_stops_start_up_naming_it(backend: Backend) {
    let folder = Folder::new(&backend);
    let mut list = migrations();
    list.push(Migration::new(
        "0003_broken",
        "ALTER TABLE no_such_table ADD x INTEGER",
    ));
    let err = app(list)
        .start(folder.settings())
        .expect_err("start-up fails");
    let message = err.to_string();
    assert!(
        message.contains("migration 0003_broken failed") && message.contains("no_such_table"),
        "{message}"
    );
    // The ones before it were applied and are kept; the server never listened.
    let server = folder.start();
    assert_eq!(titles(&get(server.addrs()[0], "/notes")), ["welcome"]);
}

on_both_engines!(
    a_created_note_is_201_with_its_id_and_can_be_read_back,
    a_missing_note_is_404_naming_it,
    constraints_are_409_for_a_duplicate_and_422_for_a_refused_value,
    lists_are_ordered_by_a_declared_column_and_limited,
    data_survives_a_restart_and_migrations_are_not_applied_again,
    a_failing_migration_stops_start_up_naming_it,
);
