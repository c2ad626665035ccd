//! Reference solution for exercise 21: which address is the client?

use std::net::IpAddr;

/// The client's address, from the connection's `peer`, the request's
/// `X-Forwarded-For` fields and the proxies you run.
///
/// # Examples
/// ```
/// use std::net::IpAddr;
/// use exercises::ex21_forwarded_for::client_address;
/// let nginx: IpAddr = "10.0.0.1".parse().unwrap();
/// let client = client_address(nginx, &["6.6.6.6, 203.0.113.7"], &[nginx]);
/// assert_eq!(client, "203.0.113.7".parse::<IpAddr>().unwrap());
/// // Straight from a client, the field is not believed at all.
/// let stranger: IpAddr = "198.51.100.9".parse().unwrap();
/// assert_eq!(client_address(stranger, &["203.0.113.7"], &[nginx]), stranger);
/// ```
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    // Only a proxy of ours may tell us anything: from anyone else the field
    // is whatever they chose to write.
    if !trusted.contains(&peer) {
        return peer;
    }
    // Several fields are one list, in order: the first field's entries leftmost.
    let entries: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|field| field.split(','))
        .collect();
    // The nearest hop we know to be ours; it wrote the entry to its left.
    let mut last_trusted = peer;
    for entry in entries.iter().rev() {
        match entry.trim_matches([' ', '\t']).parse::<IpAddr>() {
            // One of our proxies: it passed on what the hop before it said.
            Ok(addr) if trusted.contains(&addr) => last_trusted = addr,
            // The first hop that is not ours: the client, as far as anyone
            // we trust can tell. Whatever is to its left, it wrote.
            Ok(addr) => return addr,
            // Garbage was written by someone we do not trust, and everything
            // to its left with it: stop at the proxy that passed it on.
            Err(_) => return last_trusted,
        }
    }
    last_trusted
}
