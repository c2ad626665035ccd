//! From a URL path to a file under the root, or a refusal.
//!
//! The static-file server's first duty is not to hand out files outside its
//! folder. `GET /static/../../etc/passwd` is the classic attack, and it has
//! many spellings, because a URL is decoded before it becomes a file name:
//!
//! ```text
//!   /../secret          ..  raw                         refused: ParentDir
//!   /%2e%2e/secret      ..  percent-encoded             refused: ParentDir (checked after decoding)
//!   /..%2fsecret        ../ with an encoded slash       refused: EncodedSlash
//!   /..%5csecret        ..\ (a separator on Windows)    refused: Backslash
//!   /secret%00.css      NUL: C calls cut the name there refused: NulByte
//!   //etc/passwd        an absolute path inside ours    root/etc/passwd (empty segments skipped)
//! ```
//!
//! So the path is cut into segments at `/` *first*, then each segment is
//! decoded and checked on its own: a decoded segment can never add a level.
//! These refusals are answered `400 Bad Request`: no file under the root
//! has such a name, so the request itself is wrong. A symbolic link inside
//! the root that points outside it is caught later, when the file is
//! opened (see `mod.rs`), and answered 404: that request was well formed.
//!
//! Exercise `ex13_safe_path` has you write this function.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::router::percent_decode;

/// Why a URL path is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafePath {
    /// The URL path does not start with `/`.
    NotAbsolute,
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
            UnsafePath::ParentDir => "the path climbs out with '..'",
            UnsafePath::Backslash => "the path contains a backslash",
            UnsafePath::EncodedSlash => "the path contains an encoded '/'",
            UnsafePath::NulByte => "the path contains a NUL byte",
        })
    }
}

impl std::error::Error for UnsafePath {}

/// Maps `url_path` (as sent, still percent-encoded, without its query) to
/// a path under `root`; never touches the file system.
///
/// ```
/// use std::path::Path;
/// use step09::static_files::{UnsafePath, safe_path};
/// let root = Path::new("/srv/guestbook");
/// assert_eq!(safe_path(root, "/css/site%20v2.css").unwrap(), root.join("css/site v2.css"));
/// assert_eq!(safe_path(root, "/%2E%2e/etc/passwd"), Err(UnsafePath::ParentDir));
/// ```
///
/// # Errors
/// An [`UnsafePath`] naming the first problem found.
pub fn safe_path(root: &Path, url_path: &str) -> Result<PathBuf, UnsafePath> {
    let rest = url_path.strip_prefix('/').ok_or(UnsafePath::NotAbsolute)?;
    let mut path = root.to_path_buf();
    for raw in rest.split('/') {
        // Decoded one segment at a time, so `%2F` cannot make a new level.
        let segment = percent_decode(raw);
        match segment.as_str() {
            "" | "." => continue,
            ".." => return Err(UnsafePath::ParentDir),
            _ => {}
        }
        if segment.contains('/') {
            return Err(UnsafePath::EncodedSlash);
        }
        if segment.contains('\\') {
            return Err(UnsafePath::Backslash);
        }
        if segment.contains('\0') {
            return Err(UnsafePath::NulByte);
        }
        path.push(segment);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_climb_is_refused_and_plain_names_are_kept() {
        let root = Path::new("/srv/root");
        let cases: &[(&str, Result<&str, UnsafePath>)] = &[
            ("/", Ok("/srv/root")),
            ("/index.html", Ok("/srv/root/index.html")),
            ("/a/./b//c", Ok("/srv/root/a/b/c")),
            ("//etc/passwd", Ok("/srv/root/etc/passwd")),
            ("/..hidden/x..y", Ok("/srv/root/..hidden/x..y")),
            ("/caf%C3%A9", Ok("/srv/root/café")),
            ("/%252e%252e/x", Ok("/srv/root/%2e%2e/x")), // decoded once only
            ("index.html", Err(UnsafePath::NotAbsolute)),
            ("/../secret", Err(UnsafePath::ParentDir)),
            ("/a/../../secret", Err(UnsafePath::ParentDir)),
            ("/%2e%2e/secret", Err(UnsafePath::ParentDir)),
            ("/%2E%2E/secret", Err(UnsafePath::ParentDir)),
            ("/.%2e/secret", Err(UnsafePath::ParentDir)),
            ("/..%2fsecret", Err(UnsafePath::EncodedSlash)),
            ("/..%2Fsecret", Err(UnsafePath::EncodedSlash)),
            ("/..\\secret", Err(UnsafePath::Backslash)),
            ("/..%5csecret", Err(UnsafePath::Backslash)),
            ("/secret%00.css", Err(UnsafePath::NulByte)),
        ];
        for (url_path, expected) in cases {
            let got = safe_path(root, url_path);
            assert_eq!(got, expected.map(PathBuf::from), "{url_path}");
            if let Ok(path) = got {
                assert!(path.starts_with(root), "{url_path} left the root");
            }
        }
    }
}
