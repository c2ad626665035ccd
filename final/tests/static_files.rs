//! Static files over real sockets: content types, validators and 304,
//! ranges, `HEAD`, `index.html`, a large file streamed intact, and every
//! traversal attempt answered 404 without a byte from outside the folder.

mod support;

use std::io::{BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use httprs::{App, Server};
use support::{Reply, TempDir, connect, read_reply, request};

const SECRET: &str = "TOP SECRET: outside the static folder";

/// A scratch folder: `root/` is served, `outside/secret.txt` must never be.
struct Site {
    dir: TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = TempDir::new("static");
        std::fs::create_dir_all(dir.join("root/sub")).unwrap();
        std::fs::create_dir_all(dir.join("root/empty")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("outside/secret.txt"), SECRET).unwrap();
        let site = Site { dir };
        site.write("site.css", b"body { color: red }");
        site.write("app.js", b"console.log(1)");
        site.write("logo.png", b"\x89PNG fake");
        site.write("notes", b"no extension");
        site.write("digits.txt", b"0123456789");
        site.write("sub/index.html", b"<h1>sub</h1>");
        site
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.root().join(name), bytes).unwrap();
    }

    fn serve(&self) -> Server {
        App::new()
            .static_files("/static", self.root())
            .start(support::settings())
            .expect("start static server")
    }
}

#[track_caller]
fn get(addr: SocketAddr, path: &str, extra: &str) -> Reply {
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n").as_bytes(),
    )
}

#[test]
fn content_types_follow_the_extension() {
    let site = Site::new();
    let server = site.serve();
    let cases = [
        ("/static/site.css", "text/css; charset=utf-8"),
        ("/static/digits.txt", "text/plain; charset=utf-8"),
        ("/static/logo.png", "image/png"),
        ("/static/notes", "application/octet-stream"),
    ];
    for (path, content_type) in cases {
        let reply = get(server.addr(), path, "");
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), Some(content_type), "{path}");
    }
    let js = get(server.addr(), "/static/app.js", "");
    assert!(js.header("content-type").unwrap().contains("javascript"));
    assert_eq!(js.body, b"console.log(1)");
}

#[test]
fn etag_and_last_modified_turn_a_repeat_get_into_304() {
    let site = Site::new();
    let server = site.serve();
    let first = get(server.addr(), "/static/site.css", "");
    let etag = first.header("etag").expect("an ETag").to_string();
    let modified = first
        .header("last-modified")
        .expect("a Last-Modified")
        .to_string();

    let by_tag = get(
        server.addr(),
        "/static/site.css",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(by_tag.status, 304);
    assert!(by_tag.body.is_empty());
    assert_eq!(by_tag.header("etag"), Some(etag.as_str()));

    let other_tag = get(
        server.addr(),
        "/static/site.css",
        "If-None-Match: \"other\"\r\n",
    );
    assert_eq!(other_tag.status, 200);
    assert_eq!(other_tag.body, b"body { color: red }");

    let by_date = get(
        server.addr(),
        "/static/site.css",
        &format!("If-Modified-Since: {modified}\r\n"),
    );
    assert_eq!(by_date.status, 304);

    let old_date = get(
        server.addr(),
        "/static/site.css",
        "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n",
    );
    assert_eq!(old_date.status, 200);
}

#[test]
fn single_ranges_get_206_and_ranges_past_the_end_get_416() {
    let site = Site::new();
    let server = site.serve();
    let cases = [
        ("bytes=2-5", "2345", "bytes 2-5/10"),
        ("bytes=7-", "789", "bytes 7-9/10"),
        ("bytes=-3", "789", "bytes 7-9/10"),
        ("bytes=8-100", "89", "bytes 8-9/10"),
    ];
    for (range, body, content_range) in cases {
        let reply = get(
            server.addr(),
            "/static/digits.txt",
            &format!("Range: {range}\r\n"),
        );
        assert_eq!(reply.status, 206, "{range}");
        assert_eq!(reply.text(), body, "{range}");
        assert_eq!(
            reply.header("content-range"),
            Some(content_range),
            "{range}"
        );
    }
    let past = get(server.addr(), "/static/digits.txt", "Range: bytes=10-\r\n");
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some("bytes */10"));

    let stale = get(
        server.addr(),
        "/static/digits.txt",
        "Range: bytes=2-5\r\nIf-Range: \"not-this-version\"\r\n",
    );
    assert_eq!(stale.status, 200);
    assert_eq!(stale.text(), "0123456789");
}

#[test]
fn head_sends_the_length_and_no_body_and_the_connection_goes_on() {
    let site = Site::new();
    let server = site.serve();
    let mut stream = connect(server.addr());
    stream
        .write_all(
            b"HEAD /static/digits.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /static/site.css HTTP/1.1\r\nHost: t\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    let head = read_reply(&mut reader, true);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("10"));
    // Had the HEAD leaked its body, this would read "0123456789" as a head.
    let next = read_reply(&mut reader, false);
    assert_eq!(next.body, b"body { color: red }");
}

#[test]
fn a_folder_serves_its_index_and_redirects_to_its_slashed_url() {
    let site = Site::new();
    let server = site.serve();
    let index = get(server.addr(), "/static/sub/", "");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.text(), "<h1>sub</h1>");

    let bare = get(server.addr(), "/static/sub?x=1", "");
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some("/static/sub/?x=1"));
    let mount = get(server.addr(), "/static", "");
    assert_eq!(mount.header("location"), Some("/static/"));

    assert_eq!(get(server.addr(), "/static/empty/", "").status, 404);
    assert_eq!(get(server.addr(), "/static/site.css/", "").status, 404);
    assert_eq!(get(server.addr(), "/static/missing.css", "").status, 404);
    assert_eq!(get(server.addr(), "/staticky", "").status, 404);
    let post = request(
        server.addr(),
        b"POST /static/site.css HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[test]
fn a_large_file_arrives_intact_and_a_pipelined_request_waits_its_turn() {
    let site = Site::new();
    let big = pattern(5 * 1024 * 1024 + 123);
    site.write("big.bin", &big);
    let server = site.serve();
    let mut stream = connect(server.addr());
    stream
        .write_all(
            b"GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /static/digits.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    let first = read_reply(&mut reader, false);
    assert_eq!(first.status, 200);
    assert_eq!(first.body.len(), big.len());
    assert!(first.body == big, "the large file arrived altered");
    let second = read_reply(&mut reader, false);
    assert_eq!(second.text(), "0123456789");

    let tail = get(
        server.addr(),
        "/static/big.bin",
        "Range: bytes=3000000-\r\n",
    );
    assert_eq!(tail.status, 206);
    assert!(tail.body == big[3_000_000..], "the range arrived altered");
}

/// A file of `len` bytes with no period that lines up with a 64 KiB chunk.
fn pattern(len: u32) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

#[test]
fn concurrent_downloads_each_arrive_intact() {
    let site = Site::new();
    let big = pattern(3 * 1024 * 1024 + 7);
    site.write("big.bin", &big);
    let server = site.serve();
    let addr = server.addr();
    let downloads: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || get(addr, "/static/big.bin", "").body))
        .collect();
    for download in downloads {
        let body = download.join().expect("download thread");
        assert!(body == big, "a concurrent download arrived altered");
    }
}

#[test]
fn a_client_that_stops_reading_a_download_holds_up_nobody_else() {
    let site = Site::new();
    site.write("big.bin", &pattern(8 * 1024 * 1024));
    let mut settings = support::settings();
    // One loop: the stalled download and the next request share it.
    settings.event_loops = 1;
    let server = App::new()
        .static_files("/static", site.root())
        .start(settings)
        .expect("start static server");
    let mut stalled = connect(server.addr());
    stalled
        .write_all(b"GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // Never read from `stalled`: its socket buffers fill and the server
    // must park that download, not wait on it.
    let other = get(server.addr(), "/static/digits.txt", "");
    assert_eq!(other.text(), "0123456789");
    drop(stalled);
}

#[cfg(unix)]
#[test]
fn every_way_out_of_the_folder_is_a_404_without_a_byte_from_outside() {
    let site = Site::new();
    std::os::unix::fs::symlink(site.dir.join("outside"), site.root().join("link")).unwrap();
    std::os::unix::fs::symlink(
        site.dir.join("outside/secret.txt"),
        site.root().join("secret-link.txt"),
    )
    .unwrap();
    // A link that stays inside the folder is fine: the check is where a
    // path lands, not whether it passes through a link.
    std::os::unix::fs::symlink(
        site.root().join("digits.txt"),
        site.root().join("inner-link.txt"),
    )
    .unwrap();
    // Hidden files are refused even inside the folder.
    site.write(".env", SECRET.as_bytes());
    let server = site.serve();
    assert_eq!(
        get(server.addr(), "/static/inner-link.txt", "").text(),
        "0123456789"
    );
    let outside = site.dir.join("outside/secret.txt");
    let absolute = outside.to_str().unwrap();
    let targets = [
        "/static/../outside/secret.txt".to_string(),
        "/static/sub/../../outside/secret.txt".to_string(),
        "/static/%2e%2e/outside/secret.txt".to_string(),
        "/static/%2E%2E/outside/secret.txt".to_string(),
        "/static/..%2foutside%2fsecret.txt".to_string(),
        "/static/%2e%2e%2Foutside%2Fsecret.txt".to_string(),
        "/static/..%5coutside%5csecret.txt".to_string(),
        "/static/..\\outside\\secret.txt".to_string(),
        format!("/static/{absolute}"),
        format!("/static/{}", absolute.replace('/', "%2f")),
        "/static//etc/passwd".to_string(),
        "/static/digits.txt%00.css".to_string(),
        "/static/link/secret.txt".to_string(),
        "/static/secret-link.txt".to_string(),
        "/static/sub/..%2f..%2foutside/secret.txt".to_string(),
        "/static/.env".to_string(),
        "/static/%2eenv".to_string(),
    ];
    for target in &targets {
        let reply = get(server.addr(), target, "");
        assert_eq!(reply.status, 404, "{target}");
        assert!(
            !reply.text().contains("SECRET"),
            "{target} leaked the secret"
        );
    }
    // The secret is real, and readable had the checks failed.
    assert_eq!(
        std::fs::read_to_string(Path::new(&outside)).unwrap(),
        SECRET
    );
}

#[test]
fn without_a_socket_the_response_carries_the_file_and_its_length() {
    let site = Site::new();
    let app = App::new().static_files("/static", site.root());
    let res = app.handle(httprs::Request::new("GET", "/static/digits.txt"));
    assert_eq!(res.status().code(), 200);
    assert_eq!(res.body_len(), 10);
    assert!(res.body().is_empty(), "the bytes stay on disk until sent");
    let outside = app.handle(httprs::Request::new(
        "GET",
        "/static/%2e%2e/outside/secret.txt",
    ));
    assert_eq!(outside.status().code(), 404);
}

#[test]
fn a_relative_folder_is_read_from_the_settings_root() {
    let site = Site::new();
    // As if settings.toml sat in the scratch folder: `root` is relative to it,
    // whatever the test's working directory is.
    let server = App::new()
        .static_files("/static", "root")
        .start(httprs::Settings {
            root: site.dir.path().to_path_buf(),
            ..support::settings()
        })
        .expect("start static server");
    let reply = get(server.addr(), "/static/site.css", "");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, b"body { color: red }");
}

/// The `ETag` of the static handler: `"SIZE-MTIME"`, both in hex. The size
/// half, and the shape of the other, are what a reader's copy shares with ours.
fn etag_parts(etag: &str) -> (String, String) {
    let inner = etag
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or_else(|| panic!("an ETag is quoted: {etag}"));
    let (size, time) = inner
        .split_once('-')
        .unwrap_or_else(|| panic!("an ETag is SIZE-MTIME: {etag}"));
    for half in [size, time] {
        assert!(
            !half.is_empty() && half.bytes().all(|b| b.is_ascii_hexdigit()),
            "{etag}"
        );
    }
    (size.to_string(), time.to_string())
}

#[test]
fn the_tutorials_curl_i_of_the_demos_style_sheet_is_what_the_server_sends() {
    // The demo's own folder, as `.static_files("/static", "static")` serves it.
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/static");
    let size = std::fs::metadata(folder.join("style.css")).unwrap().len();
    let server = App::new()
        .static_files("/static", &folder)
        .start(support::settings())
        .expect("start static server");
    // What `curl -I` sends: a HEAD.
    let mut stream = connect(server.addr());
    stream
        .write_all(b"HEAD /static/style.css HTTP/1.1\r\nHost: 127.0.0.1:7777\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")
        .unwrap();
    let served = read_reply(&mut BufReader::new(stream), true);

    let block = step01::testing::tutorial_block(
        "final/tests/static_files.rs",
        "the_tutorials_curl_i_of_the_demos_style_sheet_is_what_the_server_sends",
    );
    let shown: Vec<&str> = block
        .iter()
        .map(String::as_str)
        .filter(|line| !line.starts_with("$ ") && !line.is_empty())
        .collect();
    let served_lines: Vec<&str> = served.head.lines().collect();
    assert_eq!(shown[0], served_lines[0], "the status line");
    let fields = |lines: &[&str]| -> Vec<(String, String)> {
        lines[1..]
            .iter()
            .map(|line| {
                let (name, value) = line.split_once(": ").expect("Name: value");
                (name.to_string(), value.trim().to_string())
            })
            .collect()
    };
    let (shown, served_fields) = (fields(&shown), fields(&served_lines));
    let names = |fields: &[(String, String)]| -> Vec<String> {
        fields.iter().map(|(name, _)| name.clone()).collect()
    };
    assert_eq!(names(&shown), names(&served_fields), "the fields, in order");
    for ((name, text), (_, real)) in shown.iter().zip(&served_fields) {
        match name.as_str() {
            // Yours differ: the time of the request, and of your copy of the file.
            "Date" | "Last-Modified" => {
                assert!(httpdate::parse_http_date(text).is_ok(), "{name}: {text}");
                assert!(httpdate::parse_http_date(real).is_ok(), "{name}: {real}");
            }
            "ETag" => {
                let (text_size, _) = etag_parts(text);
                let (real_size, _) = etag_parts(real);
                assert_eq!(text_size, real_size, "the ETag's size half");
                assert_eq!(real_size, format!("{size:x}"));
            }
            // Each request's own: a per-process prefix and a counter.
            "X-Request-Id" => {
                let id = |id: &str| {
                    id.split_once('-')
                        .is_some_and(|(p, n)| p.len() == 8 && n.parse::<u64>().is_ok())
                };
                assert!(id(text) && id(real), "{name}: {text} and {real}");
            }
            _ => assert_eq!(text, real, "{name}"),
        }
    }
    assert_eq!(served.header("content-length"), Some(&*size.to_string()));
}
