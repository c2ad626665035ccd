//! `application/x-www-form-urlencoded` bodies, read by `Request::form` and
//! `Request::form_value`, and the query string read by `Request::query_pairs`
//! (the same grammar).
//!
//! Beyond "no panic" it asserts:
//! - round trip: any fields (any UTF-8 text), encoded as a browser encodes a
//!   form (every byte but letters and digits percent-encoded, a space as
//!   `+` or `%20`), are read back exactly, in order, by `form`,
//!   `form_value` (the first of a name) and `query_pairs` alike;
//! - on any body: a body that is not UTF-8 is `BodyError::NotUtf8`; a text
//!   body gives one field per non-empty `&`-separated piece, the same as
//!   the query string with that text gives.
#![no_main]

use httprs::{BodyError, Request};
use libfuzzer_sys::fuzz_target;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

const FORM: &str = "application/x-www-form-urlencoded";

fuzz_target!(|data: &[u8]| {
    any_body(data);
    round_trip(data);
});

fn any_body(data: &[u8]) {
    let req = Request::new("POST", "/")
        .with_header("Content-Type", FORM)
        .with_body(data.to_vec());
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(matches!(req.form(), Err(BodyError::NotUtf8)));
        assert_eq!(req.form_value("a"), None);
        return;
    };
    let fields = req.form().expect("a text body with the form's type");
    assert_eq!(
        fields.len(),
        text.split('&').filter(|p| !p.is_empty()).count()
    );
    let query = Request::new("GET", format!("/?{text}"));
    assert_eq!(
        query.query_pairs(),
        fields,
        "query and form read differently"
    );
}

fn round_trip(data: &[u8]) {
    let Some((&style, rest)) = data.split_first() else {
        return;
    };
    let texts: Vec<String> = rest
        .split(|&b| b == 0xff)
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
        .collect();
    let fields: Vec<(String, String)> = texts
        .chunks(2)
        .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
        .collect();
    let encode = |text: &str| {
        let encoded = utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        if style & 1 == 1 {
            encoded.replace("%20", "+")
        } else {
            encoded
        }
    };
    let body = fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let req = Request::new("POST", "/")
        .with_header("Content-Type", FORM)
        .with_body(body.clone());
    assert_eq!(req.form().expect("a form"), fields, "body {body:?}");
    for (name, _) in &fields {
        let first = fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
        assert_eq!(req.form_value(name), first, "field {name:?} of {body:?}");
    }
    let query = Request::new("GET", format!("/search?{body}"));
    assert_eq!(query.query_pairs(), fields, "query {body:?}");
}
