//! Percent-decoding as a handler sees it: route parameters (`{name}` and
//! named regex groups, where `+` stays a `+`) and query parameters (where
//! `+` is a space), run through `App::handle` like a request off the wire.
//!
//! Beyond "no panic" it asserts:
//! - round trip: any text, percent-encoded, comes back exactly, as a path
//!   parameter of either kind of route and as a query parameter;
//! - any segment or query value, valid escapes or not, decodes as the
//!   `percent-encoding` crate decodes it (malformed escapes kept as they
//!   are, invalid UTF-8 replaced), whatever the router did around it.
#![no_main]

use std::borrow::Cow;
use std::sync::LazyLock;

use httprs::{App, Request, Response};
use libfuzzer_sys::fuzz_target;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Echoes its parameter in brackets, so a missing one (`None`) shows.
fn echo(name: &'static str) -> impl Fn(&Request) -> Response + Send + Sync + 'static {
    move |req: &Request| {
        let value = req
            .param(name)
            .map(str::to_string)
            .or_else(|| req.query(name));
        Response::text(format!("[{}]", value.unwrap_or_default()))
    }
}

static APP: LazyLock<App> = LazyLock::new(|| {
    App::new()
        .get("/seg/{x}", echo("x"))
        .route(r"^/re/(?P<x>[^/]+)$", echo("x"))
        .get("/q", echo("q"))
});

fn get(target: &str) -> String {
    let res = APP.handle(Request::new("GET", target.to_string()));
    assert_eq!(res.status().code(), 200, "GET {target:?}");
    res.body_text()
}

fn decoded(text: &str) -> Cow<'_, str> {
    percent_decode_str(text).decode_utf8_lossy()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    // Any segment: no `/` (it would be two) and no `?` (a query).
    let segment: String = text.chars().filter(|c| !matches!(c, '/' | '?')).collect();
    if !segment.is_empty() {
        let expected = format!("[{}]", decoded(&segment));
        assert_eq!(get(&format!("/seg/{segment}")), expected);
        assert_eq!(get(&format!("/re/{segment}")), expected);
    }
    // Any query value: no `&` (another field), and `+` is a space.
    let value: String = text.chars().filter(|&c| c != '&').collect();
    let expected = format!("[{}]", decoded(&value.replace('+', " ")));
    assert_eq!(get(&format!("/q?q={value}")), expected);

    // Round trip: the text, encoded, comes back as it was.
    let encoded = utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string();
    let expected = format!("[{text}]");
    if !text.is_empty() {
        assert_eq!(get(&format!("/seg/{encoded}")), expected);
        assert_eq!(get(&format!("/re/{encoded}")), expected);
    }
    assert_eq!(get(&format!("/q?q={encoded}")), expected);
});
