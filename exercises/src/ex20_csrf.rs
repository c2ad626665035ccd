//! # Exercise 20: the CSRF decision
//!
//! Chapter 12 of `TUTORIAL.md` refuses forms that another site makes the
//! browser post (cross-site request forgery). Before any handler runs, the
//! server decides from a few parts of the request:
//!
//! 1. A **safe** method (`GET`, `HEAD`, `OPTIONS`, `TRACE`) changes
//!    nothing, so it always passes. Every other method is *unsafe*.
//! 2. An unsafe request that says it comes from elsewhere is refused as
//!    [`Refusal::CrossSite`]: `Sec-Fetch-Site: cross-site` (any case,
//!    spaces around allowed), or an `Origin` that is not **same-origin**.
//!    `Origin` is `scheme://host[:port]`; it is same-origin when the scheme
//!    is `http` or `https` and the rest equals the `Host` header, ignoring
//!    case. `Origin: null`, another scheme, or no `Host` are not.
//! 3. Then the token: no token sent, or no session token to compare with,
//!    is [`Refusal::MissingToken`]; a token that differs is
//!    [`Refusal::WrongToken`]. Compare without stopping at the first wrong
//!    byte (exercise 19 says why).
//!
//! Write [`is_unsafe`], [`same_origin`] and [`decide`].
//!
//! The tests (`tests/ex20_csrf.rs`) go through a table of requests: safe
//! methods with nothing, forms with and without the right token, other
//! origins with the right token, `null`, ports, case.
//!
//! Check it with `cargo run -p exercises -- check ex20_csrf`.

/// Why a request is refused (answered with 403, and no handler runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It says it comes from another site.
    CrossSite,
    /// No token was sent, or the session has none.
    MissingToken,
    /// The token sent is not the session's.
    WrongToken,
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The method, as sent (`POST`).
    pub method: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The token the request carried (form field or header).
    pub sent_token: Option<&'a str>,
    /// The token of the request's session, if it has one.
    pub session_token: Option<&'a str>,
}

/// Whether `method` may change something.
// TODO: remove this `allow` once you use `method`.
#[allow(unused_variables)]
pub fn is_unsafe(method: &str) -> bool {
    // TODO: everything but GET, HEAD, OPTIONS and TRACE.
    todo!()
}

/// Whether `origin` names the same site as `host`.
// TODO: remove this `allow` once you use `origin` and `host`.
#[allow(unused_variables)]
pub fn same_origin(origin: &str, host: Option<&str>) -> bool {
    // TODO: strip "http://" or "https://" (else false), then compare with
    // the host, ignoring ASCII case.
    todo!()
}

/// `Ok(())` if the request may reach its handler, else why not.
// TODO: remove this `allow` once you use `req`.
#[allow(unused_variables)]
pub fn decide(req: &Request<'_>) -> Result<(), Refusal> {
    // TODO: the three rules of the story, in order.
    todo!()
}
