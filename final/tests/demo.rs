//! The guestbook demo end to end, as a visitor and a script would use it:
//! the real example process, a temporary database file, raw HTTP.
//!
//! Sign the book with the form and with the API, see the entry in the page
//! (escaped) and in the JSON, get the form back with reasons when it is
//! wrong, fetch the CSS and the script, then stop the server, start a new
//! one on the same file, and find everything still there.
//!
//! The demo has sessions on, so every post first fetches the page, as a
//! browser does, and sends back its session cookie and its CSRF token
//! (in the form, or in `X-CSRF-Token`). Then the admin: made with
//! `--create-admin`, logged in, the only one allowed to delete.

mod support;

// The demo's model code, compiled into this test too, so that its unit
// tests (validation, dates) run with `cargo test` like every other test.
// (An example's own tests only run if it is built as a test, and then Cargo
// no longer builds the example program that the tests below start.)
#[path = "../examples/demo/app/models.rs"]
#[allow(dead_code)] // the tests use only part of it
mod models;

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use support::process::{Process, example_exe};
use support::{Backend, Reply, TempDir, request};

/// The demo's `HTTPRS_DATABASE`: `dir/guestbook.sqlite3` on SQLite (whose
/// `-wal` and `-shm` companions go in `dir` too, and all of it with `dir`),
/// or the PostgreSQL database's URL.
fn database(dir: &TempDir, backend: &Backend) -> String {
    let database = backend.database(dir.join("guestbook.sqlite3"));
    database.to_str().unwrap().to_string()
}

/// Starts the demo in production mode on `backend`.
fn start_demo(dir: &TempDir, backend: &Backend) -> Process {
    start_demo_with(dir, backend, &["--addr", "127.0.0.1:0"])
}

/// The demo with these flags (`--backend` for split mode), on `backend`.
fn start_demo_with(dir: &TempDir, backend: &Backend, args: &[&str]) -> Process {
    let database = database(dir, backend);
    let media = dir.join("media");
    Process::spawn(
        &example_exe("demo"),
        args,
        &[
            ("HTTPRS_DATABASE", &database),
            // Production mode: what a deployed guestbook does.
            ("HTTPRS_DEBUG", "false"),
            ("HTTPRS_ACCESS_LOG", "false"),
            // Production mode needs the key that signs session cookies.
            ("HTTPRS_SECRET_KEY", SECRET_KEY),
            // And, as a backend (`--backend`), the key its front proves it holds.
            ("HTTPRS_SPLIT_KEY", SPLIT_KEY),
            // Pictures go to the test's folder, not the demo's.
            ("HTTPRS_APP_MEDIA_DIR", media.to_str().unwrap()),
        ],
    )
}

/// The tests' `secret_key`: any 32 bytes or more.
const SECRET_KEY: &str = "a test key, 32 bytes at least, never used for real";

/// The tests' `split_key`, shared by the demo's backends and `httprs-front`.
const SPLIT_KEY: &str = "3c6e0b8a9c15224a8228b9a98ca1531d3c6e0b8a9c15224a8228b9a98ca1531d";

/// What a browser keeps of the guestbook between requests: its cookies
/// (the CSRF token's, and the session's once logged in: `name`, `value`)
/// and the CSRF token of the last page it read.
#[derive(Default)]
struct Browser {
    cookies: Vec<(String, String)>,
    token: String,
    /// The loopback address its connections come from (127.0.0.1 if `None`).
    from: Option<std::net::Ipv4Addr>,
}

impl Browser {
    /// The value of its cookie `name`.
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// Holds cookie `name` with `value` (an empty value: drops it).
    fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        if !value.is_empty() {
            self.cookies.push((name.to_string(), value.to_string()));
        }
    }

    /// Sends `raw` (a head without its final empty line, then the body)
    /// with its cookies, and keeps any cookie and token it gets back.
    fn send(&mut self, addr: SocketAddr, head: &str, body: &str) -> Reply {
        let cookie = if self.cookies.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            format!("Cookie: {}\r\n", pairs.join("; "))
        };
        let raw = format!("{head}{cookie}Content-Length: {}\r\n\r\n{body}", body.len());
        let reply = match self.from {
            None => request(addr, raw.as_bytes()),
            Some(from) => request_from(from, addr, raw.as_bytes()),
        };
        for set in reply.headers("set-cookie") {
            let pair = set.split(';').next().unwrap_or("");
            // `Max-Age=0` with an empty value: the session was ended.
            if let Some((name, value)) = pair.split_once('=') {
                self.set_cookie(name, value);
            }
        }
        if let Some(token) = token_in(&reply.text()) {
            self.token = token;
        }
        reply
    }

    fn get(&mut self, addr: SocketAddr, path: &str) -> Reply {
        let head = format!("GET {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n");
        self.send(addr, &head, "")
    }

    /// A form as a browser posts it: urlencoded, the token among the fields.
    fn post_form(&mut self, addr: SocketAddr, path: &str, body: &str) -> Reply {
        let body = format!("{body}&csrf_token={}", self.token);
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n"
        );
        self.send(addr, &head, &body)
    }

    /// A script's post: any content type, the token in `X-CSRF-Token`.
    fn post(&mut self, addr: SocketAddr, path: &str, content_type: &str, body: &str) -> Reply {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
             Content-Type: {content_type}\r\nX-CSRF-Token: {}\r\n",
            self.token
        );
        self.send(addr, &head, body)
    }
}

/// [`request`] from a connection bound to `from` first: on Linux all of
/// 127.0.0.0/8 is loopback, so one machine has many client addresses.
fn request_from(from: std::net::Ipv4Addr, addr: SocketAddr, raw: &[u8]) -> Reply {
    use socket2::{Domain, Socket, Type};
    use std::io::{BufReader, Write};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from((from, 0)).into())
        .unwrap_or_else(|err| panic!("bind a client to {from}: {err}"));
    socket
        .connect_timeout(&addr.into(), support::IO_TIMEOUT)
        .unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    stream.set_read_timeout(Some(support::IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(support::IO_TIMEOUT)).unwrap();
    stream.write_all(raw).unwrap();
    support::read_reply(&mut BufReader::new(stream), false)
}

/// The value of the page's hidden `csrf_token` field, if it has one.
fn token_in(page: &str) -> Option<String> {
    let at = page.find(r#"name="csrf_token" value=""#)? + r#"name="csrf_token" value=""#.len();
    let end = page[at..].find('"')?;
    Some(page[at..at + end].to_string())
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    let raw = format!("GET {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n");
    request(addr, raw.as_bytes())
}

/// Posts as a script on the site's own page would: it reads the page
/// first, for the session cookie and the token it then sends along.
fn post(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> Reply {
    let mut browser = Browser::default();
    browser.get(addr, "/");
    browser.post(addr, path, content_type, body)
}

/// Posts the page's form as a browser does: the page first, then the form
/// with its token and the session cookie.
fn post_form(addr: SocketAddr, body: &str) -> Reply {
    let mut browser = Browser::default();
    browser.get(addr, "/");
    browser.post_form(addr, "/", body)
}

fn entries(addr: SocketAddr) -> Vec<serde_json::Value> {
    let reply = get(addr, "/api/entries");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    serde_json::from_slice(&reply.body).expect("a JSON array")
}

fn the_guestbook_keeps_what_it_is_given_across_a_restart(backend: Backend) {
    let dir = TempDir::new("demo-restart");
    let mut demo = start_demo(&dir, &backend);
    let addr = demo.addr;

    let page = get(addr, "/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.text().contains("No entries yet"), "{}", page.text());
    assert!(entries(addr).is_empty());

    // The form: a valid post is stored and redirected to the page (303, GET).
    let signed = post_form(
        addr,
        "name=Ada&message=Hello+%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    );
    assert_eq!(signed.status, 303, "{}", signed.text());
    assert_eq!(signed.header("location"), Some("/"));
    let page = get(addr, "/").text();
    assert!(page.contains("Ada"), "{page}");
    // Shown as text, not run as a script (minijinja escapes `/` too).
    assert!(
        page.contains("Hello &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert(1)"), "{page}");

    // The API: the same entry as JSON, and a second one posted as JSON.
    let list = entries(addr);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "Ada");
    assert_eq!(list[0]["message"], "Hello <script>alert(1)</script>");
    let created = post(
        addr,
        "/api/entries",
        "application/json",
        r#"{"name":"Grace","message":"From a script."}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let location = created.header("location").expect("Location").to_string();
    let one = get(addr, &location);
    assert_eq!(one.status, 200);
    let one: serde_json::Value = serde_json::from_slice(&one.body).unwrap();
    assert_eq!(one["name"], "Grace");
    // Newest first, on the page and in the list.
    assert_eq!(entries(addr)[0]["name"], "Grace");
    let page = get(addr, "/").text();
    assert!(page.find("Grace").unwrap() < page.find("Ada").unwrap());

    // Stop it the way an operator does, and start another on the same file.
    assert!(demo.terminate().success());
    let demo = start_demo(&dir, &backend);
    let names: Vec<_> = entries(demo.addr)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Grace", "Ada"]);
    assert!(get(demo.addr, "/").text().contains("From a script."));
}

#[test]
fn a_wrong_form_comes_back_with_what_was_typed_and_why() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-invalid");
    let demo = start_demo(&dir, &backend);

    let refused = post_form(demo.addr, "name=++&message=Kept+%26+shown");
    assert_eq!(refused.status, 422);
    let page = refused.text();
    assert!(page.contains("Please tell us your name."), "{page}");
    assert!(page.contains("Kept &amp; shown</textarea>"), "{page}");
    let too_long = format!("name={}&message=x", "n".repeat(41));
    let refused = post_form(demo.addr, &too_long);
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("At most 40 characters"));
    // Not a form at all.
    assert_eq!(post(demo.addr, "/", "text/plain", "hello").status, 415);

    // The API says the same in JSON.
    let refused = post(
        demo.addr,
        "/api/entries",
        "application/json",
        r#"{"name":"Ada"}"#,
    );
    assert_eq!(refused.status, 422);
    let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
    assert_eq!(body["errors"]["message"], "Please write a message.");
    assert_eq!(
        post(demo.addr, "/api/entries", "application/json", "{oops").status,
        400
    );
    assert_eq!(
        post(
            demo.addr,
            "/api/entries",
            "text/plain",
            r#"{"name":"Ada","message":"Hi"}"#
        )
        .status,
        415
    );
    assert_eq!(get(demo.addr, "/api/entries?limit=0").status, 400);
    assert_eq!(get(demo.addr, "/api/entries?limit=ten").status, 400);
    // A script that accepts JSON gets problem details (RFC 9457).
    let script_get = |path: &str| {
        request(
            demo.addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
                .as_bytes(),
        )
    };
    for (path, status, detail) in [
        ("/api/entries/999", 404, "no entries row with id 999"),
        (
            "/api/entries/abc",
            404,
            "path parameter id = \"abc\": invalid digit found in string",
        ),
        (
            "/api/entries?limit=ten",
            400,
            "query string: limit: expected a whole number of at least 0 (32 bits), found \"ten\"",
        ),
        (
            "/api/entries?limit=0",
            400,
            "limit must be a whole number from 1 to 200",
        ),
    ] {
        let missing = script_get(path);
        assert_eq!(missing.status, status, "{path}");
        assert_eq!(
            missing.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        let problem: serde_json::Value = serde_json::from_slice(&missing.body).unwrap();
        assert_eq!(problem["status"], status, "{path}");
        assert_eq!(problem["detail"], detail, "{path}");
    }
    assert_eq!(get(demo.addr, "/nowhere").status, 404);
    // Nothing was stored by any of it.
    assert!(entries(demo.addr).is_empty());
}

/// The page's form with a picture, as a browser posts it: multipart, the
/// token among the fields, the picture's bytes (`GIF89a` and text, so the
/// body is a string; past the 64 KiB spooling threshold).
fn post_picture(browser: &mut Browser, addr: SocketAddr, name: &str, picture: &str) -> Reply {
    let b = "----demo-boundary";
    let field = |n: &str, v: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n")
    };
    let body = format!(
        "{}{}{}--{b}\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"me.gif\"\r\n\
         Content-Type: image/gif\r\n\r\n{picture}\r\n--{b}--\r\n",
        field("csrf_token", &browser.token.clone()),
        field("name", name),
        field("message", "With a picture"),
    );
    let head = format!(
        "POST / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={b}\r\n"
    );
    browser.send(addr, &head, &body)
}

#[test]
fn a_picture_signed_with_an_entry_is_shown_beside_it_and_served_back() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-picture");
    let demo = start_demo(&dir, &backend);
    let mut browser = Browser::default();
    browser.get(demo.addr, "/");
    // Over max_body_bytes (1 MiB), within the sign route's own limit.
    let picture = format!("GIF89a{}", "x".repeat(1_500_000));
    let signed = post_picture(&mut browser, demo.addr, "Ada", &picture);
    assert_eq!(signed.status, 303, "{}", signed.text());

    let page = browser.get(demo.addr, "/").text();
    let at = page
        .find("src=\"/media/")
        .expect("the entry shows its picture")
        + 5;
    let src = &page[at..at + page[at..].find('"').unwrap()];
    let served = get(demo.addr, src);
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/gif"));
    assert!(
        served.body == picture.as_bytes(),
        "the picture came back changed"
    );
    assert_eq!(std::fs::read_dir(dir.join("media")).unwrap().count(), 1);

    // Not a picture, whatever its name says: the form again, nothing stored.
    browser.get(demo.addr, "/");
    let refused = post_picture(&mut browser, demo.addr, "Eve", "<html>not a gif</html>");
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .text()
            .contains("Please choose a PNG, JPEG, GIF or WebP picture.")
    );
    // Over the route's limit: 413 from the head alone, before the body is
    // read or the view runs (so only the head is sent).
    let head = "POST / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
                Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 3000000\r\n\r\n";
    assert_eq!(request(demo.addr, head.as_bytes()).status, 413);
    assert_eq!(entries(demo.addr).len(), 1);
    assert_eq!(std::fs::read_dir(dir.join("media")).unwrap().count(), 1);
    // Only names the demo made are read from the folder.
    assert_eq!(get(demo.addr, "/media/..%2Fguestbook.sqlite3").status, 404);
}

#[test]
fn the_stylesheet_and_the_script_are_static_files() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-static");
    let demo = start_demo(&dir, &backend);
    let css = get(demo.addr, "/static/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.header("etag").is_some());
    let on_disk = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/demo/static/style.css"
    ))
    .unwrap();
    assert_eq!(css.body, on_disk);
    let js = get(demo.addr, "/static/guestbook.js");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    // The page links both.
    let page = get(demo.addr, "/").text();
    assert!(page.contains(r#"href="/static/style.css""#));
    assert!(page.contains(r#"src="/static/guestbook.js""#));
}

/// Opens the guestbook's event stream as the page's `EventSource` does,
/// reads its head, and returns the connection (subscribed by then).
fn open_events(addr: SocketAddr, extra: &str) -> std::io::BufReader<std::net::TcpStream> {
    use std::io::{BufRead, Write};
    let mut stream = support::connect(addr);
    write!(
        stream,
        "GET /events?after=0 HTTP/1.1\r\nHost: demo\r\n{extra}\r\n"
    )
    .unwrap();
    let mut reader = std::io::BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(reader.read_line(&mut head).unwrap() > 0, "{head}");
    }
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/event-stream\r\n"),
        "{head}"
    );
    reader
}

/// Reads the stream until `wanted` has come (at most the connection's read timeout).
#[track_caller]
fn read_until(reader: &mut std::io::BufReader<std::net::TcpStream>, wanted: &str) -> String {
    use std::io::BufRead;
    let mut seen = String::new();
    while !seen.contains(wanted) {
        assert!(
            reader.read_line(&mut seen).unwrap() > 0,
            "ended before {wanted:?}: {seen}"
        );
    }
    seen
}

#[test]
fn an_entry_signed_anywhere_reaches_every_open_page_live() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-live");
    let demo = start_demo(&dir, &backend);
    let page = get(demo.addr, "/").text();
    assert!(page.contains(r#"data-events="/events""#), "{page}");
    let mut windows = [open_events(demo.addr, ""), open_events(demo.addr, "")];
    let created = post(
        demo.addr,
        "/api/entries",
        "application/json",
        r#"{"name": "Ada", "message": "<b>live</b>"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    for window in &mut windows {
        let seen = read_until(window, r#""message":"<b>live</b>""#);
        assert!(seen.contains("id: 1\nevent: entry\ndata: {"), "{seen}");
    }
    // A page that reconnects after it (Last-Event-ID 0) catches up.
    let mut late = open_events(demo.addr, "Last-Event-ID: 0\r\n");
    read_until(&mut late, r#""message":"<b>live</b>""#);
}

fn the_same_guestbook_runs_split_behind_httprs_front(backend: Backend) {
    let dir = TempDir::new("demo-split");
    // Two backends on one database (SQLite's WAL lets two processes share
    // its file; PostgreSQL is made for it), and the front serving the
    // static files itself.
    let backend_args = ["--backend", "--addr", "127.0.0.1:0"];
    let mut first = start_demo_with(&dir, &backend, &backend_args);
    let second = start_demo_with(&dir, &backend, &backend_args);
    assert!(first.listening.contains("(backend)"), "{}", first.listening);
    let static_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/static");
    let front = support::process::front(
        &[first.addr, second.addr],
        &["--static", &format!("/static={static_dir}")],
        &[("HTTPRS_SPLIT_KEY", SPLIT_KEY)],
    );
    let addr = front.addr;

    // Signed through the front, by whichever backend; listed by both.
    let signed = post_form(addr, "name=Split&message=Through+the+front");
    assert_eq!(signed.status, 303, "{}", signed.text());
    assert_eq!(signed.header("location"), Some("/"));
    for _ in 0..4 {
        let list = entries(addr);
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["message"], "Through the front");
    }
    let refused = post_form(addr, "name=&message=");
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("Please tell us your name."));
    assert_eq!(get(addr, "/static/style.css").status, 200);

    // One backend dies: the guestbook goes on through the other.
    first.kill();
    for _ in 0..4 {
        let page = get(addr, "/");
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.text().contains("Through the front"));
    }
    assert_eq!(post_form(addr, "name=Still&message=Here").status, 303);
    assert_eq!(entries(addr).len(), 2);
}

#[test]
fn behind_a_keyed_front_one_request_id_is_on_the_response_and_in_both_logs() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-split-id");
    // As `start_demo_with`, with the access log on.
    let mut demo = Process::spawn(
        &example_exe("demo"),
        &["--backend", "--addr", "127.0.0.1:0"],
        &[
            ("HTTPRS_DATABASE", &database(&dir, &backend)),
            ("HTTPRS_DEBUG", "false"),
            ("HTTPRS_ACCESS_LOG", "true"),
            ("HTTPRS_SECRET_KEY", SECRET_KEY),
            ("HTTPRS_SPLIT_KEY", SPLIT_KEY),
        ],
    );
    let mut front = support::process::front(&[demo.addr], &[], &[("HTTPRS_SPLIT_KEY", SPLIT_KEY)]);
    // The client's own id is not the front's to take: it names the request itself.
    let raw = "GET /api/entries HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
               X-Request-Id: chosen-by-the-client\r\n\r\n";
    let reply = request(front.addr, raw.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.text());
    let id = reply
        .header("x-request-id")
        .expect("an X-Request-Id")
        .to_string();
    assert_ne!(id, "chosen-by-the-client");
    let front_line = front.line_containing(&id);
    assert!(
        front_line.contains("\"GET /api/entries HTTP/1.1\" 200"),
        "{front_line}"
    );
    // The keyed backend took the front's id, and its word on the client.
    let backend_line = demo.line_containing(&id);
    assert!(
        backend_line.contains("127.0.0.1 \"GET /api/entries HTTP/1.1\" 200"),
        "{backend_line}"
    );
}

/// Posts without reading any page first: no cookie, no token, as a form on
/// another site would (its browser would not send our cookie either).
fn post_blind(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> Reply {
    let raw = format!(
        "POST {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    request(addr, raw.as_bytes())
}

fn a_form_post_without_the_token_is_refused_and_stores_nothing(backend: Backend) {
    let dir = TempDir::new("demo-csrf");
    let demo = start_demo(&dir, &backend);
    let form = "application/x-www-form-urlencoded";
    let refused = post_blind(demo.addr, "/", form, "name=Eve&message=Forged");
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(
        refused.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(refused.text().contains("form token"), "{}", refused.text());
    // With a session but a token of its own making: refused too.
    let mut browser = Browser::default();
    browser.get(demo.addr, "/");
    browser.token = "0".repeat(64);
    assert_eq!(
        browser
            .post_form(demo.addr, "/", "name=Eve&message=Guessed")
            .status,
        403
    );
    // From another site, even with the right token: refused.
    let mut browser = Browser::default();
    browser.get(demo.addr, "/");
    let head = "POST / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
                Origin: http://evil.example\r\n\
                Content-Type: application/x-www-form-urlencoded\r\n";
    let body = format!("name=Eve&message=Cross&csrf_token={}", browser.token);
    assert_eq!(browser.send(demo.addr, head, &body).status, 403);
    assert!(entries(demo.addr).is_empty());
    // JSON cannot be posted from another site without a preflight: no token needed.
    let created = post_blind(
        demo.addr,
        "/api/entries",
        "application/json",
        r#"{"name":"Bot","message":"JSON"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    // And the page's own form, token included, is signed: 303.
    let mut browser = Browser::default();
    let page = browser.get(demo.addr, "/");
    assert!(
        page.header("set-cookie")
            .unwrap()
            .contains("HttpOnly; SameSite=Lax")
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let signed = browser.post_form(demo.addr, "/", "name=Ada&message=Real");
    assert_eq!(signed.status, 303, "{}", signed.text());
    assert_eq!(entries(demo.addr).len(), 2);
}

/// Runs `demo --create-admin NAME` with the password in the variable.
fn create_admin(
    dir: &TempDir,
    backend: &Backend,
    name: &str,
    password: &str,
) -> std::process::Output {
    Command::new(example_exe("demo"))
        .args(["--create-admin", name])
        .env_remove("HTTPRS_SETTINGS")
        .env("HTTPRS_DATABASE", database(dir, backend))
        .env("GUESTBOOK_ADMIN_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A browser logged in as `name`, or the login's refusal.
fn log_in(addr: SocketAddr, name: &str, password: &str) -> (Browser, Reply) {
    let mut browser = Browser::default();
    browser.get(addr, "/login");
    let reply = browser.post_form(addr, "/login", &format!("name={name}&password={password}"));
    (browser, reply)
}

fn only_the_admin_sees_delete_buttons_and_deletes(backend: Backend) {
    let dir = TempDir::new("demo-admin");
    let made = create_admin(&dir, &backend, "ada", "correct horse");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let demo = start_demo(&dir, &backend);
    assert_eq!(post_form(demo.addr, "name=Bob&message=Keep+me").status, 303);
    let id = entries(demo.addr)[0]["id"].as_i64().unwrap();
    let delete = format!("/entries/{id}/delete");

    // A visitor, with a session and a valid token, sees no button and gets 403.
    let mut visitor = Browser::default();
    assert!(!visitor.get(demo.addr, "/").text().contains("Delete"));
    assert_eq!(visitor.post_form(demo.addr, &delete, "x=1").status, 403);
    assert_eq!(entries(demo.addr).len(), 1);

    // The admin logs in: a new session id (rotation), the buttons, the delete.
    let (_, wrong) = log_in(demo.addr, "ada", "wrong");
    assert_eq!(wrong.status, 403);
    assert!(wrong.text().contains("Wrong name or password."));
    let mut before = Browser::default();
    before.get(demo.addr, "/login");
    // A visitor has the token's cookie, and no session until the login.
    assert_eq!(before.cookie("httprs_session"), None);
    let old_token = before.cookie("httprs_csrf").expect("the token's cookie");
    let logged_in = before.post_form(demo.addr, "/login", "name=ada&password=correct+horse");
    assert_eq!(logged_in.status, 303, "{}", logged_in.text());
    let mut admin = before;
    let first_session = admin.cookie("httprs_session").expect("a session at login");
    assert_ne!(
        admin.cookie("httprs_csrf"),
        Some(old_token),
        "the token rotates on login"
    );
    // Logging in again in the same browser rotates the session's id.
    admin.get(demo.addr, "/login");
    let again = admin.post_form(demo.addr, "/login", "name=ada&password=correct+horse");
    assert_eq!(again.status, 303, "{}", again.text());
    assert_ne!(
        admin.cookie("httprs_session"),
        Some(first_session.clone()),
        "the id rotates on login"
    );
    let page = admin.get(demo.addr, "/").text();
    assert!(page.contains("Signed in as <strong>ada</strong>"), "{page}");
    assert!(page.contains(&format!(r#"action="{delete}""#)), "{page}");
    // The session cookie from before that login is worth nothing now.
    let mut planted = Browser {
        token: admin.token.clone(),
        ..Browser::default()
    };
    planted.set_cookie("httprs_session", &first_session);
    assert!(!planted.get(demo.addr, "/").text().contains("Signed in"));
    assert_eq!(admin.post_form(demo.addr, &delete, "x=1").status, 303);
    assert!(entries(demo.addr).is_empty());

    // Logged out, the same browser is a visitor again.
    assert_eq!(admin.post_form(demo.addr, "/logout", "x=1").status, 303);
    assert!(
        admin.cookie("httprs_session").is_none(),
        "the session cookie is dropped"
    );
    assert_eq!(post_form(demo.addr, "name=Bob&message=Again").status, 303);
    let id = entries(demo.addr)[0]["id"].as_i64().unwrap();
    let mut after = Browser::default();
    after.get(demo.addr, "/");
    assert_eq!(
        after
            .post_form(demo.addr, &format!("/entries/{id}/delete"), "x=1")
            .status,
        403
    );
    assert_eq!(entries(demo.addr).len(), 1);
}

#[test]
fn ten_wrong_passwords_in_a_row_are_refused_after_five() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-limit");
    assert!(
        create_admin(&dir, &backend, "ada", "correct horse")
            .status
            .success()
    );
    let demo = start_demo(&dir, &backend);
    let mut browser = Browser::default();
    browser.get(demo.addr, "/login");
    let statuses: Vec<u16> = (0..10)
        .map(|i| {
            let reply =
                browser.post_form(demo.addr, "/login", &format!("name=ada&password=guess{i}"));
            if reply.status == 429 {
                let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
                assert!((1..=60).contains(&wait), "Retry-After: {wait}");
            }
            reply.status
        })
        .collect();
    assert_eq!(statuses, [403, 403, 403, 403, 403, 429, 429, 429, 429, 429]);
    // Even the right password waits now.
    let right = browser.post_form(demo.addr, "/login", "name=ada&password=correct+horse");
    assert_eq!(right.status, 429);
}

#[test]
fn behind_a_keyed_front_the_login_limit_counts_each_client_address_not_a_header() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-split-limit");
    assert!(
        create_admin(&dir, &backend, "ada", "correct horse")
            .status
            .success()
    );
    let demo = start_demo_with(&dir, &backend, &["--backend", "--addr", "127.0.0.1:0"]);
    let front = support::process::front(&[demo.addr], &[], &[("HTTPRS_SPLIT_KEY", SPLIT_KEY)]);
    // The front listens on 127.0.0.1; clients come from two other loopback
    // addresses, so the front (which appends the peer to X-Forwarded-For)
    // sees two clients.
    let browser_from = |ip: [u8; 4]| {
        let mut browser = Browser {
            from: Some(ip.into()),
            ..Browser::default()
        };
        browser.get(front.addr, "/login");
        browser
    };
    let mut a = browser_from([127, 0, 0, 2]);
    let mut b = browser_from([127, 0, 0, 3]);
    let guess = |browser: &mut Browser, i: usize, spoof: &str| {
        let body = format!("name=ada&password=guess{i}&csrf_token={}", browser.token);
        let head = format!(
            "POST /login HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n{spoof}\
             Content-Type: application/x-www-form-urlencoded\r\n"
        );
        browser.send(front.addr, &head, &body).status
    };
    // Five failures from 127.0.0.2, each claiming another address in a
    // header of its own: the backend believes only the entry its
    // authenticated front appended.
    let statuses: Vec<u16> = (0..5)
        .map(|i| guess(&mut a, i, &format!("X-Forwarded-For: 9.9.9.{i}\r\n")))
        .collect();
    assert_eq!(statuses, [403; 5]);
    assert_eq!(guess(&mut a, 5, "X-Forwarded-For: 9.9.9.9\r\n"), 429);
    assert_eq!(guess(&mut a, 6, ""), 429);
    // 127.0.0.3 has its own count: a wrong password is only wrong.
    let other = b.post_form(front.addr, "/login", "name=ada&password=guess");
    assert_eq!(other.status, 403, "{}", other.text());
    assert!(other.text().contains("Wrong name or password."));
    // And it may still log in.
    let right = b.post_form(front.addr, "/login", "name=ada&password=correct+horse");
    assert_eq!(right.status, 303, "{}", right.text());
}

/// (The token's cookie is what a visitor holds: a tampered session cookie
/// is `sessions.rs`'s `a_tampered_or_unknown_cookie_is_a_fresh_session_not_an_error`.)
#[test]
fn a_tampered_token_cookie_is_a_fresh_token() {
    let backend = Backend::Sqlite;
    let dir = TempDir::new("demo-tampered");
    let demo = start_demo(&dir, &backend);
    let mut browser = Browser::default();
    browser.get(demo.addr, "/");
    let value = browser.cookie("httprs_csrf").unwrap();
    // One hex digit of the token changed: the MAC no longer matches.
    let flipped = if value.starts_with('0') { "1" } else { "0" };
    let tampered = format!("{flipped}{}", &value[1..]);
    let mut forger = Browser {
        token: browser.token.clone(),
        ..Browser::default()
    };
    forger.set_cookie("httprs_csrf", &tampered);
    let page = forger.get(demo.addr, "/");
    assert_eq!(page.status, 200);
    let fresh = forger.cookie("httprs_csrf").unwrap();
    assert_ne!(fresh, tampered);
    assert_ne!(forger.token, browser.token, "a new token");
    // The old token does not work with the tampered cookie.
    let mut forger = Browser {
        token: browser.token.clone(),
        ..Browser::default()
    };
    forger.set_cookie("httprs_csrf", &tampered);
    assert_eq!(
        forger
            .post_form(demo.addr, "/", "name=Eve&message=x")
            .status,
        403
    );
    assert!(entries(demo.addr).is_empty());
}

/// Runs the demo with debug off and no `HTTPRS_SECRET_KEY`, with the
/// settings file `settings` (the demo's own if `None`); returns its output.
fn start_without_a_key(dir: &TempDir, settings: Option<&str>) -> std::process::Output {
    let mut command = Command::new(example_exe("demo"));
    command.env_remove("HTTPRS_SETTINGS");
    if let Some(text) = settings {
        std::fs::write(dir.join("settings.toml"), text).unwrap();
        command.env("HTTPRS_SETTINGS", dir.join("settings.toml"));
    }
    command
        .args(["--addr", "127.0.0.1:0"])
        .env_remove("HTTPRS_SECRET_KEY")
        .env(
            "HTTPRS_DATABASE",
            dir.join("guestbook.sqlite3").to_str().unwrap(),
        )
        .env("HTTPRS_DEBUG", "false")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_demo_s_public_development_key_is_refused_with_debug_off() {
    let dir = TempDir::new("demo-insecure-key");
    let out = start_without_a_key(&dir, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("starts with \"insecure\", a development key"),
        "{stderr}"
    );
}

#[test]
fn without_a_secret_key_and_debug_off_start_up_stops_with_a_sentence() {
    let dir = TempDir::new("demo-no-key");
    // A settings file of its own: the demo's holds a (development) key.
    let out = start_without_a_key(&dir, Some("addrs = [\"127.0.0.1:0\"]\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: the app uses sessions, so it needs the secret_key setting \
             (HTTPRS_SECRET_KEY or secret_key in settings.toml, at least 32 bytes) when debug is off"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

on_both_engines!(
    the_guestbook_keeps_what_it_is_given_across_a_restart,
    the_same_guestbook_runs_split_behind_httprs_front,
    a_form_post_without_the_token_is_refused_and_stores_nothing,
    only_the_admin_sees_delete_buttons_and_deletes,
);

/// Runs the demo with `HTTPRS_DATABASE=database`; returns its output.
fn start_with_database(database: &str) -> std::process::Output {
    Command::new(example_exe("demo"))
        .args(["--addr", "127.0.0.1:0"])
        .env_remove("HTTPRS_SETTINGS")
        .env("HTTPRS_DATABASE", database)
        .env("HTTPRS_DEBUG", "false")
        .env("HTTPRS_SECRET_KEY", SECRET_KEY)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn an_unreachable_database_server_stops_start_up_with_a_sentence() {
    // Port 1 on loopback: nothing listens there.
    let out = start_with_database("postgres://guestbook@127.0.0.1:1/guestbook");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: cannot open database postgres://guestbook@127.0.0.1:1/guestbook: \
             the database setting names a PostgreSQL server that cannot be reached"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_malformed_database_url_stops_start_up_naming_the_setting() {
    let out = start_with_database("postgres://guestbook:hunter2@127.0.0.1:notaport/guestbook");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HTTPRS_DATABASE")
            && stderr.contains("expected a file path or a postgres:// URL"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password stays out of the message: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Runs the demo with `args` (its own settings, a database in `dir`); returns its output.
fn run_demo(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(example_exe("demo"));
    command
        .args(args)
        .env_remove("HTTPRS_SETTINGS")
        .env(
            "HTTPRS_DATABASE",
            dir.join("guestbook.sqlite3").to_str().unwrap(),
        )
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn help_lists_the_demo_s_own_flag_beside_the_framework_s() {
    let dir = TempDir::new("demo-help");
    let out = run_demo(&dir, &["--help"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("usage: [--addr HOST:PORT]... [--backend]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("this app's flags:\n  --create-admin NAME   save an admin"),
        "{stdout}"
    );
}

#[test]
fn an_undeclared_flag_or_the_admin_flag_without_a_name_is_refused_with_status_2() {
    let dir = TempDir::new("demo-flags");
    let out = run_demo(&dir, &["--create-admn", "ada"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("command line: key '--create-admn': unknown argument"),
        "{stderr}"
    );
    let out = run_demo(&dir, &["--create-admin"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "error: command line: key '--create-admin': needs a value NAME"
    );
    // A refused command is status 1, and says why.
    let out = run_demo(
        &dir,
        &["--create-admin", "ada"],
        &[("GUESTBOOK_ADMIN_PASSWORD", "short")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
}

#[test]
fn a_bad_app_setting_stops_the_demo_naming_the_variable_and_the_key() {
    let dir = TempDir::new("demo-app-setting");
    let out = run_demo(
        &dir,
        &["--addr", "127.0.0.1:0"],
        &[("HTTPRS_APP_PAGE_SIZE", "fifty")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: environment variable HTTPRS_APP_PAGE_SIZE: key 'app.page_size': invalid type: string \"fifty\""
        ),
        "{stderr}"
    );
}
