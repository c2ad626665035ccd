//! Uploads: what a `multipart/form-data` form becomes, and how its files
//! are kept while the request lives.
//!
//! The parser (`multipart.rs`) finds parts; this module is the [`PartSink`]
//! that keeps them. Text fields stay in memory (the parser bounds them). A
//! file stays in memory up to [`UploadConfig::memory_limit`] bytes (64 KiB by
//! default, the `upload_memory_bytes` setting): most pictures from a form
//! are small, and a file on disk costs system calls. Past it, what is
//! already held and everything after goes to a temporary file in
//! [`UploadConfig::dir`] (the `upload_dir` setting, else the system's).
//!
//! # Where the temporary files go when things go wrong
//!
//! A temporary file is a `tempfile::NamedTempFile`, which deletes itself
//! when dropped, so cleanup is ownership, not a "remember to delete":
//! - the handler ran: the [`Multipart`] is dropped with the request, and
//!   its files with it (keep one with [`UploadedFile::save_as`]);
//! - the body was malformed, or over the route's limit: the connection's
//!   decoder, which owns the [`Spooler`], answers 400 or 413 and drops it;
//! - the client went away mid-upload: the connection is closed and dropped,
//!   and with it the decoder and the spooler.
//!
//! The one case no destructor covers is the process being killed mid-
//! upload; the files are named `httprs-upload-*` so an operator can find
//! and remove them.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::http::multipart::{MultipartError, MultipartLimits, PartHead, PartSink};

/// How uploads are kept: where their files go and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadConfig {
    /// The folder temporary files are made in; `None`: the system's
    /// (`std::env::temp_dir()`, `$TMPDIR` or `/tmp`).
    pub dir: Option<PathBuf>,
    /// Bytes of one file kept in memory before it is moved to a temporary file.
    pub memory_limit: usize,
    /// The parser's limits: parts, part heads, text fields.
    pub limits: MultipartLimits,
}

impl Default for UploadConfig {
    fn default() -> UploadConfig {
        UploadConfig {
            dir: None,
            memory_limit: 64 * 1024,
            limits: MultipartLimits::default(),
        }
    }
}

/// A parsed `multipart/form-data` form: its text fields and its files,
/// each in the order sent. From [`Request::multipart`](crate::Request::multipart).
///
#[doc = include_str!("../../docs/uploads.md")]
#[derive(Debug, Default)]
pub struct Multipart {
    fields: Vec<(String, String)>,
    files: Vec<UploadedFile>,
}

impl Multipart {
    /// The first text field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every text field, in order (what [`Request::form`](crate::Request::form) returns for this form).
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The first file sent as field `name`. A file input left empty is no file.
    pub fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// Every file, in order.
    pub fn files(&self) -> &[UploadedFile] {
        &self.files
    }
}

/// Two forms are equal when their fields are and their files have the same
/// names, types and sizes (their bytes may be on disk: not compared).
impl PartialEq for Multipart {
    fn eq(&self, other: &Multipart) -> bool {
        let meta = |f: &UploadedFile| {
            (
                f.name.clone(),
                f.filename.clone(),
                f.content_type.clone(),
                f.size,
            )
        };
        self.fields == other.fields && self.files.iter().map(meta).eq(other.files.iter().map(meta))
    }
}

impl Eq for Multipart {}

/// One uploaded file, in memory or in a temporary file that is deleted
/// when this value is dropped.
pub struct UploadedFile {
    name: String,
    filename: String,
    content_type: Option<String>,
    size: u64,
    stored: Stored,
}

enum Stored {
    Memory(Vec<u8>),
    Disk(NamedTempFile),
}

impl fmt::Debug for UploadedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadedFile")
            .field("name", &self.name)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.size)
            .field("path", &self.temp_path())
            .finish()
    }
}

impl UploadedFile {
    /// The form field's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's name on the client, without its folder. The client's
    /// say-so: never use it as a path on the server.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The type the client claimed (`image/png`), if any. Also the
    /// client's say-so: check the bytes ([`UploadedFile::first_bytes`]).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The temporary file holding it, if it went to disk; `None` while in memory.
    pub fn temp_path(&self) -> Option<&Path> {
        match &self.stored {
            Stored::Memory(_) => None,
            Stored::Disk(file) => Some(file.path()),
        }
    }

    /// The whole file, read into memory if it is on disk.
    ///
    /// # Errors
    /// An I/O error reading the temporary file.
    pub fn bytes(&self) -> io::Result<Cow<'_, [u8]>> {
        match &self.stored {
            Stored::Memory(bytes) => Ok(Cow::Borrowed(bytes)),
            Stored::Disk(file) => std::fs::read(file.path()).map(Cow::Owned),
        }
    }

    /// Up to `n` bytes from the start: enough to check a file's magic number.
    ///
    /// # Errors
    /// An I/O error reading the temporary file.
    pub fn first_bytes(&self, n: usize) -> io::Result<Vec<u8>> {
        let mut head = Vec::with_capacity(n);
        self.reader()?.take(n as u64).read_to_end(&mut head)?;
        Ok(head)
    }

    /// A reader over the file, from its start.
    ///
    /// # Errors
    /// An I/O error opening the temporary file.
    pub fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(match &self.stored {
            Stored::Memory(bytes) => Box::new(bytes.as_slice()),
            Stored::Disk(file) => Box::new(file.reopen()?),
        })
    }

    /// Copies the file to `path` (which it creates or replaces); the
    /// temporary file itself still goes when the request does.
    ///
    /// # Errors
    /// An I/O error creating or writing `path`.
    pub fn save_as(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let mut out = std::fs::File::create(path)?;
        io::copy(&mut self.reader()?, &mut out)?;
        out.sync_all()
    }
}

/// The [`PartSink`] that builds a [`Multipart`], spooling large files; see the module docs.
pub(crate) struct Spooler {
    config: UploadConfig,
    form: Multipart,
    current: Option<Current>,
}

/// The part being read.
enum Current {
    Field { name: String, bytes: Vec<u8> },
    File(UploadedFile),
}

impl Spooler {
    pub(crate) fn new(config: UploadConfig) -> Spooler {
        Spooler {
            config,
            form: Multipart::default(),
            current: None,
        }
    }

    /// The form, once the parser has finished.
    pub(crate) fn into_form(self) -> Multipart {
        self.form
    }
}

/// An I/O error as the parse error it becomes (500: our disk, not the client).
fn spool_error(err: io::Error) -> MultipartError {
    log::error!("cannot spool an upload: {err}");
    MultipartError::Spool(err.kind())
}

impl PartSink for Spooler {
    fn begin(&mut self, head: PartHead) -> Result<(), MultipartError> {
        self.current = Some(match head.filename {
            None => Current::Field {
                name: head.name,
                bytes: Vec::new(),
            },
            Some(filename) => Current::File(UploadedFile {
                name: head.name,
                filename,
                content_type: head.content_type,
                size: 0,
                stored: Stored::Memory(Vec::new()),
            }),
        });
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), MultipartError> {
        match &mut self.current {
            Some(Current::Field { bytes: field, .. }) => field.extend_from_slice(bytes),
            Some(Current::File(file)) => {
                file.size += bytes.len() as u64;
                if let Stored::Memory(held) = &mut file.stored
                    && held.len() + bytes.len() > self.config.memory_limit
                {
                    // Past the threshold: to disk with what is held so far.
                    let dir = self.config.dir.clone().unwrap_or_else(std::env::temp_dir);
                    let mut temp = tempfile::Builder::new()
                        .prefix("httprs-upload-")
                        .tempfile_in(dir)
                        .map_err(spool_error)?;
                    temp.write_all(held).map_err(spool_error)?;
                    file.stored = Stored::Disk(temp);
                }
                match &mut file.stored {
                    Stored::Memory(held) => held.extend_from_slice(bytes),
                    Stored::Disk(temp) => temp.write_all(bytes).map_err(spool_error)?,
                }
            }
            None => {}
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), MultipartError> {
        match self.current.take() {
            Some(Current::Field { name, bytes }) => {
                let value = String::from_utf8(bytes).map_err(|_| MultipartError::FieldNotUtf8)?;
                self.form.fields.push((name, value));
            }
            // A file input left empty: browsers send `filename=""` and no bytes.
            Some(Current::File(file)) if file.filename.is_empty() && file.size == 0 => {}
            Some(Current::File(mut file)) => {
                if let Stored::Disk(temp) = &mut file.stored {
                    temp.flush().map_err(spool_error)?;
                    temp.rewind().map_err(spool_error)?;
                }
                self.form.files.push(file);
            }
            None => {}
        }
        Ok(())
    }
}

/// Parses a whole `multipart/form-data` body already in memory (a request
/// built in code, or one that came in a frame in backend mode).
pub(crate) fn parse_body(
    content_type: &str,
    body: &[u8],
    config: UploadConfig,
) -> Result<Multipart, MultipartError> {
    let boundary = crate::http::multipart::multipart_boundary(content_type)?;
    let mut parser = crate::http::multipart::MultipartParser::new(boundary, config.limits);
    let mut spooler = Spooler::new(config);
    parser.feed(body, &mut spooler)?;
    parser.finish()?;
    Ok(spooler.into_form())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_with_file(size: usize) -> Vec<u8> {
        let mut body = b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
            --b\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"d.bin\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n"
            .to_vec();
        body.extend((0..size).map(|i| (i % 251) as u8));
        body.extend_from_slice(b"\r\n--b\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n\r\n--b--\r\n");
        body
    }

    fn config(dir: &Path) -> UploadConfig {
        UploadConfig {
            dir: Some(dir.to_path_buf()),
            memory_limit: 1000,
            ..UploadConfig::default()
        }
    }

    fn entries(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn a_small_file_stays_in_memory_and_a_large_one_goes_to_a_temp_file_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let ct = "multipart/form-data; boundary=b";
        let small = parse_body(ct, &form_with_file(1000), config(dir.path())).unwrap();
        let file = small.file("doc").unwrap();
        assert_eq!((file.len(), file.temp_path()), (1000, None));
        assert_eq!(small.field("note"), Some("hi"));
        assert!(
            small.file("empty").is_none(),
            "an empty file input is no file"
        );

        let large = parse_body(ct, &form_with_file(5000), config(dir.path())).unwrap();
        let file = large.file("doc").unwrap();
        assert!(file.temp_path().unwrap().starts_with(dir.path()));
        let expected: Vec<u8> = (0..5000).map(|i| (i % 251) as u8).collect();
        assert_eq!(file.bytes().unwrap().as_ref(), expected.as_slice());
        assert_eq!(file.first_bytes(3).unwrap(), [0, 1, 2]);
        assert_eq!(file.filename(), "d.bin");
        assert_eq!(file.content_type(), Some("application/octet-stream"));
        let saved = dir.path().join("kept.bin");
        file.save_as(&saved).unwrap();
        assert_eq!(entries(dir.path()), 2);
        drop(large);
        assert_eq!(entries(dir.path()), 1, "only the saved copy is left");
    }

    #[test]
    fn a_malformed_form_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = form_with_file(5000);
        body.truncate(body.len() - 30); // cut before the closing boundary
        let err = parse_body("multipart/form-data; boundary=b", &body, config(dir.path()));
        assert_eq!(err.unwrap_err(), MultipartError::Truncated);
        assert_eq!(entries(dir.path()), 0);
    }

    #[test]
    fn a_text_field_must_be_utf8() {
        let body = b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n\xff\r\n--b--";
        let err = parse_body(
            "multipart/form-data; boundary=b",
            body,
            UploadConfig::default(),
        );
        assert_eq!(err.unwrap_err(), MultipartError::FieldNotUtf8);
    }
}
