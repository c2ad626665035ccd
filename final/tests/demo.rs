//! The guestbook demo end to end, as a visitor and a script would use it:
//! the real example process, a temporary database file, raw HTTP.
//!
//! Sign the book with the form and with the API, see the entry in the page
//! (escaped) and in the JSON, get the form back with reasons when it is
//! wrong, fetch the CSS and the script, then stop the server, start a new
//! one on the same file, and find everything still there.

mod support;

// The demo's model code, compiled into this test too, so that its unit
// tests (validation, dates) run with `cargo test` like every other test.
// (An example's own tests only run if it is built as a test, and then Cargo
// no longer builds the example program that the tests below start.)
#[path = "../examples/demo/app/models.rs"]
#[allow(dead_code)] // the tests use only part of it
mod models;

use std::net::SocketAddr;

use support::process::{Process, example_exe};
use support::{Reply, TempDir, request};

/// Starts the demo in production mode on `dir/guestbook.sqlite3`: SQLite's
/// `-wal` and `-shm` companions go in `dir` too, and all of it with `dir`.
fn start_demo(dir: &TempDir) -> Process {
    start_demo_with(dir, &["--addr", "127.0.0.1:0"])
}

/// The demo with these flags (`--backend` for split mode), on `dir`'s database.
fn start_demo_with(dir: &TempDir, args: &[&str]) -> Process {
    let database = dir.join("guestbook.sqlite3");
    Process::spawn(
        &example_exe("demo"),
        args,
        &[
            ("HTTPRS_DATABASE", database.to_str().unwrap()),
            // Production mode: what a deployed guestbook does.
            ("HTTPRS_DEBUG", "false"),
            ("HTTPRS_ACCESS_LOG", "false"),
        ],
    )
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    let raw = format!("GET {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n");
    request(addr, raw.as_bytes())
}

fn post(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> Reply {
    let raw = format!(
        "POST {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    request(addr, raw.as_bytes())
}

fn post_form(addr: SocketAddr, body: &str) -> Reply {
    post(addr, "/", "application/x-www-form-urlencoded", body)
}

fn entries(addr: SocketAddr) -> Vec<serde_json::Value> {
    let reply = get(addr, "/api/entries");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    serde_json::from_slice(&reply.body).expect("a JSON array")
}

#[test]
fn the_guestbook_keeps_what_it_is_given_across_a_restart() {
    let dir = TempDir::new("demo-restart");
    let mut demo = start_demo(&dir);
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
    let demo = start_demo(&dir);
    let names: Vec<_> = entries(demo.addr)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Grace", "Ada"]);
    assert!(get(demo.addr, "/").text().contains("From a script."));
}

#[test]
fn a_wrong_form_comes_back_with_what_was_typed_and_why() {
    let dir = TempDir::new("demo-invalid");
    let demo = start_demo(&dir);

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
    let missing = get(demo.addr, "/api/entries/999");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/json"));
    assert_eq!(missing.text(), r#"{"error":"no such entry"}"#);
    assert_eq!(get(demo.addr, "/api/entries/abc").status, 404);
    assert_eq!(get(demo.addr, "/nowhere").status, 404);
    // Nothing was stored by any of it.
    assert!(entries(demo.addr).is_empty());
}

#[test]
fn the_stylesheet_and_the_script_are_static_files() {
    let dir = TempDir::new("demo-static");
    let demo = start_demo(&dir);
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

#[test]
fn the_same_guestbook_runs_split_behind_httprs_front() {
    let dir = TempDir::new("demo-split");
    // Two backends on one database file (SQLite's WAL lets two processes
    // share it), and the front serving the static files itself.
    let backend_args = ["--backend", "--addr", "127.0.0.1:0"];
    let mut first = start_demo_with(&dir, &backend_args);
    let second = start_demo_with(&dir, &backend_args);
    assert!(first.listening.contains("(backend)"), "{}", first.listening);
    let backends = [first.addr.to_string(), second.addr.to_string()];
    let static_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/static");
    let front = Process::spawn(
        std::path::Path::new(env!("CARGO_BIN_EXE_httprs-front")),
        &[
            "--addr",
            "127.0.0.1:0",
            "--backend",
            &backends[0],
            "--backend",
            &backends[1],
            "--static",
            &format!("/static={static_dir}"),
        ],
        &[],
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
