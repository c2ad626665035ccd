//! Migrations: the schema's history, applied once each, in order.
//!
//! A **migration** is one change to the schema (create a table, add an
//! index), with a name that never changes. The list only ever grows: the
//! database of a server that ran last month has the first three applied,
//! a new one has none, and both must end up with the same tables. So the
//! database remembers what it has, in a table of its own,
//! `applied_migrations`, and at start-up each migration whose name is not
//! there yet runs.
//!
//! Each one runs in a **transaction** together with the row that records
//! it: SQLite either keeps both or neither. A migration that fails half-way
//! (its second statement has a typo) leaves no half-made table and no
//! record, so the next start tries it again from the beginning. Hence the
//! rule: never edit a migration that has run anywhere; add the next one.

use std::collections::HashSet;

use rusqlite::{Connection, TransactionBehavior};

use crate::data::error::DataError;

/// The table that records which migrations ran, and when.
const RECORD_TABLE: &str = "CREATE TABLE IF NOT EXISTS applied_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
)";

/// One change to the schema: a name that is never reused, and its SQL (one
/// or more statements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its name, recorded once it ran: `0001_create_entries`.
    pub name: &'static str,
    /// The statements, separated by `;`.
    pub sql: &'static str,
}

impl Migration {
    /// A migration named `name` that runs `sql`.
    pub const fn new(name: &'static str, sql: &'static str) -> Migration {
        Migration { name, sql }
    }
}

/// Applies, in order, each migration not recorded yet; returns their names.
pub(crate) fn apply(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<Vec<String>, DataError> {
    // A repeated name would be skipped as "already applied", silently.
    let mut seen = HashSet::new();
    if let Some(twice) = migrations.iter().find(|m| !seen.insert(m.name)) {
        return Err(DataError::Migration {
            name: twice.name.to_string(),
            source: rusqlite::Error::InvalidParameterName(
                "the name is used twice in the list".to_string(),
            ),
        });
    }
    conn.execute_batch(RECORD_TABLE)?;
    let mut applied = Vec::new();
    for migration in migrations {
        let ran = apply_one(conn, migration).map_err(|source| DataError::Migration {
            name: migration.name.to_string(),
            source,
        })?;
        if ran {
            applied.push(migration.name.to_string());
        }
    }
    Ok(applied)
}

/// Runs one migration and records it, in one transaction, unless it is
/// recorded already; says whether it ran.
fn apply_one(conn: &mut Connection, migration: &Migration) -> rusqlite::Result<bool> {
    // IMMEDIATE takes the write lock at BEGIN: a second server starting on
    // the same file waits here, then finds the first one's record.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let recorded: i64 = tx.query_row(
        "SELECT count(*) FROM applied_migrations WHERE name = ?1",
        [migration.name],
        |row| row.get(0),
    )?;
    if recorded > 0 {
        return Ok(false); // dropping `tx` rolls back an empty transaction
    }
    tx.execute_batch(migration.sql)?;
    tx.execute(
        "INSERT INTO applied_migrations (name) VALUES (?1)",
        [migration.name],
    )?;
    // Only now do the new table and its record both become real. An early
    // return by `?` above drops `tx`, which rolls everything back.
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use crate::data::connection::Database;
    use crate::data::error::DataError;
    use crate::data::migrate::Migration;
    use crate::data::testing::TempDir;

    const CREATE: Migration = Migration::new(
        "0001_create_notes",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
    );
    const INDEX: Migration = Migration::new(
        "0002_index_notes_body",
        "CREATE INDEX notes_body ON notes (body)",
    );

    fn names(db: &Database, sql: &str) -> Vec<String> {
        let conn = db.lock();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn tables(db: &Database) -> Vec<String> {
        names(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        )
    }

    #[test]
    fn each_migration_runs_once_even_across_a_reopen() {
        let dir = TempDir::new("migrate");
        let path = dir.join("app.sqlite3");
        let db = Database::open(&path).unwrap();
        assert_eq!(db.migrate(&[CREATE]).unwrap(), ["0001_create_notes"]);
        assert!(db.migrate(&[CREATE]).unwrap().is_empty());
        drop(db);
        // A restart with one more migration applies just that one.
        let db = Database::open(&path).unwrap();
        assert_eq!(
            db.migrate(&[CREATE, INDEX]).unwrap(),
            ["0002_index_notes_body"]
        );
        assert_eq!(
            names(&db, "SELECT name FROM applied_migrations ORDER BY name"),
            ["0001_create_notes", "0002_index_notes_body"]
        );
    }

    #[test]
    fn a_failing_migration_leaves_neither_its_changes_nor_its_record() {
        let dir = TempDir::new("migrate");
        let db = Database::open(dir.join("app.sqlite3")).unwrap();
        // The first statement works, the second has a typo: both must go.
        let broken = Migration::new(
            "0002_broken",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY); CREATE TABEL oops (x)",
        );
        let err = db.migrate(&[CREATE, broken]).unwrap_err();
        assert!(
            matches!(&err, DataError::Migration { name, .. } if name == "0002_broken"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("migration 0002_broken failed: ")
        );
        assert_eq!(tables(&db), ["applied_migrations", "notes"]);
        assert_eq!(
            names(&db, "SELECT name FROM applied_migrations"),
            ["0001_create_notes"]
        );
    }

    #[test]
    fn a_name_listed_twice_is_refused_before_anything_runs() {
        let dir = TempDir::new("migrate");
        let db = Database::open(dir.join("app.sqlite3")).unwrap();
        let again = Migration::new("0001_create_notes", "CREATE TABLE other (x)");
        let err = db.migrate(&[CREATE, again]).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{err}");
        assert!(tables(&db).is_empty(), "{:?}", tables(&db));
    }
}
