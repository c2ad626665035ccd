//! Exercise 02: where does the request head end?
//! Run with `cargo run -p exercises -- check ex02_head_end`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex02_head_end.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex02_head_end.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex02_head_end;

use ex02_head_end::{HeadEnd, HeadTooLarge, find_head_end};

const LIMIT: usize = 8192;
const HEAD: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";

#[track_caller]
fn assert_complete(buf: &[u8], limit: usize, head_len: usize) {
    assert_eq!(
        find_head_end(buf, limit),
        Ok(HeadEnd::Complete { head_len }),
        "for {:?} (limit {limit}) the head is the first {head_len} bytes, \\r\\n\\r\\n included",
        String::from_utf8_lossy(buf)
    );
}

#[test]
fn a_complete_head_is_found_with_its_terminator_counted() {
    assert_complete(HEAD, LIMIT, HEAD.len());
    assert_complete(b"GET / HTTP/1.1\r\n\r\n", LIMIT, 18);
}

#[test]
fn bytes_after_the_head_are_not_part_of_it() {
    let mut buf = HEAD.to_vec();
    buf.extend_from_slice(b"hello=world&and=more\r\n\r\nstill body");
    assert_complete(&buf, LIMIT, HEAD.len());
}

#[test]
fn every_strict_prefix_of_a_head_is_partial() {
    for cut in 0..HEAD.len() {
        assert_eq!(
            find_head_end(&HEAD[..cut], LIMIT),
            Ok(HeadEnd::Partial),
            "after {cut} of {} bytes the head is not complete yet: that is Partial, not an error",
            HEAD.len()
        );
    }
}

#[test]
fn a_head_arriving_one_byte_at_a_time_completes_exactly_once() {
    let mut buf = Vec::new();
    let mut completions = Vec::new();
    for &byte in HEAD {
        buf.push(byte);
        if let Ok(HeadEnd::Complete { head_len }) = find_head_end(&buf, LIMIT) {
            completions.push((buf.len(), head_len));
        }
    }
    assert_eq!(
        completions,
        vec![(HEAD.len(), HEAD.len())],
        "the head should complete only when its last byte arrives"
    );
}

#[test]
fn the_empty_buffer_is_partial() {
    assert_eq!(find_head_end(b"", LIMIT), Ok(HeadEnd::Partial));
}

#[test]
fn a_bare_lf_is_a_line_ending_so_an_empty_line_ends_the_head_however_written() {
    // RFC 9112 §2.2, and httparse, which step 02 parses with.
    assert_eq!(
        find_head_end(b"GET / HTTP/1.1\n\n", LIMIT),
        Ok(HeadEnd::Complete { head_len: 16 }),
        "\\n\\n ends a head, as httparse says"
    );
    assert_eq!(
        find_head_end(b"GET / HTTP/1.1\r\n\n\r\n", LIMIT),
        Ok(HeadEnd::Complete { head_len: 17 }),
        "\\r\\n then \\n is an empty line; the \\r\\n after it is not the head's"
    );
    assert_eq!(
        find_head_end(b"GET / HTTP/1.1\nHost: x\n\r\nbody", LIMIT),
        Ok(HeadEnd::Complete { head_len: 25 })
    );
}

#[test]
fn one_line_ending_or_a_lone_cr_is_not_an_empty_line() {
    for partial in [
        &b"GET / HTTP/1.1\nHost: x\n"[..],
        b"GET / HTTP/1.1\r\n\r",
        b"GET / HTTP/1.1\r\r",
        b"GET / HTTP/1.1\r\r\n",
    ] {
        assert_eq!(
            find_head_end(partial, LIMIT),
            Ok(HeadEnd::Partial),
            "{:?}",
            String::from_utf8_lossy(partial)
        );
    }
}

#[test]
fn a_head_of_exactly_the_limit_is_allowed() {
    assert_complete(HEAD, HEAD.len(), HEAD.len());
}

#[test]
fn a_complete_head_over_the_limit_is_too_large() {
    assert_eq!(
        find_head_end(HEAD, HEAD.len() - 1),
        Err(HeadTooLarge {
            limit: HEAD.len() - 1
        }),
        "the head is one byte longer than the limit"
    );
}

#[test]
fn an_unfinished_head_that_reached_the_limit_is_too_large() {
    let endless = vec![b'a'; 100];
    assert_eq!(
        find_head_end(&endless, 100),
        Err(HeadTooLarge { limit: 100 }),
        "100 bytes and still no \\r\\n\\r\\n with a limit of 100: it can never fit, stop reading"
    );
    assert_eq!(
        find_head_end(&endless[..50], 100),
        Ok(HeadEnd::Partial),
        "50 bytes with a limit of 100: the head may still end in time, so keep reading"
    );
}
