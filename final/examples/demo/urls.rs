//! The URL table: every path the guestbook answers, and the view behind it.
//!
//! Like httppy's `urls.py`, the whole site is readable in one screen.
//! Routes are tried in order; a path that matches with another method gets
//! a 405 with `Allow`, a path that matches nothing a 404. The static files
//! are mounted in `main.rs` (`/static/...`).

use httprs::Route;

use crate::app::{accounts, views};

/// The guestbook's routes, in the order they are tried.
pub fn urls() -> Vec<Route> {
    vec![
        // The page: the entries and the form; the form posts back to `/`.
        Route::get("/", views::index),
        Route::post("/", views::sign),
        // The admin: log in and out, and delete an entry (403 for anyone else).
        Route::get("/login", accounts::login_page),
        Route::post("/login", accounts::login),
        Route::post("/logout", accounts::logout),
        Route::post("/entries/{id}/delete", views::delete),
        // The same entries as JSON, for scripts and other programs.
        Route::get("/api/entries", views::api_list),
        Route::post("/api/entries", views::api_create),
        Route::get("/api/entries/{id}", views::api_show),
    ]
}
