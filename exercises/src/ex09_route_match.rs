//! # Exercise 09: matching a route pattern
//!
//! Chapter 5 of `TUTORIAL.md` (step 05) gives the server a router: a list
//! of patterns such as `/hello/{name}`, each with a handler. For every
//! request the router asks each pattern "do you match this path, and if so,
//! what are the parameters?".
//!
//! Build [`match_route`]:
//! - split the pattern and the path into segments at `/`; they match only
//!   with the same number of segments;
//! - a literal segment must equal the path's segment exactly (case matters:
//!   `/Hello` is not `/hello`);
//! - a segment written `{name}` matches any **non-empty** path segment and
//!   captures it as the parameter `name`;
//! - the result lists `(name, value)` pairs in pattern order, borrowed from
//!   the pattern and the path; `None` when the path does not match.
//!
//! A trailing slash is a segment of its own (an empty one): `/users/` does
//! not match `/users` nor `/users/{id}`. Values are returned raw, still
//! percent-encoded; decoding them is the job of ex08.
//!
//! The tests (`tests/ex09_route_match.rs`) check literals, one and several
//! parameters, the root path, too few and too many segments, empty segments,
//! trailing slashes and case.
//!
//! Check it with `cargo run -p exercises -- check ex09_route_match`.

/// Matches `path` against `pattern`, returning the named parameters.
///
/// `match_route("/hello/{name}", "/hello/ferris")` is
/// `Some(vec![("name", "ferris")])`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn match_route<'a>(pattern: &'a str, path: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    // TODO: walk `pattern.split('/')` and `path.split('/')` side by side
    // (`zip`, after checking that both have the same number of segments).
    // `strip_prefix('{')` and `strip_suffix('}')` spot a parameter.
    todo!()
}
