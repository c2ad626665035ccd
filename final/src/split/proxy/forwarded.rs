//! `X-Forwarded-For` and `X-Forwarded-Proto`: who the client was, told to
//! a backend that sees only the front as its peer.
//!
//! The client's address is appended to any list the client sent, as nginx's
//! `$proxy_add_x_forwarded_for` does (only the last entry was seen by us;
//! the rest are the client's say-so). `X-Forwarded-Proto` is always `http`,
//! replacing the client's: the front has no TLS, and trusting the client's
//! value would let any client claim `https`.

use std::net::SocketAddr;

/// Adds `X-Forwarded-For` (the client's list plus `peer`) and
/// `X-Forwarded-Proto: http` (replacing the client's) to `headers`.
pub(super) fn add_forwarded(headers: &mut Vec<(String, String)>, peer: Option<SocketAddr>) {
    let is = |name: &str, wanted: &str| name.eq_ignore_ascii_case(wanted);
    let mut chain: Vec<String> = headers
        .iter()
        .filter(|(n, _)| is(n, "x-forwarded-for"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    headers.retain(|(n, _)| !is(n, "x-forwarded-for") && !is(n, "x-forwarded-proto"));
    if let Some(peer) = peer {
        chain.push(peer.ip().to_string());
    }
    if !chain.is_empty() {
        headers.push(("X-Forwarded-For".to_string(), chain.join(", ")));
    }
    headers.push(("X-Forwarded-Proto".to_string(), "http".to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_fields_extend_the_clients_list_and_replace_its_proto() {
        let mut headers = vec![
            ("Host".to_string(), "site".to_string()),
            ("X-Forwarded-For".to_string(), "1.2.3.4".to_string()),
            ("x-forwarded-proto".to_string(), "https".to_string()),
        ];
        add_forwarded(&mut headers, Some("10.0.0.9:5555".parse().unwrap()));
        assert_eq!(
            headers,
            [
                ("Host".to_string(), "site".to_string()),
                (
                    "X-Forwarded-For".to_string(),
                    "1.2.3.4, 10.0.0.9".to_string()
                ),
                ("X-Forwarded-Proto".to_string(), "http".to_string()),
            ]
        );
    }
}
