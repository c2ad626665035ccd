//! Precompressed copies of static files: `site.css.br` and `site.css.gz`
//! beside `site.css`, found for a request ([`Precompressed::find`]) and
//! made once ([`make_copies`], behind
//! [`StaticFiles::precompress`](crate::StaticFiles::precompress)).
//!
//! Static files are streamed from disk, never held whole in memory, so the
//! compression stage (`compression.rs`) leaves them alone; a copy made at
//! build time is the better answer anyway, at brotli's quality 11 and
//! gzip's level 9, about a tenth smaller than what a per-request level
//! makes, at no cost per request.

use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};

use crate::app::compression::{self, compressible_type};
use crate::http::accept_encoding::{AcceptEncoding, Coding};
use crate::http::request::Request;

/// The codings a copy can have, with its file name's suffix; in the order
/// ties are broken (`http/accept_encoding.rs`).
const SUFFIXES: [(Coding, &str); 2] = [(Coding::Brotli, "br"), (Coding::Gzip, "gz")];

/// `path` with `.suffix` added to its name: `site.css` to `site.css.br`.
fn copy_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// The precompressed copies of a file: `site.css.br` and `site.css.gz`
/// beside `site.css`, made once at build time at the highest level (what
/// nginx's `gzip_static` and `brotli_static` serve). Used when it exists,
/// is a plain file (a symbolic link could lead out of the folder), and is
/// not older than the file (an edited `site.css` beside yesterday's
/// `site.css.br` is sent as it is, not as yesterday's).
///
/// A request with `Range` gets the file itself: its byte offsets count the
/// bytes a download manager or a video player will put together, and the
/// compressed copy's bytes are others.
pub(crate) struct Precompressed {
    /// A copy exists, so the answer depends on `Accept-Encoding` (`Vary`).
    pub(crate) any: bool,
    /// The copy chosen for this request, and its coding.
    pub(crate) chosen: Option<(PathBuf, Coding)>,
}

impl Precompressed {
    /// The copies of the file at `path` (whose metadata is `original`),
    /// and the one to send for `req`, if any.
    pub(crate) fn find(req: &Request, path: &Path, original: &Metadata) -> Precompressed {
        let fresh: Vec<(Coding, PathBuf)> = SUFFIXES
            .iter()
            .filter_map(|&(coding, suffix)| {
                let copy = copy_path(path, suffix);
                // `symlink_metadata`: a link is not a file here.
                let meta = fs::symlink_metadata(&copy).ok()?;
                let not_older = match (meta.modified(), original.modified()) {
                    (Ok(copy), Ok(original)) => copy >= original,
                    _ => false,
                };
                (meta.is_file() && not_older).then_some((coding, copy))
            })
            .collect();
        let mut found = Precompressed {
            any: !fresh.is_empty(),
            chosen: None,
        };
        if fresh.is_empty() || req.header("range").is_some() {
            return found;
        }
        let offered: Vec<Coding> = fresh.iter().map(|(coding, _)| *coding).collect();
        let accept = AcceptEncoding::of_fields(req.headers().get_all("accept-encoding"));
        let coding = accept.preferred(&offered);
        found.chosen = fresh
            .into_iter()
            .find(|(c, _)| *c == coding)
            .map(|(_, copy)| (copy, coding));
        found
    }
}

/// Writes `NAME.br` (quality 11) and `NAME.gz` (level 9) beside every file
/// under `folder`, in every subfolder, whose type compresses (text, CSS,
/// JavaScript, JSON, SVG: `compression.rs`); hidden names and the copies
/// themselves are skipped. Returns the files compressed.
///
/// # Errors
/// The first file or folder that cannot be read or written.
pub(crate) fn make_copies(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut done = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(path);
                continue;
            }
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            let is_copy = SUFFIXES
                .iter()
                .any(|(_, suffix)| path.extension().is_some_and(|e| e == *suffix));
            if !kind.is_file() || is_copy || !compressible_type(mime.essence_str()) {
                continue;
            }
            let original = fs::read(&path)?;
            // Written after the original was read: never older than it.
            fs::write(copy_path(&path, "br"), compression::brotli(&original, 11))?;
            fs::write(copy_path(&path, "gz"), compression::gzip(&original, 9))?;
            done.push(path);
        }
    }
    done.sort();
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_made_for_text_beside_it_in_every_folder_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("httprs-precompress-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("css")).unwrap();
        fs::write(dir.join("css/site.css"), "body { margin: 0 }\n".repeat(20)).unwrap();
        fs::write(dir.join("app.js"), "let a = 1;\n").unwrap();
        fs::write(dir.join("logo.png"), b"\x89PNG").unwrap();
        fs::write(dir.join(".env"), "SECRET=1").unwrap();
        let done = make_copies(&dir).unwrap();
        assert_eq!(done, vec![dir.join("app.js"), dir.join("css/site.css")]);
        assert!(dir.join("css/site.css.br").is_file() && dir.join("css/site.css.gz").is_file());
        assert!(!dir.join("logo.png.br").exists() && !dir.join(".env.gz").exists());
        // Run again: the copies are not compressed in turn.
        assert_eq!(make_copies(&dir).unwrap(), done);
        assert!(!dir.join("app.js.br.br").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
