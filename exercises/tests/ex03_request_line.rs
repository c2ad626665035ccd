//! Exercise 03: parse a request line by hand.
//! Run with `cargo run -p exercises -- check ex03_request_line`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex03_request_line.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex03_request_line.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex03_request_line;

use ex03_request_line::{
    RequestLine, RequestLineError, Version, is_token_byte, parse_request_line,
};

#[track_caller]
fn assert_parses(line: &str, method: &str, target: &str, version: Version) {
    assert_eq!(
        parse_request_line(line.as_bytes()),
        Ok(RequestLine {
            method,
            target,
            version
        }),
        "parsing {line:?}"
    );
}

#[track_caller]
fn assert_rejects(line: &[u8], expected: RequestLineError) {
    assert_eq!(
        parse_request_line(line),
        Err(expected),
        "parsing {:?} should fail with {expected:?} ({expected})",
        String::from_utf8_lossy(line)
    );
}

#[test]
fn a_simple_get_parses_into_its_three_parts() {
    assert_parses("GET / HTTP/1.1", "GET", "/", Version::Http11);
}

#[test]
fn targets_keep_their_query_and_may_be_absolute_or_a_star() {
    assert_parses(
        "GET /hello?name=ferris&x=%20 HTTP/1.1",
        "GET",
        "/hello?name=ferris&x=%20",
        Version::Http11,
    );
    assert_parses(
        "GET http://example.com/a HTTP/1.1",
        "GET",
        "http://example.com/a",
        Version::Http11,
    );
    assert_parses("OPTIONS * HTTP/1.1", "OPTIONS", "*", Version::Http11);
}

#[test]
fn http_1_0_is_accepted() {
    assert_parses("POST /form HTTP/1.0", "POST", "/form", Version::Http10);
}

#[test]
fn methods_are_any_token_and_case_is_kept() {
    assert_parses("get / HTTP/1.1", "get", "/", Version::Http11);
    assert_parses("M-SEARCH * HTTP/1.1", "M-SEARCH", "*", Version::Http11);
}

#[test]
fn the_result_borrows_from_the_input() {
    let buf = b"DELETE /items/7 HTTP/1.1".to_vec();
    let line = parse_request_line(&buf).unwrap();
    assert!(
        std::ptr::eq(line.target.as_ptr(), buf[7..].as_ptr()),
        "the target should point into the input, not into a copy"
    );
}

#[test]
fn a_bad_or_missing_method_is_a_method_error() {
    assert_rejects(b"", RequestLineError::Method);
    assert_rejects(b" / HTTP/1.1", RequestLineError::Method);
    assert_rejects(b"G(T / HTTP/1.1", RequestLineError::Method);
    assert_rejects("GÉT / HTTP/1.1".as_bytes(), RequestLineError::Method);
    assert_rejects(b"GET\t/ HTTP/1.1", RequestLineError::Method);
}

#[test]
fn a_bad_or_missing_target_is_a_target_error() {
    assert_rejects(b"GET", RequestLineError::Target);
    assert_rejects(b"GET  / HTTP/1.1", RequestLineError::Target);
    assert_rejects(b"GET /a\x01b HTTP/1.1", RequestLineError::Target);
    assert_rejects(b"GET /a\x7f HTTP/1.1", RequestLineError::Target);
    assert_rejects(
        "GET /caf\u{e9} HTTP/1.1".as_bytes(),
        RequestLineError::Target,
    );
}

#[test]
fn a_bad_or_missing_version_is_a_version_error() {
    assert_rejects(b"GET /", RequestLineError::Version);
    assert_rejects(b"GET / ", RequestLineError::Version);
    assert_rejects(b"GET / HTTP/1.2", RequestLineError::Version);
    assert_rejects(b"GET / HTTP/2", RequestLineError::Version);
    assert_rejects(b"GET / http/1.1", RequestLineError::Version);
    assert_rejects(b"GET / HTTP/1.1 ", RequestLineError::Version);
    assert_rejects(b"GET /a b HTTP/1.1", RequestLineError::Version);
    assert_rejects(b"GET / HTTP/1.1\r\n", RequestLineError::Version);
}

#[test]
fn the_given_token_helper_matches_the_rfc() {
    for byte in b"azAZ09!#$%&'*+-.^_`|~" {
        assert!(
            is_token_byte(*byte),
            "{:?} is a token character",
            *byte as char
        );
    }
    for byte in b" \t\r\n\"(),/:;<=>?@[\\]{}\x00\x7f\xff" {
        assert!(
            !is_token_byte(*byte),
            "{:?} is not a token character",
            *byte as char
        );
    }
}
