//! Exercise 08: percent-decoding a path segment.
//! Run with `cargo run -p exercises -- check ex08_percent_decode`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex08_percent_decode.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex08_percent_decode.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex08_percent_decode;

use ex08_percent_decode::{DecodeError, percent_decode};

#[track_caller]
fn assert_decodes(input: &str, expected: &str) {
    match percent_decode(input) {
        Ok(decoded) => assert_eq!(decoded, expected, "decoding {input:?}"),
        Err(err) => panic!("{input:?} should decode to {expected:?}, but failed: {err}"),
    }
}

#[test]
fn plain_text_is_unchanged() {
    assert_decodes("hello", "hello");
    assert_decodes("", "");
    assert_decodes("a-b_c.d~e", "a-b_c.d~e");
}

#[test]
fn an_escaped_space_becomes_a_space() {
    assert_decodes("a%20b", "a b");
    assert_decodes("%20", " ");
}

#[test]
fn multi_byte_characters_decode_from_their_utf8_bytes() {
    assert_decodes("caf%C3%A9", "café");
    assert_decodes("%E2%9C%93%20done", "✓ done");
}

#[test]
fn hex_digits_may_be_lower_or_upper_case() {
    assert_decodes("caf%c3%a9", "café");
    assert_decodes("caf%C3%a9", "café");
}

#[test]
fn a_plus_stays_a_plus_in_a_path() {
    assert_decodes("a+b", "a+b");
}

#[test]
fn decoding_happens_once() {
    assert_decodes("%2541", "%41");
    assert_decodes("100%25", "100%");
}

#[test]
fn encoded_slashes_and_nul_are_decoded_like_any_byte() {
    // Whether they are *allowed* is for the caller to decide (see ex12).
    assert_decodes("a%2Fb", "a/b");
    assert_decodes("a%00b", "a\0b");
}

#[test]
fn a_percent_without_two_characters_after_it_is_truncated() {
    for (input, at) in [("%", 0), ("abc%", 3), ("abc%4", 3), ("%4", 0)] {
        assert_eq!(
            percent_decode(input),
            Err(DecodeError::TruncatedEscape { at }),
            "{input:?}: the '%' at byte {at} needs two hex digits after it"
        );
    }
}

#[test]
fn a_percent_followed_by_non_hex_is_invalid() {
    for (input, at) in [
        ("%zz", 0),
        ("a%g1", 1),
        ("ab%1g", 2),
        ("%%41", 0),
        ("%-1", 0),
        ("x%+1", 1),
        ("%é", 0),
    ] {
        assert_eq!(
            percent_decode(input),
            Err(DecodeError::InvalidHex { at }),
            "{input:?}: the '%' at byte {at} is not followed by two hex digits"
        );
    }
}

#[test]
fn bytes_that_are_not_utf8_are_rejected() {
    for input in ["%FF", "caf%C3", "%C3%28", "%80"] {
        assert_eq!(
            percent_decode(input),
            Err(DecodeError::InvalidUtf8),
            "{input:?} decodes to bytes that are not UTF-8"
        );
    }
}

#[test]
fn non_ascii_input_is_kept_as_is() {
    assert_decodes("café%20crème", "café crème");
}
