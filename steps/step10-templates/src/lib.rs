//! # Step 10: templates
//!
//! Step 09 served the guestbook's page as a fixed file. A guestbook's page
//! changes with every entry, and the entries are what visitors typed, so
//! they must be escaped before they go into HTML. This step writes a small
//! template engine, [`templates`], and renders the page with it:
//!
//! - `{{ entry.name }}` prints a value, **always escaped** for HTML;
//! - `{% if %}`/`{% else %}`/`{% endif %}` and `{% for x in xs %}`/`{% endfor %}`;
//! - `{% extends "base.html" %}` with `{% block name %}` overrides;
//! - errors that name the template, the line and the column, found at
//!   start-up for every mistake in a template's structure.
//!
//! The guestbook around it keeps its entries in memory (a `Mutex<Vec<Entry>>`
//! in the app's state, so a restart forgets them; step 11 adds a database).
//! Signing is a form: `POST /` with `name` and `message`, checked, then a
//! `303 See Other` back to `/` (or the form again with its errors, `422`).
//!
//! What it deliberately leaves out: filters, expressions, includes, macros
//! (`final/` uses minijinja, which has them); CSRF protection (step 12).
//!
//! Modules:
//! - [`cli`], [`server`], [`testing`]: from step 01; [`request`]: from step 02;
//!   [`response`]: from step 03; [`pool`], [`shutdown`]: from step 04;
//!   [`router`]: from step 05; [`split`]: from step 06; [`event_loop`]: from
//!   step 07; [`app`]: from step 08; [`static_files`]: from step 09, which
//!   serves the style sheet and the script from step 09's own folder.
//! - [`templates`]: **the layer this step teaches**: a lexer, a parser and a
//!   renderer, with HTML escaping by default.
//!
//! [`guestbook`] builds the application; [`Guestbook`] holds its entries.
#![warn(missing_docs)]

pub mod templates;
pub use step09::{
    app, cli, event_loop, pool, request, response, router, server, shutdown, split, static_files,
    testing,
};

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use app::{App, Request, Settings, SettingsError};
use response::Response;
use static_files::StaticFiles;
use templates::{TemplateError, Templates};

/// The guestbook's templates, `base.html` and `index.html`, beside this
/// crate's `Cargo.toml`, wherever you run the program from.
pub const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");

/// The longest name accepted, in characters.
pub const NAME_LIMIT: usize = 60;

/// The longest message accepted, in characters.
pub const MESSAGE_LIMIT: usize = 500;

/// The largest form body accepted, in bytes: a form of both fields at their
/// limits, every character escaped as `%XX%XX%XX` (a 3-byte UTF-8 letter)
/// fits with room to spare; anything bigger is not our form (413).
pub const FORM_LIMIT: usize = 16 * 1024;

/// One signature in the guestbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who signed, trimmed, 1 to [`NAME_LIMIT`] characters.
    pub name: String,
    /// What they wrote, trimmed, 1 to [`MESSAGE_LIMIT`] characters.
    pub message: String,
}

/// The entries, newest first, shared by every handler through the app's
/// state. A `Mutex` because handlers run on several worker threads at once.
#[derive(Debug, Default)]
pub struct Guestbook {
    entries: Mutex<Vec<Entry>>,
}

impl Guestbook {
    /// A copy of the entries, newest first.
    pub fn entries(&self) -> Vec<Entry> {
        self.lock().clone()
    }

    /// Adds `entry` as the newest.
    pub fn sign(&self, entry: Entry) {
        self.lock().insert(0, entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A handler that panicked while holding the lock "poisons" it. The
        // list itself is never left half-changed (`insert` either happened
        // or not), so the other visitors keep their guestbook.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why a sign form was refused, field by field (`None`: the field is fine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    /// What is wrong with the name.
    pub name: Option<String>,
    /// What is wrong with the message.
    pub message: Option<String>,
}

/// Checks a signature: both fields required (after trimming spaces) and no
/// longer than their limits, counted in characters.
///
/// # Errors
/// A sentence per refused field, to show under it.
pub fn validate(name: &str, message: &str) -> Result<Entry, FieldErrors> {
    let check = |value: &str, what: &str, limit: usize| {
        let length = value.chars().count();
        if length == 0 {
            Some(format!("Please write your {what}."))
        } else if length > limit {
            Some(format!(
                "Your {what} is {length} characters long; at most {limit}, please."
            ))
        } else {
            None
        }
    };
    let (name, message) = (name.trim(), message.trim());
    let errors = FieldErrors {
        name: check(name, "name", NAME_LIMIT),
        message: check(message, "message", MESSAGE_LIMIT),
    };
    if errors == FieldErrors::default() {
        Ok(Entry {
            name: name.to_string(),
            message: message.to_string(),
        })
    } else {
        Err(errors)
    }
}

/// The prefix of the environment variables that override settings:
/// `STEP10_TEMPLATES=/tmp/mine cargo run -p step10`.
pub const ENV_PREFIX: &str = "STEP10";

/// The usage line of `cargo run -p step10`.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [--addr HOST:PORT] [--templates DIR]\n\n  \
         --addr HOST:PORT   where to listen (default {})\n  \
         --templates DIR    the folder of base.html and index.html (default {})\n\n\
         Each setting can be overridden by an environment variable: {ENV_PREFIX}_WORKERS=2, ...",
        cli::DEFAULT_ADDR,
        step08::shown(Path::new(TEMPLATES)).display(),
    )
}

/// Step 08's settings plus `templates` (the folder, default [`TEMPLATES`]):
/// the defaults, then the `STEP10_*` variables in `vars`, then the flags.
///
/// # Errors
/// The first bad setting, naming its key, its value and where it came from.
pub fn load_settings(
    flags: &cli::Flags,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, SettingsError> {
    let templates = step08::shown(Path::new(TEMPLATES));
    let mut settings = Settings::defaults()
        .with_default("templates", &templates.display().to_string())
        .with_env(ENV_PREFIX, vars)?;
    for key in ["addr", "templates"] {
        if let Some(value) = flags.get(key) {
            settings = settings.with_flag(key, value)?;
        }
    }
    settings.check()?;
    Ok(settings)
}

/// Loads and parses every template in `folder`, and checks that the page
/// [`guestbook`] renders, `index.html`, is among them: at start-up, so
/// that a mistake stops the server before anyone visits.
///
/// # Errors
/// The first [`TemplateError`] found, naming template, line and column.
pub fn load_templates(folder: impl AsRef<Path>) -> Result<Templates, TemplateError> {
    let templates = Templates::load(&folder)?;
    templates.require(PAGE)?;
    Ok(templates)
}

/// The template of the guestbook's page.
pub const PAGE: &str = "index.html";

/// The guestbook's style sheet and script: step 09's, used where they are
/// rather than copied (`steps/step09-static/guestbook/static`).
pub fn static_dir() -> PathBuf {
    Path::new(step09::GUESTBOOK_DIR).join("static")
}

/// The guestbook: `GET /` shows the page, `POST /` signs it, `/static/`
/// serves the files in `static_dir`. `templates` must hold `index.html`
/// (and what it extends).
///
/// # Errors
/// `static_dir` is not a folder.
pub fn guestbook(templates: Templates, static_dir: &Path) -> io::Result<App> {
    let app = App::new()
        .with_state(templates)
        .with_state(Guestbook::default())
        .get("/", |req: &Request| {
            let empty = json!({ "name": "", "message": "" });
            page(req, 200, empty, &FieldErrors::default())
        })
        .post("/", sign);
    Ok(StaticFiles::new("/static/", static_dir)?.mount(app))
}

/// `POST /`: a form, checked; 303 to `/` when signed, 422 with the form again when not.
fn sign(req: &Request) -> Response {
    if let Some(refused) = refuse_body(req) {
        return refused;
    }
    let name = req.form("name").unwrap_or_default();
    let message = req.form("message").unwrap_or_default();
    match validate(name, message) {
        Ok(entry) => {
            state::<Guestbook>(req).sign(entry);
            // Post/Redirect/Get: the browser comes back with a GET, so
            // reloading the page does not post the form a second time.
            Response::new(303).with_header("Location", "/")
        }
        // The visitor's input goes back into the form, escaped by the engine.
        Err(errors) => {
            let form = json!({ "name": name, "message": message });
            page(req, 422, form, &errors)
        }
    }
}

/// The answer for a body that is not a sign form at all: 413 when too
/// large, 400 when not URL-encoded or not UTF-8. `None` when it is a form.
pub fn refuse_body(req: &Request) -> Option<Response> {
    let refuse = |status: u16, why: String| Some(Response::text(why).with_status(status));
    if req.body().len() > FORM_LIMIT {
        let why = format!(
            "413 Content Too Large: a sign form is at most {FORM_LIMIT} bytes, this one is {}\n",
            req.body().len()
        );
        return refuse(413, why);
    }
    let content_type = req.header("content-type").unwrap_or("none");
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        let why = format!(
            "400 Bad Request: send the form as application/x-www-form-urlencoded, not {content_type}\n"
        );
        return refuse(400, why);
    }
    // Percent-escapes are checked after decoding, by step 08; raw bytes here.
    if std::str::from_utf8(req.body()).is_err() {
        return refuse(400, "400 Bad Request: the form is not UTF-8\n".into());
    }
    None
}

/// Renders `index.html` with the entries, the form's values and its errors.
/// A template error is a 500 for this request and a line in the log, never
/// a panic: the next request may well render.
fn page(req: &Request, status: u16, form: Value, errors: &FieldErrors) -> Response {
    let entries: Vec<Value> = state::<Guestbook>(req)
        .entries()
        .into_iter()
        .map(|entry| json!({ "name": entry.name, "message": entry.message }))
        .collect();
    let values = json!({
        "entries": entries,
        "form": form,
        "errors": { "name": errors.name, "message": errors.message },
        "limits": { "name": NAME_LIMIT, "message": MESSAGE_LIMIT },
    });
    match state::<Templates>(req).render(PAGE, &values) {
        Ok(html) => Response::html(html).with_status(status),
        Err(err) => {
            eprintln!(
                "error: {} {}: template error: {err}",
                req.method(),
                req.path()
            );
            Response::text("500 Internal Server Error: the page could not be rendered\n")
                .with_status(500)
        }
    }
}

/// A value [`guestbook`] put in the app's state.
fn state<T: Send + Sync + 'static>(req: &Request) -> &T {
    req.state::<T>()
        .expect("guestbook() adds its templates and entries to the state")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_requires_both_fields_within_their_limits() {
        let long_name = "n".repeat(NAME_LIMIT + 1);
        let long_message = "é".repeat(MESSAGE_LIMIT + 1);
        let cases: [(&str, &str, Option<&str>, Option<&str>); 6] = [
            ("Ada", "Hello", None, None),
            ("", "Hello", Some("Please write your name."), None),
            (
                "  ",
                " \n",
                Some("Please write your name."),
                Some("Please write your message."),
            ),
            (
                &long_name,
                "Hi",
                Some("Your name is 61 characters long; at most 60, please."),
                None,
            ),
            (
                "Ada",
                &long_message,
                None,
                Some("Your message is 501 characters long; at most 500, please."),
            ),
            // Characters, not bytes: 60 three-byte letters are a fine name.
            (&"日".repeat(NAME_LIMIT), "ok", None, None),
        ];
        for (name, message, name_error, message_error) in cases {
            match validate(name, message) {
                Ok(entry) => {
                    assert_eq!((name_error, message_error), (None, None), "{name:?}");
                    assert_eq!(entry.name, name.trim());
                }
                Err(errors) => {
                    assert_eq!(errors.name.as_deref(), name_error, "{name:?}");
                    assert_eq!(errors.message.as_deref(), message_error, "{message:?}");
                }
            }
        }
    }

    #[test]
    fn entries_are_trimmed_and_listed_newest_first() {
        let book = Guestbook::default();
        book.sign(validate(" Ada ", "first").unwrap());
        book.sign(validate("Bob", " second\n").unwrap());
        let entries = book.entries();
        assert_eq!(entries[0].name, "Bob");
        assert_eq!(entries[0].message, "second");
        assert_eq!(entries[1].name, "Ada");
    }
}
