//! Exercise 08: percent-decoding a path segment, as step 05 does.
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

use ex08_percent_decode::percent_decode;

#[track_caller]
fn assert_decodes(input: &str, expected: &str) {
    assert_eq!(percent_decode(input), expected, "decoding {input:?}");
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
    assert_decodes("J%C3%BCrgen", "Jürgen");
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
    // Whether they are *allowed* is for the caller to decide (see ex13).
    assert_decodes("a%2Fb", "a/b");
    assert_decodes("a%00b", "a\0b");
}

#[test]
fn a_percent_without_two_characters_after_it_is_kept() {
    assert_decodes("%", "%");
    assert_decodes("100%", "100%");
    assert_decodes("%4", "%4");
    assert_decodes("abc%4", "abc%4");
}

#[test]
fn a_percent_not_followed_by_two_hex_digits_is_kept() {
    for input in ["%zz", "a%g1", "ab%1g", "%-1", "x%+1", "%%"] {
        assert_decodes(input, input);
    }
}

#[test]
fn after_a_kept_percent_the_next_escape_still_decodes() {
    // The first `%` is followed by `%4`: not an escape. The second starts `%41`.
    assert_decodes("%%41", "%A");
    assert_decodes("%z%41", "%zA");
}

#[test]
fn a_percent_before_a_multi_byte_character_does_not_panic() {
    // `é` is two bytes: slicing the `&str` at byte 1 or 2 would panic.
    assert_decodes("%é", "%é");
    assert_decodes("%é%20", "%é ");
    assert_decodes("a%€", "a%€");
}

#[test]
fn bytes_that_are_not_utf8_become_replacement_characters() {
    assert_decodes("%FF", "\u{FFFD}");
    assert_decodes("%80", "\u{FFFD}");
    assert_decodes("caf%C3", "caf\u{FFFD}");
    assert_decodes("%C3%28", "\u{FFFD}(");
    assert_decodes("a%FFb", "a\u{FFFD}b");
}

#[test]
fn non_ascii_input_is_kept_as_is() {
    assert_decodes("café%20crème", "café crème");
}

#[test]
fn it_agrees_with_step_05_on_every_case_of_its_own_test() {
    // The table of `percent_decoding_handles_bytes_utf8_and_bad_escapes` in
    // steps/step05-routing/src/router.rs.
    let cases = [
        ("plain", "plain"),
        ("a%20b", "a b"),
        ("%e2%82%ac", "€"),
        ("%E2%82%AC", "€"),
        ("a+b", "a+b"),
        ("100%", "100%"),
        ("%4", "%4"),
        ("%zz", "%zz"),
        ("%FF", "\u{FFFD}"),
    ];
    for (input, expected) in cases {
        assert_decodes(input, expected);
    }
}

#[test]
fn no_input_makes_it_panic() {
    // Every string of up to three characters from an alphabet of tricky ones.
    let alphabet = ["%", "4", "1", "z", "é", "F", "+", "/"];
    let mut inputs = vec![String::new()];
    for _ in 0..3 {
        let longer: Vec<String> = inputs
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        inputs.extend(longer);
    }
    for input in &inputs {
        let decoded = percent_decode(input);
        // Decoding never makes a string longer.
        assert!(decoded.len() <= input.len(), "{input:?} -> {decoded:?}");
    }
}
