//! Exercise 05: the class of a status code, and its reason phrase.
//! Run with `cargo run -p exercises -- check ex05_status_reason`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex05_status_reason.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex05_status_reason.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex05_status_reason;

use ex05_status_reason::{StatusClass, reason_phrase, status_class};

/// The codes the servers of this workspace send, spelled as RFC 9110 does.
const SENT_BY_OUR_SERVERS: &[(u16, &str)] = &[
    (200, "OK"),
    (201, "Created"),
    (204, "No Content"),
    (301, "Moved Permanently"),
    (304, "Not Modified"),
    (308, "Permanent Redirect"),
    (400, "Bad Request"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (408, "Request Timeout"),
    (413, "Content Too Large"),
    (431, "Request Header Fields Too Large"),
    (500, "Internal Server Error"),
    (503, "Service Unavailable"),
];

#[test]
fn the_class_comes_from_the_first_digit() {
    let cases = [
        (100, StatusClass::Informational),
        (199, StatusClass::Informational),
        (200, StatusClass::Success),
        (204, StatusClass::Success),
        (299, StatusClass::Success),
        (300, StatusClass::Redirection),
        (399, StatusClass::Redirection),
        (400, StatusClass::ClientError),
        (499, StatusClass::ClientError),
        (500, StatusClass::ServerError),
        (599, StatusClass::ServerError),
    ];
    for (code, class) in cases {
        assert_eq!(status_class(code), Some(class), "status {code}");
    }
}

#[test]
fn codes_outside_100_to_599_have_no_class() {
    for code in [0, 1, 10, 99, 600, 601, 999, 1000, u16::MAX] {
        assert_eq!(
            status_class(code),
            None,
            "{code} is not a status code: they run from 100 to 599"
        );
    }
}

#[test]
fn the_codes_our_servers_send_have_their_own_phrases() {
    for &(code, phrase) in SENT_BY_OUR_SERVERS {
        assert_eq!(
            reason_phrase(code),
            Some(phrase),
            "status {code}: RFC 9110 section 15 calls it {phrase:?}"
        );
    }
}

#[test]
fn the_rfc_9110_names_are_the_new_ones() {
    // RFC 9110 renamed these: "Payload Too Large" is now "Content Too Large".
    assert_eq!(reason_phrase(413), Some("Content Too Large"));
    assert_eq!(reason_phrase(308), Some("Permanent Redirect"));
}

#[test]
fn a_code_without_a_phrase_falls_back_to_its_class() {
    let cases = [
        (102, "Informational"),
        (299, "Success"),
        (207, "Success"),
        (399, "Redirection"),
        (418, "Client Error"),
        (499, "Client Error"),
        (599, "Server Error"),
    ];
    for (code, label) in cases {
        assert_eq!(
            reason_phrase(code),
            Some(label),
            "status {code} has no phrase of its own here: use its class's label"
        );
    }
}

#[test]
fn a_number_that_is_not_a_status_code_has_no_phrase() {
    for code in [0, 99, 600, 999, u16::MAX] {
        assert_eq!(reason_phrase(code), None, "{code} is not a status code");
    }
}

#[test]
fn every_code_has_a_phrase_exactly_when_it_has_a_class() {
    for code in 0..=1000u16 {
        assert_eq!(
            reason_phrase(code).is_some(),
            status_class(code).is_some(),
            "status {code}"
        );
        if let (Some(phrase), Some(class)) = (reason_phrase(code), status_class(code)) {
            let own = SENT_BY_OUR_SERVERS.iter().find(|&&(c, _)| c == code);
            let expected = own.map_or(class.label(), |&(_, phrase)| phrase);
            assert_eq!(phrase, expected, "status {code}");
        }
    }
}
