//! # Step 12: sessions, CSRF and a login
#![warn(missing_docs)]

pub mod sessions;
