//! The guestbook application: its data ([`models`]), its pages ([`views`])
//! and its admins ([`accounts`]).
//!
//! One app folder, as httppy recommended: a bigger site would have one
//! per part (`blog/`, `accounts/`), each with its own models and views,
//! and `urls.rs` would gather their routes.

pub mod accounts;
pub mod models;
pub mod views;
