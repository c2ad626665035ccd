//! Sessions: what the server remembers about one browser between requests.
//! The choices (data on the server, a signed cookie, stored only when
//! used, expiry swept on a schedule, rotation, the key) are in
//! `final/docs/sessions.md`, which is [`Session`](crate::Session)'s documentation.
//!
//! | file | concept |
//! |---|---|
//! | `handle.rs` | the session a handler reads and writes, and its CSRF token |
//! | `store.rs` | rows in `httprs_sessions`, signed cookies, the key check |
//! | `csrf_cookie.rs` | the CSRF token's own signed cookie: no row for a visitor who only reads |
//! | `csrf_mask.rs` | the token masked afresh in each response, unmasked by the check (BREACH) |
//! | `hex.rs` | bytes as hex digits and back, for cookies and forms |
//! | `sweep.rs` | the thread that deletes expired rows every `session_sweep_interval` |
//! | `mod.rs` | the middleware: load, check CSRF, run the handler, save |

use std::sync::Arc;

use crate::app::csrf;
use crate::app::middleware::{Middleware, Next};
use crate::app::session::store::SessionStore;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

pub(crate) mod csrf_cookie;
pub(crate) mod csrf_mask;
pub(crate) mod handle;
pub(crate) mod hex;
pub(crate) mod store;
pub(crate) mod sweep;

/// The middleware [`crate::App::sessions`] adds: loads the session, checks
/// CSRF on unsafe methods, runs the handler, saves the session if changed.
pub(crate) struct SessionMiddleware;

impl Middleware for SessionMiddleware {
    fn call(&self, req: &Request, next: Next<'_>) -> Response {
        let Some(store) = req.state::<SessionStore>() else {
            // `App::handle` starts nothing: no database, no key.
            log::error!("sessions need a started app (App::start or App::run): no session store");
            return Response::error(Status::INTERNAL_SERVER_ERROR);
        };
        let session = Arc::new(store.load(req));
        req.attach_session(session.clone());
        // A refused request runs no handler and stores nothing.
        if let Err(refused) = csrf::check(req, &session) {
            return refused;
        }
        let res = next.run(req);
        store.save(req, &session, res)
    }
}
