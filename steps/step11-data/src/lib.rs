//! # Step 11: the data layer
#![warn(missing_docs)]

pub mod data;
