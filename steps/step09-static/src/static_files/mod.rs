//! Static files: a folder served as it is, safely and efficiently.
//!
//! A web page is more than its HTML: style sheets, scripts, images, fonts.
//! They do not change per request, so a server sends them from a folder.
//! "From a folder" hides five jobs, one file each:
//!
//! - [`safe_path`] (path.rs): the URL path becomes a file path that cannot
//!   leave the folder, however it is spelled;
//! - [`content_type`] (content_type.rs): the extension says what the bytes are;
//! - [`not_modified`] (conditional.rs): `ETag` and `Last-Modified` let a
//!   browser ask "has it changed?", answered `304` with no body;
//! - [`parse_range`] (range.rs): one byte range, answered `206`;
//! - this file puts them together, and sends the file **streamed**: the
//!   response carries the open file (step 03's `FileBody`), and step 07's
//!   loop reads it 64 KiB at a time as the socket drains. Serving a 1 GB
//!   file takes 64 KiB of memory per download, not 1 GB.
//!
//! ```text
//!   GET /static/style.css ─▶ safe_path ──400──▶ refused spelling
//!                               │
//!                          canonicalize ─404──▶ missing, or a link out of the root
//!                               │
//!                         open + metadata ─▶ ETag, Last-Modified
//!                               │
//!                          not_modified? ─304─▶ headers only
//!                               │
//!                          parse_range ──416──▶ starts past the end
//!                               │      ──206──▶ Content-Range, that part of the file
//!                              200 ───────────▶ the whole file
//! ```

mod conditional;
mod content_type;
mod path;
mod range;

pub use conditional::{etag, not_modified};
pub use content_type::{UNKNOWN, content_type};
pub use path::{UnsafePath, safe_path};
pub use range::{ByteRange, parse_range};

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::app::{App, Request, RequestHandler};
use crate::response::{FileBody, Response, http_date};

/// A folder served under a URL prefix: `/static/style.css` is
/// `<root>/style.css`. A [`RequestHandler`] for `GET` (and so `HEAD`).
///
/// ```no_run
/// use step09::app::App;
/// use step09::static_files::StaticFiles;
/// # fn main() -> std::io::Result<()> {
/// let files = StaticFiles::new("/static/", "guestbook/static")?;
/// let app = files.mount(App::new());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StaticFiles {
    prefix: String,
    /// Canonical (absolute, links resolved): every file served must be under it.
    root: PathBuf,
}

impl StaticFiles {
    /// The folder `root` served under `prefix` (which starts and ends with
    /// `/`: `"/static/"`, or `"/"` for the whole site).
    ///
    /// # Errors
    /// `root` does not exist or is not a folder.
    ///
    /// # Panics
    /// If `prefix` does not start and end with `/`, or holds anything but
    /// letters, digits, `-`, `_`, `.` and `/`: the program's mistake.
    pub fn new(prefix: &str, root: impl AsRef<Path>) -> io::Result<StaticFiles> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
        assert!(
            prefix.starts_with('/') && prefix.ends_with('/') && prefix.chars().all(allowed),
            "a static prefix starts and ends with '/' and has no special characters: {prefix:?}"
        );
        let root = fs::canonicalize(root.as_ref())?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", root.display()),
            ));
        }
        Ok(StaticFiles {
            prefix: prefix.to_string(),
            root,
        })
    }

    /// The folder served (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The route pattern for the prefix: `^/static/.*$`, every path under it.
    pub fn pattern(&self) -> String {
        // `.` is the only allowed prefix character special in a regex.
        format!("^{}.*$", self.prefix.replace('.', "\\."))
    }

    /// `app` with these files served under the prefix.
    pub fn mount(self, app: App) -> App {
        let pattern = self.pattern();
        app.route(&pattern, self)
    }

    /// Answers `req` with the file at `url_path` under the root (`/a.css`,
    /// as sent, still percent-encoded): 200, 206, 304, 400, 404 or 416.
    pub fn respond(&self, req: &Request, url_path: &str) -> Response {
        let candidate = match safe_path(&self.root, url_path) {
            Ok(path) => path,
            Err(unsafe_path) => {
                return Response::text(format!("400 Bad Request: {unsafe_path}\n"))
                    .with_status(400);
            }
        };
        let Some((path, file, metadata)) = self.open(&candidate) else {
            return not_found();
        };
        let len = metadata.len();
        let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
        let tag = etag(len, modified);
        // Sent with every answer about this file, 304 included.
        let with_validators = |response: Response| {
            response
                .with_header("ETag", tag.clone())
                .with_header("Last-Modified", http_date(modified))
                // Keep it, but ask us (conditionally) each time before using it.
                .with_header("Cache-Control", "no-cache")
        };
        if not_modified(
            req.header("if-none-match"),
            req.header("if-modified-since"),
            &tag,
            modified,
        ) {
            return with_validators(Response::new(304));
        }
        // `If-Range: <tag>`: "the range only if my part is still this version".
        let range_header = match req.header("if-range") {
            Some(tag_or_date) if tag_or_date.trim() != tag => None,
            _ => req.header("range"),
        };
        let response = Response::new(200)
            .with_header("Content-Type", content_type(&path))
            .with_header("Accept-Ranges", "bytes");
        match parse_range(range_header, len) {
            ByteRange::Whole => with_validators(response.with_file(FileBody::new(file, 0, len))),
            ByteRange::Part { start, end } => with_validators(
                response
                    .with_status(206)
                    .with_header("Content-Range", format!("bytes {start}-{end}/{len}"))
                    .with_file(FileBody::new(file, start, end - start + 1)),
            ),
            ByteRange::Unsatisfiable => Response::text(format!(
                "416 Range Not Satisfiable: the file has {len} bytes\n"
            ))
            .with_status(416)
            .with_header("Content-Range", format!("bytes */{len}")),
        }
    }

    /// Opens the file `candidate` names, or its `index.html` if it is a
    /// folder; `None` (a 404) if there is none, or if it resolves (through
    /// a symbolic link) to somewhere outside the root.
    fn open(&self, candidate: &Path) -> Option<(PathBuf, File, fs::Metadata)> {
        let mut path = fs::canonicalize(candidate).ok()?;
        if path.is_dir() {
            path = fs::canonicalize(path.join("index.html")).ok()?;
        }
        // A link inside the root that points out of it: well formed, but
        // not ours to serve. 404, as if it were not there: a 403 would tell
        // a stranger that the file exists.
        if !path.starts_with(&self.root) {
            return None;
        }
        let file = File::open(&path).ok()?;
        // The metadata of the file we opened, not of the name: if the file
        // is replaced meanwhile, length and bytes still belong together.
        let metadata = file.metadata().ok()?;
        metadata.is_file().then_some((path, file, metadata))
    }
}

impl RequestHandler for StaticFiles {
    const METHODS: &'static [&'static str] = &["GET"];

    fn get(&self, req: &Request) -> Response {
        // The route matched the prefix, so the path starts with it; keep its `/`.
        let rest = &req.path()[self.prefix.len() - 1..];
        self.respond(req, rest)
    }
}

/// The 404 of a file that is not there (or not ours to serve).
fn not_found() -> Response {
    Response::text("404 Not Found: no such file\n").with_status(404)
}
