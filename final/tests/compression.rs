//! Compression over real sockets: what `Accept-Encoding` chooses, bodies
//! decoded here with flate2 and brotli back to the handler's bytes, `Vary`,
//! what is never compressed, an ETag per coding and its 304, `HEAD` as
//! `GET`, precompressed `.br`/`.gz` copies of static files, and the
//! guestbook's own copies held to the files they were made from.

mod support;

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;

use httprs::{App, Cors, Request, Response, Server, Settings};
use support::{Reply, TempDir, request};

/// A page long enough to compress, and varied enough to check byte for byte.
fn page() -> String {
    (0..200)
        .map(|i| format!("<li>entry {i}: the same words again</li>\n"))
        .collect()
}

fn app() -> App {
    App::new()
        .get("/page", |_: &Request| Response::html(page()))
        .get("/tiny", |_: &Request| Response::html("<p>hi</p>"))
        .get("/png", |_: &Request| {
            Response::new(200)
                .with_header("Content-Type", "image/png")
                .with_body(page())
        })
        .get("/tagged", |_: &Request| {
            Response::html(page()).with_header("ETag", "\"v1\"")
        })
        .get("/no-transform", |_: &Request| {
            Response::html(page()).with_header("Cache-Control", "no-transform")
        })
        .get("/api/data", |_: &Request| Response::json(&vec![page()]))
        .cors("/api", Cors::new().allow_origin("https://app.test"))
}

fn start(app: App, settings: Settings) -> Server {
    app.start(settings).expect("start the server")
}

#[track_caller]
fn get(addr: SocketAddr, path: &str, extra: &str) -> Reply {
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n").as_bytes(),
    )
}

#[track_caller]
fn head(addr: SocketAddr, path: &str, extra: &str) -> Reply {
    let mut stream = support::connect(addr);
    std::io::Write::write_all(
        &mut stream,
        format!("HEAD {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n").as_bytes(),
    )
    .unwrap();
    support::read_reply(&mut std::io::BufReader::new(stream), true)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

/// The body as the handler made it, whatever the coding.
#[track_caller]
fn decoded(reply: &Reply) -> Vec<u8> {
    match reply.header("content-encoding") {
        None => reply.body.clone(),
        Some("gzip") => gunzip(&reply.body),
        Some("br") => unbrotli(&reply.body),
        Some(other) => panic!("unexpected coding {other}"),
    }
}

#[test]
fn gzip_and_brotli_bodies_decode_to_the_handler_s_bytes() {
    let server = start(app(), support::settings());
    let addr = server.addrs()[0];
    for (asked, coding) in [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br")] {
        let reply = get(addr, "/page", &format!("Accept-Encoding: {asked}\r\n"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-encoding"), Some(coding), "{asked}");
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
        assert!(
            reply.body.len() < page().len() / 4,
            "{} bytes",
            reply.body.len()
        );
        assert_eq!(decoded(&reply), page().as_bytes(), "{asked}");
    }
}

#[test]
fn q_values_choose_the_coding_and_no_header_means_identity() {
    let server = start(app(), support::settings());
    let addr = server.addrs()[0];
    let cases: &[(Option<&str>, Option<&str>)] = &[
        (Some("gzip;q=1, br;q=0.5"), Some("gzip")),
        (Some("br;q=0, gzip"), Some("gzip")),
        (Some("br;q=0.9, gzip;q=0.8"), Some("br")),
        (Some("identity"), None),
        (Some("*;q=0"), None),
        (Some("gzip;q=0, br;q=0"), None),
        (Some("br;q=banana, gzip;q=0.1"), Some("gzip")),
        (Some(""), None),
        (None, None),
    ];
    for (asked, coding) in cases {
        let extra = asked.map_or(String::new(), |a| format!("Accept-Encoding: {a}\r\n"));
        let reply = get(addr, "/page", &extra);
        assert_eq!(reply.status, 200, "{asked:?}");
        assert_eq!(reply.header("content-encoding"), *coding, "{asked:?}");
        // Whatever was chosen, the answer depends on the field.
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"), "{asked:?}");
        assert_eq!(decoded(&reply), page().as_bytes(), "{asked:?}");
    }
}

#[test]
fn tiny_bodies_images_and_no_transform_are_sent_as_they_are() {
    let server = start(app(), support::settings());
    let addr = server.addrs()[0];
    for path in ["/tiny", "/png", "/no-transform"] {
        let reply = get(addr, path, "Accept-Encoding: br, gzip\r\n");
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-encoding"), None, "{path}");
        assert_eq!(reply.header("vary"), None, "{path}: the same for everyone");
    }
    let tiny = get(addr, "/tiny", "Accept-Encoding: gzip\r\n");
    assert_eq!(tiny.body, b"<p>hi</p>");
}

#[test]
fn the_settings_switch_it_off_or_move_the_threshold() {
    let off = start(
        app(),
        Settings {
            compression: false,
            ..support::settings()
        },
    );
    let reply = get(off.addrs()[0], "/page", "Accept-Encoding: gzip\r\n");
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(reply.body, page().as_bytes());
    let low = start(
        app(),
        Settings {
            compression_min_size: 4,
            ..support::settings()
        },
    );
    // Nine bytes do not shrink: sent as they are, but they could have been.
    let tiny = get(low.addrs()[0], "/tiny", "Accept-Encoding: gzip\r\n");
    assert_eq!(tiny.header("vary"), Some("Accept-Encoding"));
    assert_eq!(tiny.body, b"<p>hi</p>");
}

#[test]
fn vary_keeps_cors_s_origin_beside_accept_encoding() {
    let server = start(app(), support::settings());
    let reply = get(
        server.addrs()[0],
        "/api/data",
        "Origin: https://app.test\r\nAccept-Encoding: gzip\r\n",
    );
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(reply.headers("vary"), vec!["Origin, Accept-Encoding"]);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://app.test")
    );
    assert_eq!(
        decoded(&reply),
        serde_json::to_vec(&vec![page()]).unwrap().as_slice()
    );
}

#[test]
fn each_coding_has_its_own_etag_and_its_own_304() {
    let server = start(app(), support::settings());
    let addr = server.addrs()[0];
    let gz = get(addr, "/tagged", "Accept-Encoding: gzip\r\n");
    let br = get(addr, "/tagged", "Accept-Encoding: br\r\n");
    let plain = get(addr, "/tagged", "");
    let tags = [gz.header("etag"), br.header("etag"), plain.header("etag")];
    assert_eq!(
        tags,
        [Some("\"v1-gzip\""), Some("\"v1-br\""), Some("\"v1\"")]
    );

    let again = get(
        addr,
        "/tagged",
        "Accept-Encoding: gzip\r\nIf-None-Match: \"v1-gzip\"\r\n",
    );
    assert_eq!(again.status, 304, "{}", again.head);
    assert_eq!(again.header("etag"), Some("\"v1-gzip\""));
    assert_eq!(again.header("vary"), Some("Accept-Encoding"));
    assert!(again.body.is_empty());
    // The gzip copy's tag is not current for a client now asking for brotli.
    let switched = get(
        addr,
        "/tagged",
        "Accept-Encoding: br\r\nIf-None-Match: \"v1-gzip\"\r\n",
    );
    assert_eq!(switched.status, 200);
    assert_eq!(switched.header("content-encoding"), Some("br"));
    assert_eq!(decoded(&switched), page().as_bytes());
}

#[test]
fn head_gets_the_headers_get_would() {
    let server = start(app(), support::settings());
    let addr = server.addrs()[0];
    for coding in ["gzip", "br", "identity"] {
        let extra = format!("Accept-Encoding: {coding}\r\n");
        let got = get(addr, "/page", &extra);
        let headed = head(addr, "/page", &extra);
        for name in ["content-length", "content-encoding", "vary", "content-type"] {
            assert_eq!(headed.header(name), got.header(name), "{coding}: {name}");
        }
    }
}

/// A static folder with `site.css` and its precompressed copies, made
/// here with the libraries, and `plain.css`, which has none.
fn static_site(dir: &TempDir) -> (String, Vec<u8>, Vec<u8>) {
    let css = "body { color: #333; margin: 0 auto; max-width: 40em }\n".repeat(50);
    let root = dir.join("static");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("site.css"), &css).unwrap();
    std::fs::write(root.join("plain.css"), &css).unwrap();
    let mut gz = Vec::new();
    flate2::read::GzEncoder::new(css.as_bytes(), flate2::Compression::best())
        .read_to_end(&mut gz)
        .unwrap();
    let mut br = Vec::new();
    brotli::CompressorReader::new(css.as_bytes(), 4096, 11, 22)
        .read_to_end(&mut br)
        .unwrap();
    // Written after the original: not older than it.
    std::fs::write(root.join("site.css.gz"), &gz).unwrap();
    std::fs::write(root.join("site.css.br"), &br).unwrap();
    (css, gz, br)
}

#[test]
fn a_precompressed_copy_beside_a_static_file_is_served_with_the_file_s_type() {
    let dir = TempDir::new("compression-static");
    let (css, gz, br) = static_site(&dir);
    let server = start(
        App::new().static_files("/static", dir.join("static")),
        support::settings(),
    );
    let addr = server.addrs()[0];
    let as_br = get(addr, "/static/site.css", "Accept-Encoding: gzip, br\r\n");
    assert_eq!(as_br.status, 200);
    assert_eq!(as_br.header("content-encoding"), Some("br"));
    assert_eq!(
        as_br.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(as_br.header("vary"), Some("Accept-Encoding"));
    assert_eq!(as_br.body, br, "the copy's bytes, as they are on disk");
    assert_eq!(unbrotli(&as_br.body), css.as_bytes());
    let as_gz = get(addr, "/static/site.css", "Accept-Encoding: gzip\r\n");
    assert_eq!(as_gz.header("content-encoding"), Some("gzip"));
    assert_eq!(as_gz.body, gz);
    let plain = get(addr, "/static/site.css", "");
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.body, css.as_bytes());

    // Three representations, three tags, each with its own 304.
    let tags: Vec<&str> = [&as_br, &as_gz, &plain]
        .iter()
        .map(|r| r.header("etag").unwrap())
        .collect();
    assert!(
        tags[0].ends_with("-br\"") && tags[1].ends_with("-gzip\""),
        "{tags:?}"
    );
    assert!(
        tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
        "{tags:?}"
    );
    let current = get(
        addr,
        "/static/site.css",
        &format!("Accept-Encoding: br\r\nIf-None-Match: {}\r\n", tags[0]),
    );
    assert_eq!(current.status, 304);
    assert_eq!(current.header("etag"), Some(tags[0]));
    assert_eq!(current.header("vary"), Some("Accept-Encoding"));
    let stale = get(
        addr,
        "/static/site.css",
        &format!("Accept-Encoding: gzip\r\nIf-None-Match: {}\r\n", tags[0]),
    );
    assert_eq!(stale.status, 200);

    // HEAD as GET; a range counts the file's own bytes.
    let headed = head(addr, "/static/site.css", "Accept-Encoding: br\r\n");
    assert_eq!(
        headed.header("content-length"),
        as_br.header("content-length")
    );
    assert_eq!(headed.header("content-encoding"), Some("br"));
    let ranged = get(
        addr,
        "/static/site.css",
        "Accept-Encoding: br\r\nRange: bytes=0-3\r\n",
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.header("content-encoding"), None);
    assert_eq!(ranged.body, b"body");

    // No copy: the file, the same for everyone.
    let alone = get(addr, "/static/plain.css", "Accept-Encoding: br\r\n");
    assert_eq!(alone.header("content-encoding"), None);
    assert_eq!(alone.header("vary"), None);
    assert_eq!(alone.body, css.as_bytes());
}

#[test]
fn a_copy_older_than_its_file_is_not_served() {
    let dir = TempDir::new("compression-stale");
    let (css, _, _) = static_site(&dir);
    let root = dir.join("static");
    // The style sheet edited after its copies were made.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    let file = std::fs::File::options()
        .write(true)
        .open(root.join("site.css"))
        .unwrap();
    file.set_modified(later).unwrap();
    drop(file);
    let server = start(
        App::new().static_files("/static", &root),
        support::settings(),
    );
    let reply = get(
        server.addrs()[0],
        "/static/site.css",
        "Accept-Encoding: br, gzip\r\n",
    );
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(reply.body, css.as_bytes());
}

/// The guestbook's `.br` and `.gz` copies decode to the files beside them:
/// an edit to `style.css` without new copies fails here, not in a browser.
#[test]
fn the_guestbook_s_precompressed_copies_match_their_files() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/static");
    for name in ["style.css", "guestbook.js"] {
        let original = std::fs::read(folder.join(name)).unwrap();
        let br = std::fs::read(folder.join(format!("{name}.br"))).unwrap();
        let gz = std::fs::read(folder.join(format!("{name}.gz"))).unwrap();
        assert_eq!(
            unbrotli(&br),
            original,
            "{name}.br is stale: run the demo with --compress-static"
        );
        assert_eq!(
            gunzip(&gz),
            original,
            "{name}.gz is stale: run the demo with --compress-static"
        );
    }
}
