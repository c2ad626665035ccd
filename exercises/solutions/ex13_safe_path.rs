//! Reference solution for exercise 13: a static-file path that cannot escape its root.

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
///
/// # Examples
/// ```
/// use exercises::ex13_safe_path::{safe_path, UnsafePath};
/// use std::path::Path;
/// let root = Path::new("public");
/// assert_eq!(safe_path(root, "/css/site.css").unwrap(), Path::new("public/css/site.css"));
/// assert_eq!(safe_path(root, "/%2e%2e/secret"), Err(UnsafePath::ParentDir));
/// ```
pub fn safe_path(root: &Path, url_path: &str) -> Result<PathBuf, UnsafePath> {
    let rest = url_path.strip_prefix('/').ok_or(UnsafePath::NotAbsolute)?;
    let mut path = root.to_path_buf();
    for raw in rest.split('/') {
        // The key line: decode first, check second. Checking the raw text
        // misses `%2e%2e`, which the file system would see as `..`.
        let segment = decode_segment(raw).ok_or(UnsafePath::BadEncoding)?;
        match segment.as_str() {
            // Harmless: `a//b` and `a/./b` both mean `a/b`.
            "" | "." => continue,
            ".." => return Err(UnsafePath::ParentDir),
            s if s.contains('\\') => return Err(UnsafePath::Backslash),
            s if s.contains('/') => return Err(UnsafePath::EncodedSlash),
            s if s.contains('\0') => return Err(UnsafePath::NulByte),
            // What is left is one plain file name, so `push` appends exactly
            // one component. (Pushing an absolute path would *replace* `path`;
            // a segment without `/` and `\` can never be one on Unix.)
            s => path.push(s),
        }
    }
    Ok(path)
}
