//! The middleware that puts the pieces together around every request:
//! load the session from its cookie, refuse a forged form before any
//! handler runs, let the handler use the session, send the cookie back,
//! add the secure headers.
//!
//! A handler gets `&Request`, so it cannot change the request; the session
//! travels in the request's extensions as a [`SessionHandle`], whose
//! `Mutex` lets a handler create, rotate or end the session. The layer
//! reads the handle again after the handler and writes the `Set-Cookie`
//! it asks for.

use std::sync::Mutex;

use step11::app::{Middleware, Next, Request};
use step11::data::Database;
use step11::response::Response;

use crate::sessions::cookie::SetCookie;
use crate::sessions::csrf::{self, CsrfCheck, Refusal};
use crate::sessions::headers;
use crate::sessions::store::{COOKIE_NAME, Session, SessionError, SessionStore};

/// The session middleware: [`SessionStore`] plus a way to find the database.
pub struct SessionLayer {
    store: SessionStore,
    db: fn(&Request) -> &Database,
}

impl SessionLayer {
    /// Sessions kept by `store` in the database that `db` finds in a
    /// request (usually in the app's state).
    pub fn new(store: SessionStore, db: fn(&Request) -> &Database) -> SessionLayer {
        SessionLayer { store, db }
    }
}

/// The request's session, as the handler sees it: created on first use,
/// rotated at login, ended at logout.
pub struct SessionHandle {
    store: SessionStore,
    state: Mutex<HandleState>,
}

struct HandleState {
    session: Option<Session>,
    /// What the response must tell the browser, if the session changed.
    set_cookie: Option<SetCookie>,
}

impl SessionHandle {
    fn state(&self) -> std::sync::MutexGuard<'_, HandleState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session, if the request came with a valid one (or a handler made one).
    pub fn get(&self) -> Option<Session> {
        self.state().session.clone()
    }

    /// The session, made now (a row and a cookie) if there is none yet: a
    /// page with a form needs one, for its CSRF token.
    ///
    /// # Errors
    /// [`SessionError`] if the row cannot be written.
    pub fn get_or_create(&self, db: &Database) -> Result<Session, SessionError> {
        let mut state = self.state();
        if let Some(session) = &state.session {
            return Ok(session.clone());
        }
        let session = self.store.create(&db.lock(), None)?;
        state.set_cookie = Some(self.store.cookie(&session));
        state.session = Some(session.clone());
        Ok(session)
    }

    /// Logs `user` in: a new session with a new id (see
    /// [`SessionStore::rotate`]), its cookie sent with the response.
    ///
    /// # Errors
    /// [`SessionError`] if a row cannot be deleted or written.
    pub fn log_in(&self, db: &Database, user: &str) -> Result<Session, SessionError> {
        let mut state = self.state();
        let session = self
            .store
            .rotate(&db.lock(), state.session.as_ref(), Some(user))?;
        state.set_cookie = Some(self.store.cookie(&session));
        state.session = Some(session.clone());
        Ok(session)
    }

    /// Ends the session: its row deleted, the browser told to forget the cookie.
    ///
    /// # Errors
    /// [`SessionError`] if the row cannot be deleted.
    pub fn end(&self, db: &Database) -> Result<(), SessionError> {
        let mut state = self.state();
        if let Some(session) = state.session.take() {
            self.store.end(&db.lock(), &session)?;
        }
        state.set_cookie = Some(
            SetCookie::removal(COOKIE_NAME)
                .unwrap_or_else(|err| unreachable!("the cookie's name is a token: {err}")),
        );
        Ok(())
    }
}

/// The request's [`SessionHandle`].
///
/// # Panics
/// If the app has no [`SessionLayer`]: a mistake in the program.
pub fn session(req: &Request) -> &SessionHandle {
    req.extensions()
        .get::<SessionHandle>()
        .expect("the app wraps its routes in a SessionLayer")
}

impl Middleware for SessionLayer {
    fn call(&self, req: &mut Request, next: Next<'_>) -> Response {
        let db = (self.db)(req);
        // A cookie that is forged, tampered with, unknown or expired is no
        // session (Ok(None)); only a failing database is an error.
        let loaded = match self.store.load(&db.lock(), req.header("cookie")) {
            Ok(loaded) => loaded,
            Err(err) => {
                eprintln!("error: {} {}: {err}", req.method(), req.path());
                return Response::text("500 Internal Server Error\n").with_status(500);
            }
        };
        let check = CsrfCheck {
            method: req.method(),
            host: req.header("host"),
            origin: req.header("origin"),
            sec_fetch_site: req.header("sec-fetch-site"),
            sent_token: req.header(csrf::HEADER).or_else(|| req.form(csrf::FIELD)),
            session_token: loaded.as_ref().map(|s| s.csrf_token.as_str()),
        };
        if let Err(refusal) = csrf::check(&check) {
            eprintln!(
                "refused {} {}: {} (CSRF)",
                req.method(),
                req.path(),
                refusal.reason()
            );
            return secure(forbidden(refusal));
        }
        req.extensions_mut().insert(SessionHandle {
            store: self.store.clone(),
            state: Mutex::new(HandleState {
                session: loaded,
                set_cookie: None,
            }),
        });
        let mut res = next.run(req);
        if let Some(cookie) = session(req).state().set_cookie.take() {
            // A page made for one session must not be kept by a shared
            // cache and shown to another browser.
            res = res
                .with_header("Set-Cookie", cookie.to_string())
                .with_header("Cache-Control", "no-store");
        }
        secure(res)
    }
}

/// The response with the secure headers it lacks, if it is an HTML page.
fn secure(mut res: Response) -> Response {
    let is_html = res
        .header("content-type")
        .is_some_and(|ct| ct.trim_start().starts_with("text/html"));
    if is_html {
        let missing: Vec<_> = headers::missing(|name| res.header(name).is_some()).collect();
        for (name, value) in missing {
            res = res.with_header(name, value);
        }
    }
    res
}

/// The 403 page for a refused request.
fn forbidden(refusal: Refusal) -> Response {
    Response::html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>403 Forbidden</title></head>\n<body>\n<h1>403 Forbidden</h1>\n\
         <p>This request was refused because {}: a protection against forms \
         posted to this site by other sites (CSRF).</p>\n\
         <p>If you sent it yourself, go back, reload the page and try again.</p>\n\
         </body>\n</html>\n",
        refusal.reason()
    ))
    .with_status(403)
}
