//! Property tests for the request parser: arbitrary bytes never make it
//! panic, and a valid request parses the same however it is split across reads.

use httprs::dev::{InputBuffer, Limits, ParseError, RawRequest, RequestDecoder};
use proptest::prelude::*;

/// Feeds `bytes` in pieces cut at `cuts`, collecting every request until
/// the decoder errs or the bytes run out.
fn decode_in_pieces(bytes: &[u8], cuts: &[usize]) -> (Vec<RawRequest>, Option<ParseError>) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut decoder = RequestDecoder::new(Limits {
        max_head: 2048,
        max_body: 4096,
    });
    let mut buf = InputBuffer::new();
    let mut requests = Vec::new();
    let mut start = 0;
    for end in points {
        buf.extend(&bytes[start..end]);
        start = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(request)) => requests.push(request),
                Ok(None) => break,
                Err(err) => return (requests, Some(err)),
            }
        }
    }
    (requests, None)
}

/// A valid request: method, path, headers, and a body framed either way.
fn valid_request() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        "/[a-z0-9/%._~-]{0,40}(\\?[a-z0-9=&+%]{0,20})?",
        prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,15}", "[ -~]{0,30}"), 0..8),
        prop::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
        1usize..64,
        any::<bool>(),
    )
        .prop_map(|(method, path, headers, body, chunked, chunk, bare_lf)| {
            let eol = if bare_lf { "\n" } else { "\r\n" };
            let mut out = format!("{method} {path} HTTP/1.1{eol}Host: example{eol}").into_bytes();
            for (name, value) in headers {
                let lower = name.to_ascii_lowercase();
                // Framing and Host are ours to set.
                if ["host", "content-length", "transfer-encoding"].contains(&lower.as_str()) {
                    continue;
                }
                out.extend_from_slice(format!("X-{name}: {}{eol}", value.trim()).as_bytes());
            }
            if chunked {
                out.extend_from_slice(format!("Transfer-Encoding: chunked{eol}{eol}").as_bytes());
                for piece in body.chunks(chunk) {
                    out.extend_from_slice(format!("{:x}{eol}", piece.len()).as_bytes());
                    out.extend_from_slice(piece);
                    out.extend_from_slice(eol.as_bytes());
                }
                out.extend_from_slice(format!("0{eol}{eol}").as_bytes());
            } else {
                out.extend_from_slice(
                    format!("Content-Length: {}{eol}{eol}", body.len()).as_bytes(),
                );
                out.extend_from_slice(&body);
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let _ = decode_in_pieces(&bytes, &cuts);
    }

    #[test]
    fn near_valid_bytes_never_panic_the_parser(
        request in valid_request(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        // Corrupt a valid request in a few places: this reaches deep into
        // the head and chunked framing, where random bytes rarely get.
        let mut bytes = request;
        for (at, byte) in flips {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        let _ = decode_in_pieces(&bytes, &cuts);
    }

    #[test]
    fn a_valid_request_parses_the_same_however_it_is_split(
        request in valid_request(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let (whole, err) = decode_in_pieces(&request, &[]);
        prop_assert!(err.is_none(), "valid request rejected: {:?}", err);
        prop_assert_eq!(whole.len(), 1);
        let (split, err) = decode_in_pieces(&request, &cuts);
        prop_assert!(err.is_none());
        prop_assert_eq!(&split, &whole);
    }

    #[test]
    fn pipelined_valid_requests_come_out_in_order_however_split(
        requests in prop::collection::vec(valid_request(), 1..5),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let stream: Vec<u8> = requests.concat();
        let (whole, err) = decode_in_pieces(&stream, &[]);
        prop_assert!(err.is_none());
        prop_assert_eq!(whole.len(), requests.len());
        let (split, _) = decode_in_pieces(&stream, &cuts);
        prop_assert_eq!(split, whole);
    }
}
