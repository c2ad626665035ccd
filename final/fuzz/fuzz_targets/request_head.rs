//! The request decoder (`RequestDecoder`, final's hardened head parser) on
//! arbitrary bytes: the first bytes of every connection.
//!
//! Beyond "no panic" it asserts:
//! - the same bytes give the same requests and the same error whether they
//!   arrive in one read, as a slow drip (one byte per read, then small
//!   reads: `drip_cuts`), or in pieces cut where a hash
//!   of the input says (the property test `a_valid_request_parses_the_same_
//!   however_it_is_split`, for any bytes, not only valid requests);
//! - whatever httprs accepts, httparse accepts too, with the same method,
//!   target, version and header fields, and a `Content-Length` body is the
//!   bytes right after the head httparse found. httprs is stricter on
//!   purpose (Host, framing, bare CR, targets), so the other direction is
//!   not asserted;
//! - an accepted head keeps the smuggling defences: one valid `Host` on
//!   HTTP/1.1, never both `Content-Length` and `Transfer-Encoding`;
//! - every error maps to one of the statuses the decoder may answer.
#![no_main]

use httprs::dev::{BodyFraming, RawRequest};
use httprs_fuzz::{decode_in_pieces, drip_cuts, hashed_cuts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = decode_in_pieces(data, &[]);
    let drip = drip_cuts(data);
    assert_eq!(
        decode_in_pieces(data, &drip),
        whole,
        "a slow drip differs from one read"
    );
    assert_eq!(
        decode_in_pieces(data, &hashed_cuts(data)),
        whole,
        "pieces differ from one read"
    );

    let (requests, error) = whole;
    if let Some(error) = error {
        let status = error.status().code();
        assert!(
            [400, 413, 414, 431, 501, 505].contains(&status),
            "{error:?} answers {status}"
        );
    }
    // Hold each request to httparse, as long as we know where it starts:
    // after a chunked body we do not, and the chunked target takes over.
    let mut rest = data;
    for request in &requests {
        check_invariants(request);
        let Some(used) = agree_with_httparse(rest, request) else {
            break;
        };
        rest = &rest[used..];
    }
});

fn check_invariants(request: &RawRequest) {
    let head = &request.head;
    let hosts = head.headers.get_all("host").count();
    assert!(hosts <= 1, "accepted {hosts} Host fields");
    if head.minor_version >= 1 {
        assert_eq!(hosts, 1, "accepted HTTP/1.1 without Host");
    }
    assert!(
        !(head.headers.contains("content-length") && head.headers.contains("transfer-encoding")),
        "accepted both Content-Length and Transfer-Encoding"
    );
    match head.framing {
        BodyFraming::Length(n) => assert_eq!(request.body.len(), n),
        BodyFraming::Empty => assert!(request.body.is_empty()),
        BodyFraming::Chunked => assert!(head.headers.contains("transfer-encoding")),
    }
    let target = &head.target;
    assert!(
        target.starts_with('/')
            || target == "*"
            || target.starts_with("http")
            || head.method == "CONNECT",
        "accepted the target {target:?}"
    );
}

/// Parses the head at the start of `bytes` with httparse and asserts it
/// reads what httprs read. Returns how many bytes the request took, head
/// and body, when that is known (not for a chunked body).
fn agree_with_httparse(bytes: &[u8], request: &RawRequest) -> Option<usize> {
    // RFC 9112 §2.2: httprs skips empty lines before a request line.
    let skipped = bytes
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let bytes = &bytes[skipped..];
    let mut storage = [httparse::EMPTY_HEADER; httprs::dev::MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut storage);
    let head_len = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Err(httparse::Error::Version) => {
            // httprs reads HTTP/1.2 to 1.9 as 1.1 (RFC 9110 §2.5); httparse
            // knows only 1.0 and 1.1. Ask it about the line httprs read.
            assert_eq!(request.head.minor_version, 1);
            let line_end = bytes.iter().position(|&b| b == b'\n')?;
            let digit = if bytes[..line_end].ends_with(b"\r") {
                line_end - 2
            } else {
                line_end - 1
            };
            assert!(
                (b'2'..=b'9').contains(&bytes[digit]),
                "httparse refused the version of an accepted head"
            );
            let mut copy = bytes.to_vec();
            copy[digit] = b'1';
            return agree_with_httparse(&copy, request).map(|used| used + skipped);
        }
        other => panic!("httprs accepted a head httparse reads as {other:?}"),
    };
    let head = &request.head;
    assert_eq!(parsed.method, Some(&*head.method), "method");
    assert_eq!(parsed.path, Some(head.target.as_str()), "target");
    assert_eq!(parsed.version, Some(head.minor_version), "version");
    let theirs: Vec<(&str, String)> = parsed
        .headers
        .iter()
        .map(|h| (h.name, String::from_utf8_lossy(h.value).into_owned()))
        .collect();
    let ours: Vec<(&str, String)> = head
        .headers
        .iter()
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    assert_eq!(ours, theirs, "header fields");
    match head.framing {
        BodyFraming::Empty => Some(skipped + head_len),
        BodyFraming::Length(n) => {
            assert_eq!(
                request.body,
                bytes[head_len..head_len + n],
                "the body is not the bytes after the head"
            );
            Some(skipped + head_len + n)
        }
        BodyFraming::Chunked => None,
    }
}
