//! Exercise 13: a static-file path that cannot escape its root.
//! Run with `cargo run -p exercises -- check ex13_safe_path`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex13_safe_path.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex13_safe_path.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex13_safe_path;

use std::path::{Path, PathBuf};

use ex13_safe_path::{UnsafePath, safe_path};

const ROOT: &str = "/srv/public";

#[track_caller]
fn assert_maps(url_path: &str, expected: &str) {
    match safe_path(Path::new(ROOT), url_path) {
        Ok(path) => {
            assert_eq!(path, PathBuf::from(expected), "mapping {url_path:?}");
            assert!(path.starts_with(ROOT), "{path:?} left the root");
        }
        Err(err) => panic!("{url_path:?} is safe and should map to {expected:?}, but: {err}"),
    }
}

#[track_caller]
fn assert_refused(url_path: &str, expected: UnsafePath) {
    assert_eq!(
        safe_path(Path::new(ROOT), url_path),
        Err(expected),
        "{url_path:?} must be refused with {expected:?} ({expected})"
    );
}

#[test]
fn ordinary_paths_map_under_the_root() {
    assert_maps("/index.html", "/srv/public/index.html");
    assert_maps("/css/site.css", "/srv/public/css/site.css");
    assert_maps("/a/b/c/d.txt", "/srv/public/a/b/c/d.txt");
}

#[test]
fn the_root_path_is_the_root_itself() {
    assert_maps("/", ROOT);
}

#[test]
fn segments_are_percent_decoded() {
    assert_maps("/my%20file.txt", "/srv/public/my file.txt");
    assert_maps("/caf%C3%A9/menu", "/srv/public/café/menu");
}

#[test]
fn empty_and_dot_segments_are_skipped() {
    assert_maps("//etc/passwd", "/srv/public/etc/passwd");
    assert_maps("/a//b/./c/.", "/srv/public/a/b/c");
    assert_maps("/%2e/x", "/srv/public/x");
}

#[test]
fn names_that_merely_contain_dots_are_fine() {
    assert_maps("/..hidden", "/srv/public/..hidden");
    assert_maps("/a.../b..c", "/srv/public/a.../b..c");
}

#[test]
fn a_path_must_start_with_a_slash() {
    assert_refused("index.html", UnsafePath::NotAbsolute);
    assert_refused("", UnsafePath::NotAbsolute);
    assert_refused("../etc/passwd", UnsafePath::NotAbsolute);
}

#[test]
fn dot_dot_is_refused_raw() {
    assert_refused("/../etc/passwd", UnsafePath::ParentDir);
    assert_refused("/a/b/../../../etc/passwd", UnsafePath::ParentDir);
    assert_refused("/a/..", UnsafePath::ParentDir);
}

#[test]
fn dot_dot_is_refused_when_percent_encoded_in_any_case() {
    for url in [
        "/%2e%2e/etc/passwd",
        "/%2E%2E/etc/passwd",
        "/.%2e/x",
        "/%2e./x",
        "/a/%2E%2e",
    ] {
        assert_refused(url, UnsafePath::ParentDir);
    }
}

#[test]
fn backslashes_are_refused_raw_and_encoded() {
    assert_refused("/..\\..\\windows\\win.ini", UnsafePath::Backslash);
    assert_refused("/a%5cb", UnsafePath::Backslash);
    assert_refused("/%5C..%5Csecret", UnsafePath::Backslash);
}

#[test]
fn an_encoded_slash_is_refused() {
    assert_refused("/..%2f..%2fetc%2fpasswd", UnsafePath::EncodedSlash);
    assert_refused("/a%2Fb", UnsafePath::EncodedSlash);
}

#[test]
fn a_nul_byte_is_refused() {
    assert_refused("/index.html%00.png", UnsafePath::NulByte);
}

#[test]
fn malformed_escapes_are_refused() {
    assert_refused("/a%2", UnsafePath::BadEncoding);
    assert_refused("/a%zz", UnsafePath::BadEncoding);
    assert_refused("/%FF", UnsafePath::BadEncoding);
}

#[test]
fn an_absolute_path_inside_a_segment_cannot_replace_the_root() {
    // `PathBuf::push("/etc")` would *replace* the path with `/etc`. With `/`
    // as the separator and `%2F` refused, no segment can ever be absolute.
    let result = safe_path(Path::new(ROOT), "/%2Fetc%2Fpasswd");
    assert_eq!(result, Err(UnsafePath::EncodedSlash));
}
