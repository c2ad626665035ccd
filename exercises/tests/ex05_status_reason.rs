//! Exercise 05: status codes and reason phrases.
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

/// RFC 9110, section 15: the codes HTTP itself defines.
const RFC_9110: &[(u16, &str)] = &[
    (100, "Continue"),
    (101, "Switching Protocols"),
    (200, "OK"),
    (201, "Created"),
    (202, "Accepted"),
    (203, "Non-Authoritative Information"),
    (204, "No Content"),
    (205, "Reset Content"),
    (206, "Partial Content"),
    (300, "Multiple Choices"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (304, "Not Modified"),
    (305, "Use Proxy"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (402, "Payment Required"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (407, "Proxy Authentication Required"),
    (408, "Request Timeout"),
    (409, "Conflict"),
    (410, "Gone"),
    (411, "Length Required"),
    (412, "Precondition Failed"),
    (413, "Content Too Large"),
    (414, "URI Too Long"),
    (415, "Unsupported Media Type"),
    (416, "Range Not Satisfiable"),
    (417, "Expectation Failed"),
    (421, "Misdirected Request"),
    (422, "Unprocessable Content"),
    (426, "Upgrade Required"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Timeout"),
    (505, "HTTP Version Not Supported"),
];

/// Registered by other RFCs (WebDAV, RFC 6585, RFC 7725, RFC 8297, RFC 8470, ...).
const OTHER_RFCS: &[(u16, &str)] = &[
    (102, "Processing"),
    (103, "Early Hints"),
    (207, "Multi-Status"),
    (208, "Already Reported"),
    (226, "IM Used"),
    (423, "Locked"),
    (424, "Failed Dependency"),
    (425, "Too Early"),
    (428, "Precondition Required"),
    (429, "Too Many Requests"),
    (431, "Request Header Fields Too Large"),
    (451, "Unavailable For Legal Reasons"),
    (506, "Variant Also Negotiates"),
    (507, "Insufficient Storage"),
    (508, "Loop Detected"),
    (510, "Not Extended"),
    (511, "Network Authentication Required"),
];

#[test]
fn the_everyday_codes_have_their_phrases() {
    assert_eq!(reason_phrase(200), Some("OK"));
    assert_eq!(reason_phrase(404), Some("Not Found"));
    assert_eq!(reason_phrase(500), Some("Internal Server Error"));
}

#[test]
fn every_rfc_9110_code_has_its_rfc_9110_phrase() {
    for &(code, phrase) in RFC_9110 {
        assert_eq!(
            reason_phrase(code),
            Some(phrase),
            "status {code}: RFC 9110 section 15 calls it {phrase:?}"
        );
    }
}

#[test]
fn codes_from_other_rfcs_have_their_phrases() {
    for &(code, phrase) in OTHER_RFCS {
        assert_eq!(reason_phrase(code), Some(phrase), "status {code}");
    }
}

#[test]
fn unregistered_and_unused_codes_have_no_phrase() {
    for code in [
        0,
        1,
        99,
        199,
        209,
        299,
        306,
        309,
        418,
        420,
        427,
        450,
        499,
        509,
        599,
        600,
        999,
        u16::MAX,
    ] {
        assert_eq!(
            reason_phrase(code),
            None,
            "status {code} is not registered (306 and 418 are reserved as \"(Unused)\")"
        );
    }
}

#[test]
fn no_code_outside_the_tables_has_a_phrase() {
    for code in 0..=1000u16 {
        let registered = RFC_9110.iter().chain(OTHER_RFCS).any(|&(c, _)| c == code);
        if !registered {
            assert_eq!(
                reason_phrase(code),
                None,
                "status {code} should have no phrase"
            );
        }
    }
}

#[test]
fn the_class_comes_from_the_first_digit() {
    let cases = [
        (100, StatusClass::Informational),
        (199, StatusClass::Informational),
        (200, StatusClass::Success),
        (204, StatusClass::Success),
        (301, StatusClass::Redirection),
        (399, StatusClass::Redirection),
        (404, StatusClass::ClientError),
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
    for code in [0, 99, 600, 999, u16::MAX] {
        assert_eq!(
            status_class(code),
            None,
            "status {code} is not a valid status code"
        );
    }
}
