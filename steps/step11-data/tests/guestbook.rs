//! The guestbook over real sockets, as a visitor and an operator use it:
//! the real program, on a database of its own, stopped and started again.

mod support;

use support::{Program, TempDir, form_encode, start};

const EXE: &str = env!("CARGO_BIN_EXE_step11");

fn guestbook(dir: &TempDir) -> Program {
    let db = dir.join("guestbook.sqlite3");
    start(
        EXE,
        &["--database", db.to_str().unwrap()],
        &[],
        &dir.join("stderr.log"),
    )
    .unwrap_or_else(|(status, log)| panic!("step11 exited with {status}: {log}"))
}

fn sign(program: &Program, name: &str, message: &str) -> step11::testing::Answer {
    let form = format!(
        "name={}&message={}",
        form_encode(name),
        form_encode(message)
    );
    program.post("/", &form, "")
}

#[test]
fn the_entries_survive_a_restart() {
    let dir = TempDir::new("restart");
    let first = guestbook(&dir);
    let signed = sign(&first, "Ada", "Kept across a restart");
    assert_eq!(signed.status, 303, "{}", signed.text());
    assert_eq!(signed.header("location"), Some("/"));
    // A kill, not a clean stop: the entry must already be on disk.
    first.kill();
    let second = guestbook(&dir);
    let page = second.get("/", "");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("Kept across a restart"),
        "{}",
        page.text()
    );
    // The migration ran once: the second start applied nothing.
    sign(&second, "Grace", "Second");
    let text = second.get("/", "").text();
    let (grace, ada) = (
        text.find("Second").unwrap(),
        text.find("Kept across").unwrap(),
    );
    assert!(grace < ada, "newest first");
}

#[test]
fn an_sql_injection_attempt_is_stored_verbatim_as_text() {
    let dir = TempDir::new("injection");
    let program = guestbook(&dir);
    let evil = "x', 'y', 'z'); DROP TABLE entries; --";
    assert_eq!(sign(&program, "Robert'); --", evil).status, 303);
    assert_eq!(sign(&program, "After", "still here").status, 303);
    program.kill();
    // Read the file directly: the text is in the table, byte for byte.
    let conn = rusqlite::Connection::open(dir.join("guestbook.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, message FROM entries ORDER BY id")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("Robert'); --".to_string(), evil.to_string()),
            ("After".to_string(), "still here".to_string())
        ]
    );
}

#[test]
fn a_refused_form_gets_422_with_the_reasons_and_stores_nothing() {
    let dir = TempDir::new("refused");
    let program = guestbook(&dir);
    let answer = sign(&program, "   ", "Kept & shown");
    assert_eq!(answer.status, 422);
    let text = answer.text();
    assert!(text.contains("Please write your name."), "{text}");
    assert!(
        text.contains("Kept &amp; shown"),
        "the message comes back: {text}"
    );
    assert!(program.get("/", "").text().contains("No entries yet"));
}

#[test]
fn a_database_that_cannot_be_opened_stops_the_start_with_exit_2() {
    let dir = TempDir::new("unopenable");
    let missing = dir.join("no/such/folder/guestbook.sqlite3");
    let Err((status, log)) = start(
        EXE,
        &["--database", missing.to_str().unwrap()],
        &[],
        &dir.join("stderr.log"),
    ) else {
        panic!("step11 started on a database in a missing folder");
    };
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.starts_with("error: cannot open the database "), "{log}");
    assert!(log.contains("no/such/folder/guestbook.sqlite3"), "{log}");
}

#[test]
fn a_migration_that_fails_stops_the_start_with_exit_2_naming_it() {
    let dir = TempDir::new("migration");
    let db = dir.join("guestbook.sqlite3");
    // A table called entries that no migration made: 0001 cannot create it.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE entries (x)")
        .unwrap();
    let Err((status, log)) = start(
        EXE,
        &["--database", db.to_str().unwrap()],
        &[],
        &dir.join("stderr.log"),
    ) else {
        panic!("step11 started although its migration failed");
    };
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(
        log.contains("migration 0001_create_entries failed: ")
            && log.contains("table entries already exists"),
        "{log}"
    );
}

#[test]
fn a_query_failing_at_request_time_is_a_500_with_the_cause_in_the_log() {
    let dir = TempDir::new("query");
    let program = guestbook(&dir);
    assert_eq!(program.get("/", "").status, 200);
    // Another program breaks the schema under the running server.
    rusqlite::Connection::open(dir.join("guestbook.sqlite3"))
        .unwrap()
        .execute_batch("DROP TABLE entries")
        .unwrap();
    let answer = program.get("/", "");
    assert_eq!(answer.status, 500);
    assert!(
        !answer.text().contains("entries"),
        "no table names for strangers"
    );
    let log = program.log();
    assert!(log.contains("error: GET /: "), "{log}");
    assert!(log.contains("no such table: entries"), "{log}");
    // And the server goes on: the next request is answered too.
    assert_eq!(sign(&program, "Ada", "hello").status, 500);
}

#[test]
fn the_style_sheet_is_step_09s_served_as_step_10_serves_it() {
    let dir = TempDir::new("static");
    let program = guestbook(&dir);
    let css = program.get("/static/style.css", "");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let on_disk = std::fs::read(step10::static_dir().join("style.css")).unwrap();
    assert_eq!(css.body, on_disk);
}

#[test]
fn a_body_that_is_no_sign_form_gets_step_10s_413_or_400_and_stores_nothing() {
    let dir = TempDir::new("body");
    let program = guestbook(&dir);
    let big = format!("name=Ada&message={}", "x".repeat(step10::FORM_LIMIT));
    assert_eq!(program.post("/", &big, "").status, 413);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        program.addr
    );
    let json = step11::testing::Answer::parse(&step11::testing::exchange(
        program.addr,
        request.as_bytes(),
    ));
    assert_eq!(json.status, 400);
    assert!(program.get("/", "").text().contains("No entries yet"));
}
