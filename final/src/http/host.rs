//! The `Host` field's grammar (RFC 9110 §7.2, RFC 3986 §3.2.2), checked on
//! every request: a bad one is a 400 before any route sees it.

use crate::http::headers::alphanumeric_and;

/// Whether a `Host` value is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986
/// §3.2.2): a reg-name (which covers IPv4) or a bracketed IP literal, with no
/// userinfo (`@`), and a port, if there is one, that is a number up to 65535.
///
/// Empty is valid: RFC 9112 §3.2 has a client send an empty `Host` when the
/// target URI has no authority. A `:` with no digits after it is refused,
/// though RFC 3986 allows it (`port = *DIGIT`): no client sends one, and
/// a server that refuses it has one spelling less of each host to tell apart.
/// It runs on every request: a scan of a few bytes, no allocation.
pub(crate) fn valid_host(value: &[u8]) -> bool {
    let (host, port) = match value.first() {
        Some(b'[') => match value.iter().position(|&b| b == b']') {
            Some(close) => value.split_at(close + 1),
            None => return false,
        },
        _ => match value.iter().position(|&b| b == b':') {
            Some(colon) => value.split_at(colon),
            None => (value, &[][..]),
        },
    };
    let host_ok = match host {
        [b'[', inner @ .., b']'] => valid_ip_literal(inner),
        _ => valid_reg_name(host),
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => {
            !digits.is_empty()
                && digits
                    .iter()
                    .try_fold(0u32, |n, &d| {
                        let n = n * 10 + u32::from(d.wrapping_sub(b'0'));
                        (d.is_ascii_digit() && n <= 65535).then_some(n)
                    })
                    .is_some()
        }
        _ => false,
    };
    host_ok && port_ok
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )` (RFC 3986 §3.2.2).
fn valid_reg_name(host: &[u8]) -> bool {
    let mut rest = host;
    while let [b, tail @ ..] = rest {
        rest = match b {
            b'%' => match tail {
                [h1, h2, after @ ..] if h1.is_ascii_hexdigit() && h2.is_ascii_hexdigit() => after,
                _ => return false,
            },
            b if REG_NAME[usize::from(*b)] => tail,
            _ => return false,
        };
    }
    true
}

/// The bytes a reg-name holds as they are: unreserved and sub-delims (RFC
/// 3986 §3.2.2), a table made at compile time. Every request's `Host` is
/// read through it: a lookup per byte, where a search of the punctuation
/// for each `.` of `127.0.0.1` was a tenth of the parser's time.
const REG_NAME: [bool; 256] = alphanumeric_and(b"-._~!$&'()*+,;=");

/// What goes between `[` and `]`: an IPv6 address, or `IPvFuture`
/// (`v` HEXDIG+ `.` ( unreserved / sub-delims / `:` )+, RFC 3986 §3.2.2).
fn valid_ip_literal(inner: &[u8]) -> bool {
    if let [b'v' | b'V', rest @ ..] = inner {
        let Some(dot) = rest.iter().position(|&b| b == b'.') else {
            return false;
        };
        let (version, tail) = (&rest[..dot], &rest[dot + 1..]);
        return !version.is_empty()
            && version.iter().all(u8::is_ascii_hexdigit)
            && !tail.is_empty()
            && tail
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&b));
    }
    std::str::from_utf8(inner).is_ok_and(|text| text.parse::<std::net::Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reg_name_is_unreserved_and_sub_delims_and_percent_escapes() {
        // RFC 3986 §3.2.2, spelled out the slow way, against the table.
        let rfc = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b);
        for b in 0..=255u8 {
            assert_eq!(valid_reg_name(&[b]), rfc(b), "byte {b:#04x}");
        }
        assert!(valid_host(b"127.0.0.1:9001"));
        assert!(valid_host(b"example.com"));
        assert!(valid_host(b"ex%41mple.com"));
        assert!(valid_host(b"[::1]:8080"));
        assert!(valid_host(b""));
        for bad in [
            &b"ex%4"[..],
            b"user@example.com",
            b"a b",
            b"example.com:",
            b"example.com:65536",
            b"[::1",
        ] {
            assert!(!valid_host(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
