//! What to do with a request's body, decided when its head has been read:
//! how large it may be, and whether it is an upload parsed as it streams.
//!
//! Why at head time: a `Content-Length` over the limit must be refused
//! before a byte of the body is read, and a limit may belong to the route
//! (`Route::post(..).max_body(20 << 20)` for an upload form, smaller or
//! larger than `max_body_bytes`). The decoder (`parse.rs`) knows the head
//! but not the routes; the server knows the routes. So the decoder asks a
//! [`BodyPlanner`] the server gives it, and `http/` never names the router.
//!
//! # Uploads as they stream
//!
//! A `multipart/form-data` body bound for a route of the app is not
//! gathered in the input buffer. [`StreamedUpload`] feeds each read's bytes
//! to the multipart parser at once, which hands text fields to memory and
//! file bytes to the spooler (`upload.rs`), and the buffer lets them go.
//! So a 20 MiB picture costs the server 64 KiB of memory and a temporary
//! file, not 20 MiB, and a malformed body is refused (400) at the byte that
//! breaks it, not after the whole body has come. The handler finds the
//! parsed form on its request ([`Request::multipart`](crate::Request::multipart)).
//!
//! The alternative, spooling the raw body to a file and parsing it in the
//! handler, would write every upload to disk twice and answer a malformed
//! body only after it had all arrived. The cost of this design is that the
//! event loop writes the temporary files itself: a write to the page cache,
//! as cheap as the reads of a static file the loop already does.

use std::fmt;
use std::sync::Arc;

use crate::http::buffer::InputBuffer;
use crate::http::chunked::ChunkedDecoder;
use crate::http::multipart::{MultipartParser, multipart_boundary};
use crate::http::parse_error::{Limits, ParseError};
use crate::http::upload::{Multipart, Spooler, UploadConfig};

/// What the decoder does with one request's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPlan {
    /// The most bytes the body may have (413 past it).
    pub max_body: usize,
    /// Parse a `multipart/form-data` body as it comes, keeping files as
    /// this says; `None`: gather the body in memory as any other.
    pub uploads: Option<Arc<UploadConfig>>,
}

/// Decides a [`BodyPlan`] from a request's method and target (as sent,
/// query included): the server, which knows the routes.
pub trait BodyPlanner: Send + Sync {
    /// The plan for the body of a request for `method` and `target`.
    fn plan(&self, method: &str, target: &str) -> BodyPlan;
}

/// How the rest of an upload's body is delimited.
enum Framing {
    Length {
        left: usize,
    },
    Chunked {
        chunks: ChunkedDecoder,
        decoded: Vec<u8>,
        total: usize,
    },
}

/// An upload being parsed as its body arrives; see the module docs.
pub(crate) struct StreamedUpload {
    framing: Framing,
    limits: Limits,
    parser: MultipartParser,
    spooler: Spooler,
}

impl fmt::Debug for StreamedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedUpload")
            .field("parser", &self.parser)
            .finish_non_exhaustive()
    }
}

impl StreamedUpload {
    /// The upload whose head said `content_type` and `length` (`None`:
    /// chunked), if the plan says to stream it and the type is a multipart
    /// form with a valid boundary. A multipart type with a bad boundary is
    /// an error now (400); any other body is `None`, for the decoder to gather.
    pub(crate) fn start(
        content_type: Option<&str>,
        length: Option<usize>,
        plan: &BodyPlan,
    ) -> Result<Option<StreamedUpload>, ParseError> {
        let (Some(config), Some(content_type)) = (&plan.uploads, content_type) else {
            return Ok(None);
        };
        let boundary = match multipart_boundary(content_type) {
            Ok(boundary) => boundary,
            Err(crate::http::multipart::MultipartError::NotMultipart) => return Ok(None),
            Err(err) => return Err(ParseError::Multipart(err)),
        };
        let framing = match length {
            Some(left) => Framing::Length { left },
            None => Framing::Chunked {
                chunks: ChunkedDecoder::new(),
                decoded: Vec::new(),
                total: 0,
            },
        };
        Ok(Some(StreamedUpload {
            framing,
            limits: Limits {
                max_body: plan.max_body,
                ..Limits::default()
            },
            parser: MultipartParser::new(boundary, config.limits),
            spooler: Spooler::new(UploadConfig::clone(config)),
        }))
    }

    /// Parses what `buf` holds of the body and lets it go; the form once
    /// the body is complete, `None` while more is to come.
    pub(crate) fn take(
        &mut self,
        buf: &mut InputBuffer,
        max_head: usize,
    ) -> Result<Option<Multipart>, ParseError> {
        let done = match &mut self.framing {
            Framing::Length { left } => {
                let n = (*left).min(buf.len());
                self.parser
                    .feed(&buf.bytes()[..n], &mut self.spooler)
                    .map_err(ParseError::Multipart)?;
                buf.consume(n);
                *left -= n;
                *left == 0
            }
            Framing::Chunked {
                chunks,
                decoded,
                total,
            } => {
                let limits = Limits {
                    max_head,
                    ..self.limits
                };
                let done = chunks.decode(buf, decoded, limits)?;
                // The chunk decoder checks one chunk against the limit; the
                // whole body is counted here, since its bytes do not stay.
                *total += decoded.len();
                if *total > self.limits.max_body {
                    return Err(ParseError::BodyTooLarge);
                }
                self.parser
                    .feed(decoded, &mut self.spooler)
                    .map_err(ParseError::Multipart)?;
                decoded.clear();
                done
            }
        };
        if !done {
            return Ok(None);
        }
        self.parser.finish().map_err(ParseError::Multipart)?;
        let spooler = std::mem::replace(&mut self.spooler, Spooler::new(UploadConfig::default()));
        Ok(Some(spooler.into_form()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse::RequestDecoder;

    /// Streams every body as an upload under `max_body`, kept in `dir`.
    struct Plan(usize, Option<Arc<UploadConfig>>);

    impl BodyPlanner for Plan {
        fn plan(&self, _: &str, _: &str) -> BodyPlan {
            BodyPlan {
                max_body: self.0,
                uploads: self.1.clone(),
            }
        }
    }

    fn decoder(max_body: usize, dir: &std::path::Path) -> RequestDecoder {
        let config = UploadConfig {
            dir: Some(dir.to_path_buf()),
            memory_limit: 16,
            ..UploadConfig::default()
        };
        RequestDecoder::new(Limits::default())
            .with_planner(Arc::new(Plan(max_body, Some(Arc::new(config)))))
    }

    const FORM: &[u8] =
        b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n\
        0123456789abcdefghijklmnopqrstuvwxyz\r\n--b--\r\n";

    fn head(framing: &str) -> Vec<u8> {
        format!("POST / HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=b\r\n{framing}\r\n\r\n")
            .into_bytes()
    }

    #[test]
    fn an_upload_is_parsed_as_it_arrives_and_its_bytes_leave_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let mut decoder = decoder(1000, dir.path());
        let mut buf = InputBuffer::new();
        buf.extend(&head(&format!("Content-Length: {}", FORM.len())));
        buf.extend(&FORM[..95]);
        assert!(decoder.decode(&mut buf).unwrap().is_none());
        assert!(buf.is_empty(), "parsed bytes are not kept");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "spooled already"
        );
        buf.extend(&FORM[95..]);
        let raw = decoder.decode(&mut buf).unwrap().unwrap();
        let form = raw.uploads.expect("the form");
        assert_eq!(
            form.file("f").unwrap().bytes().unwrap().as_ref(),
            b"0123456789abcdefghijklmnopqrstuvwxyz"
        );
        drop(form);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_plan_s_limit_holds_for_a_length_and_for_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = InputBuffer::new();
        buf.extend(&head(&format!("Content-Length: {}", FORM.len())));
        assert_eq!(
            decoder(10, dir.path()).decode(&mut buf).unwrap_err(),
            ParseError::BodyTooLarge
        );
        let mut buf = InputBuffer::new();
        buf.extend(&head("Transfer-Encoding: chunked"));
        buf.extend(format!("{:x}\r\n", FORM.len()).as_bytes());
        buf.extend(FORM);
        buf.extend(b"\r\n0\r\n\r\n");
        let err = decoder(FORM.len() - 1, dir.path())
            .decode(&mut buf)
            .unwrap_err();
        assert_eq!(err, ParseError::BodyTooLarge);
        let mut buf2 = InputBuffer::new();
        buf2.extend(&head("Transfer-Encoding: chunked"));
        buf2.extend(format!("{:x}\r\n", FORM.len()).as_bytes());
        buf2.extend(FORM);
        buf2.extend(b"\r\n0\r\n\r\n");
        let raw = decoder(FORM.len(), dir.path())
            .decode(&mut buf2)
            .unwrap()
            .unwrap();
        assert_eq!(raw.uploads.unwrap().files().len(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_bad_boundary_is_refused_from_the_head_and_other_bodies_are_gathered() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = InputBuffer::new();
        buf.extend(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data\r\nContent-Length: 3\r\n\r\n");
        let err = decoder(1000, dir.path()).decode(&mut buf).unwrap_err();
        assert_eq!(
            err,
            ParseError::Multipart(crate::http::multipart::MultipartError::BadBoundary(
                "missing"
            ))
        );
        assert_eq!(err.status().code(), 400);
        let mut buf = InputBuffer::new();
        buf.extend(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc");
        let raw = decoder(1000, dir.path()).decode(&mut buf).unwrap().unwrap();
        assert_eq!((raw.body.as_slice(), raw.uploads), (&b"abc"[..], None));
    }

    // Found by the fuzz target: `Content-Length: 0` is no body, so nothing
    // is streamed; the request reaches its handler, whose `multipart()`
    // finds no closing boundary in nothing (400), as for a request built in code.
    #[test]
    fn an_empty_multipart_body_is_not_streamed_and_reads_as_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = InputBuffer::new();
        buf.extend(&head("Content-Length: 0"));
        let raw = decoder(1000, dir.path()).decode(&mut buf).unwrap().unwrap();
        assert_eq!(raw.uploads, None);
        let req = crate::http::request::Request::from_raw(raw, None);
        assert_eq!(
            req.multipart().unwrap_err(),
            crate::http::multipart::MultipartError::Truncated
        );
    }

    #[test]
    fn a_plan_without_uploads_gathers_a_multipart_body_as_it_is() {
        let mut decoder =
            RequestDecoder::new(Limits::default()).with_planner(Arc::new(Plan(1000, None)));
        let mut buf = InputBuffer::new();
        buf.extend(&head(&format!("Content-Length: {}", FORM.len())));
        buf.extend(FORM);
        let raw = decoder.decode(&mut buf).unwrap().unwrap();
        assert_eq!((raw.body.as_slice(), raw.uploads), (FORM, None));
    }
}
