//! The guestbook: httprs's demo app, laid out the way httppy
//! recommended a project be laid out.
//!
//! ```text
//! final/examples/demo/
//! ├── main.rs          the entry point (httppy's manage.py): builds the App, runs it
//! ├── urls.rs          the URL table (urls.py): which view answers which path
//! ├── settings.toml    the settings (settings.py): address, debug, database file
//! ├── app/             the application (an app folder)
//! │   ├── models.rs    an Entry, its table, its migration, what makes one valid
//! │   └── views.rs     the handlers: the HTML page, the form, the JSON API
//! ├── templates/       base.html (the layout) and index.html (the page)
//! └── static/          style.css and guestbook.js, served as files
//! ```
//!
//! Run it, and open <http://127.0.0.1:7777/>:
//!
//! ```text
//! cargo run -p httprs --example demo
//! ```
//!
//! The entries are kept in `final/examples/demo/guestbook.sqlite3`, created
//! on first start. The same app runs in split mode, behind `httprs-front`:
//! see the README's "final/" section or chapter 8 of TUTORIAL.md.

mod app;
mod urls;

use httprs::App;

/// This folder's `settings.toml`. Relative paths (the database file, the
/// templates, the static files) are read from the settings file's folder,
/// so the demo runs the same from any working directory.
const SETTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/settings.toml");

fn main() -> std::io::Result<()> {
    App::new()
        .settings_file(SETTINGS)
        .templates("templates")
        .static_files("/static", "static")
        .database(app::models::migrations())
        .urls(urls::urls())
        .run()
}
