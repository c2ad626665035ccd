//! Header fields: an ordered list of name–value pairs, looked up without regard to case.
//!
//! A map would lose two things a framework needs. Order matters for a few
//! fields (`Set-Cookie` may appear many times, and each is a separate
//! instruction), and names are case-insensitive (`content-length` is
//! `Content-Length`). A `Vec` of pairs searched with `eq_ignore_ascii_case`
//! keeps both; with the handful of headers a request carries, a linear scan
//! is also faster than hashing.
//!
//! Names and values are `Cow<'static, str>`: the fields a framework sets
//! itself (`Content-Type: text/plain; charset=utf-8`) are string literals and
//! cost no allocation, while those read off the wire are owned `String`s.
//!
//! **What may go on the wire.** A field is written as one line, `name:
//! value` and CRLF. A value holding CR or LF ends that line early, and
//! whatever follows becomes a header (or a whole response) of its own:
//! *response splitting*. A handler doing `Response::redirect(&next)` with
//! `next` taken from the query string hands that power to anyone who can
//! send it a link. So a `Headers` stores any text, and [`check_field`] is
//! the one gate every field passes before it is sent: by the HTTP core
//! (a `500` instead) and by split mode's front (a `502` for a backend's
//! reply). Checking when sending rather than when setting keeps the
//! builder methods infallible and covers middleware that edits
//! [`Headers`] directly.

use std::borrow::Cow;
use std::fmt;

/// Header fields in the order they were given.
///
/// # Examples
/// ```
/// use httprs::Headers;
/// let mut headers = Headers::new();
/// headers.append("Set-Cookie", "a=1");
/// headers.append("set-cookie", "b=2");
/// assert_eq!(headers.get("SET-COOKIE"), Some("a=1"));
/// assert_eq!(headers.get_all("Set-Cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// The first value of `name`, compared without regard to case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Whether `name` is present at least once.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a field, keeping any earlier field of the same name.
    pub fn append(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.fields.push((name.into(), value.into()));
    }

    /// Replaces every field named `name` with one field.
    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) {
        let name = name.into();
        self.remove(&name);
        self.fields.push((name, value.into()));
    }

    /// Removes every field named `name`.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Whether any value of `name` is a comma-separated list holding `token`
    /// (case-insensitively), as in `Connection: keep-alive, Upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Adds `field` to `Vary` (RFC 9110 §12.5.5), so that caches keep one
    /// copy per value of that request field. Whatever `Vary` fields the
    /// response has (`Origin` from CORS, `Cookie` from sessions,
    /// `Accept-Encoding` from compression) become one list; a `*` is left
    /// alone, as is a list that already names `field`.
    pub(crate) fn add_vary(&mut self, field: &'static str) {
        let mut listed = String::new();
        for value in self.get_all("vary") {
            for token in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                if token == "*" || token.eq_ignore_ascii_case(field) {
                    return;
                }
                listed.push_str(token);
                listed.push_str(", ");
            }
        }
        listed.push_str(field);
        self.set("Vary", listed);
    }

    /// Every field as `(name, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Whether an `If-None-Match` value lists `etag` (weak comparison, as
/// RFC 9110 §13.1.2 asks for a GET) or is `*`. Static files and the
/// compression stage both decide a 304 with it.
pub(crate) fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|tag| {
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.trim_start_matches("W/")
    })
}

/// A header field that must not be sent as it is; see [`check_field`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldError {
    /// The name is empty or holds a byte that is not a token character.
    Name(String),
    /// The value of the field named here holds CR, LF or NUL.
    Value(String),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Debug-quoted: the name may hold the very CR LF we refuse, and
            // a log line should not be split either.
            FieldError::Name(name) => write!(f, "header name {name:?} is not a token"),
            FieldError::Value(name) => {
                write!(f, "the value of header {name} holds CR, LF or NUL")
            }
        }
    }
}

impl std::error::Error for FieldError {}

/// Whether `name: value` may be written on the wire: the name is a token
/// (RFC 9110 §5.6.2: letters, digits and ``!#$%&'*+-.^_`|~``, at least
/// one) and the value holds no CR, LF or NUL (§5.5 says a recipient of
/// those must reject the message or replace them; a sender must not send
/// them). Other bytes, including UTF-8 text, are let through as they are.
///
/// # Errors
/// [`FieldError`] naming the field and what is wrong with it.
///
/// # Examples
/// ```
/// use httprs::dev::{FieldError, check_field};
/// assert_eq!(check_field("Location", "/x?a=b"), Ok(()));
/// assert_eq!(
///     check_field("Location", "/x\r\nSet-Cookie: a=b"),
///     Err(FieldError::Value("Location".to_string()))
/// );
/// assert!(check_field("Bad Name", "v").is_err());
/// ```
pub fn check_field(name: &str, value: &str) -> Result<(), FieldError> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(FieldError::Name(name.to_string()));
    }
    if has_cr_lf_or_nul(value.as_bytes()) {
        return Err(FieldError::Value(name.to_string()));
    }
    Ok(())
}

/// Whether `bytes` holds a CR, an LF or a NUL.
///
/// Every field of every response passes here, most of them a few dozen
/// bytes (`text/plain; charset=utf-8`), too short for the compiler's
/// 32-byte loops to start. So eight bytes at a time, as one `u64`: a word
/// with no byte below 0x0E (CR, the highest of the three, is 0x0D) needs
/// no closer look, and most words of most values are such words.
fn has_cr_lf_or_nul(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    let bad = |b: &u8| matches!(b, b'\r' | b'\n' | b'\0');
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_ne_bytes(word.try_into().expect("chunks of eight"));
        // "Has a byte below n" (n <= 128): subtracting n from each byte
        // borrows into the high bit of the lowest byte below n, whose own
        // high bit is clear. Never misses one; a tab (0x09) or another low
        // control byte is a false alarm, settled byte by byte.
        let low = w.wrapping_sub(ONES * 0x0E) & !w & HIGH_BITS;
        if low != 0 && word.iter().any(bad) {
            return true;
        }
    }
    words.remainder().iter().any(bad)
}

/// A `tchar` of RFC 9110 §5.6.2: what the names of methods, fields and
/// cookies are made of. The one definition the parser, the cookies and
/// [`check_field`] share.
pub(crate) fn is_tchar(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// [`is_tchar`] for each byte, made once at compile time: a lookup
/// instead of a search through the punctuation for each `-` of a name.
const TOKEN: [bool; 256] = alphanumeric_and(b"!#$%&'*+-.^_`|~");

/// A table saying, for each byte, whether it is an ASCII letter or digit
/// or one of `punctuation`: how RFCs define their character classes
/// (`tchar` here, a host's reg-name in `host.rs`), made at compile time.
pub(crate) const fn alphanumeric_and(punctuation: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < punctuation.len() {
        table[punctuation[i] as usize] = true;
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_at_every_place_of_a_value_is_judged_as_one_at_a_time() {
        // Lengths around the eight-byte words: in a word, in the remainder,
        // at either end; each byte value, among letters and among tabs
        // (low bytes that are false alarms in the word test).
        for len in 1..=19 {
            for filler in [b'a', b'\t', 0xff] {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut value = vec![filler; len];
                        value[at] = b;
                        let expected = matches!(b, b'\r' | b'\n' | b'\0');
                        assert_eq!(has_cr_lf_or_nul(&value), expected, "{value:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn names_are_tokens_and_values_have_no_line_breaks() {
        for name in ["Content-Type", "X-Request-Id", "!#$%&'*+-.^_`|~09azAZ"] {
            assert_eq!(check_field(name, "v"), Ok(()), "{name}");
        }
        // RFC 9110's delimiters, space, controls, DEL and non-ASCII are not tchars.
        for bad in "(),/:;<=>?@[\\]{}\" \t\u{7f}é".chars() {
            let name = format!("X{bad}Y");
            assert_eq!(check_field(&name, "v"), Err(FieldError::Name(name.clone())));
        }
        assert!(check_field("", "v").is_err());
        // A line break or a NUL anywhere in a value, long or short, is caught.
        let long = "a".repeat(100);
        for bad in ["\r", "\n", "\0"] {
            for value in [
                bad.to_string(),
                format!("{long}{bad}{long}"),
                format!("{long}{bad}"),
            ] {
                assert_eq!(
                    check_field("X", &value),
                    Err(FieldError::Value("X".to_string()))
                );
            }
        }
        assert_eq!(check_field("X", "tabs\tand unicode é are fine"), Ok(()));
    }

    #[test]
    fn vary_gains_a_field_once_and_keeps_what_was_there() {
        let vary = |fields: &[&str], field| {
            let mut headers = Headers::new();
            for value in fields {
                headers.append("Vary", value.to_string());
            }
            headers.add_vary(field);
            headers.get_all("vary").collect::<Vec<_>>().join(" | ")
        };
        assert_eq!(vary(&[], "Accept-Encoding"), "Accept-Encoding");
        assert_eq!(
            vary(&["Origin"], "Accept-Encoding"),
            "Origin, Accept-Encoding"
        );
        assert_eq!(
            vary(&["Cookie", "Origin"], "Accept-Encoding"),
            "Cookie, Origin, Accept-Encoding"
        );
        assert_eq!(
            vary(&["accept-encoding, Cookie"], "Accept-Encoding"),
            "accept-encoding, Cookie"
        );
        assert_eq!(vary(&["*"], "Accept-Encoding"), "*");
        // Two fields (CORS appends its own) are one list: none is lost.
        assert_eq!(
            vary(&["Accept", "Origin"], "Cookie"),
            "Accept, Origin, Cookie"
        );
        assert_eq!(vary(&["cookie"], "Cookie"), "cookie");
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_a_star() {
        assert!(etag_matches("\"a-1\"", "\"a-1\""));
        assert!(etag_matches("W/\"a-1\"", "\"a-1\""));
        assert!(etag_matches("\"x\", \"a-1\"", "\"a-1\""));
        assert!(etag_matches("*", "\"a-1\""));
        assert!(!etag_matches("\"a-2\"", "\"a-1\""));
    }

    #[test]
    fn only_tokens_and_values_without_cr_lf_or_nul_may_be_sent() {
        let ok = |name, value| check_field(name, value).is_ok();
        assert!(ok("X-Custom_1.a~!", "any text, even ünïcode\tand tabs"));
        assert!(ok("Set-Cookie", ""));
        for name in ["", "Bad Name", "X:Y", "X\r\nY", "Ünï", "X(1)", "X\0"] {
            assert_eq!(
                check_field(name, "v"),
                Err(FieldError::Name(name.to_string())),
                "{name:?}"
            );
        }
        for value in ["/x\r\nSet-Cookie: a=b", "a\rb", "a\nb", "a\0b"] {
            assert_eq!(
                check_field("Location", value),
                Err(FieldError::Value("Location".to_string())),
                "{value:?}"
            );
        }
    }

    #[test]
    fn set_replaces_every_field_of_that_name() {
        let mut h = Headers::new();
        h.append("X-A", "1");
        h.append("x-a", "2");
        h.set("X-a", "3");
        assert_eq!(h.get_all("x-A").collect::<Vec<_>>(), ["3"]);
    }

    #[test]
    fn tokens_are_found_in_lists_across_fields() {
        let mut h = Headers::new();
        h.append("Connection", "Upgrade");
        h.append("Connection", "foo,  Keep-Alive ");
        assert!(h.has_token("connection", "keep-alive"));
        assert!(!h.has_token("connection", "close"));
    }
}
