//! Async handlers (`Route::get_async`) over real sockets, on both engines.
//!
//! On PostgreSQL each event loop has a connection of its own, in its poll,
//! and the loop's async handlers send their statements on it; on SQLite the
//! same handlers run as plain ones with the pool. What must hold on both:
//! the right rows for many requests at once, pipelined ones included;
//! errors as their statuses; a panic as one 500; the app's middleware left
//! out, the framework's own layers kept. On PostgreSQL also: the statements
//! do go over the loop's connection (`pg_stat_activity` shows it by its
//! `application_name`), and a loop whose connection is killed answers 503
//! for what was in flight, serves on the workers meanwhile (with the pool,
//! while the database takes no new connection), and connects again; a
//! future that wakes itself for ever costs its own request, not its loop.

mod support;

use std::io::{BufReader, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use httprs::{
    App, Cors, Database, DbError, Migration, Model, Next, Order, Request, Response, Server,
    Settings,
};
use support::note::Note;
use support::{Backend, TempDir, connect, read_reply, request, wait_until};

const NOTES: i64 = 50;

fn json(note: &Note) -> serde_json::Value {
    serde_json::json!({ "id": note.id, "title": note.title, "stars": note.stars })
}

async fn one(req: Arc<Request>) -> Result<Response, DbError> {
    let id: i64 = req.param("id").and_then(|id| id.parse().ok()).unwrap_or(0);
    let note: Note = req.db_async()?.get(id).await?;
    Ok(Response::json(&json(&note)))
}

/// The name of the thread that ran it: an event loop's, or a worker's.
async fn thread_name(_: Arc<Request>) -> Response {
    Response::text(std::thread::current().name().unwrap_or("?").to_string())
}

/// The same as [`one`], as a plain handler: on a worker, with the pool.
fn pooled(req: &Request) -> Result<Response, DbError> {
    let id: i64 = req.param("id").and_then(|id| id.parse().ok()).unwrap_or(0);
    let note = Note::get(&*req.db()?, id)?;
    Ok(Response::json(&json(&note)))
}

/// `?ids=3,1,3` as numbers.
fn ids_of(req: &Request) -> Vec<i64> {
    let ids = req.query("ids").unwrap_or_default();
    ids.split(',').filter_map(|id| id.parse().ok()).collect()
}

/// The notes asked for, in the order asked, read together.
async fn many(req: Arc<Request>) -> Result<Response, DbError> {
    let notes: Vec<Note> = req.db_async()?.get_many(&ids_of(&req)).await?;
    Ok(Response::json(&notes.iter().map(json).collect::<Vec<_>>()))
}

/// A `!` more on the title of each note asked for, written back in one go.
async fn shout(req: Arc<Request>) -> Result<Response, DbError> {
    let db = req.db_async()?;
    let mut notes: Vec<Note> = db.get_many(&ids_of(&req)).await?;
    for note in &mut notes {
        note.title.push('!');
    }
    let notes = db.update_many(notes).await?;
    Ok(Response::json(&notes.iter().map(json).collect::<Vec<_>>()))
}

/// Every note, sorted here by id.
async fn every(req: Arc<Request>) -> Result<Response, DbError> {
    let mut notes: Vec<Note> = req.db_async()?.all().await?;
    notes.sort_by_key(|n| n.id);
    Ok(Response::json(&notes.iter().map(json).collect::<Vec<_>>()))
}

async fn top(req: Arc<Request>) -> Result<Response, DbError> {
    let notes: Vec<Note> = req.db_async()?.list(Order::desc("stars"), 3).await?;
    Ok(Response::json(&notes.iter().map(json).collect::<Vec<_>>()))
}

/// Two statements, one after the other, the second using the first's answer.
async fn count_then_get(req: Arc<Request>) -> Result<Response, DbError> {
    let db = req.db_async()?;
    let row = db.query_one("SELECT count(*) AS n FROM notes", &[]).await?;
    let n: i64 = row.get("n")?;
    let last: Note = db.get(n).await?;
    Ok(Response::text(format!("{n} {}", last.title)))
}

/// Several rows at once: the futures started together, their statements
/// leaving in one write.
async fn several(req: Arc<Request>) -> Result<Response, DbError> {
    let db = req.db_async()?;
    let ids = [3, 1, 2, 3];
    let notes = futures_util::future::join_all(ids.map(|id| db.get::<Note>(id))).await;
    let titles = notes
        .into_iter()
        .map(|note| Ok(note?.title))
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Response::text(titles.join(",")))
}

async fn bad_sql(req: Arc<Request>) -> Result<Response, DbError> {
    req.db_async()?
        .query("SELECT no_such_column FROM notes", &[])
        .await?;
    Ok(Response::text("unreachable"))
}

/// A transaction on the loop's shared connection: refused there.
async fn begins(req: Arc<Request>) -> Result<Response, DbError> {
    req.db_async()?.query("BEGIN", &[]).await?;
    Ok(Response::text("began"))
}

/// A statement that takes a while, for the reconnect test to kill.
async fn sleeps(req: Arc<Request>) -> Result<Response, DbError> {
    req.db_async()?.query("SELECT pg_sleep(30)", &[]).await?;
    Ok(Response::text("slept"))
}

/// Polls of [`SpinsForEver`], counted for the test to see it spin.
static SPINS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A future that asks to be polled again each time it is, and never ends:
/// a handler's bug, which must cost its own request and not its loop.
struct SpinsForEver;

impl std::future::Future for SpinsForEver {
    type Output = Response;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Response> {
        SPINS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

async fn spins(_: Arc<Request>) -> Response {
    SpinsForEver.await
}

async fn panics(req: Arc<Request>) -> Response {
    let _ = req.db_async().unwrap().query("SELECT 1 AS one", &[]).await;
    panic!("an async handler panicked on purpose");
}

fn app() -> App {
    App::new()
        .database([Migration::create_table::<Note>("0001_notes")])
        .wrap(|req: &Request, next: Next| next.run(req).with_header("X-Wrapped", "yes"))
        .get_async("/notes/{id}", one)
        .get_async("/top", top)
        .get_async("/all", every)
        .get_async("/count", count_then_get)
        .get_async("/several", several)
        .get_async("/bad", bad_sql)
        .get_async("/panic", panics)
        .get_async("/begin", begins)
        .get_async("/sleep", sleeps)
        .get_async("/spin", spins)
        .get_async("/many", many)
        .get_async("/shout", shout)
        .get_async("/api/notes/{id}", one)
        .cors("/api", Cors::new().allow_origin("https://app.example"))
        .get("/plain", |_: &Request| "plain")
        .get("/pooled/{id}", pooled)
        .get_async("/thread", thread_name)
}

/// A server on `backend` with notes 1..=NOTES ("note i", i % 6 stars).
fn start(backend: &Backend, dir: &TempDir) -> Server {
    let settings = Settings {
        root: dir.path().to_path_buf(),
        database: backend.database("notes.sqlite3"),
        database_pool: 2,
        ..support::settings()
    };
    let server = app().start(settings.clone()).expect("start the server");
    let db = Database::open(settings.database_location(), 1).unwrap();
    let conn = db.checkout().unwrap();
    for i in 1..=NOTES {
        let mut note = Note {
            id: None,
            title: format!("note {i}"),
            stars: i % 6,
        };
        note.insert(&conn).unwrap();
    }
    // On PostgreSQL, wait for both loops' own connections: until then async
    // routes run on the workers, and the tests would not test the loops.
    if let Backend::Postgres(url) = backend {
        let admin = Database::open(url.clone(), 1).unwrap();
        wait_until("both loops have their connection", || {
            loop_connections(&admin).len() == 2
        });
    }
    server
}

#[track_caller]
fn get(addr: SocketAddr, path: &str) -> support::Reply {
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
}

fn title_of(reply: &support::Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let note: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    note["title"].as_str().unwrap().to_string()
}

fn many_requests_at_once_each_get_their_own_row(backend: Backend) {
    let dir = TempDir::new("async");
    let server = start(&backend, &dir);
    let addr = server.addrs()[0];
    // 8 clients at once, each pipelining 25 requests on one connection:
    // the answers must come back in order, each with the row it asked for.
    let clients: Vec<_> = (0..8)
        .map(|c| {
            std::thread::spawn(move || {
                let mut stream = connect(addr);
                let ids: Vec<i64> = (0..25).map(|i| (c * 25 + i) % NOTES + 1).collect();
                let mut burst = String::new();
                for id in &ids {
                    burst.push_str(&format!("GET /notes/{id} HTTP/1.1\r\nHost: t\r\n\r\n"));
                }
                stream.write_all(burst.as_bytes()).unwrap();
                let mut reader = BufReader::new(stream);
                for id in ids {
                    let reply = read_reply(&mut reader, false);
                    assert_eq!(title_of(&reply), format!("note {id}"));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client's answers were all right");
    }
    let top: serde_json::Value = serde_json::from_slice(&get(addr, "/top").body).unwrap();
    let stars: Vec<i64> = top
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["stars"].as_i64().unwrap())
        .collect();
    assert_eq!(stars, [5, 5, 5]);
    assert_eq!(get(addr, "/several").text(), "note 3,note 1,note 2,note 3");
    // A statement that needs the one before it, in one handler.
    assert_eq!(get(addr, "/count").text(), format!("{NOTES} note {NOTES}"));
    // HEAD: the head, no body; the next answer on the connection comes
    // right after it (a body sent by mistake would be read as its head).
    let mut stream = connect(addr);
    stream
        .write_all(
            b"HEAD /notes/3 HTTP/1.1\r\nHost: t\r\n\r\nGET /notes/4 HTTP/1.1\r\nHost: t\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    let head = read_reply(&mut reader, true);
    assert_eq!(head.status, 200);
    assert!(
        head.header("content-length").is_some_and(|n| n != "0"),
        "{}",
        head.head
    );
    assert_eq!(title_of(&read_reply(&mut reader, false)), "note 4");
    server.shutdown();
}

fn errors_are_their_statuses_and_a_panic_costs_one_500(backend: Backend) {
    let dir = TempDir::new("async");
    let server = start(&backend, &dir);
    let addr = server.addrs()[0];
    let missing = get(addr, "/notes/999");
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert!(
        missing.text().contains("no notes row with id 999"),
        "{}",
        missing.text()
    );
    // An error and a panic, then a row, pipelined on one connection: the
    // loop, its connection and the client's connection carry on.
    let mut stream = connect(addr);
    stream
        .write_all(
            b"GET /bad HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /panic HTTP/1.1\r\nHost: t\r\n\r\n\
              GET /notes/7 HTTP/1.1\r\nHost: t\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(read_reply(&mut reader, false).status, 500);
    assert_eq!(read_reply(&mut reader, false).status, 500);
    assert_eq!(title_of(&read_reply(&mut reader, false)), "note 7");
    server.shutdown();
}

fn the_apps_middleware_is_left_out_and_the_frameworks_layers_kept(backend: Backend) {
    let dir = TempDir::new("async");
    let server = start(&backend, &dir);
    let addr = server.addrs()[0];
    let wrapped = get(addr, "/plain");
    assert_eq!(
        wrapped.header("x-wrapped"),
        Some("yes"),
        "a plain route runs it"
    );
    let reply = get(addr, "/notes/2");
    assert_eq!(reply.header("x-wrapped"), None, "an async route does not");
    assert!(reply.header("x-request-id").is_some());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    // CORS is the framework's: an async route under a CORS prefix answers
    // the allowed origin, as a plain one does.
    let cors = request(
        addr,
        b"GET /api/notes/2 HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n\r\n",
    );
    assert_eq!(title_of(&cors), "note 2");
    assert_eq!(
        cors.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(cors.header("vary").is_some_and(|v| v.contains("Origin")));
    // Without a socket, the same: App::handle runs what a loop runs.
    let app = app();
    let res = app.handle(Request::new("GET", "/notes/2"));
    assert_eq!(res.header("x-wrapped"), None);
    let res = app
        .handle(Request::new("GET", "/api/notes/2").with_header("Origin", "https://app.example"));
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    server.shutdown();
}

/// The titles of the notes a reply lists.
fn listed(reply: &support::Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let notes: Vec<serde_json::Value> = serde_json::from_slice(&reply.body).unwrap();
    notes
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

fn many_rows_are_read_and_written_together(backend: Backend) {
    let dir = TempDir::new("async");
    let server = start(&backend, &dir);
    let addr = server.addrs()[0];
    // In the order asked, an id asked twice given twice.
    assert_eq!(
        listed(&get(addr, "/many?ids=3,1,3")),
        ["note 3", "note 1", "note 3"]
    );
    // No ids, no rows (and no statement).
    assert!(listed(&get(addr, "/many?ids=")).is_empty());
    // The whole table.
    let every: Vec<String> = (1..=NOTES).map(|id| format!("note {id}")).collect();
    assert_eq!(listed(&get(addr, "/all")), every);
    // An id with no row: a 404 that names it.
    let missing = get(addr, "/many?ids=1,999");
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert!(missing.text().contains("999"), "{}", missing.text());
    // Many requests at once, each with its own ids, each gets its own rows.
    let clients: Vec<_> = (0..8)
        .map(|c: i64| {
            std::thread::spawn(move || {
                let ids: Vec<i64> = (0..20).map(|i| (c * 20 + i) % NOTES + 1).collect();
                let query: Vec<String> = ids.iter().map(i64::to_string).collect();
                let got = listed(&get(addr, &format!("/many?ids={}", query.join(","))));
                let want: Vec<String> = ids.iter().map(|id| format!("note {id}")).collect();
                assert_eq!(got, want);
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client's rows were all right");
    }
    // Written back in one go (note 2 asked twice: written once), and read
    // back from the database by another connection.
    assert_eq!(
        listed(&get(addr, "/shout?ids=2,4,2")),
        ["note 2!", "note 4!", "note 2!"]
    );
    let db = Database::open(backend.database(dir.join("notes.sqlite3")), 1).unwrap();
    let conn = db.checkout().unwrap();
    let title = |id: i64| Note::get(&conn, id).unwrap().title;
    assert_eq!(
        (title(2), title(4), title(3)),
        ("note 2!".into(), "note 4!".into(), "note 3".into())
    );
    // On PostgreSQL, by one statement on an event loop's own connection.
    if let Backend::Postgres(url) = &backend {
        let admin = Database::open(url.clone(), 1).unwrap();
        let links = loop_connections(&admin);
        assert!(
            links
                .iter()
                .any(|(_, last)| last.starts_with(r#"UPDATE "notes" SET"#)
                    && last.contains("VALUES")),
            "{links:?}"
        );
    }
}

on_both_engines!(
    many_rows_are_read_and_written_together,
    many_requests_at_once_each_get_their_own_row,
    errors_are_their_statuses_and_a_panic_costs_one_500,
    the_apps_middleware_is_left_out_and_the_frameworks_layers_kept,
);

/// The loops' own connections, as the server sees them: pid and last statement.
fn loop_connections(admin: &Database) -> Vec<(i32, String)> {
    let conn = admin.checkout().unwrap();
    conn.query(
        "SELECT pid, query FROM pg_stat_activity \
         WHERE application_name LIKE 'httprs loop %' AND datname = current_database() \
         ORDER BY application_name",
        &[],
    )
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.get::<i64>("pid").unwrap() as i32,
            row.get("query").unwrap(),
        )
    })
    .collect()
}

/// Notes 1..=8 asked for on eight connections held open (returned): a new
/// connection goes to the loop with the fewest, so both loops get some.
fn on_both_loops(addr: SocketAddr) -> Vec<BufReader<std::net::TcpStream>> {
    (1..=8)
        .map(|i| {
            let mut stream = connect(addr);
            stream
                .write_all(format!("GET /notes/{i} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())
                .unwrap();
            let mut reader = BufReader::new(stream);
            let reply = read_reply(&mut reader, false);
            assert_eq!(title_of(&reply), format!("note {i}"));
            reader
        })
        .collect()
}

/// Whether, after notes are asked for on connections on both loops, each
/// loop's own connection ran the query last (none ran on a worker).
fn loops_carry_the_queries(addr: SocketAddr, admin: &Database) -> bool {
    let _open = on_both_loops(addr);
    let links = loop_connections(admin);
    links.len() == 2
        && links
            .iter()
            .all(|(_, last)| last.contains(r#"FROM "notes" WHERE "id" = $1"#))
}

/// The server on a PostgreSQL database of its own, and a connection to
/// look at that database from outside.
struct OnPostgres {
    server: Server,
    addr: SocketAddr,
    admin: Database,
    url: String,
    _dir: TempDir,
}

/// [`OnPostgres`] on the database `name`; `None` where there is no
/// PostgreSQL (under `CI=true` there must be: `support::postgres` fails).
fn on_postgres(name: &str) -> Option<OnPostgres> {
    let url = support::postgres::database(name)?;
    let dir = TempDir::new("async");
    let server = start(&Backend::Postgres(url.clone()), &dir);
    Some(OnPostgres {
        addr: server.addrs()[0],
        server,
        admin: Database::open(url.clone(), 1).unwrap(),
        url,
        _dir: dir,
    })
}

#[test]
fn on_postgresql_each_loop_sends_its_handlers_statements_on_its_own_connection() {
    let Some(pg) = on_postgres("async_loop_link") else {
        return;
    };
    let addr = pg.addr;
    let open = on_both_loops(addr);
    let links = loop_connections(&pg.admin);
    assert_eq!(links.len(), 2, "{links:?}");
    for (_, last) in &links {
        assert!(
            last.contains(r#"FROM "notes" WHERE "id" = $1"#),
            "a loop's connection ran the handlers' query: {links:?}"
        );
    }
    // A transaction would hold the connection every handler of the loop
    // shares: refused, with a sentence saying what to do instead, and the
    // connection is not left in a transaction.
    let begin = get(addr, "/begin");
    assert_eq!(begin.status, 500);
    assert_eq!(title_of(&get(addr, "/notes/5")), "note 5");
    let states: Vec<String> = pg
        .admin
        .checkout()
        .unwrap()
        .query(
            "SELECT state FROM pg_stat_activity WHERE application_name LIKE 'httprs loop %' \
             AND datname = current_database()",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get("state").unwrap())
        .collect();
    assert_eq!(states.len(), 2, "{states:?}");
    assert!(states.iter().all(|s| s == "idle"), "{states:?}");
    drop(open);
    pg.server.shutdown();
}

#[test]
fn on_postgresql_the_requests_of_a_loop_wait_in_line_on_its_one_connection() {
    let Some(pg) = on_postgres("async_loop_shared") else {
        return;
    };
    let addr = pg.addr;
    // A transaction elsewhere holds the table: every read of it waits.
    let locker = Database::open(pg.url.clone(), 1).unwrap();
    let lock = lock_notes(&locker);
    let clients: Vec<_> = (1..=8)
        .map(|i| std::thread::spawn(move || get(addr, &format!("/notes/{i}"))))
        .collect();
    // The statements wait where they were sent. On the workers each would
    // hold a pooled connection of its own; on the loops, the first on a
    // loop's connection waits, and the others are queued behind it there.
    let waiting = || -> Vec<String> {
        pg.admin
            .checkout()
            .unwrap()
            .query(
                "SELECT application_name FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND datname = current_database()",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get("application_name").unwrap())
            .collect()
    };
    wait_until("the requests wait for the lock", || !waiting().is_empty());
    let names = waiting();
    assert!(
        names.iter().all(|name| name.starts_with("httprs loop ")),
        "only the loops' connections wait: {names:?}"
    );
    assert!(clients.iter().all(|c| !c.is_finished()), "nothing answered");
    lock.execute_batch("COMMIT").unwrap();
    for (i, client) in clients.into_iter().enumerate() {
        assert_eq!(title_of(&client.join().unwrap()), format!("note {}", i + 1));
    }
    drop(lock);
    pg.server.shutdown();
}

/// A connection of `locker`'s in a transaction that holds the `notes`
/// table: every read of it waits until this commits (or is dropped).
fn lock_notes(locker: &Database) -> httprs::PooledConnection<'_> {
    let lock = locker.checkout().unwrap();
    lock.execute_batch("BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    lock
}

#[test]
fn a_shutdown_waits_for_the_async_requests_in_flight_and_then_ends() {
    let Some(pg) = on_postgres("async_loop_shutdown") else {
        return;
    };
    let addr = pg.addr;
    let locker = Database::open(pg.url.clone(), 1).unwrap();
    let lock = lock_notes(&locker);
    let client = std::thread::spawn(move || get(addr, "/notes/3"));
    wait_until("the request waits for the lock", || {
        loop_connections(&pg.admin)
            .iter()
            .any(|(_, query)| query.contains("notes"))
            && !client.is_finished()
    });
    // Shutting down: the request in flight is still answered.
    let (done, stopped) = std::sync::mpsc::channel();
    let server = pg.server;
    std::thread::spawn(move || {
        server.shutdown();
        done.send(()).unwrap();
    });
    lock.execute_batch("COMMIT").unwrap();
    assert_eq!(title_of(&client.join().unwrap()), "note 3");
    stopped
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the server stops once its requests are answered");
}

#[test]
fn a_future_that_wakes_itself_for_ever_costs_its_own_request_not_its_loop() {
    let Some(pg) = on_postgres("async_loop_spins") else {
        return;
    };
    // Four connections on each loop, then one spinning request on each: a
    // new connection goes to the loop with the fewest.
    let mut held = on_both_loops(pg.addr);
    let mut spinning: Vec<_> = (0..2)
        .map(|_| {
            let mut stream = connect(pg.addr);
            stream
                .write_all(b"GET /spin HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            stream
        })
        .collect();
    wait_until("the futures spin", || {
        SPINS.load(std::sync::atomic::Ordering::Relaxed) > 10_000
    });
    // Both loops go on serving their other connections, async requests
    // and plain ones: a turn polls a future a bounded number of times.
    for (i, reader) in (1..).zip(&mut held) {
        let stream = reader.get_mut();
        stream
            .write_all(
                format!(
                    "GET /notes/{i} HTTP/1.1\r\nHost: t\r\n\r\nGET /plain HTTP/1.1\r\nHost: t\r\n\r\n"
                )
                .as_bytes(),
            )
            .unwrap();
        assert_eq!(title_of(&read_reply(reader, false)), format!("note {i}"));
        assert_eq!(read_reply(reader, false).text(), "plain");
    }
    // A shutdown gives the spinning requests `shutdown_timeout`, then ends
    // them with their connections.
    let (done, stopped) = std::sync::mpsc::channel();
    let server = pg.server;
    std::thread::spawn(move || {
        server.shutdown();
        done.send(()).unwrap();
    });
    stopped
        .recv_timeout(std::time::Duration::from_secs(15))
        .expect("the server stops, spinning futures and all");
    for stream in &mut spinning {
        assert_eq!(support::read_to_close(stream), b"", "no answer was made");
    }
}

#[test]
fn a_client_that_leaves_before_its_answer_does_not_get_it_sent_to_the_next() {
    let Some(pg) = on_postgres("async_loop_leaves") else {
        return;
    };
    let addr = pg.addr;
    let locker = Database::open(pg.url.clone(), 1).unwrap();
    let lock = lock_notes(&locker);
    // Eight clients ask, and leave while their reads wait for the lock.
    let mut gone = Vec::new();
    for i in 1..=8 {
        let mut stream = connect(addr);
        write!(stream, "GET /notes/{i} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        gone.push(stream);
    }
    wait_until("the reads wait for the lock", || {
        loop_connections(&pg.admin)
            .iter()
            .any(|(_, query)| query.contains("notes"))
    });
    drop(gone);
    // New clients, on the places the others left, ask for other rows.
    let clients: Vec<_> = (9..=16)
        .map(|i| std::thread::spawn(move || get(addr, &format!("/notes/{}", i % NOTES + 1))))
        .collect();
    lock.execute_batch("COMMIT").unwrap();
    for (i, client) in (9..=16).zip(clients) {
        assert_eq!(
            title_of(&client.join().unwrap()),
            format!("note {}", i % NOTES + 1),
            "each gets its own row, not a gone client's"
        );
    }
    pg.server.shutdown();
}

#[test]
fn while_a_loop_cannot_connect_its_async_routes_run_on_the_workers_with_the_pool() {
    let Some(pg) = on_postgres("async_loop_fallback") else {
        return;
    };
    let addr = pg.addr;
    // The pool's connection, opened by a plain handler.
    assert_eq!(title_of(&get(addr, "/pooled/1")), "note 1");
    // The database takes no new connection (the open ones stay; said from
    // another database, as PostgreSQL wants), and the loops lose theirs:
    // they cannot connect again.
    let (server_url, name) = pg.url.rsplit_once('/').unwrap();
    let other = Database::open(format!("{server_url}/postgres"), 1).unwrap();
    let other = other.checkout().unwrap();
    let allow = |yes: bool| {
        other
            .execute_batch(&format!(
                "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {yes}"
            ))
            .unwrap()
    };
    allow(false);
    for (pid, _) in loop_connections(&pg.admin) {
        other
            .query("SELECT pg_terminate_backend($1)", &[&i64::from(pid)])
            .unwrap();
    }
    wait_until("the loops' connections are gone", || {
        loop_connections(&pg.admin).is_empty()
    });
    // A request sent as a loop loses its connection may be answered 503;
    // once the loops know, async routes are served on the workers...
    wait_until("async routes are served again", || {
        get(addr, "/notes/2").status == 200
    });
    for i in 1..=20 {
        assert_eq!(
            title_of(&get(addr, &format!("/notes/{i}"))),
            format!("note {i}")
        );
    }
    // More runs than make a fast plain route run on its loop: an async one
    // stays on the workers all the same (on the loop it would block it).
    for _ in 0..200 {
        let thread = get(addr, "/thread").text();
        assert!(!thread.starts_with("httprs-loop"), "ran on {thread}");
    }
    // ...with the pool's connection: the loops have none.
    assert_eq!(loop_connections(&pg.admin), []);
    // Connections allowed again: the loops connect (after their back-off)
    // and carry their async routes' statements once more.
    allow(true);
    wait_until("both loops carry their queries again", || {
        loops_carry_the_queries(addr, &pg.admin)
    });
    let thread = get(addr, "/thread").text();
    assert!(thread.starts_with("httprs-loop"), "ran on {thread}");
    pg.server.shutdown();
}

#[test]
fn a_loop_whose_connection_is_killed_answers_503_for_it_and_connects_again() {
    let Some(pg) = on_postgres("async_loop_reconnect") else {
        return;
    };
    let addr = pg.addr;
    let before: Vec<i32> = loop_connections(&pg.admin)
        .iter()
        .map(|(pid, _)| *pid)
        .collect();
    // Requests keep coming while the server kills both connections.
    let load = std::thread::spawn(move || {
        let mut statuses = Vec::new();
        for i in 0..200 {
            statuses.push(get(addr, &format!("/notes/{}", i % NOTES + 1)).status);
        }
        statuses
    });
    // A statement in flight on a loop's connection when it is killed: its
    // request is answered 503, not left waiting.
    let sleeper = std::thread::spawn(move || get(addr, "/sleep"));
    wait_until("a loop's connection runs the 30 s sleep", || {
        loop_connections(&pg.admin)
            .iter()
            .any(|(_, query)| query.contains("pg_sleep"))
    });
    let conn = pg.admin.checkout().unwrap();
    for pid in &before {
        conn.query("SELECT pg_terminate_backend($1)", &[&i64::from(*pid)])
            .unwrap();
    }
    drop(conn);
    let slept = sleeper.join().unwrap();
    assert_eq!(slept.status, 503, "{}", slept.text());
    assert!(
        slept.text().contains("The database is busy"),
        "{}",
        slept.text()
    );
    let statuses = load.join().unwrap();
    // Each answered: 200, or 503 for one in flight on a killed connection.
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    // New connections come (after a second's back-off), and serve.
    wait_until("both loops connected again", || {
        let now = loop_connections(&pg.admin);
        now.len() == 2 && now.iter().all(|(pid, _)| !before.contains(pid))
    });
    // And the new connections carry the queries (once each is ready: the
    // server lists a connection from its first packet on).
    wait_until("both new connections carry the queries", || {
        loops_carry_the_queries(addr, &pg.admin)
    });
    pg.server.shutdown();
}
