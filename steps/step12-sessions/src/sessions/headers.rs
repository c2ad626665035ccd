//! Secure default headers: what every HTML page tells the browser not to do.
//!
//! - `X-Content-Type-Options: nosniff`: take our `Content-Type` as it is,
//!   never guess that a text file is a script;
//! - `X-Frame-Options: DENY` and `Content-Security-Policy: frame-ancestors
//!   'none'` (the old and the new spelling): no other site may show our
//!   page in a frame under buttons of its own (clickjacking);
//! - `Referrer-Policy: strict-origin-when-cross-origin`: a link to another
//!   site tells it our origin, not the full URL with its query.
//!
//! They are defaults: a handler that sets one of these fields itself keeps
//! its value.

/// The fields, and their values.
pub const SECURE_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
];

/// The fields of [`SECURE_HEADERS`] that a response lacks, given a way to
/// ask whether it has a field (case-insensitively).
pub fn missing(has: impl Fn(&str) -> bool) -> impl Iterator<Item = (&'static str, &'static str)> {
    SECURE_HEADERS
        .iter()
        .copied()
        .filter(move |(name, _)| !has(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_the_handler_set_is_kept() {
        let set = ["x-frame-options"];
        let added: Vec<_> =
            missing(|name| set.iter().any(|s| s.eq_ignore_ascii_case(name))).collect();
        assert_eq!(added.len(), 3);
        assert!(added.iter().all(|(name, _)| *name != "X-Frame-Options"));
    }
}
