//! The guestbook application: its data ([`models`]), its pages ([`views`])
//! and its admins ([`accounts`]).
//!
//! One app folder, as httppy recommended: a bigger site would have one
//! per part (`blog/`, `accounts/`), each with its own models and views,
//! and `urls.rs` would gather their routes.

pub mod accounts;
pub mod assets;
pub mod models;
pub mod views;

/// The guestbook's own settings: the `[app]` table of `settings.toml`, or
/// `HTTPRS_APP_PAGE_SIZE=20` over it. `main.rs` reads it at start-up
/// (`App::app_settings`), and a view finds it with `req.state::<Config>()`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many entries the page shows, and the API's default page size.
    pub page_size: u32,
}
