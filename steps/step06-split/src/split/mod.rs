//! The split: an HTTP front and an application backend, in two processes.
//!
//! ```text
//!  browser ──HTTP──▶ front ──frames──▶ backend ──▶ step 05's router
//!          ◀──────── (a pool) ◀──────── (a pool)
//! ```
//!
//! - [`protocol`]: the frames both sides speak (PROTOCOL.md is its specification).
//! - [`front`]: HTTP in, a frame to the backend, its reply out; 502 and 504 when it cannot.
//! - [`backend`]: frames in, the application's replies out, one pool job per front connection.
//! - [`child`]: the launcher's backend child process, and how it never outlives the launcher.

pub mod backend;
pub mod child;
pub mod front;
pub mod protocol;
