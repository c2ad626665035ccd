//! The guestbook's views: what each URL in `urls.rs` answers.
//!
//! Every view returns `Result<Response, DbError>`, so a database error is a
//! `?` away from its proper response (a missing entry is a 404, a busy
//! database a 503) instead of a `match` in each view or a panic.
//!
//! The HTML form follows the post/redirect/get pattern: a valid post is
//! stored and answered with `303 See Other` to `/`, so the browser shows the
//! list with a GET and a refresh does not post again; an invalid one gets
//! the page back with status 422, what was typed, and why it was refused.
//!
//! Every form on the page carries the session's CSRF token
//! (`{{ csrf_field() }}` in the templates): the app has sessions on, and
//! httprs refuses a form post without it (403) before any view runs.

use httprs::{BodyError, DbError, Request, Response, Status, context};
use httprs::{Model, Order};
use serde_json::json;

use super::Config;
use super::accounts;
use super::models::{Draft, Entry, Errors, MAX_MESSAGE, MAX_NAME};

/// How many entries the page shows, and the API's default page size: the
/// `[app]` setting `page_size` (`main.rs` reads it into [`Config`]).
fn page_size(req: &Request) -> u32 {
    req.state::<Config>().map_or(50, |config| config.page_size)
}
/// The most entries one API call returns (`?limit=`).
const MAX_LIMIT: u32 = 200;

/// `GET /`: the newest entries and an empty form.
pub fn index(req: &Request) -> Result<Response, DbError> {
    page(req, &Draft::default(), &Errors::new())
}

/// `POST /`: sign the guestbook from the HTML form (`name`, `message`).
pub fn sign(req: &Request) -> Result<Response, DbError> {
    // A browser's form arrives urlencoded; anything else is not this form.
    let Ok(fields) = req.form() else {
        return Ok(Response::error(Status::UNSUPPORTED_MEDIA_TYPE));
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let draft = Draft {
        name: field("name"),
        message: field("message"),
    };
    match draft.validate() {
        Ok(mut entry) => {
            let conn = req.db()?;
            entry.insert(&conn)?;
            Ok(Response::redirect("/"))
        }
        // The same page, the visitor's text kept, each problem by its field.
        Err(errors) => Ok(page(req, &draft, &errors)?.with_status(Status::UNPROCESSABLE_CONTENT)),
    }
}

/// The page itself, for both views: the entries, the form as typed, its errors.
fn page(req: &Request, form: &Draft, errors: &Errors) -> Result<Response, DbError> {
    let conn = req.db()?;
    let entries = Entry::list(&conn, Order::desc("id"), page_size(req))?;
    let limits = json!({ "name": MAX_NAME, "message": MAX_MESSAGE });
    // The logged-in admin's name, which shows a delete button per entry.
    let admin = accounts::admin(req, &conn)?;
    Ok(Response::render(
        req,
        "index.html",
        context! { entries, form, errors, limits, admin },
    ))
}

/// `POST /entries/{id}/delete`: for the admin, the entry deleted and 303 to
/// the page; for anyone else 403, whatever the id.
pub fn delete(req: &Request) -> Result<Response, DbError> {
    let conn = req.db()?;
    if accounts::admin(req, &conn)?.is_none() {
        return Ok(Response::error(Status::FORBIDDEN));
    }
    let Some(id) = req.param("id").and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(Response::error(Status::NOT_FOUND));
    };
    // Deleting an entry already gone is a 404 (`DbError::NotFound`).
    Entry::delete(&conn, id)?;
    Ok(Response::redirect("/"))
}

/// `GET /api/entries?limit=N`: the newest entries as a JSON array.
pub fn api_list(req: &Request) -> Result<Response, DbError> {
    let limit = match req.query("limit") {
        None => page_size(req),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                let error = format!("limit must be a whole number from 1 to {MAX_LIMIT}");
                return Ok(json_error(Status::BAD_REQUEST, &error));
            }
        },
    };
    let conn = req.db()?;
    Ok(Response::json(&Entry::list(
        &conn,
        Order::desc("id"),
        limit,
    )?))
}

/// `POST /api/entries` with `{"name": ..., "message": ...}`: 201 and the
/// stored entry, with its URL in `Location`; 422 and the errors by field.
pub fn api_create(req: &Request) -> Result<Response, DbError> {
    let draft: Draft = match req.json() {
        Ok(draft) => draft,
        // Not JSON at all is a 415, as for the form; JSON that does not parse, a 400.
        Err(err @ BodyError::WrongContentType { .. }) => {
            return Ok(json_error(Status::UNSUPPORTED_MEDIA_TYPE, &err.to_string()));
        }
        Err(err) => return Ok(json_error(Status::BAD_REQUEST, &err.to_string())),
    };
    match draft.validate() {
        Ok(mut entry) => {
            let conn = req.db()?;
            entry.insert(&conn)?;
            let location = format!("/api/entries/{}", entry.id.unwrap_or_default());
            Ok(Response::json(&entry)
                .with_status(Status::CREATED)
                .with_header("Location", location))
        }
        Err(errors) => {
            Ok(Response::json(&json!({ "errors": errors }))
                .with_status(Status::UNPROCESSABLE_CONTENT))
        }
    }
}

/// `GET /api/entries/{id}`: one entry, or 404.
pub fn api_show(req: &Request) -> Result<Response, DbError> {
    // Not a number: no such entry either.
    let Some(id) = req.param("id").and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(json_error(Status::NOT_FOUND, "no such entry"));
    };
    let conn = req.db()?;
    match Entry::get(&conn, id) {
        Ok(entry) => Ok(Response::json(&entry)),
        // `?` would send DbError's own 404, which is text; an API answers JSON.
        Err(DbError::NotFound(_)) => Ok(json_error(Status::NOT_FOUND, "no such entry")),
        Err(other) => Err(other),
    }
}

/// `{"error": "..."}` with a status: how the API says what went wrong.
fn json_error(status: Status, message: &str) -> Response {
    Response::json(&json!({ "error": message })).with_status(status)
}
