//! The data layer's promises, checked on both engines with one body each:
//! `$N` placeholders bound by number (out of order, repeated), values in
//! and out, transactions and savepoints, each constraint's status, a lock
//! held too long as a 503, and two instances migrating at once applying
//! each migration once.

mod support;

use std::time::Duration;

use httprs::{ConstraintKind, Database, DbError, Engine, Migration, Value};
use httprs::{Model, Order};
use support::note::Note;
use support::{Backend, TempDir};

/// A pool of `size` on `backend`, and the folder a SQLite file lives in.
fn open(backend: &Backend, size: usize) -> (Database, TempDir) {
    let dir = TempDir::new("engines");
    let db = Database::open(backend.database(dir.join("test.sqlite3")), size)
        .expect("open the test database");
    (db, dir)
}

fn placeholders_are_bound_by_number_in_any_order(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    let conn = db.checkout().unwrap();
    let row = conn
        .query_one(
            "SELECT CAST($2 AS TEXT) AS second, CAST($1 AS TEXT) AS first, \
             CAST($1 AS TEXT) AS again",
            &[&"one", &"two"],
        )
        .unwrap();
    assert_eq!(row.get::<String>("first").unwrap(), "one");
    assert_eq!(row.get::<String>("second").unwrap(), "two");
    assert_eq!(row.get::<String>("again").unwrap(), "one");
    let err = conn.query("SELECT CAST($1 AS TEXT) AS x", &[]).unwrap_err();
    assert_eq!(err.status().code(), 500, "{err}");
}

fn values_round_trip_through_typed_columns(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    let conn = db.checkout().unwrap();
    conn.execute_batch(
        "CREATE TABLE t (small INTEGER, big BIGINT, x REAL, flag BOOLEAN, \
         data BYTEA, note TEXT)"
            .replace("BYTEA", backend.pick("BLOB", "BYTEA"))
            .as_str(),
    )
    .unwrap();
    // An i64 into an INTEGER column, a bool into a BOOLEAN (SQLite: 1).
    let changed = conn
        .execute(
            "INSERT INTO t (small, big, x, flag, data, note) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &7i64,
                &(1i64 << 40),
                &1.5,
                &true,
                &vec![0u8, 255],
                &None::<String>,
            ],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let row = conn.query_one("SELECT * FROM t", &[]).unwrap();
    assert_eq!(row.get::<i32>("small").unwrap(), 7);
    assert_eq!(row.get::<i64>("big").unwrap(), 1 << 40);
    assert_eq!(row.get::<f64>("x").unwrap(), 1.5);
    assert!(row.get::<bool>("flag").unwrap());
    assert_eq!(row.get::<Vec<u8>>("data").unwrap(), [0, 255]);
    assert_eq!(row.get::<Option<String>>("note").unwrap(), None);
    assert_eq!(row.get::<Value>("note").unwrap(), Value::Null);
    // Too big for a 4-byte INTEGER: PostgreSQL refuses it before sending;
    // SQLite's INTEGER holds 8 bytes anyway.
    let big = conn.execute("INSERT INTO t (small) VALUES ($1)", &[&(1i64 << 40)]);
    assert_eq!(big.is_ok(), backend.is_sqlite(), "{big:?}");
    assert!(
        conn.query_opt("SELECT * FROM t WHERE big = $1", &[&0i64])
            .unwrap()
            .is_none()
    );
}

fn a_transaction_commits_on_ok_and_rolls_back_on_err(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    let conn = db.checkout().unwrap();
    conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL)")
        .unwrap();
    let count = || -> i64 {
        conn.query_one("SELECT count(*) AS n FROM t", &[])
            .and_then(|r| r.get("n"))
            .unwrap()
    };
    conn.transaction(|tx| tx.execute("INSERT INTO t (n) VALUES ($1)", &[&1]))
        .unwrap();
    let err = conn
        .transaction(|tx| {
            tx.execute("INSERT INTO t (n) VALUES ($1)", &[&2])?;
            tx.execute("INSERT INTO t (n) VALUES (NULL)", &[])
        })
        .unwrap_err();
    assert_eq!(err.status().code(), 422);
    assert_eq!(count(), 1, "the whole transaction was undone");
    // A savepoint inside: the inner failure alone is undone.
    conn.transaction(|tx| {
        tx.execute("INSERT INTO t (n) VALUES ($1)", &[&3])?;
        let inner = tx.transaction(|inner| inner.execute("INSERT INTO t (n) VALUES (NULL)", &[]));
        assert!(inner.is_err());
        Ok(())
    })
    .unwrap();
    assert_eq!(count(), 2);
}

fn each_constraint_kind_maps_to_its_status(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    let conn = db.checkout().unwrap();
    conn.execute_batch(
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
         CREATE TABLE books (id INTEGER PRIMARY KEY,
             title TEXT NOT NULL CHECK (title <> ''),
             author INTEGER REFERENCES authors (id));
         INSERT INTO authors (id, name) VALUES (1, 'Ada');",
    )
    .unwrap();
    let cases = [
        (
            "INSERT INTO authors (id, name) VALUES (2, 'Ada')",
            ConstraintKind::Unique,
            409,
        ),
        (
            "INSERT INTO authors (id, name) VALUES (1, 'Bo')",
            ConstraintKind::PrimaryKey,
            409,
        ),
        (
            "INSERT INTO authors (id, name) VALUES (3, NULL)",
            ConstraintKind::NotNull,
            422,
        ),
        (
            "INSERT INTO books (id, title) VALUES (1, '')",
            ConstraintKind::Check,
            422,
        ),
        (
            "INSERT INTO books (id, title, author) VALUES (1, 'x', 99)",
            ConstraintKind::ForeignKey,
            422,
        ),
    ];
    for (sql, expected, status) in cases {
        match conn.execute(sql, &[]) {
            Err(err @ DbError::Constraint { kind, .. }) => {
                assert_eq!(kind, expected, "{sql}: {err}");
                assert_eq!(err.status().code(), status, "{sql}");
            }
            other => panic!("{sql}: expected a constraint error, got {other:?}"),
        }
    }
    let err = conn.execute("SELECT * FROM secret_table", &[]).unwrap_err();
    assert_eq!(err.status().code(), 500, "{err}");
    assert!(err.to_string().contains("secret_table"), "{err}");
}

fn a_lock_held_beyond_the_timeout_is_503(backend: Backend) {
    let (db, _dir) = open(&backend, 2);
    let db = db.with_timeout(Duration::from_millis(100));
    let first = db.checkout().unwrap();
    let second = db.checkout().unwrap();
    first.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    // The first holds a write lock on the table until it is dropped.
    first
        .execute_batch(backend.pick("BEGIN IMMEDIATE", "BEGIN; LOCK TABLE t"))
        .unwrap();
    let err = second
        .execute("INSERT INTO t (x) VALUES (1)", &[])
        .unwrap_err();
    assert!(matches!(err, DbError::Busy(_)), "{err:?}");
    assert_eq!(err.status().code(), 503);
    drop(first);
    drop(second);
    // Both went back, rolled back, and work again.
    let conn = db.checkout().unwrap();
    conn.execute("INSERT INTO t (x) VALUES (1)", &[]).unwrap();
}

fn two_instances_starting_at_once_apply_each_migration_once(backend: Backend) {
    let dir = TempDir::new("engines-race");
    let database = backend.database(dir.join("race.sqlite3"));
    // Each would fail on a second run: the seed's name is unique.
    let migrations = [
        Migration::new(
            "0001_people",
            "CREATE TABLE people (name TEXT NOT NULL UNIQUE)",
        ),
        Migration::new("0002_seed", "INSERT INTO people (name) VALUES ('Ada')"),
        Migration::new("0003_index", "CREATE INDEX people_name ON people (name)"),
    ];
    let start = std::sync::Barrier::new(2);
    let applied: Vec<Vec<String>> = std::thread::scope(|s| {
        let instances: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let db = Database::open(&database, 1).expect("open");
                    db.migrate(&migrations).expect("migrate")
                })
            })
            .collect();
        instances.into_iter().map(|i| i.join().unwrap()).collect()
    });
    let mut all: Vec<String> = applied.into_iter().flatten().collect();
    all.sort();
    assert_eq!(
        all,
        ["0001_people", "0002_seed", "0003_index"],
        "each once, by one of them"
    );
    let db = Database::open(&database, 1).unwrap();
    let conn = db.checkout().unwrap();
    let n: i64 = conn
        .query_one("SELECT count(*) AS n FROM httprs_migrations", &[])
        .and_then(|r| r.get("n"))
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(db.engine(), backend.pick(Engine::Sqlite, Engine::Postgres));
}

fn note(title: &str, stars: i64) -> Note {
    Note {
        id: None,
        title: title.to_string(),
        stars,
    }
}

fn a_model_inserts_reads_lists_updates_and_deletes(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    db.migrate(&[Migration::create_table::<Note>("0001_notes")])
        .unwrap();
    let conn = db.checkout().unwrap();
    let mut first = note("b", 1);
    assert_eq!(first.insert(&conn).unwrap(), 1);
    let mut second = note("a", 5);
    assert_eq!(second.insert(&conn).unwrap(), 2);
    assert_eq!(Note::get(&conn, 2).unwrap(), second);
    assert_eq!(Note::get(&conn, 3).unwrap_err().status().code(), 404);
    let titles = |order| -> Vec<String> {
        Note::list(&conn, order, 10)
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect()
    };
    assert_eq!(titles(Order::asc("title")), ["a", "b"]);
    assert_eq!(titles(Order::desc("id")), ["a", "b"]);
    first.stars = 3;
    first.update(&conn).unwrap();
    assert_eq!(Note::get(&conn, 1).unwrap().stars, 3);
    first.title = "a".into();
    assert_eq!(first.update(&conn).unwrap_err().status().code(), 409);
    assert_eq!(note("c", 9).insert(&conn).unwrap_err().status().code(), 422);
    Note::delete(&conn, 2).unwrap();
    assert_eq!(Note::delete(&conn, 2).unwrap_err().status().code(), 404);
    // A deleted id is not handed out again (nor one a refused insert used up).
    assert!(note("d", 0).insert(&conn).unwrap() > 2);
    let unsaved = note("never inserted", 1).update(&conn).unwrap_err();
    assert!(matches!(unsaved, DbError::NotSaved { table: "notes" }));
}

fn a_failing_migration_is_named_and_leaves_nothing_behind(backend: Backend) {
    let (db, _dir) = open(&backend, 1);
    let mut list = vec![
        Migration::new("0001_people", "CREATE TABLE people (name TEXT NOT NULL)"),
        // Its first statement works, its second does not: the first is undone.
        Migration::new(
            "0002_broken",
            "CREATE TABLE pets (name TEXT); CREAT TABLE oops (x INTEGER);",
        ),
        Migration::new("0003_after", "CREATE TABLE later (x INTEGER)"),
    ];
    let err = db.migrate(&list).unwrap_err().to_string();
    assert!(err.starts_with("migration 0002_broken failed: "), "{err}");
    assert!(err.contains("syntax error"), "{err}");
    let conn = db.checkout().unwrap();
    assert!(
        conn.query("SELECT * FROM pets", &[]).is_err(),
        "pets was undone"
    );
    drop(conn);
    // Fixed, it runs on the next start, and so does the one after it; the
    // first is not applied again.
    list[1] = Migration::new("0002_broken", "CREATE TABLE pets (name TEXT)");
    assert_eq!(db.migrate(&list).unwrap(), ["0002_broken", "0003_after"]);
    assert!(db.migrate(&list).unwrap().is_empty());
}

on_both_engines!(
    a_model_inserts_reads_lists_updates_and_deletes,
    a_failing_migration_is_named_and_leaves_nothing_behind,
    placeholders_are_bound_by_number_in_any_order,
    values_round_trip_through_typed_columns,
    a_transaction_commits_on_ok_and_rolls_back_on_err,
    each_constraint_kind_maps_to_its_status,
    a_lock_held_beyond_the_timeout_is_503,
    two_instances_starting_at_once_apply_each_migration_once,
);

/// PostgreSQL only: SQLite has no server to lose.
#[test]
fn a_connection_the_server_closed_is_a_503_then_replaced() {
    let Some(url) = support::postgres::database("lost_connection") else {
        return;
    };
    let db = Database::open(&url, 2).unwrap();
    let victim = db.checkout().unwrap();
    let pid: i32 = victim
        .query_one("SELECT pg_backend_pid() AS pid", &[])
        .and_then(|r| r.get("pid"))
        .unwrap();
    let killer = db.checkout().unwrap();
    killer
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    drop(killer);
    // What a handler sees when the server goes away under it: try again.
    let err = victim.query("SELECT 1 AS one", &[]).unwrap_err();
    assert_eq!(err.status().code(), 503, "{err:?}");
    drop(victim);
    // Both places work again: the lost one connects afresh.
    let (a, b) = (db.checkout().unwrap(), db.checkout().unwrap());
    for conn in [&a, &b] {
        let one: i64 = conn
            .query_one("SELECT 1::BIGINT AS one", &[])
            .and_then(|r| r.get("one"))
            .unwrap();
        assert_eq!(one, 1);
    }
}

/// PostgreSQL only: its rows arrive as bytes, read cell by cell when asked
/// for (SQLite's are read as the statement steps).
#[test]
fn a_postgres_cell_is_read_when_asked_for_and_only_an_unreadable_one_fails() {
    let Some(url) = support::postgres::database("lazy_cells") else {
        return;
    };
    let db = Database::open(&url, 1).unwrap();
    let conn = db.checkout().unwrap();
    // NUMERIC is a type the data layer does not read: the query still
    // answers, the other columns read, and that one is a 500 naming it.
    let row = conn
        .query_one(
            "SELECT 'caf\u{e9} <b>' AS word, 41 + $1::INTEGER AS n, 1.5::NUMERIC AS price, \
             NULL::TEXT AS nothing",
            &[&1i64],
        )
        .unwrap();
    assert_eq!(row.get::<String>("word").unwrap(), "caf\u{e9} <b>");
    assert_eq!(row.get::<i64>("n").unwrap(), 42);
    assert_eq!(row.get::<Option<String>>("nothing").unwrap(), None);
    let err = row.get::<String>("price").unwrap_err();
    assert_eq!(err.status().code(), 500);
    assert!(
        matches!(&err, DbError::Value(message) if message.starts_with("column \"price\": ")),
        "{err:?}"
    );
    // A cell can be read again, as another type, and a row compares and
    // shows by its values however they were read.
    assert_eq!(row.get::<Value>("n").unwrap(), Value::Integer(42));
    assert_eq!(row, row.clone());
    // A copy holds the cells read, and answers as the original, errors too.
    let copy = row.clone();
    assert_eq!(copy.get::<i64>("n").unwrap(), 42);
    assert_eq!(copy.get::<String>("word").unwrap(), "caf\u{e9} <b>");
    assert_eq!(
        copy.get::<String>("price").unwrap_err().to_string(),
        err.to_string()
    );
    assert_eq!(copy.clone(), row);
    let again = conn.query_one("SELECT 'x' AS word", &[]).unwrap();
    assert_ne!(row, again);
    assert_eq!(format!("{again:?}"), r#"{"word": Text("x")}"#);
}

#[test]
fn an_unreachable_server_or_a_bad_url_is_named_not_a_panic() {
    // Port 1 on loopback: nothing listens there.
    let err = Database::open("postgres://httprs@127.0.0.1:1/none", 1).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "cannot open database postgres://httprs@127.0.0.1:1/none: the database setting \
             names a PostgreSQL server that cannot be reached"
        ),
        "{text}"
    );
    let err = Database::open("postgres://ada:secret@127.0.0.1:notaport/x", 1).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("not a valid PostgreSQL URL"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}
