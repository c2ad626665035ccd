//! Static files over real sockets: types, validators and 304, ranges, HEAD,
//! every spelling of traversal, a symbolic link out of the root, a 20 MB
//! file streamed whole and in part, and the memory a big download costs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use step09::app::{App, RunningApp, Settings};
use step09::static_files::StaticFiles;
use step09::testing::{Answer, ChildServer, connect, exchange};

const STEP09: &str = env!("CARGO_BIN_EXE_step09");
const BIG: usize = 20 * 1024 * 1024;

/// A folder of test files in the temp dir, removed when dropped:
/// `site/` is served; `secret.txt` sits beside it, outside the root.
struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("step09-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("css")).unwrap();
        std::fs::create_dir_all(site.join("empty")).unwrap();
        std::fs::write(site.join("index.html"), "<h1>home</h1>\n").unwrap();
        std::fs::write(site.join("css/site.css"), "body { color: red; }\n").unwrap();
        std::fs::write(site.join("data.bin"), big_content()).unwrap();
        std::fs::write(site.join("notes"), "no extension\n").unwrap();
        std::fs::write(dir.join("secret.txt"), "the secret\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.txt"), site.join("link.txt")).unwrap();
        Fixture { dir }
    }

    fn site(&self) -> PathBuf {
        self.dir.join("site")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// 20 MB that are not all alike, so a misplaced byte shows.
fn big_content() -> Vec<u8> {
    (0..BIG)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect()
}

/// The folder `root` served at `/` on 127.0.0.1:0.
struct Served(RunningApp);

fn serve(root: &Path) -> Served {
    let app = StaticFiles::new("/", root).unwrap().mount(App::new());
    Served(
        app.spawn(&Settings::defaults())
            .expect("serve on 127.0.0.1:0"),
    )
}

impl Served {
    /// `METHOD target` with `headers`, on a connection of its own.
    #[track_caller]
    fn ask(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        Answer::parse(&exchange(self.0.addr, request.as_bytes()))
    }

    #[track_caller]
    fn get(&self, target: &str) -> Answer {
        self.ask("GET", target, &[])
    }

    #[track_caller]
    fn stop(self) {
        self.0.stop();
    }
}

#[test]
fn files_come_with_their_type_length_and_validators() {
    let fixture = Fixture::new("types");
    let served = serve(&fixture.site());
    let cases = [
        ("/", "text/html; charset=utf-8", "<h1>home</h1>\n"),
        ("/index.html", "text/html; charset=utf-8", "<h1>home</h1>\n"),
        (
            "/css/site.css",
            "text/css; charset=utf-8",
            "body { color: red; }\n",
        ),
        ("/notes", "application/octet-stream", "no extension\n"),
    ];
    for (target, content_type, body) in cases {
        let answer = served.get(target);
        assert_eq!(answer.status, 200, "{target}");
        assert_eq!(
            answer.header("Content-Type"),
            Some(content_type),
            "{target}"
        );
        assert_eq!(
            answer.header("Content-Length"),
            Some(body.len().to_string().as_str())
        );
        assert_eq!(answer.text(), body, "{target}");
        assert!(
            answer.header("ETag").is_some_and(|t| t.starts_with('"')),
            "{target}"
        );
        assert!(
            answer
                .header("Last-Modified")
                .is_some_and(|d| d.ends_with(" GMT"))
        );
        assert_eq!(answer.header("Accept-Ranges"), Some("bytes"));
    }
    let head = served.ask("HEAD", "/css/site.css", &[]);
    assert_eq!(
        (head.status, head.header("Content-Length")),
        (200, Some("21"))
    );
    assert!(head.body.is_empty(), "HEAD has no body");
    let post = served.ask("POST", "/", &[("Content-Length", "0")]);
    assert_eq!(
        (post.status, post.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    served.stop();
}

#[test]
fn a_conditional_get_with_a_current_copy_is_a_304_without_a_body() {
    let fixture = Fixture::new("conditional");
    let served = serve(&fixture.site());
    let first = served.get("/css/site.css");
    let etag = first.header("ETag").unwrap().to_string();
    let date = first.header("Last-Modified").unwrap().to_string();
    let by_tag = served.ask("GET", "/css/site.css", &[("If-None-Match", &etag)]);
    assert_eq!(by_tag.status, 304);
    assert_eq!(
        (by_tag.header("ETag"), by_tag.body.len()),
        (Some(etag.as_str()), 0)
    );
    assert_eq!(by_tag.header("Content-Length"), None);
    let by_date = served.ask("GET", "/css/site.css", &[("If-Modified-Since", &date)]);
    assert_eq!(by_date.status, 304);
    // A stale tag wins over a current date: the full file.
    let stale = [
        ("If-None-Match", "\"0-0\""),
        ("If-Modified-Since", date.as_str()),
    ];
    let full = served.ask("GET", "/css/site.css", &stale);
    assert_eq!(
        (full.status, full.text()),
        (200, "body { color: red; }\n".to_string())
    );
    served.stop();
}

#[test]
fn one_range_is_a_206_and_a_range_past_the_end_is_a_416() {
    let fixture = Fixture::new("range");
    let served = serve(&fixture.site());
    let part = served.ask("GET", "/css/site.css", &[("Range", "bytes=5-9")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.header("Content-Range"), Some("bytes 5-9/21"));
    assert_eq!(part.text(), "{ col");
    let tail = served.ask("GET", "/css/site.css", &[("Range", "bytes=-2")]);
    assert_eq!((tail.status, tail.text()), (206, "}\n".to_string()));
    let past = served.ask("GET", "/css/site.css", &[("Range", "bytes=21-")]);
    assert_eq!(
        (past.status, past.header("Content-Range")),
        (416, Some("bytes */21"))
    );
    // Two ranges are not served as two: the whole file.
    let two = served.ask("GET", "/css/site.css", &[("Range", "bytes=0-1,5-6")]);
    assert_eq!((two.status, two.body.len()), (200, 21));
    // If-Range with another version's tag: the range is ignored.
    let changed = [("Range", "bytes=0-1"), ("If-Range", "\"0-0\"")];
    assert_eq!(served.ask("GET", "/css/site.css", &changed).status, 200);
    served.stop();
}

#[test]
fn every_spelling_of_traversal_is_refused_and_a_link_out_is_not_found() {
    let fixture = Fixture::new("traversal");
    let served = serve(&fixture.site());
    let cases = [
        ("/../secret.txt", 400),
        ("/css/../../secret.txt", 400),
        ("/%2e%2e/secret.txt", 400),
        ("/%2E%2E/secret.txt", 400),
        ("/.%2e/secret.txt", 400),
        ("/..%2fsecret.txt", 400),
        ("/css%2f..%2f..%2fsecret.txt", 400),
        ("/..%5csecret.txt", 400),
        ("/..\\secret.txt", 400),
        ("/secret.txt%00.css", 400),
        // Well formed, and inside the root: simply not there.
        ("//secret.txt", 404),
        ("/%252e%252e/secret.txt", 404),
        ("/empty/", 404),
        ("/missing.css", 404),
    ];
    for (target, status) in cases {
        let answer = served.get(target);
        assert_eq!(answer.status, status, "{target}: {}", answer.text());
        assert!(
            !answer.text().contains("the secret"),
            "{target} leaked the file"
        );
    }
    #[cfg(unix)]
    {
        let link = served.get("/link.txt");
        assert_eq!(
            link.status, 404,
            "a symbolic link out of the root is not served"
        );
        assert!(!link.text().contains("the secret"));
    }
    served.stop();
}

#[test]
fn a_20_mb_file_is_served_whole_and_in_part_on_one_kept_alive_connection() {
    let fixture = Fixture::new("big");
    let served = serve(&fixture.site());
    let content = big_content();
    let mut stream = connect(served.0.addr);
    let (start, end) = (BIG / 3, BIG / 3 + 5 * 1024 * 1024);
    let requests = format!(
        "GET /data.bin HTTP/1.1\r\n\r\n\
         GET /data.bin HTTP/1.1\r\nRange: bytes={start}-{end}\r\n\r\n\
         GET /css/site.css HTTP/1.1\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(requests.as_bytes()).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let (whole, rest) = split_response(&all);
    assert_eq!(
        (whole.status, whole.header("Content-Length")),
        (200, Some("20971520"))
    );
    assert!(whole.body == content, "the whole file, byte for byte");
    let (part, rest) = split_response(rest);
    assert_eq!(part.status, 206);
    let range = format!("bytes {start}-{end}/{BIG}");
    assert_eq!(part.header("Content-Range"), Some(range.as_str()));
    assert!(
        part.body == content[start..=end],
        "the range, byte for byte"
    );
    let (css, rest) = split_response(rest);
    assert_eq!(
        (css.status, css.text()),
        (200, "body { color: red; }\n".to_string())
    );
    assert!(rest.is_empty());
    served.stop();
}

/// The first response in `bytes` (by its Content-Length), and what follows.
#[track_caller]
fn split_response(bytes: &[u8]) -> (Answer, &[u8]) {
    let head_end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    let head = Answer::parse(&bytes[..head_end]);
    let length: usize = head
        .header("Content-Length")
        .map_or(0, |v| v.parse().unwrap());
    assert!(bytes.len() >= head_end + length, "a whole body");
    (
        Answer::parse(&bytes[..head_end + length]),
        &bytes[head_end + length..],
    )
}

#[test]
fn the_binary_serves_the_guestbook_page_style_and_script() {
    let server = ChildServer::spawn(STEP09, &[]);
    let get = |target: &str| {
        let request = format!("GET {target} HTTP/1.1\r\nConnection: close\r\n\r\n");
        Answer::parse(&exchange(server.addr, request.as_bytes()))
    };
    let page = get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.text()
            .contains("<form class=\"sign\" method=\"post\" action=\"/\">")
    );
    assert!(page.text().contains("Signing does not work yet"));
    let css = get("/static/style.css");
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    let js = get("/static/guestbook.js");
    assert_eq!(
        js.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
}

#[test]
fn the_binary_refuses_a_root_that_is_not_a_folder_with_status_2() {
    let output = std::process::Command::new(STEP09)
        .args(["--addr", "127.0.0.1:0", "--root", "/no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot serve the folder /no/such/folder: "),
        "{stderr}"
    );
}

/// Streaming, proved by the process's peak memory: a 128 MB file (sparse,
/// so it takes no disk) is downloaded whole, and the server's resident
/// memory never comes near 128 MB. Reading the file whole would.
#[cfg(target_os = "linux")]
#[test]
fn downloading_a_128_mb_file_does_not_hold_it_in_memory() {
    const SIZE: u64 = 128 * 1024 * 1024;
    let fixture = Fixture::new("memory");
    let file = std::fs::File::create(fixture.site().join("huge.bin")).unwrap();
    file.set_len(SIZE).unwrap();
    let server = ChildServer::spawn(STEP09, &["--root", fixture.site().to_str().unwrap()]);
    let mut stream = connect(server.addr);
    stream
        .write_all(b"GET /huge.bin HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut received = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        received += n as u64;
    }
    assert!(received > SIZE, "head and the whole body: {received}");
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    assert!(
        peak_kb < 64 * 1024,
        "peak resident memory {peak_kb} kB while sending 128 MB"
    );
}
