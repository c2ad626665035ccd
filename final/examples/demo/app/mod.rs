//! The guestbook application: its data ([`models`]) and its pages ([`views`]).
//!
//! One app folder, as httppy recommended: a bigger site would have one
//! per part (`blog/`, `accounts/`), each with its own models and views,
//! and `urls.rs` would gather their routes.

pub mod models;
pub mod views;
