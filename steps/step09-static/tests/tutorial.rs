//! The output blocks of chapter 9 that a test can reproduce: each test
//! reads its block from TUTORIAL.md (the marker above it names the test)
//! and compares it with what the `step09` binary really sends for the
//! guestbook's style sheet. The ETag and the dates depend on your checkout's
//! file times, so only their names and places are compared; the length and
//! the bytes are compared exactly.

use step09::testing::{Answer, ChildServer, assert_block_shows, one_response, tutorial_block};

const STEP09: &str = env!("CARGO_BIN_EXE_step09");
const FILE: &str = "steps/step09-static/tests/tutorial.rs";
const VARYING: &[&str] = &["Date", "ETag", "Last-Modified"];

/// What curl sends for `target`, with `extra` header lines.
fn curl(method: &str, target: &str, extra: &str) -> Vec<u8> {
    format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nAccept: */*\r\n{extra}\r\n")
        .into_bytes()
}

#[test]
fn chapter_9s_curl_i_of_the_style_sheet_is_what_the_server_sends() {
    let block = tutorial_block(
        FILE,
        "chapter_9s_curl_i_of_the_style_sheet_is_what_the_server_sends",
    );
    let server = ChildServer::spawn(STEP09, &[]);
    let response = one_response(server.addr, &curl("HEAD", "/static/style.css", ""));
    assert_block_shows(&block, &response, VARYING);
}

#[test]
fn chapter_9s_304_is_what_the_server_sends() {
    let block = tutorial_block(FILE, "chapter_9s_304_is_what_the_server_sends");
    let server = ChildServer::spawn(STEP09, &[]);
    // The block's command shows the tag of the author's checkout; send ours.
    let first = Answer::parse(&one_response(
        server.addr,
        &curl("HEAD", "/static/style.css", ""),
    ));
    let tag = first.header("ETag").expect("an ETag");
    let conditional = curl(
        "GET",
        "/static/style.css",
        &format!("If-None-Match: {tag}\r\n"),
    );
    assert_block_shows(&block, &one_response(server.addr, &conditional), VARYING);
}

#[test]
fn chapter_9s_range_is_what_the_server_sends() {
    let block = tutorial_block(FILE, "chapter_9s_range_is_what_the_server_sends");
    let server = ChildServer::spawn(STEP09, &[]);
    let request = curl("GET", "/static/style.css", "Range: bytes=0-71\r\n");
    assert_block_shows(&block, &one_response(server.addr, &request), VARYING);
}

#[test]
fn chapter_9s_traversal_is_refused_as_the_server_says() {
    let block = tutorial_block(FILE, "chapter_9s_traversal_is_refused_as_the_server_says");
    let server = ChildServer::spawn(STEP09, &[]);
    let request = curl("GET", "/static/../../Cargo.toml", "");
    assert_block_shows(&block, &one_response(server.addr, &request), VARYING);
}
