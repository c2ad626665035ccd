//! Split mode's version-2 handshake (`httprs::dev::auth`): the bytes a
//! backend reads as a front's hello, and a front reads as a backend's
//! challenge and welcome. Every input is tried in all three places.
//!
//! Beyond "no panic" it asserts:
//! - whatever a side accepts has a nonce and a MAC that are exactly the
//!   documented hex (`strict_unhex`): the frame has one reading;
//! - a hello the backend accepts carries the MAC a real front holding the
//!   key makes for that nonce, and the welcome sent back is one that front
//!   accepts (no frame passes without the key: with seeds made with the
//!   key, the fuzzer starts at the MAC check, not at the JSON);
//! - a challenge the front answers gives a hello that a backend with that
//!   nonce accepts, and a welcome the front accepts is the real backend's;
//! - a frame is never taken before its last byte.
#![no_main]

use httprs::dev::auth::{BackendHandshake, FrontHandshake};
use httprs_fuzz::{BACKEND_NONCE, FRONT_NONCE, json_field, split_key, strict_unhex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    as_hello(data);
    as_challenge(data);
    as_welcome(data);
});

/// The nonce or MAC field of an accepted frame, read strictly.
fn strict(frame: &[u8], field: &str) -> [u8; 32] {
    let text = json_field(frame, field).unwrap_or_else(|| panic!("accepted without a {field}"));
    strict_unhex(&text)
        .unwrap_or_else(|| panic!("accepted the {field} {text:?}, not 64 hex digits"))
}

fn as_hello(data: &[u8]) {
    let key = split_key();
    let (backend, challenge) = BackendHandshake::new(key.clone(), BACKEND_NONCE);
    let Ok(Some((welcome, used))) = backend.receive(data) else {
        return;
    };
    assert_eq!(backend.receive(&data[..used - 1]), Ok(None), "taken early");
    let hello = &data[..used];
    let (nonce, mac) = (strict(hello, "nonce"), strict(hello, "mac"));
    let (real_hello, front, _) = FrontHandshake::answer(&key, nonce, &challenge)
        .expect("our own challenge")
        .expect("a whole challenge");
    assert_eq!(
        mac,
        strict(&real_hello, "mac"),
        "a hello passed with a MAC the key does not make"
    );
    assert_eq!(front.welcome(&welcome), Ok(Some(welcome.len())));
}

fn as_challenge(data: &[u8]) {
    let key = split_key();
    let Ok(Some((hello, front, used))) = FrontHandshake::answer(&key, FRONT_NONCE, data) else {
        return;
    };
    assert!(
        matches!(
            FrontHandshake::answer(&key, FRONT_NONCE, &data[..used - 1]),
            Ok(None)
        ),
        "taken early"
    );
    let nonce = strict(&data[..used], "nonce");
    let (backend, _) = BackendHandshake::new(key, nonce);
    let (welcome, taken) = backend
        .receive(&hello)
        .expect("the backend of that challenge accepts our hello")
        .expect("a whole hello");
    assert_eq!(taken, hello.len());
    assert_eq!(front.welcome(&welcome), Ok(Some(welcome.len())));
}

fn as_welcome(data: &[u8]) {
    let key = split_key();
    let (backend, challenge) = BackendHandshake::new(key.clone(), BACKEND_NONCE);
    let (hello, front, _) = FrontHandshake::answer(&key, FRONT_NONCE, &challenge)
        .expect("our own challenge")
        .expect("a whole challenge");
    let Ok(Some(used)) = front.welcome(data) else {
        return;
    };
    assert_eq!(front.welcome(&data[..used - 1]), Ok(None), "taken early");
    let (real_welcome, _) = backend.receive(&hello).expect("our hello").expect("whole");
    assert_eq!(
        strict(&data[..used], "mac"),
        strict(&real_welcome, "mac"),
        "a welcome passed with a MAC the key does not make"
    );
}
