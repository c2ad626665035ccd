//! Compression: a response body sent gzip- or brotli-encoded when the
//! client can decode it and it is worth the CPU.
//! The rules, and why each, are in `final/docs/compression.md`.
//!
//! This is the last stage of `AppCore::respond` (`app/core.rs`),
//! after every middleware and the secure headers, so it sees the response
//! the client will get: the session's `Vary: Cookie`, CORS's
//! `Vary: Origin`, the handler's `ETag` and `Cache-Control`. What it
//! decides, in the order it decides it (each check cheaper than the next):
//!
//! 1. A body under `compression_min_size` (1 KiB) is left alone, and so
//!    are file bodies (static files, which have their precompressed
//!    `.br`/`.gz` instead, `static_files.rs`). This is the fast path:
//!    `Hello, world!` costs one comparison, no header is read.
//! 2. A status without a body (204, 304), a 206 (its `Content-Range`
//!    counts identity bytes), a response already encoded, one marked
//!    `Cache-Control: no-transform`, and a type that does not shrink (PNG,
//!    JPEG, ZIP: already compressed) are left alone too.
//! 3. What remains could differ by encoding, so it gets
//!    `Vary: Accept-Encoding` whatever the client asked: a cache must not
//!    hand the gzip copy to a client that cannot read it.
//! 4. The coding is chosen from `Accept-Encoding` (`http/accept_encoding.rs`);
//!    identity stops here.
//! 5. The ETag gains the coding's name (`"abc"` becomes `"abc-br"`), and an
//!    `If-None-Match` naming that tag gets a 304 before anything is
//!    compressed: the handler compared the client's tag with its own
//!    identity tag and missed.
//! 6. The body is compressed; if that did not make it smaller, it is sent
//!    as it was.
//!
//! `HEAD` is compressed like `GET`, so that its `Content-Length` and
//! `Content-Encoding` are the ones a `GET` would get (RFC 9110 §9.3.2).
//!
//! The levels are for compressing on every request, not once: gzip at 6
//! (zlib's own default, where a higher level starts costing much more time
//! for a little less size) and brotli at quality 5 (about gzip 6's speed
//! for a body a fifth smaller; quality 11 is fifty times slower, right for
//! files compressed once at build time, wrong per request).

use std::io::Write;

use crate::http::accept_encoding::{self, AcceptEncoding, Coding};
use crate::http::headers::etag_matches;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// The codings compressed on the fly, in the order ties are broken.
const OFFERED: &[Coding] = &[Coding::Brotli, Coding::Gzip];

/// gzip's level: zlib's default, the knee of its time-for-size curve.
const GZIP_LEVEL: u32 = 6;

/// Brotli's quality, and its window (2^22 bytes, the library's default).
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// The compression settings an app runs with (`compression`,
/// `compression_min_size` in [`Settings`](crate::Settings)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compression {
    /// Whether responses are compressed at all.
    pub(crate) enabled: bool,
    /// Bodies shorter than this many bytes are sent as they are.
    pub(crate) min_size: usize,
}

impl Default for Compression {
    fn default() -> Compression {
        Compression {
            enabled: true,
            min_size: 1024,
        }
    }
}

impl Compression {
    /// `res` as it should go to the client that sent `req`: see the module docs.
    pub(crate) fn apply(&self, req: &Request, res: Response) -> Response {
        // 1. The fast path: a tiny body (or a file, whose in-memory body is
        // empty) is never worth compressing, and reads no header.
        if !self.enabled || res.body().len() < self.min_size {
            return res;
        }
        // 2.
        if !compressible(&res) {
            return res;
        }
        // 3.
        let mut res = res;
        res.headers_mut().add_vary("Accept-Encoding");
        // 4.
        let accept = AcceptEncoding::of_fields(req.headers().get_all("accept-encoding"));
        let coding = accept.preferred(OFFERED);
        let Some(name) = coding.token() else {
            return res;
        };
        // 5.
        let etag = res
            .header("etag")
            .map(|tag| accept_encoding::etag_for(tag, coding));
        if let Some(etag) = &etag {
            let current = matches!(req.method(), "GET" | "HEAD")
                && req
                    .header("if-none-match")
                    .is_some_and(|tags| etag_matches(tags, etag));
            if current {
                return not_modified(res.with_header("ETag", etag.clone()));
            }
        }
        // 6.
        let encoded = match coding {
            Coding::Brotli => brotli(res.body(), BROTLI_QUALITY),
            Coding::Gzip => gzip(res.body(), GZIP_LEVEL),
            Coding::Identity => return res,
        };
        if encoded.len() >= res.body().len() {
            // Sent as identity after all: its tag stays the identity tag.
            return res;
        }
        let res = res.with_header("Content-Encoding", name).with_body(encoded);
        match etag {
            Some(etag) => res.with_header("ETag", etag),
            None => res,
        }
    }
}

/// Whether `res` is one compression may change (step 2 of the module docs).
fn compressible(res: &Response) -> bool {
    let status = res.status();
    if status.forbids_body() || status == Status::PARTIAL_CONTENT {
        return false;
    }
    let headers = res.headers();
    if headers.contains("content-encoding")
        || headers.contains("content-range")
        || headers.has_token("cache-control", "no-transform")
    {
        return false;
    }
    headers.get("content-type").is_some_and(compressible_type)
}

/// Whether a `Content-Type` names a type that shrinks: text, and the
/// structured text types (JSON, XML, JavaScript, SVG, and their `+json`
/// and `+xml` kin such as `application/problem+json`). Images, audio,
/// video, fonts in WOFF and archives are compressed already; compressing
/// them again costs CPU and saves nothing.
pub(crate) fn compressible_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let (kind, subtype) = (kind.to_ascii_lowercase(), subtype.to_ascii_lowercase());
    match kind.as_str() {
        "text" => true,
        "application" => {
            matches!(
                subtype.as_str(),
                "json" | "javascript" | "ecmascript" | "xml" | "wasm" | "x-ndjson"
            ) || subtype.ends_with("+json")
                || subtype.ends_with("+xml")
        }
        "image" => subtype == "svg+xml",
        _ => false,
    }
}

/// A 304 for `res`: its headers (ETag, Vary, Cache-Control, ...), no body.
fn not_modified(res: Response) -> Response {
    let mut not_modified = Response::new(Status::NOT_MODIFIED);
    for (name, value) in res.headers().iter() {
        // The body's own fields describe bytes a 304 does not send.
        if !name.eq_ignore_ascii_case("content-type")
            && !name.eq_ignore_ascii_case("content-length")
        {
            not_modified
                .headers_mut()
                .append(name.to_string(), value.to_string());
        }
    }
    not_modified
}

/// `body` gzip-encoded at `level` (0 to 9). Writing into a `Vec` cannot fail.
pub(crate) fn gzip(body: &[u8], level: u32) -> Vec<u8> {
    let out = Vec::with_capacity(body.len() / 3);
    let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
    encoder
        .write_all(body)
        .and_then(|()| encoder.finish())
        .unwrap_or_else(|_| unreachable!("writing into a Vec cannot fail"))
}

/// `body` brotli-encoded at `quality` (0 to 11). Writing into a `Vec` cannot fail.
pub(crate) fn brotli(body: &[u8], quality: u32) -> Vec<u8> {
    let out = Vec::with_capacity(body.len() / 3);
    let mut encoder = brotli::CompressorWriter::new(out, 4096, quality, BROTLI_WINDOW);
    if encoder.write_all(body).is_err() {
        unreachable!("writing into a Vec cannot fail");
    }
    // `into_inner` finishes the stream.
    encoder.into_inner()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn page() -> String {
        "<p>The same sentence, again and again, compresses well.</p>\n".repeat(40)
    }

    fn get(accept_encoding: &str) -> Request {
        Request::new("GET", "/").with_header("Accept-Encoding", accept_encoding)
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn both_codings_decode_to_the_original_bytes() {
        let original = page();
        let on = Compression::default();
        let br = on.apply(&get("br"), Response::html(original.clone()));
        assert_eq!(br.header("content-encoding"), Some("br"));
        assert!(br.body().len() < original.len() / 4, "{}", br.body().len());
        assert_eq!(unbrotli(br.body()), original.as_bytes());
        let gz = on.apply(&get("gzip"), Response::html(original.clone()));
        assert_eq!(gz.header("content-encoding"), Some("gzip"));
        assert_eq!(gunzip(gz.body()), original.as_bytes());
    }

    #[test]
    fn what_is_not_worth_it_or_not_allowed_is_left_alone() {
        let on = Compression::default();
        let big = page();
        let untouched: &[Response] = &[
            Response::text("Hello, world!"),
            Response::new(200)
                .with_header("Content-Type", "image/png")
                .with_body(big.clone()),
            Response::new(200)
                .with_header("Content-Type", "application/zip")
                .with_body(big.clone()),
            Response::new(200).with_body(big.clone()),
            Response::html(big.clone()).with_header("Content-Encoding", "br"),
            Response::html(big.clone()).with_header("Cache-Control", "public, no-transform"),
            Response::html(big.clone())
                .with_status(Status::PARTIAL_CONTENT)
                .with_header("Content-Range", "bytes 0-9/100"),
            Response::html(big.clone()).with_status(Status::NO_CONTENT),
        ];
        for res in untouched {
            let out = on.apply(&get("br, gzip"), res.clone());
            assert_eq!(&out, res, "{res:?}");
        }
        let off = Compression {
            enabled: false,
            ..Compression::default()
        };
        let res = Response::html(big);
        assert_eq!(off.apply(&get("gzip"), res.clone()), res);
    }

    #[test]
    fn a_compressible_answer_varies_even_when_sent_as_identity() {
        let on = Compression::default();
        let res = on.apply(
            &Request::new("GET", "/"),
            Response::json(&vec![page()]).with_header("Vary", "Origin"),
        );
        assert_eq!(res.header("content-encoding"), None);
        assert_eq!(res.header("vary"), Some("Origin, Accept-Encoding"));
    }

    #[test]
    fn the_etag_names_the_coding_and_if_none_match_on_it_is_a_304() {
        let on = Compression::default();
        let tagged = || Response::html(page()).with_header("ETag", "\"v7\"");
        let gz = on.apply(&get("gzip"), tagged());
        assert_eq!(gz.header("etag"), Some("\"v7-gzip\""));
        let br = on.apply(&get("br"), tagged());
        assert_eq!(br.header("etag"), Some("\"v7-br\""));
        let identity = on.apply(&get("identity"), tagged());
        assert_eq!(identity.header("etag"), Some("\"v7\""));

        let again = on.apply(
            &get("gzip").with_header("If-None-Match", "\"v7-gzip\""),
            tagged(),
        );
        assert_eq!(again.status(), Status::NOT_MODIFIED);
        assert_eq!(again.header("etag"), Some("\"v7-gzip\""));
        assert_eq!(again.header("vary"), Some("Accept-Encoding"));
        assert!(again.body().is_empty());
        // The brotli copy's tag is not the gzip copy's.
        let other = on.apply(
            &get("gzip").with_header("If-None-Match", "\"v7-br\""),
            tagged(),
        );
        assert_eq!(other.status(), Status::OK);
        assert_eq!(other.header("content-encoding"), Some("gzip"));
    }

    #[test]
    fn a_body_that_does_not_shrink_keeps_its_identity_tag() {
        let on = Compression {
            min_size: 4,
            ..Compression::default()
        };
        let res = on.apply(
            &get("gzip"),
            Response::html("<p>x</p>").with_header("ETag", "\"v1\""),
        );
        assert_eq!(res.header("content-encoding"), None);
        assert_eq!(res.header("etag"), Some("\"v1\""));
        assert_eq!(res.body(), b"<p>x</p>");
    }

    #[test]
    fn only_text_like_types_are_compressible() {
        for yes in [
            "text/html; charset=utf-8",
            "TEXT/CSS",
            "application/json",
            "application/javascript",
            "application/problem+json",
            "application/atom+xml",
            "image/svg+xml",
        ] {
            assert!(compressible_type(yes), "{yes}");
        }
        for no in [
            "image/png",
            "image/jpeg",
            "application/zip",
            "font/woff2",
            "video/mp4",
            "",
            "text",
        ] {
            assert!(!compressible_type(no), "{no}");
        }
    }
}
