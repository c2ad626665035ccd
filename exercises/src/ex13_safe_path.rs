//! # Exercise 13: a static-file path that cannot escape its root
//!
//! Chapter 9 of `TUTORIAL.md` (step 09, static files) serves files from a
//! folder, say `public/`. The request says which file: `GET /css/site.css`
//! means `public/css/site.css`. The classic attack is to ask for
//! `GET /../../etc/passwd`, or to hide the dots from a naive check as
//! `/%2e%2e/%2e%2e/etc/passwd`. A server that joins paths carelessly hands
//! out any file on the machine.
//!
//! Build [`safe_path`]: map a URL path (without query string) to a file path
//! under `root`, or refuse it. Work segment by segment, *after* decoding:
//! - the URL path must start with `/`, or it is [`UnsafePath::NotAbsolute`];
//! - split at `/`, skip empty segments and `.`, and percent-decode each one
//!   ([`decode_segment`] is given); a bad escape is [`UnsafePath::BadEncoding`];
//! - refuse a decoded segment that is `..` ([`UnsafePath::ParentDir`]),
//!   contains `\` ([`UnsafePath::Backslash`]: a separator on Windows),
//!   contains `/` (only possible as `%2F`: [`UnsafePath::EncodedSlash`]) or
//!   contains a NUL byte ([`UnsafePath::NulByte`]: C APIs cut the name there);
//! - join the remaining segments onto `root`, one by one.
//!
//! So `/` maps to `root` itself, and `//etc/passwd` stays inside as
//! `root/etc/passwd`. The function only computes a path; it never touches
//! the file system (symbolic links inside `root` are the operator's choice).
//!
//! The tests (`tests/ex13_safe_path.rs`) check ordinary paths, each attack
//! in raw, encoded and mixed-case encoded form, and that every accepted path
//! starts with `root`.
//!
//! Check it with `cargo run -p exercises -- check ex13_safe_path`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a URL path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafePath {
    /// The URL path does not start with `/`.
    NotAbsolute,
    /// A segment has a malformed `%` escape or decodes to bytes that are not UTF-8.
    BadEncoding,
    /// A segment is `..`, raw or encoded.
    ParentDir,
    /// A segment contains a `\`, raw or encoded (a separator on Windows).
    Backslash,
    /// A segment contains an encoded `/` (`%2F`).
    EncodedSlash,
    /// A segment contains a NUL byte (`%00`).
    NulByte,
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnsafePath::NotAbsolute => "the path does not start with '/'",
            UnsafePath::BadEncoding => "the path has a malformed percent-escape",
            UnsafePath::ParentDir => "the path climbs out with '..'",
            UnsafePath::Backslash => "the path contains a backslash",
            UnsafePath::EncodedSlash => "the path contains an encoded '/'",
            UnsafePath::NulByte => "the path contains a NUL byte",
        })
    }
}

impl std::error::Error for UnsafePath {}

/// Percent-decodes one segment (you wrote this in ex08). Given.
///
/// `None` for a malformed escape or bytes that are not UTF-8.
pub fn decode_segment(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Maps `url_path` to a path under `root`, refusing anything that could leave it.
///
/// # Errors
/// An [`UnsafePath`] naming the first problem found.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn safe_path(root: &Path, url_path: &str) -> Result<PathBuf, UnsafePath> {
    // TODO: `strip_prefix('/')`, then for each segment of `split('/')`:
    // skip "" and "."; decode; check the four dangers *on the decoded text*;
    // `push` it onto a `root.to_path_buf()`.
    todo!()
}
