//! Exercise 09: matching a route pattern.
//! Run with `cargo run -p exercises -- check ex09_route_match`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex09_route_match.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex09_route_match.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex09_route_match;

use ex09_route_match::match_route;

#[track_caller]
fn assert_match(pattern: &str, path: &str, expected: &[(&str, &str)]) {
    assert_eq!(
        match_route(pattern, path),
        Some(expected.to_vec()),
        "pattern {pattern:?} should match path {path:?}"
    );
}

#[track_caller]
fn assert_no_match(pattern: &str, path: &str) {
    let result = match_route(pattern, path);
    assert_eq!(
        result, None,
        "pattern {pattern:?} must not match path {path:?}"
    );
}

#[test]
fn a_literal_pattern_matches_only_itself_with_no_params() {
    assert_match("/about", "/about", &[]);
    assert_match("/a/b/c", "/a/b/c", &[]);
    assert_no_match("/about", "/contact");
}

#[test]
fn the_root_matches_the_root() {
    assert_match("/", "/", &[]);
    assert_no_match("/", "/x");
    assert_no_match("/x", "/");
}

#[test]
fn a_parameter_captures_its_segment() {
    assert_match("/hello/{name}", "/hello/ferris", &[("name", "ferris")]);
}

#[test]
fn several_parameters_come_back_in_pattern_order() {
    assert_match(
        "/users/{user}/posts/{post}",
        "/users/42/posts/hello-world",
        &[("user", "42"), ("post", "hello-world")],
    );
    assert_match("/{a}/{b}", "/x/y", &[("a", "x"), ("b", "y")]);
}

#[test]
fn too_few_or_too_many_segments_do_not_match() {
    assert_no_match("/hello/{name}", "/hello");
    assert_no_match("/hello/{name}", "/hello/ferris/extra");
    assert_no_match("/users/{id}", "/users/1/2");
}

#[test]
fn an_empty_segment_is_not_a_parameter_value() {
    assert_no_match("/hello/{name}", "/hello/");
    assert_no_match("/{a}/{b}", "//y");
}

#[test]
fn a_trailing_slash_is_significant() {
    assert_no_match("/users", "/users/");
    assert_no_match("/users/", "/users");
    assert_match("/users/", "/users/", &[]);
}

#[test]
fn literals_are_case_sensitive() {
    assert_no_match("/hello/{name}", "/Hello/ferris");
}

#[test]
fn values_are_returned_raw_and_may_contain_anything_but_a_slash() {
    assert_match(
        "/files/{name}",
        "/files/a%20b.txt",
        &[("name", "a%20b.txt")],
    );
    assert_match("/q/{x}", "/q/a=b;c", &[("x", "a=b;c")]);
}

#[test]
fn a_parameter_must_be_the_whole_segment() {
    // `file-{id}` is not a parameter: only a segment of the form `{name}` is.
    assert_match("/file-{id}", "/file-{id}", &[]);
    assert_no_match("/file-{id}", "/file-7");
}
