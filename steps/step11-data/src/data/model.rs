//! Models: a Rust struct mapped to a table, one row per value.
//!
//! httppy's data layer read a class's fields and wrote the SQL for it; the
//! same idea in Rust is a trait. A type says once where it lives (its table,
//! its columns) and how to cross the border in each direction (`from_row`
//! reads a row into the struct, `to_params` hands the struct's values to
//! SQLite). The trait then provides the queries every model needs:
//! `insert`, `all`, `find` and `delete`.
//!
//! **Every value is a parameter.** The SQL text holds `?1, ?2`, and the
//! values travel beside it; SQLite never parses them as SQL. Pasted into
//! the text instead, a message `x'); DROP TABLE entries; --` would close the
//! string and run the rest (SQL injection); bound, it is an odd message and
//! nothing more. The only names that go into SQL text are the model's own
//! constants, and `quote` checks those too.

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::data::error::DataError;

/// A struct stored as one row of a table. Every table has an `id INTEGER
/// PRIMARY KEY` that SQLite picks on insert; [`Model::COLUMNS`] lists the others.
///
/// # Examples
/// ```
/// use rusqlite::{Row, types::ToSql};
/// use step11::data::{Database, Migration, Model};
///
/// struct Note {
///     id: Option<i64>,
///     body: String,
/// }
///
/// impl Model for Note {
///     const TABLE: &'static str = "notes";
///     const COLUMNS: &'static [&'static str] = &["body"];
///     fn from_row(row: &Row) -> rusqlite::Result<Note> {
///         Ok(Note { id: row.get("id")?, body: row.get("body")? })
///     }
///     fn to_params(&self) -> Vec<&dyn ToSql> {
///         vec![&self.body]
///     }
/// }
///
/// # let dir = std::env::temp_dir().join(format!("step11-doctest-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let db = Database::open(dir.join("notes.sqlite3"))?;
/// db.migrate(&[Migration::new(
///     "0001_create_notes",
///     "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
/// )])?;
/// let conn = db.lock();
/// let id = Note { id: None, body: "hello".into() }.insert(&conn)?;
/// assert_eq!(Note::find(&conn, id)?.body, "hello");
/// # drop(conn); std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), step11::data::DataError>(())
/// ```
pub trait Model: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// The columns besides `id`, in the order [`Model::to_params`] gives their values.
    const COLUMNS: &'static [&'static str];

    /// Reads one row (holding `id` and every column) into the struct, by
    /// column name.
    ///
    /// # Errors
    /// rusqlite's, when a column is missing or its value does not fit the
    /// field (a `NULL` read into a `String`).
    fn from_row(row: &Row) -> rusqlite::Result<Self>;

    /// The values of [`Model::COLUMNS`], in the same order, to bind as parameters.
    fn to_params(&self) -> Vec<&dyn ToSql>;

    /// Inserts the row and returns the id SQLite gave it.
    ///
    /// # Errors
    /// [`DataError::Constraint`] if the schema refuses a value.
    fn insert(&self, conn: &Connection) -> Result<i64, DataError> {
        let sql = insert_sql(Self::TABLE, Self::COLUMNS);
        // `params_from_iter` binds ?1 to the first value, ?2 to the second...
        conn.execute(&sql, rusqlite::params_from_iter(self.to_params()))?;
        Ok(conn.last_insert_rowid())
    }

    /// Every row, oldest first (by id).
    ///
    /// # Errors
    /// [`DataError::Engine`] if the query fails or a row does not fit.
    fn all(conn: &Connection) -> Result<Vec<Self>, DataError> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY \"id\"",
            select_list(Self::COLUMNS),
            quote(Self::TABLE)
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |row| Self::from_row(row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The row with this id.
    ///
    /// # Errors
    /// [`DataError::NotFound`] if there is none.
    fn find(conn: &Connection, id: i64) -> Result<Self, DataError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE \"id\" = ?1",
            select_list(Self::COLUMNS),
            quote(Self::TABLE)
        );
        conn.query_row(&sql, [id], |row| Self::from_row(row))
            .optional()?
            .ok_or(DataError::NotFound {
                table: Self::TABLE,
                id,
            })
    }

    /// Deletes the row with this id.
    ///
    /// # Errors
    /// [`DataError::NotFound`] if there is none.
    fn delete(conn: &Connection, id: i64) -> Result<(), DataError> {
        let sql = format!("DELETE FROM {} WHERE \"id\" = ?1", quote(Self::TABLE));
        match conn.execute(&sql, [id])? {
            0 => Err(DataError::NotFound {
                table: Self::TABLE,
                id,
            }),
            _ => Ok(()),
        }
    }
}

/// `INSERT INTO "table" ("a", "b") VALUES (?1, ?2)`: names from constants,
/// one numbered placeholder per value.
fn insert_sql(table: &str, columns: &[&str]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(table),
        names.join(", "),
        marks.join(", ")
    )
}

/// `"id", "a", "b"`: the columns `from_row` reads.
fn select_list(columns: &[&str]) -> String {
    std::iter::once("id")
        .chain(columns.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `"name"`: a table or column name in double quotes, so a name that is
/// also an SQL keyword (`order`, `group`) still works.
///
/// # Panics
/// If `name` is not a plain identifier (letters, digits, `_`, not starting
/// with a digit). Names come from a model's constants, so a bad one is a bug
/// in the program that its first query finds; the check makes sure no name
/// can close the quotes early.
fn quote(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    assert!(plain, "{name:?} is not a plain SQL identifier");
    format!("\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::connection::Database;
    use crate::data::migrate::Migration;
    use crate::data::testing::TempDir;

    #[derive(Debug, Clone, PartialEq)]
    struct Note {
        id: Option<i64>,
        title: String,
        stars: i64,
        body: Option<String>,
    }

    impl Model for Note {
        const TABLE: &'static str = "notes";
        const COLUMNS: &'static [&'static str] = &["title", "stars", "body"];
        fn from_row(row: &Row) -> rusqlite::Result<Note> {
            Ok(Note {
                id: row.get("id")?,
                title: row.get("title")?,
                stars: row.get("stars")?,
                body: row.get("body")?,
            })
        }
        fn to_params(&self) -> Vec<&dyn ToSql> {
            vec![&self.title, &self.stars, &self.body]
        }
    }

    const NOTES: Migration = Migration::new(
        "0001_create_notes",
        "CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL UNIQUE,
            stars INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5),
            body TEXT
        )",
    );

    fn note(title: &str, stars: i64) -> Note {
        Note {
            id: None,
            title: title.to_string(),
            stars,
            body: None,
        }
    }

    fn notes_db(dir: &TempDir) -> Database {
        let db = Database::open(dir.join("notes.sqlite3")).unwrap();
        db.migrate(&[NOTES]).unwrap();
        db
    }

    #[test]
    fn the_sql_names_come_quoted_from_the_constants_and_values_are_placeholders() {
        assert_eq!(
            insert_sql("notes", Note::COLUMNS),
            r#"INSERT INTO "notes" ("title", "stars", "body") VALUES (?1, ?2, ?3)"#
        );
        assert_eq!(
            select_list(Note::COLUMNS),
            r#""id", "title", "stars", "body""#
        );
    }

    #[test]
    fn insert_returns_the_id_and_find_reads_the_row_back() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        let mut first = note("a", 1);
        first.body = Some("with a body".into());
        assert_eq!(first.insert(&conn).unwrap(), 1);
        assert_eq!(note("b", 2).insert(&conn).unwrap(), 2);
        first.id = Some(1);
        assert_eq!(Note::find(&conn, 1).unwrap(), first);
        assert_eq!(Note::find(&conn, 2).unwrap().body, None, "NULL is None");
    }

    #[test]
    fn all_lists_every_row_oldest_first() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        for (title, stars) in [("c", 3), ("a", 5), ("b", 1)] {
            note(title, stars).insert(&conn).unwrap();
        }
        let titles: Vec<String> = Note::all(&conn)
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect();
        assert_eq!(titles, ["c", "a", "b"]);
    }

    #[test]
    fn sql_in_a_value_is_stored_verbatim_as_text() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        let evil = "x', 0, NULL); DROP TABLE notes; --";
        let id = note(evil, 0).insert(&conn).unwrap();
        assert_eq!(Note::find(&conn, id).unwrap().title, evil);
        assert_eq!(
            Note::all(&conn).unwrap().len(),
            1,
            "the table is still there"
        );
    }

    #[test]
    fn a_missing_id_is_not_found_for_find_and_delete() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        let id = note("a", 1).insert(&conn).unwrap();
        Note::delete(&conn, id).unwrap();
        for err in [
            Note::find(&conn, id).unwrap_err(),
            Note::delete(&conn, id).unwrap_err(),
        ] {
            assert!(
                matches!(
                    err,
                    DataError::NotFound {
                        table: "notes",
                        id: 1
                    }
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn a_value_the_schema_refuses_is_a_constraint_error_and_stores_nothing() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        note("a", 1).insert(&conn).unwrap();
        for refused in [note("a", 2), note("b", 9)] {
            let err = refused.insert(&conn).unwrap_err();
            assert!(matches!(err, DataError::Constraint { .. }), "{err:?}");
        }
        assert_eq!(Note::all(&conn).unwrap().len(), 1);
    }

    #[test]
    fn a_row_that_does_not_fit_the_struct_is_an_engine_error_not_a_panic() {
        let dir = TempDir::new("model");
        let db = notes_db(&dir);
        let conn = db.lock();
        // SQLite lets a TEXT column hold a number and vice versa; reading
        // 'many' into an i64 must fail cleanly.
        conn.execute_batch("PRAGMA ignore_check_constraints = ON; INSERT INTO notes (title, stars) VALUES ('t', 'many')")
            .unwrap();
        let err = Note::find(&conn, 1).unwrap_err();
        assert!(matches!(err, DataError::Engine(_)), "{err:?}");
    }

    #[test]
    #[should_panic(expected = "is not a plain SQL identifier")]
    fn a_name_that_could_close_its_quotes_is_refused() {
        quote("notes\" (x); --");
    }
}
