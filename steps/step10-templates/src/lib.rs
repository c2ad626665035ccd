//! # Step 10: templates
//!
//! (crate map written once the application part lands)
#![warn(missing_docs)]

pub mod templates;
pub use step07::{
    cli, event_loop, pool, request, response, router, server, shutdown, split, testing,
};
