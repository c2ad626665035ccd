//! The URL table: every path the guestbook answers, and the view behind it.
//!
//! Like httppy's `urls.py`, the whole site is readable in one screen.
//! Routes are tried in order; a path that matches with another method gets
//! a 405 with `Allow`, a path that matches nothing a 404. The static files
//! are mounted in `main.rs` (`/static/...`), and so is the JSON API (`/api/...`).

use httprs::Route;

use crate::app::pictures::{self, MAX_PICTURE};
use crate::app::{accounts, live, views};

/// The guestbook's routes, in the order they are tried. Each has a name,
/// which views (`req.url_for`) and templates (`url_for(...)`) build
/// links from, so a path is written here and nowhere else.
pub fn urls() -> Vec<Route> {
    vec![
        // The page: the entries and the form; the form posts back to `/`.
        Route::get("/", views::index).name("index"),
        // The form may carry a picture: up to 2 MiB and the text around
        // it, above the 1 MiB `max_body_bytes` every other route keeps.
        Route::post("/", views::sign)
            .name("index")
            .max_body(MAX_PICTURE + 64 * 1024),
        Route::get("/media/{name}", pictures::serve).name("media"),
        // The admin: log in and out, and delete an entry (403 for anyone else).
        Route::get("/login", accounts::login_page).name("login"),
        Route::post("/login", accounts::login).name("login"),
        Route::post("/logout", accounts::logout).name("logout"),
        Route::post("/entries/{id}/delete", views::delete).name("delete_entry"),
        // New entries pushed to every open page (server-sent events; `app/live.rs`).
        Route::get("/events", live::events)
            .name("events")
            .may_block(),
    ]
}

/// The same entries as JSON, for scripts and other programs: mounted at
/// `/api` in `main.rs`, so `/entries/{id}` here answers `/api/entries/{id}`.
pub fn api() -> Vec<Route> {
    vec![
        Route::get("/entries", views::api_list).name("api_entries"),
        Route::post("/entries", views::api_create),
        Route::get("/entries/{id}", views::api_show).name("api_entry"),
    ]
}
