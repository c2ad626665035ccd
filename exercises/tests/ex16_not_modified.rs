//! Exercise 16: the 304 decision.
//! Run with `cargo run -p exercises -- check ex16_not_modified`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex16_not_modified.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex16_not_modified.rs")]
#[allow(dead_code)]
mod ex16_not_modified;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ex16_not_modified::not_modified;

const TAG: &str = "\"6751f3a2-1c4\"";

/// The file was modified at this second and 700 ms.
fn modified() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_733_422_978_700)
}

fn second(offset: i64) -> Option<SystemTime> {
    Some(UNIX_EPOCH + Duration::from_secs((1_733_422_978 + offset) as u64))
}

#[test]
fn without_conditions_the_file_is_sent() {
    assert!(!not_modified(None, None, TAG, modified()));
}

#[test]
fn the_same_tag_is_not_modified_and_another_tag_is() {
    assert!(not_modified(Some(TAG), None, TAG, modified()));
    assert!(!not_modified(
        Some("\"6751f3a2-1c5\""),
        None,
        TAG,
        modified()
    ));
    assert!(
        !not_modified(Some("\"6751f3a2-1c\""), None, TAG, modified()),
        "a prefix is not a match"
    );
    assert!(!not_modified(Some(""), None, TAG, modified()));
}

#[test]
fn a_list_of_tags_matches_if_one_does_with_spaces_around_commas() {
    let list = "\"a\",\"b\" ,  \"6751f3a2-1c4\"";
    assert!(not_modified(Some(list), None, TAG, modified()));
    assert!(!not_modified(Some("\"a\", \"b\""), None, TAG, modified()));
}

#[test]
fn a_star_matches_any_version() {
    assert!(not_modified(Some("*"), None, TAG, modified()));
}

#[test]
fn tags_compare_weakly() {
    assert!(not_modified(
        Some("W/\"6751f3a2-1c4\""),
        None,
        TAG,
        modified()
    ));
    assert!(not_modified(
        Some(TAG),
        None,
        "W/\"6751f3a2-1c4\"",
        modified()
    ));
}

#[test]
fn if_none_match_wins_over_if_modified_since() {
    // The date alone would say "not modified"; the stale tag says send it.
    assert!(!not_modified(
        Some("\"stale\""),
        second(60),
        TAG,
        modified()
    ));
}

#[test]
fn if_modified_since_compares_whole_seconds() {
    assert!(
        not_modified(None, second(0), TAG, modified()),
        "the same second"
    );
    assert!(
        not_modified(None, second(3600), TAG, modified()),
        "a later date"
    );
    assert!(
        !not_modified(None, second(-1), TAG, modified()),
        "an earlier date"
    );
}
