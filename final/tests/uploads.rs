//! Uploads over real sockets: a `multipart/form-data` form parsed as it
//! streams, its large file spooled to the configured folder and gone after
//! the request; each kind of malformed body a 400 that leaves no temporary
//! file; a route's own body limit a 413 above and below `max_body_bytes`;
//! the CSRF token taken from a multipart field; and other clients served
//! while an upload is half-sent.

mod support;

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use httprs::{App, InputError, Request, Response, Route, SecretKey, Server, Settings};
use support::{IO_TIMEOUT, Reply, TempDir, connect, read_reply, read_to_close, request, status_of};

const BOUNDARY: &str = "----httprs-test-7d1f";

/// A file of `len` bytes that is no text and holds every byte value.
fn file_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

/// A form with a text field `note`, any `extra` fields, and the file `doc`.
fn form(note: &str, extra: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("note", note)].iter().chain(extra) {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"d.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn head(path: &str, len: usize, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {len}\r\n{extra}\r\n"
    )
}

/// The handler: answers with the file's bytes, and says in headers what
/// the note was and whether the file was on disk in `dir`.
fn upload_handler(dir: PathBuf) -> impl Fn(&Request) -> Result<Response, InputError> + Send + Sync {
    move |req: &Request| {
        let form = req.multipart()?;
        let doc = form.file("doc").expect("the form has a file");
        let on_disk = doc.temp_path().is_some_and(|p| p.starts_with(&dir));
        Ok(Response::new(200)
            .with_header("X-Note", form.field("note").unwrap_or("-").to_string())
            .with_header("X-On-Disk", on_disk.to_string())
            .with_body(doc.bytes().unwrap().into_owned()))
    }
}

fn app(dir: &Path) -> App {
    App::new()
        .add_route(Route::post("/upload", upload_handler(dir.to_path_buf())).max_body(400_000))
        .add_route(Route::post("/small", upload_handler(dir.to_path_buf())).max_body(100))
        .post("/default", upload_handler(dir.to_path_buf()))
        .get("/hello", |_: &Request| "hello")
}

fn settings(uploads: &TempDir) -> Settings {
    Settings {
        upload_dir: Some(uploads.path().to_path_buf()),
        upload_memory_bytes: 4096,
        // `max_body_bytes` is 1000 (support::settings): the routes' limits
        // are above it (/upload) and below it (/small).
        ..support::settings()
    }
}

fn start(uploads: &TempDir) -> Server {
    app(uploads.path()).start(settings(uploads)).expect("start")
}

/// Files in `dir`, waiting (bounded) for the count to become `n`: the
/// request, and with it the upload, is dropped just after its answer leaves.
#[track_caller]
fn wait_for_files(dir: &Path, n: usize) {
    let deadline = Instant::now() + IO_TIMEOUT;
    loop {
        let found = std::fs::read_dir(dir).unwrap().count();
        if found == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{found} files in {}, expected {n}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_file_larger_than_the_threshold_arrives_intact_and_its_temp_file_goes_with_the_request() {
    let uploads = TempDir::new("uploads-intact");
    let server = start(&uploads);
    let file = file_bytes(300_000);
    let body = form("héllo", &[], &file);
    let mut stream = connect(server.addr());
    stream
        .write_all(head("/upload", body.len(), "").as_bytes())
        .unwrap();
    // Half the body: its file is already being spooled, not gathered in
    // memory; the temporary file exists before the request is complete.
    stream.write_all(&body[..150_000]).unwrap();
    wait_for_files(uploads.path(), 1);
    stream.write_all(&body[150_000..]).unwrap();
    let reply = read_reply(&mut BufReader::new(stream), false);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("x-note"), Some("héllo"));
    assert_eq!(reply.header("x-on-disk"), Some("true"));
    assert!(reply.body == file, "the file arrived changed");
    wait_for_files(uploads.path(), 0);
}

#[test]
fn a_file_below_the_threshold_stays_in_memory() {
    let uploads = TempDir::new("uploads-small");
    let server = start(&uploads);
    let file = file_bytes(3000);
    let body = form("n", &[], &file);
    let mut req = head("/upload", body.len(), "").into_bytes();
    req.extend_from_slice(&body);
    let reply = request(server.addr(), &req);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-on-disk"), Some("false"));
    assert!(reply.body == file);
}

/// Sends `head` and `body`, reads the answer to the close, and checks it
/// is `status` and that no temporary file is left.
#[track_caller]
fn refused(server: &Server, uploads: &TempDir, head: &str, body: &[u8], status: u16) {
    let mut stream = connect(server.addr());
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer and close before the whole body is written.
    let _ = stream.write_all(body);
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream)).into_owned();
    assert_eq!(status_of(&answer), status, "{head}{answer}");
    drop(stream);
    wait_for_files(uploads.path(), 0);
}

#[test]
fn malformed_multipart_bodies_are_400_and_leave_no_temp_file() {
    let uploads = TempDir::new("uploads-malformed");
    let server = start(&uploads);
    let big = file_bytes(100_000);
    let valid = form("n", &[], &big);
    let end = format!("\r\n--{BOUNDARY}--\r\n");
    // Each has a file past the threshold before its fault, so a temporary
    // file was made and must be gone.
    let without_final = valid[..valid.len() - end.len()].to_vec();
    let mut cut_short = without_final.clone();
    cut_short.extend_from_slice(format!("\r\n--{BOUNDARY}").as_bytes());
    let mut garbage_after_boundary = without_final.clone();
    garbage_after_boundary.extend_from_slice(format!("\r\n--{BOUNDARY}garbage\r\n").as_bytes());
    let mut head_too_long = without_final.clone();
    head_too_long.extend_from_slice(
        format!(
            "\r\n--{BOUNDARY}\r\nX-Long: {}\r\n\r\nx",
            "a".repeat(10_000)
        )
        .as_bytes(),
    );
    for (what, body) in [
        ("no final boundary", &without_final),
        ("a final boundary cut short", &cut_short),
        ("garbage after a boundary", &garbage_after_boundary),
        ("a part head over the limit", &head_too_long),
    ] {
        eprintln!("{what}");
        refused(
            &server,
            &uploads,
            &head("/upload", body.len(), ""),
            body,
            400,
        );
    }
    // A boundary RFC 2046 does not allow: refused from the head alone (so
    // only the head is sent).
    let bad_boundary = format!(
        "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary={}\r\n\
         Content-Length: {}\r\n\r\n",
        "b".repeat(71),
        valid.len()
    );
    refused(&server, &uploads, &bad_boundary, b"", 400);
    // The body is fine but says another boundary: no delimiter is ever found.
    let other = head("/upload", valid.len(), "").replace(BOUNDARY, "another-one");
    refused(&server, &uploads, &other, &valid, 400);
}

#[test]
fn a_client_gone_mid_upload_leaves_no_temp_file() {
    let uploads = TempDir::new("uploads-gone");
    let server = start(&uploads);
    let body = form("n", &[], &file_bytes(200_000));
    let mut stream = connect(server.addr());
    stream
        .write_all(head("/upload", body.len(), "").as_bytes())
        .unwrap();
    stream.write_all(&body[..100_000]).unwrap();
    wait_for_files(uploads.path(), 1);
    drop(stream);
    wait_for_files(uploads.path(), 0);
}

#[test]
fn a_route_s_body_limit_holds_above_and_below_the_global_one() {
    let uploads = TempDir::new("uploads-limits");
    let server = start(&uploads);
    // /upload allows 400,000 bytes, far above max_body_bytes (1000).
    let body = form("n", &[], &file_bytes(350_000));
    let mut req = head("/upload", body.len(), "").into_bytes();
    req.extend_from_slice(&body);
    assert_eq!(request(server.addr(), &req).status, 200);
    // Refused from the head alone: the body is never sent.
    let over = form("n", &[], &file_bytes(400_001));
    refused(
        &server,
        &uploads,
        &head("/upload", over.len(), ""),
        b"",
        413,
    );
    // Chunked, so the limit is found while the body streams, not from its length.
    let chunked_head = format!(
        "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    let mut chunks = Vec::new();
    for piece in over.chunks(50_000) {
        chunks.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunks.extend_from_slice(piece);
        chunks.extend_from_slice(b"\r\n");
    }
    chunks.extend_from_slice(b"0\r\n\r\n");
    refused(&server, &uploads, &chunked_head, &chunks, 413);
    // /small allows 100 bytes, below max_body_bytes: 413 for 500.
    let small = form("n", &[], &file_bytes(400));
    assert!(small.len() < 1000);
    refused(
        &server,
        &uploads,
        &head("/small", small.len(), ""),
        b"",
        413,
    );
    // A route without a limit of its own keeps the global one.
    let mut fits = head("/default", small.len(), "").into_bytes();
    fits.extend_from_slice(&small);
    assert_eq!(request(server.addr(), &fits).status, 200);
    let big = form("n", &[], &file_bytes(1000));
    refused(
        &server,
        &uploads,
        &head("/default", big.len(), ""),
        b"",
        413,
    );
}

#[test]
fn other_clients_are_served_while_an_upload_is_half_sent() {
    let uploads = TempDir::new("uploads-meanwhile");
    let server = start(&uploads);
    let body = form("n", &[], &file_bytes(200_000));
    let mut uploader = connect(server.addr());
    uploader
        .write_all(head("/upload", body.len(), "").as_bytes())
        .unwrap();
    uploader.write_all(&body[..120_000]).unwrap();
    for _ in 0..3 {
        let reply = request(server.addr(), b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_eq!(reply.text(), "hello");
    }
    uploader.write_all(&body[120_000..]).unwrap();
    let reply = read_reply(&mut BufReader::new(uploader), false);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), 200_000);
}

#[test]
fn the_csrf_token_is_taken_from_a_multipart_field() {
    let uploads = TempDir::new("uploads-csrf");
    std::fs::create_dir(uploads.join("spool")).unwrap();
    let app = app(uploads.path())
        .sessions()
        .get("/token", |req: &Request| {
            Response::text(req.session().csrf_token())
        });
    let server = app
        .start(Settings {
            database: uploads.join("app.sqlite3"),
            secret_key: Some(SecretKey::new(*b"0123456789abcdef0123456789abcdef").unwrap()),
            upload_dir: Some(uploads.join("spool")),
            ..settings(&uploads)
        })
        .expect("start");
    let first: Reply = request(server.addr(), b"GET /token HTTP/1.1\r\nHost: t\r\n\r\n");
    let cookie = format!("Cookie: {}\r\n", first.cookies());
    let token = first.text();
    let file = file_bytes(10_000);

    let with = form("n", &[("csrf_token", &token)], &file);
    let mut req = head("/upload", with.len(), &cookie).into_bytes();
    req.extend_from_slice(&with);
    let reply = request(server.addr(), &req);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.body == file);

    let without = form("n", &[], &file);
    let mut req = head("/upload", without.len(), &cookie).into_bytes();
    req.extend_from_slice(&without);
    assert_eq!(request(server.addr(), &req).status, 403);
    let wrong = form("n", &[("csrf_token", "0000")], &file);
    let mut req = head("/upload", wrong.len(), &cookie).into_bytes();
    req.extend_from_slice(&wrong);
    assert_eq!(request(server.addr(), &req).status, 403);
    wait_for_files(&uploads.join("spool"), 0);
}
