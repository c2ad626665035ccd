//! `req.db()?`: how a handler borrows a connection from the app's pool.
//!
//! The pool is app state ([`App::database`](crate::App::database) puts it
//! there), so a handler reaches it through its request like any other
//! state; the guard goes back to the pool when dropped.

use crate::data::error::DbError;
use crate::data::pool::{Database, PooledConnection};
use crate::http::request::Request;

impl Request {
    /// A connection from the app's [`Database`], for this request; it goes
    /// back to the pool when dropped. See [`Database`].
    ///
    /// # Errors
    /// [`DbError::NotConfigured`] (a 500 saying to call
    /// [`App::database`](crate::App::database)) if the app has no database;
    /// [`DbError::PoolTimeout`] (a 503) if every connection stayed busy.
    pub fn db(&self) -> Result<PooledConnection<'_>, DbError> {
        self.state::<Database>()
            .ok_or(DbError::NotConfigured)?
            .checkout()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::response::Response;

    #[test]
    fn a_request_without_a_database_says_what_to_call() {
        let app = crate::App::new().get("/", |req: &Request| -> Result<Response, DbError> {
            req.db()?;
            Ok(Response::text("unreachable"))
        });
        let res = app.handle(Request::new("GET", "/"));
        assert_eq!(res.status().code(), 500);
        assert!(
            res.body_text().contains("call App::database"),
            "{}",
            res.body_text()
        );
    }
}
