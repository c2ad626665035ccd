//! Models: a Rust struct mapped to a table, with the usual five queries.
//!
//! httppy's ORM built its SQL from a class's fields. Here a
//! struct says the same in a trait: its table, its columns (name and SQL
//! type with constraints), how to turn itself into bound parameters and how
//! to read itself back from a row. The trait then provides `insert`, `get`,
//! `list`, `update` and `delete`, and the `CREATE TABLE` for a migration.
//!
//! ```
//! use httprs::db::{Database, DbError};
//! use httprs::migrate::Migration;
//! use httprs::model::{Column, Model, Order};
//! use httprs::rusqlite::{Row, ToSql};
//!
//! #[derive(Debug)]
//! struct Note { id: Option<i64>, title: String, body: String }
//!
//! impl Model for Note {
//!     const TABLE: &'static str = "notes";
//!     const COLUMNS: &'static [Column] = &[
//!         Column::new("title", "TEXT NOT NULL UNIQUE"),
//!         Column::new("body", "TEXT NOT NULL CHECK (length(body) <= 500)"),
//!     ];
//!     fn id(&self) -> Option<i64> { self.id }
//!     fn set_id(&mut self, id: i64) { self.id = Some(id) }
//!     fn to_params(&self) -> Vec<&dyn ToSql> { vec![&self.title, &self.body] }
//!     fn from_row(row: &Row<'_>) -> httprs::rusqlite::Result<Note> {
//!         Ok(Note { id: row.get("id")?, title: row.get("title")?, body: row.get("body")? })
//!     }
//! }
//!
//! # fn main() -> Result<(), DbError> {
//! let db = Database::open_in_memory()?;
//! db.migrate(&[Migration::create_table::<Note>("0001_create_notes")])?;
//! let conn = db.checkout()?;
//!
//! let mut note = Note { id: None, title: "groceries".into(), body: "eggs".into() };
//! note.insert(&conn)?;
//! assert_eq!(note.id, Some(1));
//! note.body = "eggs, milk".into();
//! note.update(&conn)?;
//! assert_eq!(Note::get(&conn, 1)?.body, "eggs, milk");
//!
//! Note { id: None, title: "books".into(), body: "".into() }.insert(&conn)?;
//! let titles: Vec<String> = Note::list(&conn, Order::asc("title"), 10)?
//!     .into_iter().map(|n| n.title).collect();
//! assert_eq!(titles, ["books", "groceries"]);
//!
//! // Errors know their status: a duplicate is a 409, a missing row a 404.
//! let dup = Note { id: None, title: "books".into(), body: "".into() }.insert(&conn);
//! assert_eq!(dup.unwrap_err().status().code(), 409);
//! Note::delete(&conn, 1)?;
//! assert_eq!(Note::get(&conn, 1).unwrap_err().status().code(), 404);
//! # Ok(())
//! # }
//! ```
//!
//! Every value travels as a bound parameter (`?1`, `?2`), never inside the
//! SQL text, so no value can change what a statement does: a title of
//! `'); DROP TABLE notes; --` is stored as a title. The only names that
//! enter SQL text are the table and column names, and those come from the
//! trait's constants, written by the programmer. Even the column a `list`
//! is ordered by, which may come from a query string, is looked up among
//! the declared columns and the *constant* is what goes into the SQL.
//!
//! Each model has an `id INTEGER PRIMARY KEY AUTOINCREMENT` column, which
//! `COLUMNS` does not list: SQLite picks the id on insert, and never reuses
//! one, so a link to a deleted row stays a 404 instead of showing another.
//!
//! What it leaves out: relations (write the join by hand, with bound
//! parameters), lazy loading, change tracking, and schema changes (write
//! them as [`Migration`](crate::migrate::Migration)s).

use rusqlite::{Connection, Row, ToSql};

use crate::db::DbError;

/// One column of a model's table, besides `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name: letters, digits and `_`, not starting with a digit.
    pub name: &'static str,
    /// Its SQL type and constraints, as in `CREATE TABLE`: `TEXT NOT NULL UNIQUE`.
    pub sql: &'static str,
}

impl Column {
    /// A column named `name` declared as `sql`.
    pub const fn new(name: &'static str, sql: &'static str) -> Column {
        Column { name, sql }
    }
}

/// Which way a [`Model::list`] is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

impl Direction {
    fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// How to sort a [`Model::list`]: a column by name, and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<'a> {
    /// `id` or one of the model's [`Model::COLUMNS`]; checked by `list`.
    pub column: &'a str,
    /// Which way.
    pub direction: Direction,
}

impl Order<'_> {
    /// By `column`, smallest first.
    pub fn asc(column: &str) -> Order<'_> {
        Order {
            column,
            direction: Direction::Asc,
        }
    }

    /// By `column`, largest first.
    pub fn desc(column: &str) -> Order<'_> {
        Order {
            column,
            direction: Direction::Desc,
        }
    }
}

/// A struct stored as one row of a table. See [`crate::model`] for an example.
///
/// Implement the four constants and methods; the rest is provided. The
/// provided methods take a [`rusqlite::Connection`], which a
/// [`PooledConnection`](crate::db::PooledConnection) and a
/// [`rusqlite::Transaction`] both deref to.
pub trait Model: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// The columns besides `id`, in the order [`Model::to_params`] gives their values.
    const COLUMNS: &'static [Column];

    /// The row's id; `None` until inserted.
    fn id(&self) -> Option<i64>;
    /// Records the id SQLite gave the row on insert.
    fn set_id(&mut self, id: i64);
    /// The values of [`Model::COLUMNS`], in the same order, to bind as parameters.
    fn to_params(&self) -> Vec<&dyn ToSql>;
    /// Reads a value back from a row holding `id` and every column, by name.
    ///
    /// # Errors
    /// The error of `row.get`, for a column whose value does not fit the field.
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;

    /// `CREATE TABLE "table" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, ...)`,
    /// for [`Migration::create_table`](crate::migrate::Migration::create_table).
    ///
    /// # Panics
    /// If the table or a column name is not a plain identifier (see [`Column::name`]).
    fn create_table_sql() -> String {
        let mut columns = vec![format!("{} INTEGER PRIMARY KEY AUTOINCREMENT", quote("id"))];
        for column in Self::COLUMNS {
            columns.push(format!("{} {}", quote(column.name), column.sql));
        }
        format!(
            "CREATE TABLE {} (\n    {}\n)",
            quote(Self::TABLE),
            columns.join(",\n    ")
        )
    }

    /// Inserts the row, sets its id and returns it.
    ///
    /// # Errors
    /// [`DbError::Constraint`] if the schema refuses a value (409 or 422).
    fn insert(&mut self, conn: &Connection) -> Result<i64, DbError> {
        let sql = if Self::COLUMNS.is_empty() {
            format!("INSERT INTO {} DEFAULT VALUES", quote(Self::TABLE))
        } else {
            format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(Self::TABLE),
                column_list(Self::COLUMNS),
                placeholders(1..=Self::COLUMNS.len())
            )
        };
        conn.prepare_cached(&sql)?.execute(&*self.to_params())?;
        // This connection is ours alone until the guard drops, so the last
        // insert on it is the one just made.
        let id = conn.last_insert_rowid();
        self.set_id(id);
        Ok(id)
    }

    /// The row with this id.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if there is none.
    fn get(conn: &Connection, id: i64) -> Result<Self, DbError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = ?1",
            select_list(Self::COLUMNS),
            quote(Self::TABLE),
            quote("id")
        );
        let mut statement = conn.prepare_cached(&sql)?;
        statement
            .query_row([id], Self::from_row)
            .map_err(|err| match err {
                rusqlite::Error::QueryReturnedNoRows => not_found(Self::TABLE, id),
                err => err.into(),
            })
    }

    /// Up to `limit` rows, sorted by `order` (ties by id, in the same direction).
    ///
    /// # Errors
    /// [`DbError::UnknownColumn`] (400) if `order` names a column the model
    /// does not declare.
    fn list(conn: &Connection, order: Order<'_>, limit: u32) -> Result<Vec<Self>, DbError> {
        // The name that goes into the SQL is the constant found here, never
        // the caller's string.
        let declared = || std::iter::once("id").chain(Self::COLUMNS.iter().map(|c| c.name));
        let column = declared()
            .find(|name| *name == order.column)
            .ok_or_else(|| DbError::UnknownColumn {
                table: Self::TABLE,
                column: order.column.to_string(),
                known: declared().collect(),
            })?;
        let direction = order.direction.sql();
        let mut sql = format!(
            "SELECT {} FROM {} ORDER BY {} {direction}",
            select_list(Self::COLUMNS),
            quote(Self::TABLE),
            quote(column)
        );
        if column != "id" {
            sql.push_str(&format!(", {} {direction}", quote("id")));
        }
        sql.push_str(" LIMIT ?1");
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement.query_map([limit], Self::from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<Self>>>()?)
    }

    /// Writes every column of this row back, by its id.
    ///
    /// # Errors
    /// [`DbError::NotSaved`] if it has no id; [`DbError::NotFound`] (404)
    /// if no row has it; [`DbError::Constraint`] for a refused value.
    fn update(&self, conn: &Connection) -> Result<(), DbError> {
        let id = self.id().ok_or(DbError::NotSaved { table: Self::TABLE })?;
        let assignments: Vec<String> = Self::COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ?{}", quote(c.name), i + 1))
            .collect();
        if assignments.is_empty() {
            // Nothing to write; but a missing row is still a 404.
            return Self::get(conn, id).map(drop);
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = ?{}",
            quote(Self::TABLE),
            assignments.join(", "),
            quote("id"),
            Self::COLUMNS.len() + 1
        );
        let mut params = self.to_params();
        params.push(&id);
        match conn.prepare_cached(&sql)?.execute(&*params)? {
            0 => Err(not_found(Self::TABLE, id)),
            _ => Ok(()),
        }
    }

    /// Deletes the row with this id.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if there is none; a
    /// [`DbError::Constraint`] (422) if a foreign key still points at it.
    fn delete(conn: &Connection, id: i64) -> Result<(), DbError> {
        let sql = format!(
            "DELETE FROM {} WHERE {} = ?1",
            quote(Self::TABLE),
            quote("id")
        );
        match conn.prepare_cached(&sql)?.execute([id])? {
            0 => Err(not_found(Self::TABLE, id)),
            _ => Ok(()),
        }
    }
}

fn not_found(table: &str, id: i64) -> DbError {
    DbError::NotFound(format!("no {table} row with id {id}"))
}

/// `"name"`: a table or column name, quoted so that a name which happens to
/// be an SQL keyword (`order`, `group`) still works.
///
/// # Panics
/// If `name` is not a plain identifier. Names come from a model's constants,
/// so a bad one is a bug in the program, found by its first query; the
/// check makes sure no name can end the quotes early.
fn quote(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    assert!(plain, "{name:?} is not a plain SQL identifier");
    format!("\"{name}\"")
}

/// `"a", "b"`.
fn column_list(columns: &[Column]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(c.name)).collect();
    names.join(", ")
}

/// `"id", "a", "b"`: what `from_row` reads.
fn select_list(columns: &[Column]) -> String {
    if columns.is_empty() {
        quote("id")
    } else {
        format!("{}, {}", quote("id"), column_list(columns))
    }
}

/// `?1, ?2, ?3`.
fn placeholders(numbers: std::ops::RangeInclusive<usize>) -> String {
    let marks: Vec<String> = numbers.map(|i| format!("?{i}")).collect();
    marks.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{ConstraintKind, Database};
    use crate::migrate::Migration;

    #[derive(Debug, Clone, PartialEq)]
    struct Note {
        id: Option<i64>,
        title: String,
        body: Option<String>,
        stars: i64,
    }

    impl Model for Note {
        const TABLE: &'static str = "notes";
        const COLUMNS: &'static [Column] = &[
            Column::new("title", "TEXT NOT NULL UNIQUE"),
            // `Option` in Rust, NOT NULL in SQL: so the test can send a NULL.
            Column::new("body", "TEXT NOT NULL"),
            Column::new("stars", "INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5)"),
        ];
        fn id(&self) -> Option<i64> {
            self.id
        }
        fn set_id(&mut self, id: i64) {
            self.id = Some(id);
        }
        fn to_params(&self) -> Vec<&dyn ToSql> {
            vec![&self.title, &self.body, &self.stars]
        }
        fn from_row(row: &Row<'_>) -> rusqlite::Result<Note> {
            Ok(Note {
                id: row.get("id")?,
                title: row.get("title")?,
                body: row.get("body")?,
                stars: row.get("stars")?,
            })
        }
    }

    fn note(title: &str, stars: i64) -> Note {
        Note {
            id: None,
            title: title.to_string(),
            body: Some(format!("about {title}")),
            stars,
        }
    }

    fn notes_db() -> Database {
        let db = Database::open_in_memory().unwrap();
        db.migrate(&[Migration::create_table::<Note>("0001_notes")])
            .unwrap();
        db
    }

    #[track_caller]
    fn constraint(result: Result<impl std::fmt::Debug, DbError>) -> ConstraintKind {
        match result {
            Err(DbError::Constraint { kind, .. }) => kind,
            other => panic!("expected a constraint error, got {other:?}"),
        }
    }

    #[test]
    fn create_table_quotes_every_name_and_adds_the_id() {
        assert_eq!(
            Note::create_table_sql(),
            "CREATE TABLE \"notes\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \
             \"title\" TEXT NOT NULL UNIQUE,\n    \"body\" TEXT NOT NULL,\n    \
             \"stars\" INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5)\n)"
        );
    }

    #[test]
    fn insert_sets_the_id_and_get_reads_the_row_back() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut first = note("a", 1);
        let mut second = note("b", 2);
        assert_eq!(first.insert(&conn).unwrap(), 1);
        assert_eq!(second.insert(&conn).unwrap(), 2);
        assert_eq!(second.id, Some(2));
        assert_eq!(Note::get(&conn, 2).unwrap(), second);
        let err = Note::get(&conn, 3).unwrap_err();
        assert_eq!(err.to_string(), "no notes row with id 3");
        assert_eq!(err.status().code(), 404);
    }

    #[test]
    fn values_are_bound_never_spliced_into_the_sql() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut evil = note("x'); DROP TABLE notes; --", 0);
        evil.insert(&conn).unwrap();
        let back = Note::get(&conn, evil.id.unwrap()).unwrap();
        assert_eq!(back.title, "x'); DROP TABLE notes; --");
        assert_eq!(Note::list(&conn, Order::asc("id"), 10).unwrap().len(), 1);
    }

    #[test]
    fn update_writes_every_column_and_delete_removes_the_row() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut n = note("a", 1);
        n.insert(&conn).unwrap();
        n.stars = 5;
        n.body = Some("changed".into());
        n.update(&conn).unwrap();
        assert_eq!(Note::get(&conn, 1).unwrap(), n);
        Note::delete(&conn, 1).unwrap();
        assert_eq!(Note::delete(&conn, 1).unwrap_err().status().code(), 404);
        assert_eq!(n.update(&conn).unwrap_err().status().code(), 404);
        let unsaved = note("never inserted", 1).update(&conn).unwrap_err();
        assert!(matches!(unsaved, DbError::NotSaved { table: "notes" }));
        // AUTOINCREMENT: a deleted id is not handed out again.
        assert_eq!(note("b", 1).insert(&conn).unwrap(), 2);
    }

    #[test]
    fn list_orders_by_a_declared_column_with_ties_by_id_and_limits() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        for (title, stars) in [("c", 3), ("a", 5), ("d", 3), ("b", 1)] {
            note(title, stars).insert(&conn).unwrap();
        }
        let titles = |order: Order<'_>, limit: u32| -> Vec<String> {
            Note::list(&conn, order, limit)
                .unwrap()
                .into_iter()
                .map(|n| n.title)
                .collect()
        };
        assert_eq!(titles(Order::asc("title"), 10), ["a", "b", "c", "d"]);
        assert_eq!(titles(Order::desc("title"), 2), ["d", "c"]);
        assert_eq!(titles(Order::desc("stars"), 10), ["a", "d", "c", "b"]);
        assert_eq!(titles(Order::asc("stars"), 10), ["b", "c", "d", "a"]);
        assert_eq!(titles(Order::desc("id"), 1), ["b"]);
        assert!(titles(Order::asc("id"), 0).is_empty());
    }

    #[test]
    fn list_refuses_a_column_the_model_does_not_declare() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        for column in ["nope", "title; DROP TABLE notes", "TITLE", "\"title\"", ""] {
            let err = Note::list(&conn, Order::asc(column), 10).unwrap_err();
            assert!(
                matches!(&err, DbError::UnknownColumn { column: c, .. } if c == column),
                "{column:?}: {err:?}"
            );
            assert_eq!(err.status().code(), 400);
        }
        let err = Note::list(&conn, Order::desc("nope"), 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot order notes by \"nope\": the columns are id, title, body, stars"
        );
    }

    #[test]
    fn constraints_become_their_kind() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        note("a", 1).insert(&conn).unwrap();
        assert_eq!(
            constraint(note("a", 2).insert(&conn)),
            ConstraintKind::Unique
        );
        assert_eq!(
            constraint(note("b", 9).insert(&conn)),
            ConstraintKind::Check
        );
        let mut no_body = note("c", 1);
        no_body.body = None;
        assert_eq!(constraint(no_body.insert(&conn)), ConstraintKind::NotNull);
        assert_eq!(no_body.id, None, "a refused insert sets no id");
        let mut b = note("b", 1);
        b.insert(&conn).unwrap();
        b.title = "a".into();
        assert_eq!(constraint(b.update(&conn)), ConstraintKind::Unique);
    }

    #[test]
    #[should_panic(expected = "is not a plain SQL identifier")]
    fn a_name_that_could_end_its_quotes_is_refused() {
        quote("notes\" (x); --");
    }
}
