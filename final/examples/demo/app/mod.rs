//! The guestbook application: its data ([`models`]), its pages ([`views`]),
//! the live list ([`live`]) and its admins ([`accounts`]).
//!
//! One app folder, as httppy recommended: a bigger site would have one
//! per part (`blog/`, `accounts/`), each with its own models and views,
//! and `urls.rs` would gather their routes.

pub mod accounts;
pub mod assets;
pub mod live;
pub mod models;
pub mod pictures;
pub mod views;

/// The guestbook's own settings: the `[app]` table of `settings.toml`, or
/// `HTTPRS_APP_PAGE_SIZE=20` over it. `main.rs` reads it at start-up
/// (`App::app_settings`), and a view finds it with `req.state::<Config>()`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many entries the page shows, and the API's default page size.
    pub page_size: u32,
    /// The folder entries' pictures are kept in, relative to
    /// `settings.toml`'s folder (`media` unless set; `HTTPRS_APP_MEDIA_DIR`).
    #[serde(default = "default_media_dir")]
    pub media_dir: std::path::PathBuf,
}

fn default_media_dir() -> std::path::PathBuf {
    "media".into()
}
