//! Who the client is behind a reverse proxy: the `trusted_proxies` setting,
//! and the walk through `Forwarded` / `X-Forwarded-For` it allows.
//!
//! Behind nginx every connection comes from nginx, so the peer's address
//! says nothing about the visitor. nginx says who it was in a header
//! (`X-Forwarded-For: <client>`, or RFC 7239's `Forwarded: for=<client>`),
//! appending to whatever list the client sent. Only the entries that a
//! proxy we trust wrote are facts; everything to their left is the
//! client's say-so, and a client can write anything there. So the rule
//! (the one nginx's `real_ip_recursive` and Rails' `remote_ip` follow):
//!
//! 1. If the peer is not a trusted proxy, it is the client, and no header
//!    is read at all.
//! 2. Otherwise read the hops from right to left (nearest first); skip each
//!    hop that is itself a trusted proxy; the first one that is not is the
//!    client. (All trusted: the left-most.)
//!
//! Which list: `X-Forwarded-For` when there is one (nginx, HAProxy and the
//! clouds' balancers write it, and `httprs-front`), else RFC 7239's
//! `Forwarded`. A proxy passes on the fields it does not write, so the one
//! it does not write is the client's say-so: behind nginx, a `Forwarded`
//! that a client sent is ignored because nginx's `X-Forwarded-For` is
//! there. (A proxy that writes only `Forwarded` must drop the client's
//! `X-Forwarded-For`.)
//!
//! The scheme (`https` behind a TLS-terminating proxy) is believed from a
//! trusted peer only, too: the nearest `X-Forwarded-Proto`, or the `proto`
//! of the chosen `Forwarded` element. A trusted peer that sends
//! `X-Forwarded-Proto` and no hop at all (some load balancers say the
//! scheme only) is believed on the scheme, and stays the client.
//!
//! A keyed split-mode backend uses the same walk, with its authenticated
//! front counted as one more trusted peer.

use std::fmt;
use std::net::IpAddr;

/// One address or network in the `trusted_proxies` setting: `10.0.0.5`,
/// `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client may reach an IPv6 socket as `::ffff:a.b.c.d`.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Why an entry of `trusted_proxies` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError {
    entry: String,
}

impl NetworkError {
    /// What an entry must be, in words.
    pub(crate) const EXPECTED: &'static str =
        "an IP address or a network such as 10.0.0.0/8 or fd00::/8";

    /// The entry refused, as written.
    pub fn entry(&self) -> &str {
        &self.entry
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {:?}", Self::EXPECTED, self.entry)
    }
}

impl std::error::Error for NetworkError {}

/// The proxies whose forwarding headers are believed (the
/// `trusted_proxies` setting). Empty by default: nothing is believed.
///
/// # Examples
/// ```
/// use httprs::TrustedProxies;
/// let trusted = TrustedProxies::parse(["127.0.0.1", "10.0.0.0/8"]).unwrap();
/// assert!(trusted.contains("10.1.2.3".parse().unwrap()));
/// assert!(!trusted.contains("192.0.2.1".parse().unwrap()));
/// assert!(TrustedProxies::parse(["10.0.0.0/33"]).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<Network>,
}

impl TrustedProxies {
    /// Parses each entry, an address or `address/prefix`.
    ///
    /// # Errors
    /// The first entry that is neither, or whose prefix is too long for its
    /// family, or that has host bits set past the prefix (`10.0.0.1/8` is
    /// more likely a typo than a wish).
    pub fn parse<S: AsRef<str>>(
        entries: impl IntoIterator<Item = S>,
    ) -> Result<TrustedProxies, NetworkError> {
        let mut networks = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let error = || NetworkError {
                entry: entry.to_string(),
            };
            let (addr, prefix) = match entry.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (entry, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| error())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(error)?,
            };
            // Host bits set: the network would silently be a different one.
            if !masked_equal(addr, prefix) {
                return Err(error());
            }
            let network = Network { addr, prefix };
            networks.push(network);
        }
        Ok(TrustedProxies { networks })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|net| net.contains(ip))
    }

    /// Adds `more`'s networks to these.
    pub(crate) fn extend(&mut self, more: TrustedProxies) {
        self.networks.extend(more.networks);
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

/// Whether `addr` has no bits set past `prefix`.
fn masked_equal(addr: IpAddr, prefix: u8) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(v4) & !mask == 0
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(v6) & !mask == 0
        }
    }
}

/// `http` or `https`: how the client reached the first server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Plain HTTP (what httprs itself speaks).
    #[default]
    Http,
    /// HTTPS, ended at a trusted proxy in front.
    Https,
}

impl Scheme {
    fn parse(text: &str) -> Option<Scheme> {
        let text = text.trim().trim_matches('"');
        if text.eq_ignore_ascii_case("https") {
            Some(Scheme::Https)
        } else if text.eq_ignore_ascii_case("http") {
            Some(Scheme::Http)
        } else {
            None
        }
    }

    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// What the walk concluded: the client's address and scheme, when a
/// trusted proxy said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    /// `None` when the proxy named only the scheme: the client is then the
    /// peer as far as anyone can tell.
    pub(crate) client: Option<IpAddr>,
    pub(crate) scheme: Scheme,
}

/// One hop of a forwarding list: an address when it is one (`unknown` and
/// RFC 7239's obfuscated `_names` are not), and the scheme it came with.
struct Hop {
    addr: Option<IpAddr>,
    proto: Option<Scheme>,
}

/// Whether field `name` is one [`resolve`] reads.
pub(crate) fn is_forwarding_field(name: &str) -> bool {
    ["forwarded", "x-forwarded-for", "x-forwarded-proto"]
        .iter()
        .any(|field| name.eq_ignore_ascii_case(field))
}

/// The client and scheme a trusted peer's forwarding `headers` (name,
/// value) name, by the walk above; `None` when no header names anyone
/// (then the peer is the client, over plain HTTP). The caller has checked
/// that the peer is trusted: from anyone else no header is read at all.
pub(crate) fn resolve<'a>(
    trusted: &TrustedProxies,
    headers: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Option<Origin> {
    // The de-facto pair when a proxy sent it, else `Forwarded` (see above).
    let mut hops: Vec<Hop> = headers
        .clone()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-forwarded-for"))
        .flat_map(|(_, v)| v.split(','))
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| Hop {
            addr: parse_addr(entry),
            proto: None,
        })
        .collect();
    // The nearest proxy's word on the scheme: the last entry of the last field.
    let proto = headers
        .clone()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-forwarded-proto"))
        .last()
        .and_then(|(_, v)| v.rsplit(',').next())
        .and_then(Scheme::parse);
    let from_xff = !hops.is_empty();
    if !from_xff {
        hops = headers
            .clone()
            .filter(|(n, _)| n.eq_ignore_ascii_case("forwarded"))
            .flat_map(|(_, v)| v.split(','))
            .map(forwarded_element)
            .collect();
        if hops.is_empty() {
            // No hop at all, only `X-Forwarded-Proto`: some load balancers
            // say the scheme and not the address. The peer is trusted (the
            // caller checked), so its word on the scheme is believed; the
            // client stays the peer.
            return proto.map(|scheme| Origin {
                client: None,
                scheme,
            });
        }
    }
    // Right to left: the nearest hop first. A hop that is no address (or
    // is garbage) ends the walk: nothing to its left can be checked.
    let mut chosen: Option<&Hop> = None;
    for hop in hops.iter().rev() {
        let Some(addr) = hop.addr else { break };
        chosen = Some(hop);
        if !trusted.contains(addr) {
            break;
        }
    }
    let hop = chosen?;
    // `X-Forwarded-Proto` goes with `X-Forwarded-For`; `Forwarded` says
    // the scheme in the hop itself.
    let scheme = if from_xff { proto } else { hop.proto };
    Some(Origin {
        client: Some(hop.addr?),
        scheme: scheme.unwrap_or_default(),
    })
}

/// One element of `Forwarded` (RFC 7239 §4): `for=192.0.2.60;proto=https`,
/// `for="[2001:db8::1]:4711"`. Unknown parameters are ignored.
fn forwarded_element(element: &str) -> Hop {
    let mut hop = Hop {
        addr: None,
        proto: None,
    };
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("for") {
            hop.addr = parse_addr(value);
        } else if name.eq_ignore_ascii_case("proto") {
            hop.proto = Scheme::parse(value);
        }
    }
    hop
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`,
/// `[::1]`, `[::1]:5678`, possibly quoted. `None` for anything else.
fn parse_addr(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    // `a.b.c.d:port` (an IPv6 address without brackets was tried above).
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_match_by_prefix_in_both_families() {
        let trusted =
            TrustedProxies::parse(["10.0.0.0/8", "192.0.2.7", "fd00::/8", "::1"]).unwrap();
        for (addr, expected) in [
            ("10.255.0.1", true),
            ("11.0.0.1", false),
            ("192.0.2.7", true),
            ("192.0.2.8", false),
            ("fd12::3", true),
            ("fe80::1", false),
            ("::1", true),
            ("::ffff:10.1.1.1", true),
        ] {
            assert_eq!(trusted.contains(ip(addr)), expected, "{addr}");
        }
        assert!(
            TrustedProxies::parse(["0.0.0.0/0"])
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
        assert!(TrustedProxies::default().is_empty());
    }

    #[test]
    fn a_bad_entry_is_refused_with_its_text() {
        for bad in [
            "",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.1/8",
            "nginx",
            "10.0.0.0/x",
        ] {
            let err = TrustedProxies::parse([bad]).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }

    fn walk(trusted: &[&str], headers: &[(&str, &str)]) -> Option<(String, &'static str)> {
        let trusted = TrustedProxies::parse(trusted).unwrap();
        resolve(&trusted, headers.iter().copied()).map(|o| {
            (
                o.client.map_or("(peer)".into(), |c| c.to_string()),
                o.scheme.as_str(),
            )
        })
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let some = |a: &str, s| Some((a.to_string(), s));
        // (the request's fields, the client and scheme the walk should find)
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<(String, &'a str)>);
        let cases: &[Case] = &[
            // The peer (trusted: the caller checked) names one client.
            (
                &[("X-Forwarded-For", "9.9.9.9, 203.0.113.5")],
                some("203.0.113.5", "http"),
            ),
            // A chain through a second trusted proxy (10.0.0.2).
            (
                &[("X-Forwarded-For", "9.9.9.9, 203.0.113.5, 10.0.0.2")],
                some("203.0.113.5", "http"),
            ),
            // Two fields are one list.
            (
                &[
                    ("X-Forwarded-For", "9.9.9.9"),
                    ("X-Forwarded-For", "203.0.113.5"),
                    ("X-Forwarded-Proto", "https"),
                ],
                some("203.0.113.5", "https"),
            ),
            // Garbage left of the hop a proxy wrote changes nothing.
            (
                &[("X-Forwarded-For", "nonsense, 203.0.113.5")],
                some("203.0.113.5", "http"),
            ),
            // Only trusted hops: the left-most.
            (
                &[("X-Forwarded-For", "10.0.0.3, 10.0.0.2")],
                some("10.0.0.3", "http"),
            ),
            // Garbage where the proxy wrote: the walk stops with nothing.
            (&[("X-Forwarded-For", "203.0.113.5, unknown")], None),
            (&[], None),
            // Only the scheme (some load balancers): believed, the client
            // stays the peer; a scheme that is none, or `Forwarded` with
            // hops, changes nothing.
            (&[("X-Forwarded-Proto", "https")], some("(peer)", "https")),
            (&[("X-Forwarded-Proto", "gopher")], None),
            (
                &[
                    ("X-Forwarded-Proto", "https"),
                    ("Forwarded", "for=198.51.100.17"),
                ],
                some("198.51.100.17", "http"),
            ),
            // RFC 7239, v6 in brackets with a port, the element's proto.
            (
                &[(
                    "Forwarded",
                    r#"for=9.9.9.9, for="[2001:db8::1]:4711";proto=https"#,
                )],
                some("2001:db8::1", "https"),
            ),
            // Both: the proxy wrote X-Forwarded-For; the client, Forwarded.
            (
                &[
                    ("Forwarded", "for=9.9.9.9;proto=https"),
                    ("X-Forwarded-For", "203.0.113.5"),
                ],
                some("203.0.113.5", "http"),
            ),
            (
                &[("Forwarded", "for=_hidden, for=198.51.100.17;proto=http")],
                some("198.51.100.17", "http"),
            ),
            (
                &[
                    ("X-Forwarded-Proto", "gopher"),
                    ("X-Forwarded-For", "203.0.113.5:1234"),
                ],
                some("203.0.113.5", "http"),
            ),
        ];
        for (i, (headers, expected)) in cases.iter().enumerate() {
            assert_eq!(&walk(&["10.0.0.0/8"], headers), expected, "case {i}");
        }
    }
}
