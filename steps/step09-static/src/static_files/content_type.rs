//! The `Content-Type` of a file, from its extension.
//!
//! A browser decides what to do with bytes by their type, not their name:
//! a style sheet sent as `text/plain` is not applied, a script sent as
//! `text/plain` is not run. The table is short on purpose: the types a web
//! page uses. The `mime_guess` crate knows some 1,500 extensions; `final/`
//! uses it.

use std::path::Path;

/// What a file whose extension is unknown is sent as: "some bytes", which a
/// browser downloads instead of guessing (and perhaps running).
pub const UNKNOWN: &str = "application/octet-stream";

/// Extensions (lower case) and their types; text types say their charset.
const TYPES: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("txt", "text/plain; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("ico", "image/x-icon"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("wasm", "application/wasm"),
    ("pdf", "application/pdf"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    ("mp3", "audio/mpeg"),
    ("zip", "application/zip"),
];

/// The type of the file at `path`, by its extension (any case).
///
/// ```
/// use std::path::Path;
/// use step09::static_files::content_type;
/// assert_eq!(content_type(Path::new("style.CSS")), "text/css; charset=utf-8");
/// assert_eq!(content_type(Path::new("Makefile")), "application/octet-stream");
/// ```
pub fn content_type(path: &Path) -> &'static str {
    let Some(extension) = path.extension().and_then(|e| e.to_str()) else {
        return UNKNOWN;
    };
    TYPES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        .map_or(UNKNOWN, |(_, content_type)| content_type)
}
