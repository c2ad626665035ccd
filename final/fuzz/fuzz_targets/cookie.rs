//! The `Cookie` request header, read by `Request::cookie`.
//!
//! Beyond "no panic" it asserts:
//! - round trip: cookies written as a browser writes them (RFC 6265 §4.2:
//!   `name=value` pairs joined by `; `, values optionally in double quotes,
//!   spread over one to three `Cookie` fields as HTTP/2 clients do) are each
//!   read back with the value of the first pair of that name;
//! - on any header, a value found is a slice of a `Cookie` field (reading
//!   copies nothing) and holds no `;` (it never runs into the next pair).
#![no_main]

use httprs::Request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    any_header(data);
    round_trip(data);
});

fn any_header(data: &[u8]) {
    let Some((&name_len, rest)) = data.split_first() else {
        return;
    };
    let (name, header) = rest.split_at(usize::from(name_len % 16).min(rest.len()));
    let name = String::from_utf8_lossy(name);
    let header = String::from_utf8_lossy(header);
    // A second field, as a client may send, from the same bytes reversed.
    let second: String = header.chars().rev().collect();
    let req = Request::new("GET", "/")
        .with_header("Cookie", &header)
        .with_header("cookie", &second);
    let Some(value) = req.cookie(&name) else {
        return;
    };
    assert!(!value.contains(';'), "{value:?} runs into the next pair");
    let inside = req.headers().get_all("cookie").any(|field| {
        let range = field.as_bytes().as_ptr_range();
        range.contains(&value.as_ptr()) || value.is_empty()
    });
    assert!(inside, "{value:?} is not a slice of a Cookie field");
}

/// A cookie-name from bytes: token characters (RFC 9110 §5.6.2) but `=`.
fn name_from(bytes: &[u8]) -> String {
    const TCHAR: &[u8] =
        b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name: String = bytes
        .iter()
        .map(|&b| char::from(TCHAR[usize::from(b) % TCHAR.len()]))
        .collect();
    if name.is_empty() { "n".into() } else { name }
}

/// A cookie-value from bytes: cookie-octets (RFC 6265 §4.1.1), which leave
/// out controls, space, `"`, `,`, `;` and `\`.
fn value_from(bytes: &[u8]) -> String {
    let octets: Vec<u8> = (0x21..=0x7e).filter(|b| !b"\",;\\".contains(b)).collect();
    bytes
        .iter()
        .map(|&b| char::from(octets[usize::from(b) % octets.len()]))
        .collect()
}

fn round_trip(data: &[u8]) {
    // Pairs are separated by 0xff in the input; in each, a 0xfe byte
    // separates the name from the value; bit 0 of the first byte quotes.
    let mut pairs = Vec::new();
    for (i, part) in data.split(|&b| b == 0xff).take(12).enumerate() {
        let (name, value) = match part.iter().position(|&b| b == 0xfe) {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let quoted = part.first().is_some_and(|b| b & 1 == 1);
        pairs.push((name_from(name), value_from(value), quoted, i % 3));
    }
    let fields: Vec<String> = (0..3)
        .map(|field| {
            pairs
                .iter()
                .filter(|p| p.3 == field)
                .map(|(n, v, quoted, _)| {
                    if *quoted {
                        format!("{n}=\"{v}\"")
                    } else {
                        format!("{n}={v}")
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|field| !field.is_empty())
        .collect();
    let req = fields.iter().fold(Request::new("GET", "/"), |req, field| {
        req.with_header("Cookie", field)
    });
    for (name, _, _, _) in &pairs {
        // The first pair of that name, in field order then pair order.
        let expected = (0..3)
            .flat_map(|field| pairs.iter().filter(move |p| p.3 == field))
            .find(|p| &p.0 == name)
            .map(|p| p.1.as_str());
        assert_eq!(req.cookie(name), expected, "cookie {name:?} in {fields:?}");
    }
}
