//! Exercise 18: a row to a struct, and back.
//! Run with `cargo run -p exercises -- check ex18_model`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex18_model.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex18_model.rs")]
#[allow(dead_code)]
mod ex18_model;

use ex18_model::{Book, Model, all, insert, insert_sql};
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

/// A second model, to check that `insert_sql` reads the constants.
struct Tag {
    label: String,
}

impl Model for Tag {
    const TABLE: &'static str = "tags";
    const COLUMNS: &'static [&'static str] = &["label"];
    fn from_row(row: &Row) -> rusqlite::Result<Tag> {
        Ok(Tag {
            label: row.get("label")?,
        })
    }
    fn to_params(&self) -> Vec<&dyn ToSql> {
        vec![&self.label]
    }
}

fn shop() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                             year INTEGER NOT NULL, note TEXT);
         CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);",
    )
    .unwrap();
    conn
}

fn book(title: &str, year: i64, note: Option<&str>) -> Book {
    Book {
        id: None,
        title: title.to_string(),
        year,
        note: note.map(str::to_string),
    }
}

#[test]
fn insert_sql_quotes_the_names_and_numbers_one_placeholder_per_column() {
    assert_eq!(
        insert_sql::<Book>(),
        r#"INSERT INTO "books" ("title", "year", "note") VALUES (?1, ?2, ?3)"#
    );
    assert_eq!(
        insert_sql::<Tag>(),
        r#"INSERT INTO "tags" ("label") VALUES (?1)"#
    );
}

#[test]
fn to_params_gives_one_value_per_column() {
    let b = book("Dune", 1965, None);
    assert_eq!(b.to_params().len(), Book::COLUMNS.len());
}

#[test]
fn a_book_goes_in_and_comes_back_out_the_same_with_its_id() {
    let conn = shop();
    let dune = book("Dune", 1965, Some("sand"));
    let id = insert(&conn, &dune).unwrap();
    assert_eq!(id, 1);
    let stored: String = conn
        .query_row(
            "SELECT title || '/' || year || '/' || note FROM books",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "Dune/1965/sand", "each value in its own column");
    assert_eq!(
        all::<Book>(&conn).unwrap(),
        [Book {
            id: Some(1),
            ..dune
        }]
    );
}

#[test]
fn a_null_note_comes_back_as_none() {
    let conn = shop();
    insert(&conn, &book("Emma", 1815, None)).unwrap();
    let is_null: bool = conn
        .query_row("SELECT note IS NULL FROM books", [], |r| r.get(0))
        .unwrap();
    assert!(is_null, "None is stored as NULL");
    assert_eq!(all::<Book>(&conn).unwrap()[0].note, None);
}

#[test]
fn sql_in_a_title_is_stored_verbatim() {
    let conn = shop();
    let evil = "x', 1, NULL); DROP TABLE books; --";
    insert(&conn, &book(evil, 2000, Some("it's \"quoted\""))).unwrap();
    insert(&conn, &book("after", 2001, None)).unwrap();
    let books = all::<Book>(&conn).unwrap();
    assert_eq!(books.len(), 2, "the table is still there");
    assert_eq!(books[0].title, evil);
    assert_eq!(books[0].note.as_deref(), Some("it's \"quoted\""));
    assert_eq!(books[1].id, Some(2));
}

#[test]
fn another_model_works_through_the_same_helpers() {
    let conn = shop();
    insert(
        &conn,
        &Tag {
            label: "classic".into(),
        },
    )
    .unwrap();
    let tags = all::<Tag>(&conn).unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].label, "classic");
}

#[test]
fn a_row_that_does_not_fit_is_an_error_not_a_panic() {
    let conn = shop();
    // SQLite lets an INTEGER column hold text; reading it into an i64 fails.
    conn.execute_batch("INSERT INTO books (title, year) VALUES ('Odd', 'long ago')")
        .unwrap();
    assert!(all::<Book>(&conn).is_err());
}
