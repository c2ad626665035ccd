//! # Exercise 08: percent-decoding a path segment
//!
//! Chapter 5 of `TUTORIAL.md` (step 05) routes requests by path. A browser
//! cannot put every character in a URL, so it percent-encodes the rest: a
//! byte becomes `%` plus two hex digits. `/caf%C3%A9` is the path `/café`
//! (é is the two UTF-8 bytes C3 A9), and `/a%20b` is `/a b`.
//!
//! Build [`percent_decode`] for one path segment, with the rules of step
//! 05's `router::percent_decode` (the router decodes each captured
//! parameter with it):
//! - each `%XY` (two hex digits, either case) becomes the byte 0xXY;
//! - every other character is kept as is. In particular `+` stays `+`: it
//!   means a space only in HTML form data, never in a path;
//! - a `%` that is not followed by two hex digits is not an escape and is
//!   kept as it is: `100%` stays `100%`, `%4` stays `%4`, `%zz` stays `%zz`,
//!   and in `%%41` the first `%` is kept and `%41` is an `A`;
//! - the decoded bytes are read as UTF-8, and a byte that is not part of a
//!   valid character becomes the replacement character `�` (U+FFFD), as
//!   `String::from_utf8_lossy` does: `%FF` alone is not text.
//!
//! Why no errors? A URL a client sent is what it is: the router has already
//! matched the raw path, and the handler is better served by a best reading
//! of a malformed parameter than by a refusal. (Where a wrong reading is
//! dangerous, for a file name, ex13 is strict instead.) Whatever the input,
//! the function must not panic.
//!
//! Decoding happens exactly once: `%2541` decodes to `%41`, not to `A`.
//!
//! The tests (`tests/ex08_percent_decode.rs`) check plain text, spaces,
//! multi-byte characters, both hex cases, `+`, double encoding, `%2F` and
//! `%00`, every malformed escape (at the start, in the middle, at the end,
//! before a multi-byte character), and invalid UTF-8; they compare with
//! step 05's cases.
//!
//! Check it with `cargo run -p exercises -- check ex08_percent_decode`.

/// Decodes the `%XY` escapes in one path segment. A `%` not followed by two
/// hex digits is kept as it is, and bytes that are not UTF-8 become `�`.
// TODO: remove this `allow` once you use `segment`.
#[allow(unused_variables)]
pub fn percent_decode(segment: &str) -> String {
    // TODO: walk `segment.as_bytes()` with an index. On a `%` followed by two
    // hex digits, push the byte they make and skip 3; otherwise push the byte
    // itself and move on. Finally `String::from_utf8_lossy(&out).into_owned()`.
    todo!()
}
