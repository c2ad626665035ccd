//! # Exercise 21: which address is the client?
//!
//! Chapter 14 of `TUTORIAL.md` puts nginx (or `httprs-front`) in front of
//! the app. From then on every connection comes from the proxy, so the
//! peer address is the proxy's, and a per-client limit such as the
//! guestbook's `LoginLimit` would count every visitor together. The proxy
//! says who it was talking to by appending that address to the
//! `X-Forwarded-For` field:
//!
//! ```text
//! X-Forwarded-For: 6.6.6.6, 203.0.113.7
//! ```
//!
//! But a client may send the field too, with any addresses it likes: here
//! `6.6.6.6` may be a lie the client wrote, and only `203.0.113.7`, which
//! our nginx appended, can be believed. The rule: start from the peer and
//! walk the list **from the right**, skipping the proxies you run; the first
//! address that is not one of yours is the client. Nothing to its left is
//! worth anything, because that hop wrote it.
//!
//! Build [`client_address`] from:
//! - `peer`: the address of the TCP connection;
//! - `forwarded_for`: every `X-Forwarded-For` field of the request, in the
//!   order they came; each is a comma-separated list, and several fields
//!   make one list, the first field's entries leftmost;
//! - `trusted`: the addresses of the proxies you run.
//!
//! The rules, which the tests check one by one:
//! - a `peer` that is not trusted is the client, whatever the field says
//!   (anyone can send the field straight to the app);
//! - otherwise walk the entries from the right, each trimmed of spaces and
//!   tabs: a trusted address is skipped, the first one that is not trusted
//!   is the answer;
//! - an entry that is not a plain IP address (garbage, an empty entry, an
//!   address with a port) ends the walk: the answer is then the last
//!   trusted address seen, the nearest proxy that passed the garbage on;
//! - when every entry is trusted (or there is none), the answer is the
//!   leftmost trusted address seen, `peer` itself with no field at all.
//!
//! Check it with `cargo run -p exercises -- check ex21_forwarded_for`.

use std::net::IpAddr;

/// The client's address, from the connection's `peer`, the request's
/// `X-Forwarded-For` fields and the proxies you run.
///
/// With `trusted = [10.0.0.1]`, a request from `10.0.0.1` carrying
/// `X-Forwarded-For: 6.6.6.6, 203.0.113.7` came from `203.0.113.7`.
// TODO: remove this `allow` once you use the parameters.
#[allow(unused_variables)]
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    // TODO: return `peer` at once when it is not in `trusted`.
    // TODO: otherwise walk every field's `split(',')` entries from the right
    // (collect them into a Vec, then `.iter().rev()`), keeping the last
    // trusted address seen; `entry.parse::<IpAddr>()` says whether an
    // entry is an address at all.
    todo!()
}
