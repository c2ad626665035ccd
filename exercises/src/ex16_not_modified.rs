//! # Exercise 16: the 304 decision
//!
//! Chapter 9 of `TUTORIAL.md` serves the guestbook's style sheet with two
//! labels: `ETag: "6751f3a2-1c4"` (a tag that changes when the file does)
//! and `Last-Modified: Sat, 05 Dec 2026 18:22:58 GMT`. On the next visit
//! the browser asks *conditionally*, sending them back as `If-None-Match`
//! and `If-Modified-Since`, and a server whose file has not changed answers
//! `304 Not Modified` with no body: the browser uses its copy.
//!
//! Write [`not_modified`], the decision, by RFC 9110's rules (§13.2.2):
//!
//! 1. If the request has `If-None-Match`, decide by tags alone: it is a
//!    comma-separated list (spaces around the commas are allowed), and the
//!    answer is "not modified" if one of them is `*` or equals our `etag`.
//!    Tags compare *weakly*: a `W/` in front of either tag is ignored, so
//!    `W/"abc"` matches `"abc"`. `If-Modified-Since` is then ignored, even
//!    if it would say "not modified".
//! 2. Otherwise, if the request has `If-Modified-Since` (the caller parsed
//!    its date for you: `None` if absent or not a date), the answer is "not
//!    modified" if the file was not modified after that date. HTTP dates
//!    count whole seconds, so compare whole seconds: a file modified at
//!    12:00:00.7 was not modified after `12:00:00`.
//! 3. Otherwise: modified (send the file).
//!
//! The tests (`tests/ex16_not_modified.rs`) go through each rule and the
//! traps: the weak mark, spaces in the list, a tag that merely starts like
//! ours, and the fraction of a second.
//!
//! Check it with `cargo run -p exercises -- check ex16_not_modified`.

use std::time::SystemTime;

/// Whether the client's copy is current, so the answer is `304`.
///
/// `if_none_match` is the request's `If-None-Match` header, if any;
/// `if_modified_since` its `If-Modified-Since` date, if any and valid;
/// `etag` and `modified` describe the file as it is now.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<SystemTime>,
    etag: &str,
    modified: SystemTime,
) -> bool {
    // TODO: rule 1 returns early when `if_none_match` is `Some`; rule 2
    // compares seconds since `UNIX_EPOCH` (`duration_since(..).as_secs()`).
    todo!()
}
