//! Typed input: a path parameter, the query, a form or a JSON body read
//! straight into the handler's own types, with `?`; and a multipart form
//! with its files ([`Request::multipart`], kept by `upload.rs`).
//!
//! Why here: parsing `req.param("id")` by hand in every view, and matching
//! a [`BodyError`] in every JSON route, is where a web app's 500s (an
//! `unwrap` on a bad id) and its inconsistent errors come from. These four
//! methods return one error type, [`InputError`], that knows its status:
//!
//! | input | method | bad input | why that status |
//! |---|---|---|---|
//! | path parameter | [`Request::param_as`] | 404 | `/entries/abc` names no resource, as `/entries/999` names none |
//! | query string | [`Request::query_as`] | 400 | the query is part of the request's target, not content: the request is malformed |
//! | form body | [`Request::form_as`] | 415, 400, 422 | not a form: 415; not text: 400; a form whose values do not fit: 422 |
//! | JSON body | [`Request::json_as`] | 415, 400, 422 | not JSON: 415; JSON that does not parse: 400; JSON of the wrong shape: 422 |
//!
//! 422 (RFC 9110 §15.5.21) is for content that is well-formed but cannot
//! be processed: it tells a client that resending the same bytes is no
//! use, and that the syntax was fine. A body over `max_body_bytes` never
//! gets this far: the server answers 413 before reading it.
//!
//! The error becomes a [`Problem`], so a script that sent or accepts JSON
//! gets `application/problem+json`, a browser an HTML page, curl a line of
//! text (`problem.rs`). Its detail names the field and what was wrong with
//! the value, which is the client's own input.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::http::form_de;
use crate::http::into_response::IntoResponse;
use crate::http::multipart::MultipartError;
use crate::http::problem::Problem;
use crate::http::request::{BodyError, Request};
use crate::http::response::Response;
use crate::http::status::Status;
use crate::http::upload::{self, Multipart};

/// Why a request's input did not fit the type a handler asked for; see
/// [`InputError::status`]. Returned with `?`, it is its own response.
///
#[doc = include_str!("../../docs/input-and-errors.md")]
#[derive(Debug)]
#[non_exhaustive]
pub enum InputError {
    /// A path parameter did not parse as the type asked for. (404)
    Param {
        /// The parameter's name in the pattern.
        name: String,
        /// What the path held, decoded.
        value: String,
        /// Why it did not parse.
        problem: String,
    },
    /// The route's pattern has no parameter of this name: a bug in the handler. (500)
    NoSuchParam(String),
    /// The query string did not fit the type. (400)
    Query(String),
    /// The body is not of the media type the method reads. (415)
    UnsupportedMediaType {
        /// What the method reads, such as `application/json`.
        expected: &'static str,
        /// What the request said, or an empty string.
        found: String,
    },
    /// The body could not be read at all: not UTF-8, or JSON that does not parse. (400)
    Malformed(String),
    /// The body was read, and its values do not fit the type. (422)
    Invalid(String),
    /// The server could not keep the body (an upload's temporary file
    /// could not be written). (500)
    Server(String),
}

impl InputError {
    /// The response status this error becomes.
    pub fn status(&self) -> Status {
        match self {
            InputError::Param { .. } => Status::NOT_FOUND,
            InputError::NoSuchParam(_) | InputError::Server(_) => Status::INTERNAL_SERVER_ERROR,
            InputError::Query(_) | InputError::Malformed(_) => Status::BAD_REQUEST,
            InputError::UnsupportedMediaType { .. } => Status::UNSUPPORTED_MEDIA_TYPE,
            InputError::Invalid(_) => Status::UNPROCESSABLE_CONTENT,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Param {
                name,
                value,
                problem,
            } => write!(f, "path parameter {name} = {value:?}: {problem}"),
            InputError::NoSuchParam(name) => {
                write!(f, "the route's pattern has no parameter {name:?}")
            }
            InputError::Query(problem) => write!(f, "query string: {problem}"),
            InputError::UnsupportedMediaType { expected, found } => {
                write!(f, "expected Content-Type {expected}, found {found:?}")
            }
            InputError::Malformed(problem) => write!(f, "malformed body: {problem}"),
            InputError::Invalid(problem) => write!(f, "invalid body: {problem}"),
            InputError::Server(problem) => write!(f, "cannot read the body: {problem}"),
        }
    }
}

impl std::error::Error for InputError {}

impl From<BodyError> for InputError {
    fn from(err: BodyError) -> InputError {
        match err {
            BodyError::WrongContentType { expected, found } => {
                InputError::UnsupportedMediaType { expected, found }
            }
            BodyError::NotUtf8 => InputError::Malformed("the body is not valid UTF-8".into()),
            BodyError::Multipart(MultipartError::NotMultipart) => {
                InputError::UnsupportedMediaType {
                    expected: "multipart/form-data",
                    found: String::new(),
                }
            }
            BodyError::Multipart(err) if err.status() == Status::BAD_REQUEST => {
                InputError::Malformed(err.to_string())
            }
            BodyError::Multipart(err) => InputError::Server(err.to_string()),
            // serde_json tells a syntax error (or a body cut short) from
            // JSON that parsed and did not fit the type.
            BodyError::Json(err) => match err.classify() {
                serde_json::error::Category::Data => InputError::Invalid(err.to_string()),
                _ => InputError::Malformed(err.to_string()),
            },
        }
    }
}

impl IntoResponse for InputError {
    /// A [`Problem`] with the status and, for the client's own mistakes,
    /// the detail; a handler's bug (a parameter the pattern lacks) is a
    /// logged 500 that says nothing.
    fn into_response(self) -> Response {
        let status = self.status();
        if status == Status::INTERNAL_SERVER_ERROR {
            log::error!("{self}");
            return Problem::new(status).into_response();
        }
        Problem::new(status)
            .with_detail(self.to_string())
            .into_response()
    }
}

impl From<MultipartError> for InputError {
    fn from(err: MultipartError) -> InputError {
        InputError::from(BodyError::Multipart(err))
    }
}

impl IntoResponse for MultipartError {
    /// As the [`InputError`] it becomes: 415, 400 or 500.
    fn into_response(self) -> Response {
        InputError::from(self).into_response()
    }
}

impl IntoResponse for BodyError {
    /// As the [`InputError`] it becomes: 415, 400 or 422.
    fn into_response(self) -> Response {
        InputError::from(self).into_response()
    }
}

impl Request {
    /// The path parameter `name` parsed as `T`: `req.param_as::<i64>("id")?`.
    ///
    /// # Errors
    /// [`InputError::Param`] (404) when the value does not parse: the path
    /// names no resource; [`InputError::NoSuchParam`] (500) when the
    /// route's pattern has no such parameter.
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, InputError, Request};
    /// let app = App::new().get("/entries/{id}", |req: &Request| -> Result<String, InputError> {
    ///     let id: i64 = req.param_as("id")?;
    ///     Ok(format!("entry {id}"))
    /// });
    /// assert_eq!(app.handle(Request::new("GET", "/entries/7")).body_text(), "entry 7");
    /// assert_eq!(app.handle(Request::new("GET", "/entries/abc")).status().code(), 404);
    /// ```
    pub fn param_as<T>(&self, name: &str) -> Result<T, InputError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let value = self
            .param(name)
            .ok_or_else(|| InputError::NoSuchParam(name.to_string()))?;
        value.parse().map_err(|err: T::Err| InputError::Param {
            name: name.to_string(),
            value: value.to_string(),
            problem: err.to_string(),
        })
    }

    /// The query string read into `T`, each value parsed as its field asks
    /// (`?page=2` into a `u32`, `?exact=on` into a `bool`, `?q=` into
    /// `None` for an `Option`); a name given twice fills a `Vec`.
    ///
    /// # Errors
    /// [`InputError::Query`] (400) naming the field and the value.
    ///
    /// # Examples
    /// ```
    /// use httprs::{InputError, Request};
    /// #[derive(serde::Deserialize, Debug)]
    /// struct Page { limit: Option<u32> }
    /// let page: Page = Request::new("GET", "/e?limit=20").query_as().unwrap();
    /// assert_eq!(page.limit, Some(20));
    /// let err = Request::new("GET", "/e?limit=all").query_as::<Page>().unwrap_err();
    /// assert_eq!(err.status().code(), 400);
    /// assert!(err.to_string().contains("limit"));
    /// ```
    pub fn query_as<T: DeserializeOwned>(&self) -> Result<T, InputError> {
        form_de::from_pairs(self.query_pairs()).map_err(|err| InputError::Query(err.to_string()))
    }

    /// An `application/x-www-form-urlencoded` body read into `T`, as
    /// [`Request::query_as`] reads a query.
    ///
    /// # Errors
    /// [`InputError::UnsupportedMediaType`] (415) for another content type,
    /// [`InputError::Malformed`] (400) for a body that is not text,
    /// [`InputError::Invalid`] (422) for values that do not fit `T`.
    pub fn form_as<T: DeserializeOwned>(&self) -> Result<T, InputError> {
        let fields = self.form()?;
        form_de::from_pairs(fields).map_err(|err| InputError::Invalid(err.to_string()))
    }

    /// A JSON body read into `T`: [`Request::json`] with an error that is
    /// its own response.
    ///
    /// # Errors
    /// [`InputError::UnsupportedMediaType`] (415) unless the content type
    /// is `application/json`, [`InputError::Malformed`] (400) for JSON
    /// that does not parse, [`InputError::Invalid`] (422) for JSON of the
    /// wrong shape (a missing field, a string for a number).
    pub fn json_as<T: DeserializeOwned>(&self) -> Result<T, InputError> {
        Ok(self.json()?)
    }

    /// The `multipart/form-data` form this request carries: its text fields
    /// and its files. A form bound for a route of a running server was
    /// parsed as it arrived, its large files already in temporary files; a
    /// request built in code (or from a front's frame) is parsed here, once.
    /// The text fields are also what [`Request::form`] and
    /// [`Request::form_as`] read.
    ///
    /// # Errors
    /// [`MultipartError::NotMultipart`] (415) for another content type; a
    /// malformed body (400); a temporary file that cannot be written (500).
    ///
    /// # Examples
    /// ```
    /// use httprs::Request;
    /// let req = Request::new("POST", "/entries")
    ///     .with_header("Content-Type", "multipart/form-data; boundary=b")
    ///     .with_body("--b\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n\
    ///                 --b\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"a.gif\"\r\n\
    ///                 Content-Type: image/gif\r\n\r\nGIF89a\r\n--b--\r\n");
    /// let form = req.multipart().unwrap();
    /// assert_eq!(form.field("message"), Some("hi"));
    /// let picture = form.file("picture").unwrap();
    /// assert_eq!((picture.filename(), picture.len()), ("a.gif", 6));
    /// ```
    pub fn multipart(&self) -> Result<&Multipart, MultipartError> {
        if let Some(form) = self.uploads.get() {
            return Ok(form);
        }
        let content_type = self.header("content-type").unwrap_or("");
        let form = upload::parse_body(content_type, self.body(), self.upload_config())?;
        Ok(self.uploads.get_or_init(|| Arc::new(form)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)] // read by serde only
    struct Draft {
        name: String,
        stars: u8,
    }

    fn body(content_type: &str, body: &str) -> Request {
        Request::new("POST", "/")
            .with_header("Content-Type", content_type)
            .with_body(body.to_string())
    }

    #[test]
    fn each_bad_input_has_its_status() {
        const FORM: &str = "application/x-www-form-urlencoded";
        const JSON: &str = "application/json";
        let cases: Vec<(Result<Draft, InputError>, u16)> = vec![
            (body(JSON, r#"{"name": "a", "stars": 5}"#).json_as(), 200),
            (body(JSON, r#"{"name": "a""#).json_as(), 400),
            (
                body(JSON, r#"{"name": "a", "stars": "five"}"#).json_as(),
                422,
            ),
            (body(JSON, r#"{"name": "a"}"#).json_as(), 422),
            (body("text/plain", "{}").json_as(), 415),
            (body(FORM, "name=a&stars=5").form_as(), 200),
            (body(FORM, "name=a&stars=500").form_as(), 422),
            (body(JSON, "name=a&stars=5").form_as(), 415),
            (Request::new("GET", "/?name=a&stars=x").query_as(), 400),
            (Request::new("GET", "/?name=a&stars=3").query_as(), 200),
        ];
        for (i, (result, status)) in cases.into_iter().enumerate() {
            let got = result.map_or_else(|err| err.status().code(), |_| 200);
            assert_eq!(got, status, "case {i}");
        }
        let not_utf8 = Request::new("POST", "/")
            .with_header("Content-Type", FORM)
            .with_body(vec![0xff, 0xfe]);
        assert_eq!(
            not_utf8.form_as::<Draft>().unwrap_err().status().code(),
            400
        );
    }

    #[test]
    fn a_path_parameter_that_does_not_parse_is_a_404_and_one_not_in_the_pattern_a_500() {
        let mut req = Request::new("GET", "/entries/abc");
        req.set_params(vec![("id".into(), "abc".into())]);
        let err = req.param_as::<i64>("id").unwrap_err();
        assert_eq!(err.status().code(), 404);
        assert_eq!(
            err.to_string(),
            "path parameter id = \"abc\": invalid digit found in string"
        );
        let err = req.param_as::<i64>("idd").unwrap_err();
        assert_eq!(err.status().code(), 500);
        // The 500 says nothing of the handler's bug to the client.
        assert_eq!(
            err.into_response().body_text(),
            "500 Internal Server Error\n"
        );
    }
}
