//! The guestbook's views: what each URL in `urls.rs` answers.
//!
//! Every view returns `Result<Response, ViewError>`, so a bad input or a
//! database error is a `?` away from its proper response (an id that is
//! not a number or a missing entry is a 404, a malformed query a 400, a
//! body that is not JSON a 415, a busy database a 503) instead of a
//! `match` in each view or a panic. Errors are answered as the client
//! asks: problem details (`application/problem+json`) to a script that
//! sends or accepts JSON, a page to a browser.
//!
//! The HTML form follows the post/redirect/get pattern: a valid post is
//! stored and answered with `303 See Other` to `/`, so the browser shows the
//! list with a GET and a refresh does not post again; an invalid one gets
//! the page back with status 422, what was typed, and why it was refused.
//!
//! Every form on the page carries the session's CSRF token
//! (`{{ csrf_field() }}` in the templates): the app has sessions on, and
//! httprs refuses a form post without it (403) before any view runs.

use httprs::{Model, Order};
use httprs::{MultipartError, Problem, Request, Response, Status, ViewError, context};
use serde_json::json;

use super::Config;
use super::accounts;
use super::live;
use super::models::{Draft, Entry, Errors, MAX_MESSAGE, MAX_NAME};
use super::pictures;

/// How many entries the page shows, and the API's default page size: the
/// `[app]` setting `page_size` (`main.rs` reads it into [`Config`]).
fn page_size(req: &Request) -> u32 {
    req.state::<Config>().map_or(50, |config| config.page_size)
}
/// The most entries one API call returns (`?limit=`).
const MAX_LIMIT: u32 = 200;

/// `GET /`: the newest entries and an empty form.
pub fn index(req: &Request) -> Result<Response, ViewError> {
    page(req, &Draft::default(), &Errors::new())
}

/// `POST /`: sign the guestbook from the HTML form (`name`, `message`,
/// and an optional `picture`).
pub fn sign(req: &Request) -> Result<Response, ViewError> {
    // The page's form arrives as multipart/form-data (it may carry a
    // picture); a plain urlencoded form is read the same way. Anything else
    // is a 415.
    let draft: Draft = req.form_as()?;
    let picture = match req.multipart() {
        Ok(form) => form.file("picture"),
        Err(MultipartError::NotMultipart) => None,
        Err(err) => return Err(err.into()),
    };
    let checked = picture.map(pictures::check).transpose();
    match (draft.validate(), checked) {
        (Ok(mut entry), Ok(kind)) => {
            if let (Some(file), Some(ext)) = (picture, kind) {
                let name = pictures::save(req, file, ext).map_err(|err| {
                    log::error!("cannot store a picture: {err}");
                    Problem::new(Status::INTERNAL_SERVER_ERROR)
                })?;
                entry.picture = Some(name);
            }
            let conn = req.db()?;
            if let Err(err) = entry.insert(&conn) {
                // No entry, so no picture: nothing would ever show or delete it.
                if let Some(name) = &entry.picture {
                    pictures::remove(req, name);
                }
                return Err(err.into());
            }
            live::entry_signed(req, &entry);
            Ok(Response::redirect(&req.url_for("index", &[])?))
        }
        // The same page, the visitor's text kept, each problem by its field
        // (a file input cannot be refilled: the picture is chosen again).
        (draft_checked, picture_checked) => {
            let mut errors = draft_checked.err().unwrap_or_default();
            if let Err(why) = picture_checked {
                errors.insert("picture", why);
            }
            Ok(page(req, &draft, &errors)?.with_status(Status::UNPROCESSABLE_CONTENT))
        }
    }
}

/// The page itself, for both views: the entries, the form as typed, its errors.
fn page(req: &Request, form: &Draft, errors: &Errors) -> Result<Response, ViewError> {
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
pub fn delete(req: &Request) -> Result<Response, ViewError> {
    let conn = req.db()?;
    if accounts::admin(req, &conn)?.is_none() {
        return Ok(Response::error(Status::FORBIDDEN));
    }
    // Not a number: no such entry, a 404.
    let id: i64 = req.param_as("id")?;
    // An entry already gone is a 404 (`DbError::NotFound`).
    let entry = Entry::get(&conn, id)?;
    Entry::delete(&conn, id)?;
    live::entry_deleted(req, id);
    if let Some(name) = &entry.picture {
        pictures::remove(req, name);
    }
    Ok(Response::redirect(&req.url_for("index", &[])?))
}

/// The API's query: `?limit=N`, optional.
#[derive(serde::Deserialize)]
struct ListQuery {
    limit: Option<u32>,
}

/// `GET /api/entries?limit=N`: the newest entries as a JSON array.
pub fn api_list(req: &Request) -> Result<Response, ViewError> {
    // `?limit=ten` is a 400 from `query_as`; a number out of range, ours.
    let query: ListQuery = req.query_as()?;
    let limit = query.limit.unwrap_or_else(|| page_size(req));
    if !(1..=MAX_LIMIT).contains(&limit) {
        let detail = format!("limit must be a whole number from 1 to {MAX_LIMIT}");
        return Err(Problem::new(Status::BAD_REQUEST).with_detail(detail).into());
    }
    let conn = req.db()?;
    Ok(Response::json(&Entry::list(
        &conn,
        Order::desc("id"),
        limit,
    )?))
}

/// `POST /api/entries` with `{"name": ..., "message": ...}`: 201 and the
/// stored entry, with its URL in `Location`; 422 and the errors by field.
pub fn api_create(req: &Request) -> Result<Response, ViewError> {
    // Not JSON at all is a 415, JSON that does not parse a 400.
    let draft: Draft = req.json_as()?;
    match draft.validate() {
        Ok(mut entry) => {
            let conn = req.db()?;
            entry.insert(&conn)?;
            live::entry_signed(req, &entry);
            let id = entry.id.unwrap_or_default().to_string();
            let location = req.url_for("api_entry", &[("id", &id)])?;
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

/// `GET /api/entries/{id}`: one entry, or 404 (for an id that is not a
/// number too), as problem details to a client that accepts JSON.
pub fn api_show(req: &Request) -> Result<Response, ViewError> {
    let id: i64 = req.param_as("id")?;
    let conn = req.db()?;
    Ok(Response::json(&Entry::get(&conn, id)?))
}
