//! Static files: the URL path below the prefix (percent-decoded and checked
//! segment by segment before the file system sees it) and the `Range`
//! field, as `App::static_files` serves them through `App::handle`.
//!
//! The folder holds files of distinct lengths, so that a response's length
//! says which file it is: `a.txt` (100 bytes), `dir/b.txt` (37),
//! `dir/index.html` (11), a hidden `.secret` (53), and `link`, a symbolic
//! link to `outside.txt` (71) in the folder above. Beyond "no panic" it
//! asserts:
//! - only the three servable files are ever served, whole or in part: never
//!   the hidden one, never one outside the folder, through any escape,
//!   `..` or link;
//! - a 206 names a range inside the file and carries exactly its bytes'
//!   length; a 416 says the file's length; a 301 never points at another
//!   site (`//host`);
//! - no other status than 200, 206, 301, 404 and 416.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use httprs::{App, Request};
use libfuzzer_sys::fuzz_target;

const SERVABLE: [u64; 3] = [100, 37, 11];

static APP: LazyLock<App> = LazyLock::new(|| {
    // One folder for every run of this target, written the same each time.
    let base = std::env::temp_dir().join("httprs-fuzz-static");
    let root = base.join("root");
    std::fs::create_dir_all(root.join("dir")).expect("a temp folder");
    let files: [(PathBuf, usize); 5] = [
        (root.join("a.txt"), 100),
        (root.join("dir/b.txt"), 37),
        (root.join("dir/index.html"), 11),
        (root.join(".secret"), 53),
        (base.join("outside.txt"), 71),
    ];
    for (path, len) in files {
        std::fs::write(path, vec![b'x'; len]).expect("a temp file");
    }
    let link = root.join("link");
    if std::fs::symlink_metadata(&link).is_err() {
        std::os::unix::fs::symlink("../outside.txt", &link).expect("a symbolic link");
    }
    App::new().static_files("/static", root)
});

fuzz_target!(|data: &[u8]| {
    // The path, then (after a 0xff byte, if there is one) a Range value.
    let (path, range) = match data.iter().position(|&b| b == 0xff) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let target = format!("/static{}", String::from_utf8_lossy(path));
    let mut req = Request::new("GET", target.clone());
    if let Some(range) = range {
        req = req.with_header("Range", &String::from_utf8_lossy(range));
    }
    let res = APP.handle(req);
    let len = res.body_len();
    match res.status().code() {
        200 => assert!(SERVABLE.contains(&len), "{target:?} served {len} bytes"),
        206 => {
            let content_range = res.header("content-range").expect("a 206 names its range");
            let (start, end, total) = parse_content_range(content_range);
            assert!(
                SERVABLE.contains(&total),
                "{target:?} served part of {total} bytes"
            );
            assert!(start <= end && end < total, "{content_range}");
            assert_eq!(len, end - start + 1, "{content_range}");
        }
        416 => {
            let content_range = res.header("content-range").expect("a 416 says the length");
            let total = content_range.strip_prefix("bytes */").expect("bytes */len");
            assert!(SERVABLE.contains(&total.parse().expect("a length")));
        }
        301 => {
            let location = res.header("location").expect("a 301 says where");
            assert!(
                location.starts_with('/') && !location.starts_with("//"),
                "{location}"
            );
        }
        404 => {}
        other => panic!("{target:?} answered {other}"),
    }
});

/// `bytes 0-9/100` → (0, 9, 100).
fn parse_content_range(value: &str) -> (u64, u64, u64) {
    let spec = value.strip_prefix("bytes ").expect("bytes unit");
    let (range, total) = spec.split_once('/').expect("a total");
    let (start, end) = range.split_once('-').expect("a range");
    let number = |s: &str| s.parse::<u64>().expect("a number");
    (number(start), number(end), number(total))
}
