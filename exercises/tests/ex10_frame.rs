//! Exercise 10: length-prefixed frames. Run with `cargo run -p exercises -- check ex10_frame`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex10_frame.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex10_frame.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex10_frame;

use ex10_frame::{Decoded, FrameError, PREFIX_LEN, decode_frame, encode_frame};

const MAX: usize = 1024;

#[track_caller]
fn encode(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(payload, MAX, &mut out).expect("a payload under the limit must encode");
    out
}

#[test]
fn a_frame_is_a_big_endian_length_then_the_payload() {
    assert_eq!(encode(b"hello"), b"\x00\x00\x00\x05hello");
    let long = vec![7u8; 0x0102];
    let frame = encode(&long);
    assert_eq!(
        &frame[..PREFIX_LEN],
        &[0, 0, 1, 2],
        "258 bytes is 0x00000102, most significant byte first"
    );
    assert_eq!(&frame[PREFIX_LEN..], &long[..]);
}

#[test]
fn an_empty_payload_is_a_frame_of_four_zero_bytes() {
    assert_eq!(encode(b""), [0, 0, 0, 0]);
    assert_eq!(
        decode_frame(&[0, 0, 0, 0], MAX),
        Ok(Decoded::Frame {
            payload: b"",
            consumed: 4
        })
    );
}

#[test]
fn encoding_appends_to_what_is_already_there() {
    let mut out = b"earlier".to_vec();
    encode_frame(b"ab", MAX, &mut out).unwrap();
    assert_eq!(
        out, b"earlier\x00\x00\x00\x02ab",
        "append to `out`, do not overwrite it"
    );
}

#[test]
fn a_payload_over_the_limit_is_refused_and_nothing_is_written() {
    let mut out = b"keep".to_vec();
    assert_eq!(
        encode_frame(&[0; 11], 10, &mut out),
        Err(FrameError::TooLarge { len: 11, max: 10 })
    );
    assert_eq!(out, b"keep", "a refused frame must leave `out` untouched");
    let mut out = Vec::new();
    assert!(
        encode_frame(&[0; 10], 10, &mut out).is_ok(),
        "exactly the limit is allowed"
    );
}

#[test]
fn decoding_returns_the_payload_and_the_bytes_used() {
    let frame = encode(b"{\"id\":1}");
    assert_eq!(
        decode_frame(&frame, MAX),
        Ok(Decoded::Frame {
            payload: b"{\"id\":1}",
            consumed: 12
        })
    );
}

#[test]
fn every_strict_prefix_of_a_frame_is_partial() {
    let frame = encode(b"partial input is a value, not an error");
    for cut in 0..frame.len() {
        assert_eq!(
            decode_frame(&frame[..cut], MAX),
            Ok(Decoded::Partial),
            "{cut} of {} bytes: not a whole frame yet, so Partial",
            frame.len()
        );
    }
}

#[test]
fn back_to_back_frames_decode_one_after_another() {
    let mut stream = Vec::new();
    for payload in [&b"one"[..], b"", b"three"] {
        encode_frame(payload, MAX, &mut stream).unwrap();
    }
    stream.extend_from_slice(&[0, 0]); // the start of a fourth frame
    let mut rest = &stream[..];
    let mut payloads = Vec::new();
    while let Ok(Decoded::Frame { payload, consumed }) = decode_frame(rest, MAX) {
        payloads.push(payload.to_vec());
        rest = &rest[consumed..];
    }
    assert_eq!(payloads, [&b"one"[..], b"", b"three"]);
    assert_eq!(
        rest,
        [0, 0],
        "the unfinished fourth frame is left for later"
    );
}

#[test]
fn the_payload_is_borrowed_from_the_buffer() {
    let frame = encode(b"zero-copy");
    let Ok(Decoded::Frame { payload, .. }) = decode_frame(&frame, MAX) else {
        panic!("a whole frame should decode");
    };
    assert!(
        std::ptr::eq(payload.as_ptr(), frame[PREFIX_LEN..].as_ptr()),
        "return a slice of `buf`, not a copy"
    );
}

#[test]
fn a_too_large_announcement_is_refused_before_the_payload_arrives() {
    // Only the prefix is here, announcing 2 GiB.
    assert_eq!(
        decode_frame(&[0x80, 0, 0, 0], MAX),
        Err(FrameError::TooLarge {
            len: 0x8000_0000,
            max: MAX
        }),
        "check the announced length against `max` right after reading the prefix"
    );
    assert_eq!(
        decode_frame(&[0, 0, 0, 11, b'x'], 10),
        Err(FrameError::TooLarge { len: 11, max: 10 })
    );
    assert_eq!(
        decode_frame(&[0, 0, 0, 10, b'x'], 10),
        Ok(Decoded::Partial),
        "exactly the limit is allowed: wait for the rest"
    );
}

#[test]
fn the_largest_possible_announcement_does_not_overflow() {
    assert_eq!(
        decode_frame(&[0xff, 0xff, 0xff, 0xff], usize::MAX),
        Ok(Decoded::Partial),
        "4 GiB - 1 announced with no limit: still Partial, and no arithmetic overflow"
    );
}
