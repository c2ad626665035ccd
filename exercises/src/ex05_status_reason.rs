//! # Exercise 05: status codes and their reason phrases
//!
//! Chapter 3 of `TUTORIAL.md` (step 03) answers requests. Every response
//! starts with a status line such as `HTTP/1.1 404 Not Found`: a three-digit
//! code for programs and a reason phrase for people.
//!
//! Build two small functions:
//! - [`reason_phrase`] maps every status code registered by the HTTP RFCs to
//!   its phrase, and anything else (including the codes RFC 9110 lists as
//!   "(Unused)", 306 and 418) to `None`. Use the spelling of RFC 9110
//!   section 15, which renamed a few (413 is "Content Too Large", 422
//!   "Unprocessable Content"), plus the codes other RFCs define: 102
//!   Processing, 103 Early Hints, 207 Multi-Status, 208 Already Reported,
//!   226 IM Used, 423 Locked, 424 Failed Dependency, 425 Too Early,
//!   428 Precondition Required, 429 Too Many Requests, 431 Request Header
//!   Fields Too Large, 451 Unavailable For Legal Reasons, 506 Variant Also
//!   Negotiates, 507 Insufficient Storage, 508 Loop Detected, 510 Not
//!   Extended, 511 Network Authentication Required;
//! - [`status_class`] sorts any code from 100 to 599 into its class by its
//!   first digit, even codes without a phrase (a client must treat an unknown
//!   `499` like a `400`).
//!
//! The tests (`tests/ex05_status_reason.rs`) check every RFC 9110 code and
//! the extra ones above, codes that are not registered, and the class
//! boundaries (99, 100, 599, 600).
//!
//! Check it with `cargo run -p exercises -- check ex05_status_reason`.

/// The five classes of status codes (RFC 9110, section 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 1xx: the request was received, continuing.
    Informational,
    /// 2xx: the request was received, understood and accepted.
    Success,
    /// 3xx: further action is needed to complete the request.
    Redirection,
    /// 4xx: the request is wrong.
    ClientError,
    /// 5xx: the server failed to fulfil a valid request.
    ServerError,
}

/// The reason phrase of a registered status code, or `None`.
// TODO: remove this `allow` once you use `code`.
#[allow(unused_variables)]
pub fn reason_phrase(code: u16) -> Option<&'static str> {
    // TODO: one big `match code { 100 => "Continue", ... }`, wrapped in Some,
    // with `_ => return None` at the end.
    todo!()
}

/// The class of a status code from 100 to 599, or `None` outside that range.
// TODO: remove this `allow` once you use `code`.
#[allow(unused_variables)]
pub fn status_class(code: u16) -> Option<StatusClass> {
    // TODO: match on ranges such as `100..=199`.
    todo!()
}
