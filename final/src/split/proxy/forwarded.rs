//! `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Request-Id`: who the
//! client was, and which request this is, told to a backend that sees only
//! the front as its peer.
//!
//! The client's address is appended to any list the client sent, as nginx's
//! `$proxy_add_x_forwarded_for` does (only the last entry was seen by us;
//! the rest are the client's say-so, which the backend walks past only
//! where they are its `trusted_proxies`). `X-Forwarded-Proto` is the
//! request's scheme as the front believed it: `http`, unless one of the
//! front's own `trusted_proxies` (nginx with TLS, say) said `https`; the
//! client's value is replaced, or any client could claim `https`. So is its
//! `Forwarded` (the backend would read it where no `X-Forwarded-For` is),
//! and its `X-Request-Id`, replaced by the request's id.

use std::net::SocketAddr;

/// Whether the client's field `name` is one the front replaces.
pub(crate) fn is_replaced(name: &str) -> bool {
    [
        "x-forwarded-for",
        "x-forwarded-proto",
        "forwarded",
        "x-request-id",
    ]
    .iter()
    .any(|field| name.eq_ignore_ascii_case(field))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_fields_extend_the_clients_list_and_replace_its_proto() {
        let headers = [
            ("Host", "site"),
            ("X-Forwarded-For", "1.2.3.4"),
            ("x-forwarded-proto", "https"),
            ("Forwarded", "for=1.1.1.1"),
            ("X-Request-Id", "mine"),
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
