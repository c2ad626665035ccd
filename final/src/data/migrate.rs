//! Migrations: schema changes applied once each, in order, in a transaction
//! each, recorded in `httprs_migrations`, under a lock so that two
//! instances starting together never both apply one. The rules are in
//! `final/docs/migrations.md` ([`Migration`](crate::Migration)'s documentation).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::data::connection::{Connection, Engine};
use crate::data::error::DbError;
use crate::data::model::{Column, Model, create_table_sql};

/// Where applied migrations are recorded, with the time as text in the
/// same form on both engines (`2026-12-03 11:58:52`, UTC).
fn record_table(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "CREATE TABLE IF NOT EXISTS httprs_migrations (
                name TEXT PRIMARY KEY,
                applied_at TEXT NOT NULL DEFAULT (datetime('now'))
            )"
        }
        Engine::Postgres => {
            "CREATE TABLE IF NOT EXISTS httprs_migrations (
                name TEXT PRIMARY KEY,
                applied_at TEXT NOT NULL
                    DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))
            )"
        }
    }
}

/// The key of PostgreSQL's advisory lock that migrations hold: any number
/// will do, as long as every httprs instance uses the same one. These are
/// the bytes of "httprs" (the lock is per database, so two apps on one
/// server do not wait for each other unless they share a database).
const LOCK_KEY: i64 = 0x6874_7470_7273;

/// One change to the schema: a unique name, and SQL (one or more statements).
///
#[doc = include_str!("../../docs/migrations.md")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    name: Cow<'static, str>,
    sqlite: Cow<'static, str>,
    postgres: Cow<'static, str>,
}

impl Migration {
    /// A migration named `name` that runs `sql` on either engine. Names
    /// order nothing (the list does) but a number in front keeps them
    /// readable: `0002_add_tags`.
    pub fn new(name: impl Into<Cow<'static, str>>, sql: impl Into<Cow<'static, str>>) -> Migration {
        let sql = sql.into();
        Migration {
            name: name.into(),
            sqlite: sql.clone(),
            postgres: sql,
        }
    }

    /// A migration whose SQL differs between the engines: for what has no
    /// spelling both accept (a table with an id of its own making is better
    /// made with [`Migration::table`]).
    pub fn per_engine(
        name: impl Into<Cow<'static, str>>,
        sqlite: impl Into<Cow<'static, str>>,
        postgres: impl Into<Cow<'static, str>>,
    ) -> Migration {
        Migration {
            name: name.into(),
            sqlite: sqlite.into(),
            postgres: postgres.into(),
        }
    }

    /// A migration creating `M`'s table, from [`Model::create_table_sql`].
    ///
    /// # Panics
    /// If `M` has a table or column name that is not a plain identifier.
    pub fn create_table<M: Model>(name: impl Into<Cow<'static, str>>) -> Migration {
        Migration::table(name, M::TABLE, M::COLUMNS)
    }

    /// A migration creating `table` with an `id` column the database fills
    /// in (written for each engine, as for a [`Model`]) and `columns`: for
    /// a table no model maps.
    ///
    /// # Panics
    /// If the table or a column name is not a plain identifier.
    pub fn table(name: impl Into<Cow<'static, str>>, table: &str, columns: &[Column]) -> Migration {
        Migration::per_engine(
            name,
            create_table_sql(Engine::Sqlite, table, columns),
            create_table_sql(Engine::Postgres, table, columns),
        )
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its SQL for `engine`.
    pub fn sql(&self, engine: Engine) -> &str {
        match engine {
            Engine::Sqlite => &self.sqlite,
            Engine::Postgres => &self.postgres,
        }
    }
}

/// Applies, in order, each migration not recorded yet; returns their names.
/// See [`Database::migrate`](crate::Database::migrate), which calls it.
pub(crate) fn apply(conn: &Connection, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
    // Checked before anything runs: a repeated name would be skipped as
    // "already applied", silently.
    let mut seen = HashSet::new();
    if let Some(repeated) = migrations.iter().find(|m| !seen.insert(m.name())) {
        return Err(DbError::Migration {
            name: repeated.name().to_string(),
            problem: "the name is used twice in the list".to_string(),
        });
    }
    let engine = conn.engine();
    // Under the lock too: two PostgreSQL sessions running `CREATE TABLE IF
    // NOT EXISTS` at the same moment can both try to create it.
    locked(conn, |tx| tx.execute_batch(record_table(engine)))?;
    let mut applied = Vec::new();
    for migration in migrations {
        let ran = apply_one(conn, migration).map_err(|err| DbError::Migration {
            name: migration.name().to_string(),
            problem: err.to_string(),
        })?;
        if ran {
            applied.push(migration.name().to_string());
        }
    }
    Ok(applied)
}

/// Runs `work` in a transaction that holds the migration lock: SQLite's
/// write lock (`transaction` begins `IMMEDIATE`), or on PostgreSQL an
/// advisory lock that the transaction's end releases. A second instance
/// waits here (up to the lock timeout), then finds the first one's record.
fn locked<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    conn.transaction(|tx| {
        if tx.engine() == Engine::Postgres {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
        }
        work(tx)
    })
}

/// Runs one migration with its record in one transaction, unless it is
/// recorded already; says whether it ran.
fn apply_one(conn: &Connection, migration: &Migration) -> Result<bool, DbError> {
    locked(conn, |tx| {
        let recorded = tx
            .query_opt(
                "SELECT name FROM httprs_migrations WHERE name = $1",
                &[&migration.name()],
            )?
            .is_some();
        if recorded {
            // Nothing changed; committing the empty transaction ends it.
            return Ok(false);
        }
        tx.execute_batch(migration.sql(tx.engine()))?;
        tx.execute(
            "INSERT INTO httprs_migrations (name) VALUES ($1)",
            &[&migration.name()],
        )?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::pool::Database;

    /// A database with nothing in it. `apply` works on one connection: the
    /// pool's `Database::migrate` checks one out and calls it.
    fn database() -> Database {
        Database::open_in_memory().unwrap()
    }

    /// `apply`, as `Database::migrate` calls it.
    fn migrate(db: &mut Database, migrations: &[Migration]) -> Result<Vec<String>, DbError> {
        apply(&db.checkout().unwrap(), migrations)
    }

    /// The `name` column of every row `sql` returns.
    fn names(db: &Database, sql: &str) -> Vec<String> {
        db.checkout()
            .unwrap()
            .query(sql, &[])
            .unwrap()
            .iter()
            .map(|row| row.get("name").unwrap())
            .collect()
    }

    fn tables(db: &Database) -> Vec<String> {
        names(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    }

    fn recorded(db: &Database) -> Vec<String> {
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
            .checkout()
            .unwrap()
            .query_one("SELECT count(*) AS n FROM people", &[])
            .and_then(|r| r.get("n"))
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
