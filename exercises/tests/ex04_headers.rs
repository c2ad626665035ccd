//! Exercise 04: header lines. Run with `cargo run -p exercises -- check ex04_headers`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex04_headers.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex04_headers.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex04_headers;

use ex04_headers::{HeaderError, Headers};

const BLOCK: &str = "Host: example.com\r\n\
                     Accept: text/html\r\n\
                     Set-Cookie: a=1\r\n\
                     set-cookie: b=2\r\n\
                     SET-COOKIE: c=3\r\n";

#[track_caller]
fn parse(block: &str) -> Headers<'_> {
    match Headers::parse(block) {
        Ok(headers) => headers,
        Err(err) => panic!("{block:?} is a valid header block, but parse said: {err}"),
    }
}

#[test]
fn every_line_becomes_a_header() {
    assert_eq!(
        parse(BLOCK).len(),
        5,
        "five lines, five headers (repeats count)"
    );
}

#[test]
fn lookup_ignores_the_case_of_the_name() {
    let headers = parse(BLOCK);
    for name in ["Host", "host", "HOST", "hOsT"] {
        assert_eq!(
            headers.get(name),
            Some("example.com"),
            "get({name:?}): header names are case-insensitive"
        );
    }
}

#[test]
fn repeated_headers_are_all_kept_in_order() {
    let headers = parse(BLOCK);
    assert_eq!(
        headers.get_all("Set-Cookie"),
        vec!["a=1", "b=2", "c=3"],
        "get_all returns every value, whatever the case of each line's name, in order"
    );
    assert_eq!(
        headers.get("set-cookie"),
        Some("a=1"),
        "get returns the first one"
    );
}

#[test]
fn a_missing_header_is_none_and_an_empty_list() {
    let headers = parse(BLOCK);
    assert_eq!(headers.get("Content-Length"), None);
    assert!(headers.get_all("Content-Length").is_empty());
    assert_eq!(
        headers.get("Hos"),
        None,
        "a prefix of a name is not a match"
    );
}

#[test]
fn spaces_and_tabs_around_a_value_are_trimmed_but_inner_ones_kept() {
    let headers = parse("A:    spaced out \t\r\nB:\tx y\r\nC:z\r\n");
    assert_eq!(headers.get("a"), Some("spaced out"));
    assert_eq!(headers.get("b"), Some("x y"));
    assert_eq!(
        headers.get("c"),
        Some("z"),
        "no space after the colon is fine too"
    );
}

#[test]
fn an_empty_value_and_a_colon_inside_a_value_are_fine() {
    let headers = parse("X-Empty:\r\nHost: example.com:8080\r\n");
    assert_eq!(headers.get("X-Empty"), Some(""));
    assert_eq!(
        headers.get("Host"),
        Some("example.com:8080"),
        "split at the first colon only"
    );
}

#[test]
fn the_final_line_ending_is_optional_and_an_empty_block_has_no_headers() {
    assert_eq!(parse("Host: a").get("host"), Some("a"));
    let empty = parse("");
    assert!(empty.is_empty(), "no lines, no headers");
}

#[test]
fn a_line_without_a_colon_is_rejected_with_its_line_number() {
    assert_eq!(
        Headers::parse("Host: a\r\nBogus line\r\n"),
        Err(HeaderError::MissingColon { line: 2 })
    );
}

#[test]
fn bad_names_are_rejected() {
    let cases = [
        ("Host : a\r\n", "a space before the colon"),
        (": a\r\n", "an empty name"),
        ("Ho(st: a\r\n", "a '(' in the name"),
        ("Host: a\r\n folded\r\n", "an obsolete folded line"),
    ];
    for (block, why) in cases {
        let result = Headers::parse(block);
        assert!(
            matches!(result, Err(HeaderError::BadName { .. })),
            "{block:?} has {why}: expected Err(BadName), got {result:?}"
        );
    }
    assert_eq!(
        Headers::parse("Host: a\r\n folded\r\n"),
        Err(HeaderError::BadName { line: 2 })
    );
}

#[test]
fn control_characters_in_a_value_are_rejected() {
    assert_eq!(
        Headers::parse("A: ok\r\nB: x\u{0}y\r\n"),
        Err(HeaderError::BadValue { line: 2 }),
        "a NUL byte inside a value"
    );
    assert_eq!(
        Headers::parse("A: x\ny\r\n"),
        Err(HeaderError::BadValue { line: 1 }),
        "a bare \\n inside a line"
    );
}
