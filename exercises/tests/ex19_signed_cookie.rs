//! Exercise 19: checking a signed cookie in constant time.
//! Run with `cargo run -p exercises -- check ex19_signed_cookie`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex19_signed_cookie.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex19_signed_cookie.rs")]
#[allow(dead_code)]
mod ex19_signed_cookie;

use ex19_signed_cookie::{constant_time_eq, sign, verify};

const KEY: &[u8] = b"the server's secret key, 32 bytes+";

#[test]
fn equal_bytes_are_equal_and_any_difference_is_not() {
    assert!(constant_time_eq(b"", b""));
    assert!(constant_time_eq(b"same tag", b"same tag"));
    assert!(!constant_time_eq(b"Xame tag", b"same tag"), "first byte");
    assert!(!constant_time_eq(b"same taX", b"same tag"), "last byte");
    assert!(!constant_time_eq(b"same\x01tag", b"same tag"), "one bit");
    assert!(!constant_time_eq(b"same ta", b"same tag"), "shorter");
    assert!(!constant_time_eq(b"same tag!", b"same tag"), "longer");
    assert!(!constant_time_eq(b"", b"x"));
    let all: Vec<u8> = (0..=255).collect();
    let mut last = all.clone();
    last[255] = 0;
    assert!(constant_time_eq(&all, &all));
    assert!(!constant_time_eq(&all, &last));
}

#[test]
fn a_signed_cookie_verifies_to_its_value() {
    let cookie = sign(KEY, "3f9a");
    assert_eq!(verify(KEY, &cookie), Some("3f9a"));
    assert_eq!(verify(KEY, &sign(KEY, "")), Some(""));
}

#[test]
fn a_value_with_dots_is_split_at_the_last_one() {
    let cookie = sign(KEY, "user.ada.admin");
    assert_eq!(verify(KEY, &cookie), Some("user.ada.admin"));
}

#[test]
fn every_kind_of_tampering_is_refused() {
    let cookie = sign(KEY, "3f9a");
    let (value, tag) = cookie.rsplit_once('.').unwrap();
    let other_digit = if tag.ends_with('0') { '1' } else { '0' };
    let forged = [
        format!("3f9b.{tag}"),                                     // another value
        format!("{value}.{}{other_digit}", &tag[..tag.len() - 1]), // last digit changed
        format!("{value}.{}", &tag[..tag.len() - 2]),              // a byte shorter
        format!("{value}.{tag}00"),                                // a byte longer
        format!("{value}.{}", "zz".repeat(32)),                    // not hex
        format!("{value}."),                                       // an empty tag
        value.to_string(),                                         // no tag at all
        sign(b"another key, also long enough!!!!", value),         // another key
        String::new(),
    ];
    for cookie in &forged {
        assert_eq!(verify(KEY, cookie), None, "{cookie:?} must be refused");
    }
}
