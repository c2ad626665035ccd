//! Exercise 06: a response as bytes.
//! Run with `cargo run -p exercises -- check ex06_serialize_response`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex06_serialize_response.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../solutions/ex06_serialize_response.rs"
)]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex06_serialize_response;

use ex06_serialize_response::{Response, SerializeError, serialize_response};

/// Serialises and compares as text, so a failure shows both versions readably.
#[track_caller]
fn assert_bytes(response: Response, expected: &[u8]) {
    match serialize_response(&response) {
        Ok(bytes) => assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(expected),
            "serialising {response:?}"
        ),
        Err(err) => panic!("serialising {response:?} should work, but failed: {err}"),
    }
}

#[test]
fn a_response_with_a_body_gets_status_line_headers_length_and_body() {
    assert_bytes(
        Response::new(404, "Not Found")
            .with_header("Content-Type", "text/plain")
            .with_body("not found"),
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found",
    );
}

#[test]
fn an_empty_body_still_says_content_length_zero() {
    assert_bytes(
        Response::new(200, "OK"),
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    );
}

#[test]
fn headers_keep_their_order_and_repeats() {
    assert_bytes(
        Response::new(200, "OK")
            .with_header("Set-Cookie", "a=1")
            .with_header("X-Other", "x")
            .with_header("Set-Cookie", "b=2"),
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Other: x\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
    );
}

#[test]
fn the_length_counts_bytes_not_characters() {
    let bytes = serialize_response(&Response::new(200, "OK").with_body("héllo, wörld")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("Content-Length: 14\r\n"),
        "\"héllo, wörld\" is 12 characters but 14 bytes; Content-Length counts bytes:\n{text}"
    );
}

#[test]
fn binary_bodies_are_copied_exactly() {
    let body = vec![0u8, 255, 13, 10, 13, 10, 0];
    let bytes = serialize_response(&Response::new(200, "OK").with_body(body.clone())).unwrap();
    assert!(bytes.ends_with(b"Content-Length: 7\r\n\r\n\x00\xff\r\n\r\n\x00"));
    assert_eq!(&bytes[bytes.len() - body.len()..], &body[..]);
}

#[test]
fn a_callers_content_length_is_replaced_by_the_real_one() {
    assert_bytes(
        Response::new(200, "OK")
            .with_header("content-length", "999")
            .with_header("Content-Type", "text/plain")
            .with_body("abc"),
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
    );
}

#[test]
fn an_empty_reason_keeps_the_space_after_the_code() {
    assert_bytes(
        Response::new(299, ""),
        b"HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
    );
}

#[test]
fn responses_that_never_have_a_body_get_no_content_length() {
    for (status, reason) in [
        (204, "No Content"),
        (304, "Not Modified"),
        (103, "Early Hints"),
    ] {
        let expected = format!("HTTP/1.1 {status} {reason}\r\nETag: \"x\"\r\n\r\n");
        assert_bytes(
            Response::new(status, reason)
                .with_header("ETag", "\"x\"")
                .with_header("Content-Length", "0"),
            expected.as_bytes(),
        );
    }
}

#[test]
fn a_body_on_a_204_is_refused() {
    assert_eq!(
        serialize_response(&Response::new(204, "No Content").with_body("oops")),
        Err(SerializeError::BodyNotAllowed { status: 204 })
    );
}

#[test]
fn status_codes_must_have_three_digits() {
    for status in [0, 99, 1000] {
        assert_eq!(
            serialize_response(&Response::new(status, "Odd")),
            Err(SerializeError::InvalidStatus { status }),
            "status {status}"
        );
    }
}

#[test]
fn a_newline_in_a_header_value_is_refused_to_prevent_response_splitting() {
    let evil = Response::new(302, "Found").with_header("Location", "/x\r\nSet-Cookie: admin=1");
    assert_eq!(
        serialize_response(&evil),
        Err(SerializeError::InvalidHeader {
            name: "Location".to_string()
        }),
        "a \\r\\n inside a value would let its author inject a header"
    );
    let nul = Response::new(200, "OK").with_header("X-A", "a\0b");
    assert!(matches!(
        serialize_response(&nul),
        Err(SerializeError::InvalidHeader { .. })
    ));
}

#[test]
fn a_header_name_that_is_not_a_token_is_refused() {
    for name in ["", "Bad Name", "Colon:", "X-\r\nEvil"] {
        assert_eq!(
            serialize_response(&Response::new(200, "OK").with_header(name, "v")),
            Err(SerializeError::InvalidHeader {
                name: name.to_string()
            }),
            "header name {name:?}"
        );
    }
}

#[test]
fn a_tab_in_a_header_value_is_fine() {
    assert_bytes(
        Response::new(200, "OK").with_header("X-Tab", "a\tb"),
        b"HTTP/1.1 200 OK\r\nX-Tab: a\tb\r\nContent-Length: 0\r\n\r\n",
    );
}

#[test]
fn a_newline_in_the_reason_is_refused() {
    assert_eq!(
        serialize_response(&Response::new(200, "OK\r\nX-Evil: 1")),
        Err(SerializeError::InvalidReason)
    );
}
