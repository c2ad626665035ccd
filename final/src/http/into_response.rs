//! What may become a response: the values a handler closure returns.
//!
//! Its own file, under `http/`, because it is about responses only: the
//! app layer's handlers return it, and the data layer's errors implement
//! it, so both import it from here.

use crate::http::problem::Problem;
use crate::http::response::Response;
use crate::http::status::Status;

/// What a handler closure may return: a [`Response`]; text (`&'static
/// str` or `String`, answered `200` as `text/plain`); a `(Status, T)` pair,
/// `T`'s response with that status; or a `Result` whose both sides are
/// responses of their own.
///
/// Implement it for an error type to let handlers return that error with `?`.
///
/// # Examples
/// ```
/// use httprs::{App, IntoResponse, Request, Response};
///
/// enum ApiError { NoSuchUser }
///
/// impl IntoResponse for ApiError {
///     fn into_response(self) -> Response {
///         match self {
///             ApiError::NoSuchUser => Response::error(404).with_body("no such user"),
///         }
///     }
/// }
///
/// fn find(name: &str) -> Result<String, ApiError> {
///     if name == "ada" { Ok("Ada Lovelace".into()) } else { Err(ApiError::NoSuchUser) }
/// }
///
/// let app = App::new().get("/users/{name}", |req: &Request| -> Result<Response, ApiError> {
///     Ok(Response::text(find(req.param("name").unwrap_or(""))?))
/// });
/// assert_eq!(app.handle(Request::new("GET", "/users/ada")).body_text(), "Ada Lovelace");
/// assert_eq!(app.handle(Request::new("GET", "/users/bob")).status().code(), 404);
/// ```
pub trait IntoResponse {
    /// The response to send.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(ok) => ok.into_response(),
            Err(err) => err.into_response(),
        }
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

/// An error of the handler's own, shown as the request asks: see [`Problem`].
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        Response::problem(self)
    }
}

/// `(Status::CREATED, "made")`: the response of `T`, with this status.
impl<T: IntoResponse> IntoResponse for (Status, T) {
    fn into_response(self) -> Response {
        let (status, body) = self;
        body.into_response().with_status(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_a_plain_200_and_a_pair_keeps_its_status() {
        let res = "hi".into_response();
        assert_eq!((res.status(), res.body_text().as_str()), (Status::OK, "hi"));
        assert_eq!(
            res.header("content-type"),
            Response::text("").header("content-type")
        );
        assert_eq!(String::from("owned").into_response().body_text(), "owned");
        let res = (Status::NOT_FOUND, "no such thing").into_response();
        assert_eq!(res.status(), Status::NOT_FOUND);
        assert_eq!(res.body_text(), "no such thing");
        let ok: Result<&'static str, (Status, String)> = Err((Status::CONFLICT, "taken".into()));
        assert_eq!(ok.into_response().status(), Status::CONFLICT);
    }
}
