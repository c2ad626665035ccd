//! Reference solution for exercise 18: a row to a struct, and back.

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
///
/// # Examples
/// ```
/// use exercises::ex18_model::{Book, insert_sql};
/// assert_eq!(
///     insert_sql::<Book>(),
///     r#"INSERT INTO "books" ("title", "year", "note") VALUES (?1, ?2, ?3)"#
/// );
/// ```
pub fn insert_sql<M: Model>() -> String {
    let names: Vec<String> = M::COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    // The key line: the values are numbered placeholders, never the values
    // themselves; SQLite binds them apart from the SQL text.
    let marks: Vec<String> = (1..=M::COLUMNS.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO \"{}\" ({}) VALUES ({})",
        M::TABLE,
        names.join(", "),
        marks.join(", ")
    )
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

    fn from_row(row: &Row) -> rusqlite::Result<Book> {
        // Each `get` converts to the field's type, and `?` passes a value
        // that does not fit (text into an i64) back as an error.
        Ok(Book {
            id: row.get("id")?,
            title: row.get("title")?,
            year: row.get("year")?,
            note: row.get("note")?,
        })
    }

    fn to_params(&self) -> Vec<&dyn ToSql> {
        // The same order as COLUMNS: ?1 is the title, ?2 the year, ?3 the note.
        vec![&self.title, &self.year, &self.note]
    }
}
