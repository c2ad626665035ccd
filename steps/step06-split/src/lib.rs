//! # Step 06: split process — an HTTP front and an application backend
//!
//! (Being written. So far: [`split::protocol`], the frames both halves speak;
//! the crate's PROTOCOL.md specifies them.)
#![warn(missing_docs)]

pub mod split;
pub use step03::{cli, request, response, server, testing};
