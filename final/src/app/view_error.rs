//! One error type for a view that reads input, queries the database and
//! builds links: `?` on any of them, and the right response comes out.
//!
//! Why: each layer has its own error ([`InputError`] from the request,
//! [`DbError`] from the data layer, [`UrlError`] from the URL table), and a
//! handler returns one type. Without this, a view that parses an id and
//! then queries would need its own enum and four `From` impls, which is
//! what every axum app writes on its first day. Each error keeps its own
//! response: this only carries it.

use std::fmt;

use crate::app::urls::UrlError;
use crate::data::error::DbError;
use crate::http::into_response::IntoResponse;
use crate::http::problem::Problem;
use crate::http::request::BodyError;
use crate::http::response::Response;
use crate::http::typed_input::InputError;

/// Any error a view meets, each answered as its own type answers:
/// `fn show(req: &Request) -> Result<Response, ViewError>`.
///
/// # Examples
/// ```
/// use httprs::{App, Problem, Request, Response, Status, ViewError};
/// fn show(req: &Request) -> Result<Response, ViewError> {
///     let id: i64 = req.param_as("id")?; // InputError: 404 if not a number
///     let conn = req.db()?; // DbError: 500, this app has no database
///     if id > 100 {
///         return Err(Problem::new(Status::NOT_FOUND).into()); // an answer of the view's own
///     }
///     Ok(Response::text(format!("{id} via {:?}", conn.engine())))
/// }
/// let app = App::new().get("/entries/{id}", show);
/// assert_eq!(app.handle(Request::new("GET", "/entries/x")).status().code(), 404);
/// assert_eq!(app.handle(Request::new("GET", "/entries/7")).status().code(), 500);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ViewError {
    /// The request's input did not fit.
    Input(InputError),
    /// A database call failed.
    Db(DbError),
    /// A URL could not be built from a route's name.
    Url(UrlError),
    /// An answer the view chose itself.
    Problem(Problem),
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewError::Input(err) => err.fmt(f),
            ViewError::Db(err) => err.fmt(f),
            ViewError::Url(err) => err.fmt(f),
            ViewError::Problem(problem) => {
                write!(f, "{}: {}", problem.status(), problem.detail())
            }
        }
    }
}

impl std::error::Error for ViewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ViewError::Input(err) => Some(err),
            ViewError::Db(err) => Some(err),
            ViewError::Url(err) => Some(err),
            ViewError::Problem(_) => None,
        }
    }
}

impl IntoResponse for ViewError {
    fn into_response(self) -> Response {
        match self {
            ViewError::Input(err) => err.into_response(),
            ViewError::Db(err) => err.into_response(),
            ViewError::Url(err) => err.into_response(),
            ViewError::Problem(problem) => problem.into_response(),
        }
    }
}

impl From<InputError> for ViewError {
    fn from(err: InputError) -> ViewError {
        ViewError::Input(err)
    }
}

impl From<BodyError> for ViewError {
    fn from(err: BodyError) -> ViewError {
        ViewError::Input(err.into())
    }
}

impl From<crate::http::multipart::MultipartError> for ViewError {
    fn from(err: crate::http::multipart::MultipartError) -> ViewError {
        ViewError::Input(err.into())
    }
}

impl From<DbError> for ViewError {
    fn from(err: DbError) -> ViewError {
        ViewError::Db(err)
    }
}

impl From<UrlError> for ViewError {
    fn from(err: UrlError) -> ViewError {
        ViewError::Url(err)
    }
}

impl From<Problem> for ViewError {
    fn from(problem: Problem) -> ViewError {
        ViewError::Problem(problem)
    }
}
