//! Reference solution for exercise 16: the 304 decision.

use std::time::{SystemTime, UNIX_EPOCH};

/// Whether the client's copy is current, so the answer is `304`.
///
/// `if_none_match` is the request's `If-None-Match` header, if any;
/// `if_modified_since` its `If-Modified-Since` date, if any and valid;
/// `etag` and `modified` describe the file as it is now.
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<SystemTime>,
    etag: &str,
    modified: SystemTime,
) -> bool {
    // Rule 1: tags decide alone. A weak comparison ignores `W/` on both sides.
    if let Some(tags) = if_none_match {
        let weak = |tag: &str| tag.strip_prefix("W/").unwrap_or(tag).to_string();
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || weak(tag) == weak(etag));
    }
    // Rule 2: whole seconds, the precision of an HTTP date. Comparing the
    // exact times would call a file modified at 12:00:00.7 newer than the
    // `12:00:00` the server itself sent as its Last-Modified.
    let seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match if_modified_since {
        Some(since) => seconds(modified) <= seconds(since),
        None => false,
    }
}
