//! The guestbook: httprs's demo app, laid out the way httppy
//! recommended a project be laid out.
//!
//! ```text
//! final/examples/demo/
//! ├── main.rs          the entry point (httppy's manage.py): builds the App, runs it
//! ├── urls.rs          the URL table (urls.py): which view answers which path
//! ├── settings.toml    the settings (settings.py): address, debug, database file
//! ├── app/             the application (an app folder)
//! │   ├── models.rs    an Entry, its table, its migrations, what makes one valid
//! │   ├── views.rs     the handlers: the HTML page, the form, the JSON API
//! │   ├── live.rs      new entries pushed to every open page (server-sent events)
//! │   ├── pictures.rs  an entry's optional picture: checked, stored, served
//! │   └── accounts.rs  the admin: --create-admin, log in, log out
//! ├── templates/       base.html (the layout), index.html (the page), login.html
//! ├── static/          style.css and guestbook.js, served as files, with their
//! │                    .br and .gz copies (made by --compress-static)
//! └── deploy/          nginx.conf: nginx in front of two instances (the README's
//!                      "Growing past one machine", run by final/tests/deployment.rs)
//! ```
//!
//! Run it, and open <http://127.0.0.1:7777/>:
//!
//! ```text
//! cargo run -p httprs --example demo
//! ```
//!
//! The entries are kept in `final/examples/demo/guestbook.sqlite3`, created
//! on first start (their pictures in `media/` beside it), with the sessions (the app calls `App::sessions`, which
//! also refuses forged form posts) and the admins. Make an admin, who can
//! delete entries, with
//!
//! ```text
//! cargo run -p httprs --example demo -- --create-admin ada
//! ``` The same app runs in split mode, behind `httprs-front`:
//! see the README's "final/" section or chapter 14 of TUTORIAL.md.

mod app;
mod urls;

use std::time::Duration;

use httprs::{App, Broadcast, Flag, LoginLimit};

use crate::app::{accounts, assets};

/// This folder's `settings.toml`. Relative paths (the database file, the
/// templates, the static files) are read from the settings file's folder,
/// so the demo runs the same from any working directory.
const SETTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/settings.toml");

fn main() {
    App::new()
        .settings_file(SETTINGS)
        // `--create-admin NAME` saves an admin instead of serving; `--help` lists it.
        .command(
            Flag::value(
                accounts::CREATE_ADMIN,
                "NAME",
                "save an admin (password from GUESTBOOK_ADMIN_PASSWORD or standard input), then exit",
            ),
            accounts::create_admin,
        )
        // `--compress-static` writes the .br and .gz copies of static/ (app/assets.rs).
        .command(
            Flag::switch(
                assets::COMPRESS_STATIC,
                "compress static/'s text files into .br and .gz copies beside them, then exit",
            ),
            assets::compress_static,
        )
        // The `[app]` table of settings.toml, as `req.state::<Config>()`.
        .app_settings::<app::Config>()
        .templates("templates")
        .static_files("/static", "static")
        .database(app::models::migrations())
        .sessions()
        // Five wrong passwords a minute per address, then 429 (in memory).
        .state(LoginLimit::new(5, Duration::from_secs(60)))
        // Every open page's event stream, told of each new entry (`app/live.rs`).
        .state(Broadcast::new())
        .urls(urls::urls())
        .mount("/api", urls::api())
        .run();
}
