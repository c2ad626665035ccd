//! Chunked bodies (RFC 9112 §7.1), through the request decoder: a fixed
//! chunked head, then the fuzzer's bytes as the body's framing.
//!
//! Beyond "no panic" it asserts:
//! - the same bytes give the same body and the same error whether they
//!   arrive in one read, as a slow drip (`drip_cuts`), or in hashed pieces;
//! - an accepted body is what a plain reading of the chunk sizes gives (a
//!   lenient de-chunker, ten lines, below): httprs may refuse more, but
//!   what it takes it must take right;
//! - the fuzzer's bytes, read a second way as a body, chunked the way the
//!   property tests' `valid_request` does it (sizes, extensions, trailers,
//!   CRLF or bare LF chosen by the first bytes), decode back to exactly
//!   that body, or to 413 when it is over the limit.
#![no_main]

use httprs::dev::{ParseError, RawRequest};
use httprs_fuzz::{LIMITS, decode_in_pieces, drip_cuts, hashed_cuts};
use libfuzzer_sys::fuzz_target;

const HEAD: &[u8] = b"POST /up HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    raw_framing(data);
    round_trip(data);
});

fn raw_framing(data: &[u8]) {
    let wire = [HEAD, data].concat();
    let whole = decode_in_pieces(&wire, &[]);
    let drip = drip_cuts(&wire);
    assert_eq!(
        decode_in_pieces(&wire, &drip),
        whole,
        "a slow drip differs from one read"
    );
    assert_eq!(
        decode_in_pieces(&wire, &hashed_cuts(&wire)),
        whole,
        "pieces differ from one read"
    );
    if let Some(first) = whole.0.first() {
        assert!(first.body.len() <= LIMITS.max_body);
        assert_eq!(
            Some(first.body.as_slice()),
            lenient_dechunk(data).as_deref(),
            "accepted a body that its chunk sizes do not give"
        );
    }
}

/// Reads chunk sizes as hex up to the first other byte and skips to the end
/// of the line, trusting everything else: only for framing httprs accepted.
fn lenient_dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data.iter().position(|&b| b == b'\n')?;
        let digits: String = data[..line_end]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .map(|&b| char::from(b))
            .collect();
        let size = usize::from_str_radix(&digits, 16).ok()?;
        data = &data[line_end + 1..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(data.get(..size)?);
        data = &data[size..];
        // The data's line ending: CRLF or a bare LF.
        data = data
            .strip_prefix(b"\r\n")
            .or_else(|| data.strip_prefix(b"\n"))?;
    }
}

/// The input as a body, chunked as a client would send it; it must come back.
fn round_trip(data: &[u8]) {
    let Some((&style, body)) = data.split_first() else {
        return;
    };
    let eol: &[u8] = if style & 1 == 0 { b"\r\n" } else { b"\n" };
    let chunk = usize::from(style >> 3) + 1;
    let mut wire = HEAD.to_vec();
    for piece in body.chunks(chunk) {
        wire.extend_from_slice(format!("{:x}", piece.len()).as_bytes());
        if style & 2 != 0 {
            wire.extend_from_slice(b";name=\"value\"");
        }
        wire.extend_from_slice(eol);
        wire.extend_from_slice(piece);
        wire.extend_from_slice(eol);
    }
    wire.extend_from_slice(b"0");
    wire.extend_from_slice(eol);
    if style & 4 != 0 {
        wire.extend_from_slice(b"X-Checksum: 1");
        wire.extend_from_slice(eol);
    }
    wire.extend_from_slice(eol);
    for cuts in [Vec::new(), hashed_cuts(&wire)] {
        let (requests, error) = decode_in_pieces(&wire, &cuts);
        if body.len() > LIMITS.max_body {
            assert_eq!(error, Some(ParseError::BodyTooLarge));
        } else {
            assert_eq!(error, None, "a well-chunked body was refused");
            let bodies: Vec<&[u8]> = requests.iter().map(|r: &RawRequest| &r.body[..]).collect();
            assert_eq!(bodies, [body], "the body did not come back");
        }
    }
}
