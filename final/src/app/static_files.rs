//! Static files: a folder on disk served under a URL prefix. The two path
//! checks, what is refused and the caching headers are in
//! `final/docs/static-files.md` ([`StaticFiles`](crate::StaticFiles)'s documentation);
//! the checks themselves are `relative_path` and `StaticFiles::locate` below.

use std::fmt;
use std::fs::{self, File, Metadata};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::app::handler::Handler;
use crate::app::precompressed::Precompressed;
use crate::http::accept_encoding::{self, Coding};
use crate::http::headers::etag_matches;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// A handler serving the files under a folder; mount it with
/// [`crate::App::static_files`].
///
/// # Examples
/// ```no_run
/// use httprs::App;
/// App::new().static_files("/static", "static/").bind("127.0.0.1:7777").run();
/// ```
///
#[doc = include_str!("../../docs/static-files.md")]
#[derive(Debug)]
pub struct StaticFiles {
    /// The URL prefix, without a trailing `/` (empty for the site root).
    prefix: String,
    /// The folder as given; joined to the app's root (if relative) and
    /// canonicalized at each request, so that it may be created, or swapped
    /// for a new release, while the server runs.
    root: PathBuf,
}

/// Why a URL path was refused before touching the file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnsafePath {
    /// A segment has a malformed `%` escape or is not UTF-8 once decoded.
    BadEncoding,
    /// A segment is `..`, raw or encoded.
    ParentDir,
    /// A segment contains a `\`, raw or encoded (a separator on Windows).
    Backslash,
    /// A segment contains an encoded `/` (`%2F`).
    EncodedSlash,
    /// A segment contains a NUL byte (`%00`).
    NulByte,
    /// A segment starts with `.`: a hidden file or folder.
    Hidden,
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnsafePath::BadEncoding => "malformed percent-escape",
            UnsafePath::ParentDir => "'..' segment",
            UnsafePath::Backslash => "backslash in a segment",
            UnsafePath::EncodedSlash => "encoded '/' in a segment",
            UnsafePath::NulByte => "NUL byte in a segment",
            UnsafePath::Hidden => "hidden name (starts with '.')",
        })
    }
}

/// Turns the URL path below the prefix (`/css/site.css`) into a relative
/// file-system path (`css/site.css`) that names something inside the root,
/// or says why it could not.
///
/// # Errors
/// The first [`UnsafePath`] found, segment by segment.
pub(crate) fn relative_path(url_path: &str) -> Result<PathBuf, UnsafePath> {
    let mut path = PathBuf::new();
    for raw in url_path.split('/') {
        // Decode first, check second: checking the raw text would miss
        // `%2e%2e`, which the file system sees as `..`.
        let segment = decode_segment(raw).ok_or(UnsafePath::BadEncoding)?;
        match segment.as_str() {
            // `a//b` and `a/./b` both mean `a/b`; a leading `/` is no root.
            "" | "." => {}
            ".." => return Err(UnsafePath::ParentDir),
            s if s.contains('\\') => return Err(UnsafePath::Backslash),
            s if s.contains('/') => return Err(UnsafePath::EncodedSlash),
            s if s.contains('\0') => return Err(UnsafePath::NulByte),
            s if s.starts_with('.') => return Err(UnsafePath::Hidden),
            // One plain name: `push` appends exactly one component.
            s => path.push(s),
        }
    }
    Ok(path)
}

/// Percent-decodes one segment; `None` for a malformed escape or non-UTF-8.
fn decode_segment(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
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

/// What a `Range` field asks of a file of a given length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// No usable single range (absent, malformed, several): send it all.
    Whole,
    /// Bytes `start..=end`, both inside the file.
    Part { start: u64, end: u64 },
    /// A range that starts past the end (or a zero-length suffix): 416.
    Unsatisfiable,
}

/// Reads one `Range` value (`bytes=0-99`, `bytes=100-`, `bytes=-100`)
/// against a file of `len` bytes. Malformed values are ignored, as RFC 9110
/// §14.2 says, rather than refused.
pub(crate) fn parse_range(value: &str, len: u64) -> ByteRange {
    let Some((unit, spec)) = value.trim().split_once('=') else {
        return ByteRange::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // The last `n` bytes.
        return match number(last) {
            None => ByteRange::Whole,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        };
    }
    let Some(start) = number(first) else {
        return ByteRange::Whole;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match number(last) {
            Some(end) if end >= start => end,
            _ => return ByteRange::Whole,
        }
    };
    if start >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part {
        start,
        end: end.min(len - 1),
    }
}

/// The validators of one version of a file.
struct Validators {
    etag: String,
    last_modified: Option<String>,
    /// Modification time in whole seconds, as `Last-Modified` states it.
    modified_secs: Option<u64>,
}

impl Validators {
    fn of(meta: &Metadata) -> Validators {
        let since_epoch = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        let nanos = since_epoch.map_or(0, |d| d.as_nanos());
        Validators {
            // Size and modification time to the nanosecond: a file rewritten
            // within the same second still gets a new tag.
            etag: format!("\"{:x}-{:x}\"", meta.len(), nanos),
            last_modified: since_epoch.map(|d| httpdate::fmt_http_date(UNIX_EPOCH + d)),
            modified_secs: since_epoch.map(|d| d.as_secs()),
        }
    }

    /// Whether the client's copy is current (RFC 9110 §13.2.2: when
    /// `If-None-Match` is present, `If-Modified-Since` is ignored).
    fn client_is_current(&self, req: &Request) -> bool {
        if let Some(tags) = req.header("if-none-match") {
            return etag_matches(tags, &self.etag);
        }
        let since = req
            .header("if-modified-since")
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t: SystemTime| t.duration_since(UNIX_EPOCH).ok());
        matches!((self.modified_secs, since), (Some(m), Some(s)) if m <= s.as_secs())
    }

    /// Whether `If-Range` (if any) still names this version, so a `Range`
    /// applies; a changed file is sent whole instead.
    fn range_applies(&self, req: &Request) -> bool {
        match req.header("if-range").map(str::trim) {
            None => true,
            Some(v) => v == self.etag || Some(v) == self.last_modified.as_deref(),
        }
    }

    fn add_to(&self, res: Response) -> Response {
        let res = res.with_header("ETag", self.etag.clone());
        match &self.last_modified {
            Some(date) => res.with_header("Last-Modified", date.clone()),
            None => res,
        }
    }
}

/// Where a request led on disk.
enum Found {
    File(PathBuf),
    /// A folder asked for without the trailing `/`: redirect, so that
    /// relative links in its `index.html` resolve inside it.
    FolderWithoutSlash,
    Nothing,
}

impl StaticFiles {
    /// Serves the files under `root` at URLs starting with `prefix`
    /// (`"/static"`: `/static/a.css` is `root/a.css`).
    pub fn new(prefix: &str, root: impl Into<PathBuf>) -> StaticFiles {
        StaticFiles {
            prefix: prefix.trim_end_matches('/').to_string(),
            root: root.into(),
        }
    }

    /// Writes `NAME.br` and `NAME.gz` beside each file under `folder`
    /// (subfolders too) whose type compresses: text, CSS, JavaScript,
    /// JSON, SVG. Run it once per release, as a build step or an app's
    /// command ([`App::command`](crate::App::command)): static files are
    /// never compressed per request, and a client that takes brotli or
    /// gzip then gets the copy (see `final/docs/compression.md`). Copies
    /// are made at the highest levels (brotli 11, gzip 9), slow to make
    /// and smallest to send. Returns the files compressed.
    ///
    /// # Errors
    /// The first file or folder that cannot be read or written.
    ///
    /// # Examples
    /// ```no_run
    /// let done = httprs::StaticFiles::precompress("static").unwrap();
    /// println!("{} files compressed", done.len());
    /// ```
    pub fn precompress(folder: impl AsRef<Path>) -> std::io::Result<Vec<PathBuf>> {
        crate::app::precompressed::make_copies(folder.as_ref())
    }

    /// The route pattern matching the prefix and everything below it.
    pub(crate) fn pattern(&self) -> String {
        format!("^{}(?:/.*)?$", regex::escape(&self.prefix))
    }

    /// Finds the file for `rest` (the URL path below the prefix), applying
    /// both checks of `final/docs/static-files.md`.
    fn locate(&self, app_root: &Path, rest: &str) -> Found {
        let relative = match relative_path(rest) {
            Ok(relative) => relative,
            Err(why) => {
                log::debug!("static files: refused {rest:?}: {why}");
                return Found::Nothing;
            }
        };
        // `join` keeps an absolute folder as it is.
        let folder = app_root.join(&self.root);
        let Ok(root) = folder.canonicalize() else {
            log::warn!("static files: folder {} not found", folder.display());
            return Found::Nothing;
        };
        let Some((path, meta)) = inside(&root, &root.join(relative)) else {
            return Found::Nothing;
        };
        if meta.is_file() {
            // `file.css/` names a folder that is not there.
            return if rest.ends_with('/') {
                Found::Nothing
            } else {
                Found::File(path)
            };
        }
        if !meta.is_dir() {
            return Found::Nothing;
        }
        if !rest.ends_with('/') {
            return Found::FolderWithoutSlash;
        }
        match inside(&root, &path.join("index.html")) {
            Some((index, meta)) if meta.is_file() => Found::File(index),
            _ => Found::Nothing,
        }
    }

    fn serve(&self, req: &Request, path: &Path) -> Response {
        // Length and validators come from the file as opened, not from the
        // earlier look at the path: a file replaced in between (a deploy)
        // is described as the version actually sent.
        let Some((file, meta)) = open_file(path) else {
            return Response::error(Status::NOT_FOUND);
        };
        // A precompressed copy beside the file, if the client takes it.
        let precompressed = Precompressed::find(req, path, &meta);
        let copy = precompressed
            .chosen
            .as_ref()
            .and_then(|(copy, coding)| open_file(copy).map(|(file, meta)| (file, meta, *coding)));
        let (file, meta, coding) = copy.unwrap_or((file, meta, Coding::Identity));
        let len = meta.len();
        let mut validators = Validators::of(&meta);
        validators.etag = accept_encoding::etag_for(&validators.etag, coding);
        let negotiated = |mut res: Response| {
            if precompressed.any {
                res.headers_mut().add_vary("Accept-Encoding");
            }
            res
        };
        if validators.client_is_current(req) {
            return negotiated(validators.add_to(Response::new(Status::NOT_MODIFIED)));
        }
        // The type is the original's: `site.css.br` is CSS, brotli-encoded.
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        let content_type = if mime.type_() == mime_guess::mime::TEXT {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_string()
        };
        let mut res = negotiated(validators.add_to(Response::new(Status::OK)))
            .with_header("Content-Type", content_type)
            .with_header("Accept-Ranges", "bytes");
        if let Some(name) = coding.token() {
            res = res.with_header("Content-Encoding", name);
        }
        let range = match req.header("range") {
            Some(value) if validators.range_applies(req) => parse_range(value, len),
            _ => ByteRange::Whole,
        };
        match range {
            ByteRange::Whole => res.with_file(file, 0, len),
            ByteRange::Part { start, end } => res
                .with_status(Status::PARTIAL_CONTENT)
                .with_header("Content-Range", format!("bytes {start}-{end}/{len}"))
                .with_file(file, start, end - start + 1),
            ByteRange::Unsatisfiable => Response::error(Status::RANGE_NOT_SATISFIABLE)
                .with_header("Content-Range", format!("bytes */{len}")),
        }
    }
}

/// `path` opened, with its metadata, if it is a file.
pub(crate) fn open_file(path: &Path) -> Option<(File, Metadata)> {
    File::open(path)
        .and_then(|f| f.metadata().map(|m| (f, m)))
        .ok()
        .filter(|(_, m)| m.is_file())
}

/// Canonicalizes `path` (following every symbolic link) and returns it with
/// its metadata if it exists and is still under `root` (canonical).
fn inside(root: &Path, path: &Path) -> Option<(PathBuf, Metadata)> {
    let real = path.canonicalize().ok()?;
    if !real.starts_with(root) {
        log::debug!("static files: {} leads outside the folder", path.display());
        return None;
    }
    let meta = fs::metadata(&real).ok()?;
    Some((real, meta))
}

impl Handler for StaticFiles {
    fn handle(&self, req: &Request) -> Response {
        if req.method() != "GET" && req.method() != "HEAD" {
            return Response::error(Status::METHOD_NOT_ALLOWED).with_header("Allow", "GET, HEAD");
        }
        let Some(rest) = req.path().strip_prefix(self.prefix.as_str()) else {
            return Response::error(Status::NOT_FOUND);
        };
        if rest.is_empty() {
            // `/static` itself: the folder, without its slash.
            return redirect_to_slash(req);
        }
        if !rest.starts_with('/') {
            // `/staticky` is not under `/static`.
            return Response::error(Status::NOT_FOUND);
        }
        match self.locate(req.root(), rest) {
            Found::File(path) => self.serve(req, &path),
            Found::FolderWithoutSlash => redirect_to_slash(req),
            Found::Nothing => Response::error(Status::NOT_FOUND),
        }
    }
}

/// 301 to the same URL with a `/` after the path, query kept.
fn redirect_to_slash(req: &Request) -> Response {
    let path = req.path();
    // `//host/x` in `Location` would send the browser to another site.
    if path.starts_with("//") {
        return Response::error(Status::NOT_FOUND);
    }
    let location = match req.query_string() {
        "" => format!("{path}/"),
        query => format!("{path}/?{query}"),
    };
    Response::new(Status::MOVED_PERMANENTLY).with_header("Location", location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_become_plain_relative_paths_or_are_refused() {
        use UnsafePath::*;
        let cases: &[(&str, Result<&str, UnsafePath>)] = &[
            ("/css/site.css", Ok("css/site.css")),
            ("/a//b/./c", Ok("a/b/c")),
            ("//etc/passwd", Ok("etc/passwd")),
            ("/w%C3%B6rld.txt", Ok("wörld.txt")),
            ("/../secret", Err(ParentDir)),
            ("/a/%2e%2e/%2E%2E/secret", Err(ParentDir)),
            ("/..%2fsecret", Err(EncodedSlash)),
            ("/a%2F..%2F..%2Fsecret", Err(EncodedSlash)),
            ("/..\\secret", Err(Backslash)),
            ("/..%5csecret", Err(Backslash)),
            ("/a%00.txt", Err(NulByte)),
            ("/a%zz", Err(BadEncoding)),
            ("/a%2", Err(BadEncoding)),
            ("/%ff", Err(BadEncoding)),
            ("/.git/config", Err(Hidden)),
            ("/sub/%2eenv", Err(Hidden)),
        ];
        for (url, expected) in cases {
            let got = relative_path(url);
            let expected = expected.map(PathBuf::from);
            assert_eq!(got, expected, "for {url}");
        }
    }

    #[test]
    fn ranges_are_read_like_rfc_9110_says() {
        use ByteRange::*;
        let cases: &[(&str, u64, ByteRange)] = &[
            ("bytes=0-99", 1000, Part { start: 0, end: 99 }),
            (
                "bytes=100-",
                1000,
                Part {
                    start: 100,
                    end: 999,
                },
            ),
            (
                "bytes=-100",
                1000,
                Part {
                    start: 900,
                    end: 999,
                },
            ),
            ("bytes=-5000", 1000, Part { start: 0, end: 999 }),
            (
                "bytes=990-5000",
                1000,
                Part {
                    start: 990,
                    end: 999,
                },
            ),
            ("bytes=1000-", 1000, Unsatisfiable),
            ("bytes=-0", 1000, Unsatisfiable),
            ("bytes=0-", 0, Unsatisfiable),
            ("bytes=-1", 0, Unsatisfiable),
            ("bytes=5-1", 1000, Whole),
            ("bytes=0-1,5-6", 1000, Whole),
            ("items=0-1", 1000, Whole),
            ("bytes=+1-2", 1000, Whole),
            ("bytes=a-b", 1000, Whole),
            ("bytes=", 1000, Whole),
        ];
        for &(value, len, expected) in cases {
            assert_eq!(parse_range(value, len), expected, "for {value} of {len}");
        }
    }
}
