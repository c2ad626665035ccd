//! Many statements in one handler, the fast way, on both engines:
//! `Connection::query_pipelined` (pipelined on PostgreSQL, one after
//! another on SQLite), `Model::get_many` on top of it, and
//! `Model::update_many` (one statement on PostgreSQL, one transaction on
//! SQLite). What they must keep: the order of the answers, the same rows as
//! one call each, a typed error for a failing statement with the
//! connection still usable, and the same table as updating one by one.

mod support;

use httprs::{Connection, Database, DbError, Migration, Model, Order, Row};
use support::note::Note;
use support::{Backend, TempDir};

/// A pool of one on `backend`, with `n` notes titled `note 1`.. and stars
/// `i % 6`; ids 1..=n.
fn notes(backend: &Backend, n: i64) -> (Database, TempDir) {
    let dir = TempDir::new("pipelined");
    let db = Database::open(backend.database(dir.join("test.sqlite3")), 1)
        .expect("open the test database");
    db.migrate(&[Migration::create_table::<Note>("0001_notes")])
        .unwrap();
    let conn = db.checkout().unwrap();
    conn.transaction(|tx| {
        for i in 1..=n {
            let mut note = Note {
                id: None,
                title: format!("note {i}"),
                stars: i % 6,
            };
            assert_eq!(note.insert(tx)?, i);
        }
        Ok(())
    })
    .unwrap();
    drop(conn);
    (db, dir)
}

fn all(conn: &Connection) -> Vec<Note> {
    Note::list(conn, Order::asc("id"), 10_000).unwrap()
}

fn pipelined_results_come_back_in_order_and_match_one_by_one(backend: Backend) {
    let (db, _dir) = notes(&backend, 600);
    let conn = db.checkout().unwrap();
    // Out of order, with an id twice, and more than any socket buffer
    // holds at once (500 queries): the order is the caller's, not the ids'.
    let mut ids: Vec<i64> = (1..=500).map(|i| (i * 7919) % 600 + 1).collect();
    ids[10] = ids[3];
    let one_by_one: Vec<Note> = ids
        .iter()
        .map(|id| Note::get(&conn, *id).unwrap())
        .collect();
    assert_eq!(Note::get_many(&conn, &ids).unwrap(), one_by_one);
    assert_eq!(one_by_one[10], one_by_one[3]);
    assert!(Note::get_many(&conn, &[]).unwrap().is_empty());
    // Different statements in one batch, each with its own rows.
    let count = "SELECT count(*) AS n FROM notes WHERE stars = $1";
    let titles = "SELECT title FROM notes WHERE id <= $1 ORDER BY id";
    let results = conn
        .query_pipelined(&[
            (count, &[&5]),
            (titles, &[&3i64]),
            ("SELECT title FROM notes WHERE id = $1", &[&9999i64]),
            (count, &[&0]),
        ])
        .unwrap();
    let n = |rows: &[Row]| rows[0].get::<i64>("n").unwrap();
    assert_eq!(
        (results.len(), n(&results[0]), n(&results[3])),
        (4, 100, 100)
    );
    let read: Vec<String> = results[1].iter().map(|r| r.get("title").unwrap()).collect();
    assert_eq!(read, ["note 1", "note 2", "note 3"]);
    assert!(
        results[2].is_empty(),
        "no row is an empty result, not an error"
    );
}

fn a_failing_statement_in_a_pipeline_is_typed_and_leaves_the_connection_usable(backend: Backend) {
    let (db, _dir) = notes(&backend, 3);
    let conn = db.checkout().unwrap();
    let insert = "INSERT INTO notes (title, stars) VALUES ($1, $2) RETURNING id";
    let err = conn
        .query_pipelined(&[
            ("SELECT title FROM notes WHERE id = $1", &[&1i64]),
            // Refused as it runs: a duplicate title (409).
            (insert, &[&"note 2", &1]),
            // Refused before it runs: no such table.
            ("SELECT x FROM no_such_table WHERE x = $1", &[&1]),
            // Runs all the same: each statement stands alone.
            (insert, &[&"after the failures", &2]),
        ])
        .unwrap_err();
    assert!(
        matches!(err, DbError::Constraint { .. }),
        "the first failure in order: {err:?}"
    );
    assert_eq!(err.status().code(), 409);
    // The connection works, and the statement after the failures ran.
    let titles: Vec<String> = all(&conn).into_iter().map(|n| n.title).collect();
    assert_eq!(titles, ["note 1", "note 2", "note 3", "after the failures"]);
    let err = conn
        .query_pipelined(&[("SELECT x FROM no_such_table WHERE x = $1", &[&1])])
        .unwrap_err();
    assert_eq!(err.status().code(), 500, "{err}");
    // A missing row is named, as `get` names it.
    let err = Note::get_many(&conn, &[1, 77, 2]).unwrap_err();
    assert_eq!(err.to_string(), "no notes row with id 77");
    assert_eq!(err.status().code(), 404);
    assert_eq!(Note::get_many(&conn, &[3, 1]).unwrap().len(), 2);
    // Inside a transaction a failure undoes the whole batch, on both
    // engines (PostgreSQL refuses what follows it; SQLite runs it, and the
    // rollback takes it back).
    let err = conn
        .transaction(|tx| {
            tx.query_pipelined(&[
                (insert, &[&"in the transaction", &1]),
                (insert, &[&"note 1", &1]),
                (insert, &[&"after, in the transaction", &1]),
            ])
        })
        .unwrap_err();
    assert_eq!(err.status().code(), 409, "{err}");
    assert_eq!(all(&conn).len(), 4, "the whole batch was undone");
    // Back in the pool, it is handed out again and works.
    drop(conn);
    assert_eq!(all(&db.checkout().unwrap()).len(), 4);
}

fn a_batched_update_writes_what_one_by_one_would(backend: Backend) {
    let (db, _dir) = notes(&backend, 30);
    let conn = db.checkout().unwrap();
    // Out of order, id 5 twice (the last given wins), every column changed.
    let changes: Vec<Note> = [17, 5, 2, 30, 5, 11, 1]
        .iter()
        .enumerate()
        .map(|(i, id)| Note {
            id: Some(*id),
            title: format!("changed {i}"),
            stars: (*id + i as i64) % 6,
        })
        .collect();
    // One by one, in a transaction undone afterwards, to see what it leaves.
    let mut expected = Vec::new();
    let undone = conn.transaction(|tx| {
        for note in &changes {
            note.update(tx)?;
        }
        expected = all(tx);
        Err::<(), _>(DbError::NotFound("undo".into()))
    });
    assert!(undone.is_err());
    assert_eq!(all(&conn).len(), 30);
    assert_ne!(all(&conn), expected, "the one-by-one writes were undone");
    Note::update_many(&conn, &changes).unwrap();
    assert_eq!(all(&conn), expected);
    assert_eq!(Note::get(&conn, 5).unwrap().title, "changed 4");
    Note::update_many(&conn, &[]).unwrap();
}

fn a_batched_update_refuses_unsaved_rows_and_names_missing_ones(backend: Backend) {
    let (db, _dir) = notes(&backend, 3);
    let conn = db.checkout().unwrap();
    let before = all(&conn);
    let mut rows = before.clone();
    rows[0].stars = 0;
    rows.push(Note {
        id: None,
        title: "unsaved".into(),
        stars: 1,
    });
    let err = Note::update_many(&conn, &rows).unwrap_err();
    assert!(
        matches!(err, DbError::NotSaved { table: "notes" }),
        "{err:?}"
    );
    assert_eq!(all(&conn), before, "nothing written");
    // A value the schema refuses: nothing is written.
    let mut rows = before.clone();
    rows[0].stars = 0;
    rows[1].stars = 9;
    let err = Note::update_many(&conn, &rows).unwrap_err();
    assert_eq!(err.status().code(), 422, "{err}");
    assert_eq!(all(&conn), before, "nothing written");
    // Ids with no row: the others are written, and the error counts them.
    let mut rows = before.clone();
    rows[2].stars = 5;
    for id in [40, 41] {
        rows.push(Note {
            id: Some(id),
            title: format!("gone {id}"),
            stars: 1,
        });
    }
    let err = Note::update_many(&conn, &rows).unwrap_err();
    assert_eq!(
        err.to_string(),
        "2 of the 5 notes rows to update do not exist"
    );
    assert_eq!(err.status().code(), 404);
    assert_eq!(Note::get(&conn, 3).unwrap().stars, 5);
}

on_both_engines!(
    pipelined_results_come_back_in_order_and_match_one_by_one,
    a_failing_statement_in_a_pipeline_is_typed_and_leaves_the_connection_usable,
    a_batched_update_writes_what_one_by_one_would,
    a_batched_update_refuses_unsaved_rows_and_names_missing_ones,
);
