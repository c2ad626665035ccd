//! `Accept-Encoding`, as the compression stage reads it on a page long
//! enough to compress, through `App::handle`.
//!
//! Beyond "no panic" it asserts:
//! - the body, decoded with the coding `Content-Encoding` names (none,
//!   `gzip` or `br`), is the handler's page byte for byte;
//! - no other coding is ever named, and `Vary: Accept-Encoding` is always there;
//! - a coding is chosen only if the field names it (or `x-gzip`, or `*`).
#![no_main]

use std::io::Read;
use std::sync::LazyLock;

use httprs::{App, Request, Response};
use libfuzzer_sys::fuzz_target;

static PAGE: LazyLock<String> =
    LazyLock::new(|| "<p>A page long enough to be worth compressing.</p>\n".repeat(40));

static APP: LazyLock<App> =
    LazyLock::new(|| App::new().get("/", |_: &Request| Response::html(PAGE.as_str())));

fuzz_target!(|data: &[u8]| {
    let field = String::from_utf8_lossy(data);
    let res = APP.handle(Request::new("GET", "/").with_header("Accept-Encoding", &field));
    assert_eq!(res.header("vary"), Some("Accept-Encoding"));
    let mut decoded = Vec::new();
    let lower = field.to_ascii_lowercase();
    match res.header("content-encoding") {
        None => decoded = res.body().to_vec(),
        Some("gzip") => {
            assert!(lower.contains("gzip") || lower.contains('*'), "{field:?}");
            flate2::read::GzDecoder::new(res.body())
                .read_to_end(&mut decoded)
                .expect("valid gzip");
        }
        Some("br") => {
            assert!(lower.contains("br") || lower.contains('*'), "{field:?}");
            brotli::Decompressor::new(res.body(), 4096)
                .read_to_end(&mut decoded)
                .expect("valid brotli");
        }
        Some(other) => panic!("{field:?} chose {other}"),
    }
    assert_eq!(decoded, PAGE.as_bytes(), "{field:?}");
});
