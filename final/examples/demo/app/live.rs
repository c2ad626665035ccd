//! The live list: every open page shows a new entry the moment it is
//! signed, without a reload, through server-sent events.
//!
//! The page's script (`static/guestbook.js`) opens an `EventSource` on
//! `/events?after=N`, `N` being the newest entry the page was rendered with.
//! This view subscribes the stream to the app's [`Broadcast`] hub *first*,
//! then sends the entries newer than `N` that were signed between the
//! render and the connect (the script skips an entry it already shows, so
//! one sent twice by this overlap does no harm). After a dropped connection
//! the browser reconnects by itself with `Last-Event-ID`, the id of the last
//! entry it got, which wins over `after`: nothing signed meanwhile is lost.
//!
//! `sign` and `api_create` call [`entry_signed`] after the insert, `delete`
//! calls [`entry_deleted`]. A page whose stream has fallen behind is dropped
//! by the hub and catches up the same way, on its reconnect.
//!
//! Without JavaScript none of this runs, and the page is the plain page it
//! was: reload to see new entries.
//!
//! The hub is in this process: with several instances behind nginx, a page
//! sees at once only the entries signed on the instance it streams from.

use httprs::{Broadcast, Event, Model, Order, Request, Response, ViewError};

use super::models::Entry;

/// Events a page may have waiting before the hub lets it go.
const QUEUE: usize = 32;

/// The most entries sent to catch up on (the page shows no more anyway).
const CATCH_UP: u32 = 50;

/// `/events?after=N`.
#[derive(serde::Deserialize)]
struct After {
    after: Option<i64>,
}

/// `GET /events`: the stream of new (and deleted) entries; see the module docs.
pub fn events(req: &Request) -> Result<Response, ViewError> {
    let (events, res) = Response::event_stream(QUEUE);
    if let Some(hub) = req.state::<Broadcast>() {
        hub.subscribe(events.clone());
    }
    let query: After = req.query_as()?;
    let after = req
        .last_event_id()
        .and_then(|id| id.parse().ok())
        .or(query.after);
    if let Some(after) = after {
        let conn = req.db()?;
        let mut missed = Entry::list(&conn, Order::desc("id"), CATCH_UP)?;
        missed.retain(|entry| entry.id.is_some_and(|id| id > after));
        for entry in missed.iter().rev() {
            // A full queue: the hub drops this stream at its next publish,
            // and the reconnect catches up.
            let _ = events.try_send(&signed(req, entry));
        }
    }
    Ok(res)
}

/// The event for a new entry: its id (for `Last-Event-ID`) and its JSON,
/// with the URL of its picture when it has one (the page's script cannot
/// know the routes; the server names the URL, as the template does).
fn signed(req: &Request, entry: &Entry) -> Event {
    let mut value = serde_json::to_value(entry).unwrap_or_default();
    if let (Some(name), Some(fields)) = (&entry.picture, value.as_object_mut())
        && let Ok(url) = req.url_for("media", &[("name", name)])
    {
        fields.insert("picture_url".into(), url.into());
    }
    let json = value.to_string();
    let id = entry.id.unwrap_or_default().to_string();
    Event::data(json).with_id(id).with_event("entry")
}

/// Tells every open page about `entry`, just stored.
pub fn entry_signed(req: &Request, entry: &Entry) {
    if let Some(hub) = req.state::<Broadcast>() {
        hub.publish(&signed(req, entry));
    }
}

/// Tells every open page that entry `id` was deleted.
pub fn entry_deleted(req: &Request, id: i64) {
    if let Some(hub) = req.state::<Broadcast>() {
        hub.publish(&Event::data(id.to_string()).with_event("deleted"));
    }
}
