//! Conditional requests: "send it only if it changed", answered `304 Not Modified`.
//!
//! A browser keeps what it downloaded, with two labels the server gave it:
//! `ETag` (an opaque tag that changes when the file does; ours is made of
//! its modification time and length) and `Last-Modified` (a date). The next
//! time, it asks *conditionally*:
//!
//! ```text
//!   GET /static/style.css                 If-None-Match: "6751f3a2-1c4"
//!                                         If-Modified-Since: Sat, 05 Dec 2026 18:22:58 GMT
//!   HTTP/1.1 304 Not Modified             (no body: use your copy)
//! ```
//!
//! The rules (RFC 9110 §13.2.2), in order:
//! 1. With `If-None-Match`, compare tags and nothing else: a match (or `*`)
//!    is 304, no match is a full answer, whatever `If-Modified-Since` says.
//!    Tags compare *weakly*: `W/"x"` matches `"x"`.
//! 2. Without it, `If-Modified-Since`: 304 if the file was not modified
//!    after that date (to the second: HTTP dates have no fractions). A date
//!    that does not parse is ignored, as if the header were absent.
//! 3. Neither header: a full answer.
//!
//! Exercise `ex16_not_modified` has you write [`not_modified`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The ETag of a file of `len` bytes last modified at `modified`:
/// `"<seconds since 1970, hex>-<length, hex>"`, as nginx makes them.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use step09::static_files::etag;
/// let modified = UNIX_EPOCH + Duration::from_secs(0x6751_f3a2);
/// assert_eq!(etag(452, modified), "\"6751f3a2-1c4\"");
/// ```
pub fn etag(len: u64, modified: SystemTime) -> String {
    format!("\"{:x}-{len:x}\"", seconds(modified))
}

/// Whether the client's copy is current: answer 304 instead of the file.
///
/// `if_none_match` and `if_modified_since` are the request's headers, if
/// sent; `etag` and `modified` describe the file now.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use step09::static_files::not_modified;
/// let modified = UNIX_EPOCH + Duration::from_secs(1_796_600_000);
/// let tag = "\"6b15f0c0-10\"";
/// assert!(not_modified(Some("\"other\", W/\"6b15f0c0-10\""), None, tag, modified));
/// assert!(!not_modified(Some("\"other\""), Some("Mon, 07 Dec 2026 00:00:00 GMT"), tag, modified));
/// assert!(not_modified(None, Some("Mon, 07 Dec 2026 00:00:00 GMT"), tag, modified));
/// assert!(!not_modified(None, Some("yesterday"), tag, modified));
/// ```
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    etag: &str,
    modified: SystemTime,
) -> bool {
    if let Some(tags) = if_none_match {
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || weak(tag) == weak(etag));
    }
    match if_modified_since.and_then(|date| httpdate::parse_http_date(date.trim()).ok()) {
        Some(since) => seconds(modified) <= seconds(since),
        None => false,
    }
}

/// A tag without its weakness mark: `W/"x"` and `"x"` are the same tag
/// for a weak comparison.
fn weak(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// Whole seconds since 1970: the precision of an HTTP date.
fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_304_decision_follows_rfc_9110() {
        // The file: modified at 1_796_600_000 (Sun, 06 Dec 2026 23:33:20 GMT) plus half a second.
        let modified = UNIX_EPOCH + Duration::from_millis(1_796_600_000_500);
        let tag = etag(16, modified);
        let before = "Sun, 06 Dec 2026 23:33:19 GMT";
        let same = "Sun, 06 Dec 2026 23:33:20 GMT";
        let after = "Mon, 07 Dec 2026 00:00:00 GMT";
        let cases: &[(Option<&str>, Option<&str>, bool)] = &[
            (None, None, false),
            (Some(&tag), None, true),
            (Some("*"), None, true),
            (Some("\"a\" , \"6b15f0c0-10\""), None, true),
            (Some("W/\"6b15f0c0-10\""), None, true),
            (Some("\"6b15f0c0-11\""), None, false),
            // If-None-Match wins: a stale tag is a full answer, whatever the date.
            (Some("\"stale\""), Some(after), false),
            (None, Some(same), true), // the fraction of a second is not compared
            (None, Some(after), true),
            (None, Some(before), false),
            (None, Some("Sunday, 06-Dec-26 23:33:20 GMT"), true), // RFC 850, still legal
            (None, Some("not a date"), false),
        ];
        for (inm, ims, expected) in cases {
            assert_eq!(
                not_modified(*inm, *ims, &tag, modified),
                *expected,
                "{inm:?} {ims:?}"
            );
        }
    }
}
