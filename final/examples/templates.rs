//! A one-page guestbook kept in memory: templates on their own.
//!
//! ```text
//! HTTPRS_DEBUG=1 cargo run -p httprs --example templates   # http://127.0.0.1:7777/
//! ```
//!
//! With `HTTPRS_DEBUG=1`, edit `final/examples/templates/index.html` and
//! refresh: the page changes without a restart. Break a tag (delete an
//! `{% endfor %}`) and refresh to see the debug error page. Sign with
//! `<script>alert(1)</script>` as your name to see escaping at work.
//!
//! The entries live in memory until the server stops; the guestbook of
//! chapter 8 keeps them in a database.

use std::sync::Mutex;

use httprs::{App, Request, Response, context};
use serde::Serialize;

/// One signature: the fields the template reads as `entry.name`, `entry.message`.
#[derive(Clone, Serialize)]
struct Entry {
    name: String,
    message: String,
}

/// The entries, oldest first, shared by every request through app state.
#[derive(Default)]
struct Guestbook(Mutex<Vec<Entry>>);

fn index(req: &Request) -> Response {
    let entries = req.state::<Guestbook>().expect("added in main").entries();
    Response::render(req, "index.html", context! { entries })
}

fn sign(req: &Request) -> Response {
    let name = req.form_value("name").unwrap_or_default();
    let message = req.form_value("message").unwrap_or_default();
    let book = req.state::<Guestbook>().expect("added in main");
    if name.trim().is_empty() || message.trim().is_empty() {
        // The same page again, with what was typed and why it was refused.
        let error = "Please give a name and a message.";
        let entries = book.entries();
        return Response::render(
            req,
            "index.html",
            context! { entries, name, message, error },
        )
        .with_status(422);
    }
    book.0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(Entry { name, message });
    // After a POST, send the browser to GET the page (so a refresh does not sign twice).
    Response::redirect("/")
}

impl Guestbook {
    fn entries(&self) -> Vec<Entry> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

fn main() -> std::io::Result<()> {
    App::new()
        // Absolute, so the example runs from any folder.
        .templates(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/templates"))
        .state(Guestbook::default())
        .get("/", index)
        .post("/", sign)
        .bind("127.0.0.1:7777")
        .run()
}
