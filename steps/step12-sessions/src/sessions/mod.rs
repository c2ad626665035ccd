//! Sessions, CSRF protection, passwords and secure headers: what a site
//! needs once someone may log in and delete things.
//!
//! - [`cookie`]: the `Cookie` and `Set-Cookie` headers, read and written as
//!   RFC 6265 spells them;
//! - [`signing`]: `VALUE.TAG` with an HMAC tag, checked in constant time;
//! - [`store`]: sessions in the database, behind the signed cookie, with an
//!   expiry and a new id at login;
//! - [`csrf`]: the decision that refuses a form another site posted;
//! - [`password`]: Argon2id hashes with a salt;
//! - [`headers`]: the secure default headers of every HTML page;
//! - [`layer`]: the middleware that runs them around every request.
//!
//! The cryptography is well-kept crates' (`hmac`, `sha2`, `subtle`,
//! `argon2`); the cookie format, the signing scheme and the rules are
//! written here.

pub mod cookie;
pub mod csrf;
pub mod headers;
pub mod layer;
pub mod password;
pub mod signing;
pub mod store;

pub use cookie::{SetCookie, find_cookie};
pub use signing::Signer;
pub use store::{Session, SessionError, SessionStore};
