//! `X-Forwarded-For` and `X-Forwarded-Proto`: who the client was, told to
//! a backend that sees only the front as its peer.
//!
//! The client's address is appended to any list the client sent, as nginx's
//! `$proxy_add_x_forwarded_for` does (only the last entry was seen by us;
//! the rest are the client's say-so). `X-Forwarded-Proto` is always `http`,
//! replacing the client's: the front has no TLS, and trusting the client's
//! value would let any client claim `https`.

use std::net::SocketAddr;

/// Whether the client's field `name` is one the front replaces.
pub(crate) fn is_replaced(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-forwarded-for") || name.eq_ignore_ascii_case("x-forwarded-proto")
}

/// The front's `X-Forwarded-For`: the client's list (its fields' `values`)
/// plus `peer`; `None` if both are empty.
pub(crate) fn forwarded_for<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    peer: Option<SocketAddr>,
) -> Option<String> {
    let mut chain: Vec<&str> = headers
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-forwarded-for"))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let peer = peer.map(|p| p.ip().to_string());
    chain.extend(peer.as_deref());
    (!chain.is_empty()).then(|| chain.join(", "))
}

/// The front's `X-Forwarded-Proto`: it has no TLS.
pub(crate) const FORWARDED_PROTO: (&str, &str) = ("X-Forwarded-Proto", "http");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_fields_extend_the_clients_list_and_replace_its_proto() {
        let headers = [
            ("Host", "site"),
            ("X-Forwarded-For", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
        ];
        let peer = Some("10.0.0.9:5555".parse().unwrap());
        assert_eq!(
            forwarded_for(headers.into_iter(), peer).as_deref(),
            Some("1.2.3.4, 10.0.0.9")
        );
        assert_eq!(forwarded_for(headers[..1].iter().copied(), None), None);
        let kept: Vec<_> = headers.iter().filter(|(n, _)| !is_replaced(n)).collect();
        assert_eq!(kept, [&("Host", "site")]);
    }
}
