//! Migrations: schema changes applied once each, in order, in a transaction
//! each, recorded in `httprs_migrations`. The rules are in
//! `final/docs/migrations.md` ([`Migration`](crate::Migration)'s documentation).

use std::borrow::Cow;
use std::collections::HashSet;

use rusqlite::{Connection, TransactionBehavior};

use crate::data::error::DbError;
use crate::data::model::Model;

/// Where applied migrations are recorded.
const RECORD_TABLE: &str = "CREATE TABLE IF NOT EXISTS httprs_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
)";

/// One change to the schema: a unique name, and SQL (one or more statements).
///
#[doc = include_str!("../../docs/migrations.md")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    name: Cow<'static, str>,
    sql: Cow<'static, str>,
}

impl Migration {
    /// A migration named `name` that runs `sql`. Names order nothing (the
    /// list does) but a number in front keeps them readable: `0002_add_tags`.
    pub fn new(name: impl Into<Cow<'static, str>>, sql: impl Into<Cow<'static, str>>) -> Migration {
        Migration {
            name: name.into(),
            sql: sql.into(),
        }
    }

    /// A migration creating `M`'s table, from [`Model::create_table_sql`].
    ///
    /// # Panics
    /// If `M` has a table or column name that is not a plain identifier.
    pub fn create_table<M: Model>(name: impl Into<Cow<'static, str>>) -> Migration {
        Migration::new(name, M::create_table_sql())
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its SQL.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// Applies, in order, each migration not recorded yet; returns their names.
/// See [`crate::data::pool::Database::migrate`].
pub(crate) fn apply(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<Vec<String>, DbError> {
    // Checked before anything runs: a repeated name would be skipped as
    // "already applied", silently.
    let mut seen = HashSet::new();
    if let Some(repeated) = migrations.iter().find(|m| !seen.insert(m.name())) {
        return Err(DbError::Migration {
            name: repeated.name().to_string(),
            problem: "the name is used twice in the list".to_string(),
        });
    }
    conn.execute_batch(RECORD_TABLE)?;
    let mut applied = Vec::new();
    for migration in migrations {
        let ran = apply_one(conn, migration).map_err(|err| DbError::Migration {
            name: migration.name().to_string(),
            problem: DbError::from(err).to_string(),
        })?;
        if ran {
            applied.push(migration.name().to_string());
        }
    }
    Ok(applied)
}

/// Runs one migration with its record in one transaction, unless it is
/// recorded already; says whether it ran.
fn apply_one(conn: &mut Connection, migration: &Migration) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let recorded: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM httprs_migrations WHERE name = ?1)",
        [migration.name()],
        |row| row.get(0),
    )?;
    if recorded {
        // Dropping the transaction ends it; it changed nothing.
        return Ok(false);
    }
    tx.execute_batch(migration.sql())?;
    tx.execute(
        "INSERT INTO httprs_migrations (name) VALUES (?1)",
        [migration.name()],
    )?;
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with nothing in it. `apply` works on one connection: the
    /// pool's `Database::migrate` checks one out and calls it.
    fn database() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    /// `apply`, as `Database::migrate` calls it.
    fn migrate(db: &mut Connection, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
        apply(db, migrations)
    }

    /// The first column of every row `sql` returns.
    fn names(db: &Connection, sql: &str) -> Vec<String> {
        let mut statement = db.prepare(sql).unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    fn tables(db: &Connection) -> Vec<String> {
        names(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    }

    fn recorded(db: &Connection) -> Vec<String> {
        names(db, "SELECT name FROM httprs_migrations ORDER BY rowid")
    }

    fn history() -> Vec<Migration> {
        vec![
            Migration::new("0001_people", "CREATE TABLE people (name TEXT NOT NULL)"),
            // Depends on the first: it only works in order.
            Migration::new(
                "0002_seed",
                "INSERT INTO people (name) VALUES ('Ada'); INSERT INTO people (name) VALUES ('Grace');",
            ),
        ]
    }

    #[test]
    fn migrations_apply_in_order_and_once() {
        let mut db = database();
        assert_eq!(
            migrate(&mut db, &history()).unwrap(),
            ["0001_people", "0002_seed"]
        );
        assert!(
            migrate(&mut db, &history()).unwrap().is_empty(),
            "second run applies nothing"
        );
        let mut more = history();
        more.push(Migration::new("0003_pets", "CREATE TABLE pets (name TEXT)"));
        assert_eq!(migrate(&mut db, &more).unwrap(), ["0003_pets"]);
        assert_eq!(recorded(&db), ["0001_people", "0002_seed", "0003_pets"]);
        let people: i64 = db
            .query_row("SELECT count(*) FROM people", [], |r| r.get(0))
            .unwrap();
        assert_eq!(people, 2, "the seed ran once");
    }

    #[test]
    fn a_failing_migration_is_named_and_leaves_nothing_behind() {
        let mut db = database();
        let mut list = history();
        // Its first statement works, its second does not: the first must be undone.
        list.push(Migration::new(
            "0003_broken",
            "CREATE TABLE pets (name TEXT); CREAT TABLE oops (x);",
        ));
        list.push(Migration::new("0004_after", "CREATE TABLE later (x)"));
        let err = migrate(&mut db, &list).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "migration 0003_broken failed: database error: near \"CREAT\": syntax error"
            ),
            "{err}"
        );
        assert_eq!(tables(&db), ["httprs_migrations", "people"]);
        assert_eq!(recorded(&db), ["0001_people", "0002_seed"]);
        // Fixed, it runs on the next start, and so does the one after it.
        list[2] = Migration::new("0003_broken", "CREATE TABLE pets (name TEXT)");
        assert_eq!(
            migrate(&mut db, &list).unwrap(),
            ["0003_broken", "0004_after"]
        );
    }

    #[test]
    fn a_name_used_twice_is_refused_before_anything_runs() {
        let mut db = database();
        let mut list = history();
        list.push(Migration::new("0001_people", "CREATE TABLE other (x)"));
        let err = migrate(&mut db, &list).unwrap_err();
        assert_eq!(
            err.to_string(),
            "migration 0001_people failed: the name is used twice in the list"
        );
        assert!(tables(&db).is_empty());
    }
}
