//! # Exercise 18: a row to a struct, and back
//!
//! Chapter 11 of `TUTORIAL.md` stores the guestbook's entries in SQLite
//! through a `Model` trait: a struct says which table it lives in and which
//! columns it has, and how to cross the border in each direction. The
//! trait's helpers then write the SQL. Your bookshop keeps its books the
//! same way, in this table:
//!
//! ```sql
//! CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
//!                     year INTEGER NOT NULL, note TEXT)
//! ```
//!
//! Three pieces are missing:
//!
//! 1. [`insert_sql`], the `INSERT` for any model, built from its constants:
//!    `INSERT INTO "books" ("title", "year", "note") VALUES (?1, ?2, ?3)`.
//!    Names in double quotes; values NEVER in the text, only numbered
//!    placeholders, so that a title like `x'); DROP TABLE books; --` is
//!    stored as a title and nothing more.
//! 2. `Book::from_row`: read a row (it has `id` and every column) into a
//!    `Book`, by column name. A `NULL` note is `None`. A value that does not
//!    fit (text in `year`) must come back as an `Err`, never a panic.
//! 3. `Book::to_params`: the values of `COLUMNS`, in the same order.
//!
//! [`insert`] and [`all`] are written for you: read them, they are what
//! uses your three pieces.
//!
//! The tests (`tests/ex18_model.rs`) check the SQL text for books and for
//! another model, a round trip through a real SQLite database in memory,
//! `NULL`s, an injection attempt stored verbatim, and a row that does not
//! fit.
//!
//! Check it with `cargo run -p exercises -- check ex18_model`.

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

/// A struct stored as one row of a table with an `id INTEGER PRIMARY KEY`.
pub trait Model: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// The columns besides `id`, in the order `to_params` gives their values.
    const COLUMNS: &'static [&'static str];
    /// Reads a row holding `id` and every column.
    fn from_row(row: &Row) -> rusqlite::Result<Self>;
    /// The values of `COLUMNS`, in order, to bind as parameters.
    fn to_params(&self) -> Vec<&dyn ToSql>;
}

/// `INSERT INTO "TABLE" ("col1", "col2") VALUES (?1, ?2)` for `M`.
pub fn insert_sql<M: Model>() -> String {
    // TODO: quote `M::TABLE` and each of `M::COLUMNS` in double quotes, join
    // the columns with ", ", and write one placeholder `?N` per column,
    // numbered from 1.
    todo!()
}

/// `SELECT "id", "col1", "col2" FROM "TABLE" ORDER BY "id"` for `M`.
pub fn select_all_sql<M: Model>() -> String {
    let mut names = vec!["\"id\"".to_string()];
    names.extend(M::COLUMNS.iter().map(|c| format!("\"{c}\"")));
    format!(
        "SELECT {} FROM \"{}\" ORDER BY \"id\"",
        names.join(", "),
        M::TABLE
    )
}

/// Inserts `value` and returns the id SQLite gave it.
pub fn insert<M: Model>(conn: &Connection, value: &M) -> rusqlite::Result<i64> {
    // The SQL text holds placeholders; the values travel beside it.
    conn.execute(
        &insert_sql::<M>(),
        rusqlite::params_from_iter(value.to_params()),
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every row of `M`'s table, by id.
pub fn all<M: Model>(conn: &Connection) -> rusqlite::Result<Vec<M>> {
    let mut stmt = conn.prepare(&select_all_sql::<M>())?;
    let rows = stmt.query_map([], |row| M::from_row(row))?;
    rows.collect()
}

/// A book of the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// `None` until it is stored.
    pub id: Option<i64>,
    /// Its title.
    pub title: String,
    /// The year it came out.
    pub year: i64,
    /// What the shop says about it, if anything (`NULL` in the table).
    pub note: Option<String>,
}

impl Model for Book {
    const TABLE: &'static str = "books";
    const COLUMNS: &'static [&'static str] = &["title", "year", "note"];

    // TODO: remove this `allow` once you use `row`.
    #[allow(unused_variables)]
    fn from_row(row: &Row) -> rusqlite::Result<Book> {
        // TODO: `row.get("id")?` reads a column by name into whatever type
        // the field has: i64, String, Option<...>.
        todo!()
    }

    fn to_params(&self) -> Vec<&dyn ToSql> {
        // TODO: a reference to each field of COLUMNS, in the same order.
        todo!()
    }
}
