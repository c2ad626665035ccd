//! Exercise 12: a chunked request body.
//! Run with `cargo run -p exercises -- check ex12_chunked`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex12_chunked.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex12_chunked.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex12_chunked;

use ex12_chunked::{Chunked, ChunkedError, decode_chunked};

const MAX: usize = 1 << 20;

#[track_caller]
fn assert_body(input: &[u8], body: &[u8], consumed: usize) {
    assert_eq!(
        decode_chunked(input, MAX),
        Ok(Chunked::Complete {
            body: body.to_vec(),
            consumed
        }),
        "decoding {:?}",
        String::from_utf8_lossy(input)
    );
}

#[track_caller]
fn assert_error(input: &[u8], expected: ChunkedError) {
    assert_eq!(
        decode_chunked(input, MAX),
        Err(expected),
        "decoding {:?} should fail with {expected:?} ({expected})",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn a_single_chunk_decodes() {
    let input = b"5\r\nhello\r\n0\r\n\r\n";
    assert_body(input, b"hello", input.len());
}

#[test]
fn several_chunks_are_concatenated() {
    let input = b"5\r\nhello\r\n7\r\n, world\r\n1\r\n!\r\n0\r\n\r\n";
    assert_body(input, b"hello, world!", input.len());
}

#[test]
fn an_empty_body_is_just_the_last_chunk() {
    assert_body(b"0\r\n\r\n", b"", 5);
    assert_body(b"000\r\n\r\n", b"", 7);
}

#[test]
fn sizes_are_hex_in_either_case() {
    let ten = b"0123456789";
    let mut lower = b"a\r\n".to_vec();
    lower.extend_from_slice(ten);
    lower.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_body(&lower, ten, lower.len());
    let upper: Vec<u8> = lower
        .iter()
        .map(|&b| if b == b'a' { b'A' } else { b })
        .collect();
    assert_body(&upper, ten, upper.len());
    let input = b"010\r\n0123456789abcdef\r\n0\r\n\r\n";
    assert_body(input, b"0123456789abcdef", input.len());
}

#[test]
fn chunk_extensions_are_ignored() {
    let input = b"5;name=value\r\nhello\r\n5 ; a=\"b\"\r\nthere\r\n0;last\r\n\r\n";
    assert_body(input, b"hellothere", input.len());
}

#[test]
fn trailer_fields_are_skipped() {
    let input = b"2\r\nok\r\n0\r\nExpires: 0\r\nX-Checksum: abc\r\n\r\n";
    assert_body(input, b"ok", input.len());
}

#[test]
fn data_may_contain_crlf_and_zero_bytes() {
    let input = b"6\r\n\r\n\x00\r\n\x00\r\n0\r\n\r\n";
    assert_body(input, b"\r\n\x00\r\n\x00", input.len());
}

#[test]
fn bytes_after_the_end_are_not_consumed() {
    let body = b"3\r\nabc\r\n0\r\n\r\n";
    let mut input = body.to_vec();
    input.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
    assert_body(&input, b"abc", body.len());
}

#[test]
fn every_strict_prefix_of_a_body_is_partial() {
    let input = b"5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n";
    for cut in 0..input.len() {
        assert_eq!(
            decode_chunked(&input[..cut], MAX),
            Ok(Chunked::Partial),
            "after {cut} of {} bytes ({:?}) the body is not complete: Partial, not an error",
            input.len(),
            String::from_utf8_lossy(&input[..cut])
        );
    }
}

#[test]
fn an_empty_size_line_is_an_error() {
    assert_error(b"\r\nhello\r\n0\r\n\r\n", ChunkedError::EmptySize);
    assert_error(b";ext\r\nhello\r\n0\r\n\r\n", ChunkedError::EmptySize);
}

#[test]
fn sizes_that_are_not_plain_hex_are_errors() {
    for size in ["0x5", "-5", "+5", " 5", "5z", "g", "\u{e9}"] {
        let input = format!("{size}\r\nhello\r\n0\r\n\r\n");
        assert_error(input.as_bytes(), ChunkedError::BadSize);
    }
}

#[test]
fn a_size_too_big_for_usize_is_an_overflow_not_a_panic() {
    assert_error(b"fffffffffffffffffffff\r\n", ChunkedError::SizeOverflow);
    assert_error(b"10000000000000000\r\n", ChunkedError::SizeOverflow);
}

#[test]
fn a_body_over_the_limit_is_refused_as_soon_as_the_size_arrives() {
    assert_eq!(
        decode_chunked(b"ffff\r\n", 100),
        Err(ChunkedError::TooLarge { max: 100 }),
        "0xffff bytes announced with a limit of 100: refuse before the data arrives"
    );
    assert_eq!(
        decode_chunked(b"40\r\n", usize::MAX),
        Ok(Chunked::Partial),
        "no practical limit: wait for the data"
    );
}

#[test]
fn the_limit_counts_all_chunks_together() {
    let input = b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    assert!(
        matches!(decode_chunked(input, 6), Ok(Chunked::Complete { .. })),
        "6 bytes with a limit of 6 is allowed"
    );
    assert_eq!(
        decode_chunked(input, 5),
        Err(ChunkedError::TooLarge { max: 5 }),
        "two chunks of 3 bytes add up to 6, over a limit of 5"
    );
}

#[test]
fn data_not_followed_by_crlf_is_an_error() {
    assert_error(b"5\r\nhelloXX0\r\n\r\n", ChunkedError::MissingCrlf);
    assert_error(b"3\r\nhello\r\n0\r\n\r\n", ChunkedError::MissingCrlf);
}

#[test]
fn a_line_ending_in_a_bare_newline_is_an_error() {
    assert_error(b"5\nhello\r\n0\r\n\r\n", ChunkedError::MissingCrlf);
}
