//! # Step 09: static files
//!
//! Step 08 answered every request with bytes a handler built in memory. A
//! web page also needs files: its style sheet, its script, its images. This
//! step serves a folder, the way nginx or Django's `static` view do: the
//! right `Content-Type`, `ETag` and `Last-Modified` so that a browser's
//! second visit costs a `304 Not Modified` and no body, one byte `Range`
//! (`206`, or `416` past the end), `HEAD`, and no way out of the folder,
//! whatever the spelling of `..`. Files are **streamed**: a response
//! carries the open file, and step 07's loop reads it 64 KiB at a time as
//! the socket drains, so a 1 GB file costs 64 KiB per download, not 1 GB.
//!
//! What it deliberately leaves out: directory listings, several ranges in
//! one request (`multipart/byteranges`), compression, and `sendfile` (the
//! kernel copying file to socket without the bytes passing through us).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03 (its `FileBody` added for this step);
//!   [`pool`], [`shutdown`]: from step 04; [`router`]: from step 05;
//!   [`split`]: from step 06; [`event_loop`]: from step 07 (which now
//!   streams a `FileBody`); [`app`]: from step 08.
//! - [`static_files`]: **the layer this step teaches**: safe paths, content
//!   types, conditional requests, ranges.
//!
//! [`demo_app`] serves the guestbook's page from [`GUESTBOOK_DIR`].
#![warn(missing_docs)]

pub mod static_files;
pub use step08::{
    app, cli, event_loop, pool, request, response, router, server, shutdown, split, testing,
};

use std::io;
use std::path::Path;

use app::{AccessLog, App, Settings, SettingsError};
use static_files::StaticFiles;

/// The guestbook's folder: `index.html` at `/`, and `static/` with its
/// style sheet and script (which later steps serve from here, by path).
pub const GUESTBOOK_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/guestbook");

/// The prefix of the environment variables that override settings.
pub const ENV_PREFIX: &str = "STEP09";

/// `cargo run -p step09`'s application: the folder `root` served as the
/// whole site (`/` is its `index.html`), with the access log if `access_log`.
///
/// # Errors
/// `root` is not a folder.
pub fn demo_app(root: &Path, access_log: bool) -> io::Result<App> {
    let app = if access_log {
        App::new().wrap(AccessLog::stdout())
    } else {
        App::new()
    };
    Ok(StaticFiles::new("/", root)?.mount(app))
}

/// The settings: step 08's defaults, then the `STEP09_*` variables in
/// `vars`, then the `--addr` flag. (No settings file: step 08 showed one.)
///
/// # Errors
/// The first bad setting, naming its key, its value and where it came from.
pub fn load_settings(
    addr_flag: Option<&str>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, SettingsError> {
    let mut settings = Settings::defaults().with_env(ENV_PREFIX, vars)?;
    if let Some(addr) = addr_flag {
        settings = settings.with_flag("addr", addr)?;
    }
    settings.check()?;
    Ok(settings)
}
