//! Reverse routing: a URL built from a route's name and its parameters.
//!
//! Why: a path written out in every view and template is a path to change in
//! every view and template the day the URL table changes, and a typo in one
//! is a broken link nobody notices. Django's `reverse()` and Flask's
//! `url_for()` build it from the table instead; so does this, for the
//! routes given a name with [`Route::name`](crate::Route::name).
//!
//! The table of names is built with the URL table (`App::add_route`) and
//! rides in the app's state, so a handler reaches it through its request
//! ([`Request::url_for`]) and a template through the `url_for` function
//! that [`Response::render`](crate::Response::render) gives every page.
//! Values are percent-encoded as path segments, so `a/b` stays one segment
//! (`a%2Fb`) and the router decodes it back into the same parameter.

use std::collections::HashMap;
use std::fmt;

use minijinja::Value;
use minijinja::value::Kwargs;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::http::into_response::IntoResponse;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// What a parameter's value may hold unencoded: RFC 3986's unreserved
/// characters. Everything else, `/`, `?`, `#` and `%` first, is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a URL could not be built; a bug in the view or template that asked,
/// so it answers 500 (and is logged) when a handler returns it with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No route has this name.
    UnknownName(String),
    /// The route's pattern has a parameter the call did not give.
    MissingParam {
        /// The route's name.
        route: String,
        /// The parameter missing.
        param: String,
    },
    /// The call gave a parameter the route's pattern does not have (a typo, usually).
    UnknownParam {
        /// The route's name.
        route: String,
        /// The parameter given.
        param: String,
    },
    /// The route's pattern is a regular expression, which no parameters can fill in.
    NotReversible {
        /// The route's name.
        route: String,
    },
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::UnknownName(name) => write!(f, "url_for: no route is named {name:?}"),
            UrlError::MissingParam { route, param } => {
                write!(f, "url_for({route:?}): missing parameter {param:?}")
            }
            UrlError::UnknownParam { route, param } => {
                write!(
                    f,
                    "url_for({route:?}): the route has no parameter {param:?}"
                )
            }
            UrlError::NotReversible { route } => write!(
                f,
                "url_for({route:?}): the route's pattern is a regular expression; \
                 give it a {{name}} pattern to build its URL"
            ),
        }
    }
}

impl std::error::Error for UrlError {}

impl IntoResponse for UrlError {
    /// A 500, logged: the code asked for a URL the table cannot make.
    fn into_response(self) -> Response {
        log::error!("{self}");
        Response::error(Status::INTERNAL_SERVER_ERROR)
    }
}

/// One piece of a reversible pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String),
}

/// The named routes' patterns, by name: what `url_for` reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Urls {
    by_name: HashMap<String, Option<Vec<Part>>>,
}

impl Urls {
    /// Records `name` for `pattern`.
    ///
    /// # Panics
    /// If `name` already names a route with another pattern: two URLs for
    /// one name is a mistake in the table, seen at start-up.
    pub(crate) fn add(&mut self, name: &str, pattern: &str) {
        let parts = parts(pattern);
        if let Some(earlier) = self.by_name.get(name) {
            assert!(
                *earlier == parts,
                "route name {name:?} is given to two patterns; the second is {pattern:?}"
            );
        }
        self.by_name.insert(name.to_string(), parts);
    }

    /// The path of route `name` with `params` filled in, percent-encoded.
    pub(crate) fn url_for(&self, name: &str, params: &[(&str, &str)]) -> Result<String, UrlError> {
        let parts = self
            .by_name
            .get(name)
            .ok_or_else(|| UrlError::UnknownName(name.to_string()))?;
        let Some(parts) = parts else {
            return Err(UrlError::NotReversible {
                route: name.to_string(),
            });
        };
        for (given, _) in params {
            if !parts.contains(&Part::Param((*given).to_string())) {
                return Err(UrlError::UnknownParam {
                    route: name.to_string(),
                    param: (*given).to_string(),
                });
            }
        }
        let mut url = String::new();
        for part in parts {
            match part {
                Part::Literal(text) => url.push_str(text),
                Part::Param(param) => {
                    let value = params
                        .iter()
                        .find(|(n, _)| n == param)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| UrlError::MissingParam {
                            route: name.to_string(),
                            param: param.clone(),
                        })?;
                    url.extend(utf8_percent_encode(value, SEGMENT));
                }
            }
        }
        Ok(url)
    }
}

/// `/entries/{id}/edit` → literal, parameter, literal; `None` for a regular
/// expression, unless it is anchored and plain (`^/about/$` is `/about/`).
fn parts(pattern: &str) -> Option<Vec<Part>> {
    let pattern = match pattern.strip_prefix('^') {
        Some(inner) => {
            let literal = inner.strip_suffix('$')?;
            let special = |c: char| "\\.+*?()|[]{}^$".contains(c);
            return (!literal.contains(special)).then(|| vec![Part::Literal(literal.to_string())]);
        }
        None => pattern,
    };
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_string()));
        }
        parts.push(Part::Param(rest[open + 1..close].to_string()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_string()));
    }
    Some(parts)
}

impl Request {
    /// The path of the route named `name` ([`Route::name`](crate::Route::name)),
    /// its `{parameters}` filled in from `params`, percent-encoded:
    /// `req.url_for("entry", &[("id", "7")])` is `/entries/7`.
    ///
    /// # Errors
    /// A [`UrlError`] when no route has that name, a parameter of its
    /// pattern is not given, one given is not in its pattern, or its
    /// pattern is a regular expression. Returned with `?` from a handler,
    /// it is a logged 500.
    pub fn url_for(&self, name: &str, params: &[(&str, &str)]) -> Result<String, UrlError> {
        match self.state::<Urls>() {
            Some(urls) => urls.url_for(name, params),
            None => Err(UrlError::UnknownName(name.to_string())),
        }
    }
}

/// The template function `url_for("entry", id=7)`, for a request whose app
/// has named routes. An error stops the render with its message (a 500
/// whose page, in debug, names the template line).
pub(crate) fn template_helper(req: &Request) -> Option<Value> {
    let urls = req.state::<Urls>()?.clone();
    let url_for = move |name: String, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
        let mut owned = Vec::new();
        for key in kwargs.args() {
            let value: Value = kwargs.get(key)?;
            // A string as it is; a number or anything else as it prints.
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            owned.push((key.to_string(), text));
        }
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = urls.url_for(&name, &params).map_err(|err| {
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, err.to_string())
        })?;
        // Parameters are percent-encoded, so only the pattern's own text
        // could hold a character HTML gives a meaning to; without one, the
        // URL is shown as it is (escaping would write each `/` as `&#x2f;`).
        Ok(if url.contains(['<', '>', '&', '"', '\'']) {
            Value::from(url)
        } else {
            Value::from_safe_string(url)
        })
    };
    Some(minijinja::context! { url_for => Value::from_function(url_for) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Urls {
        let mut urls = Urls::default();
        urls.add("entry", "/entries/{id}");
        urls.add("file", "/files/{name}.{ext}");
        urls.add("about", "^/about/$");
        urls.add("post", r"^/posts/(?P<id>[0-9]+)/$");
        urls.add("home", "/");
        urls
    }

    /// A name, its parameters, the URL expected.
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    );

    #[test]
    fn parameters_are_filled_in_and_percent_encoded() {
        let urls = urls();
        let cases: &[Case] = &[
            ("entry", &[("id", "7")], "/entries/7"),
            (
                "entry",
                &[("id", "a/b c?d#e%")],
                "/entries/a%2Fb%20c%3Fd%23e%25",
            ),
            ("entry", &[("id", "wörld")], "/entries/w%C3%B6rld"),
            (
                "file",
                &[("name", "report"), ("ext", "pdf")],
                "/files/report.pdf",
            ),
            ("about", &[], "/about/"),
            ("home", &[], "/"),
        ];
        for (name, params, expected) in cases {
            assert_eq!(
                urls.url_for(name, params).as_deref(),
                Ok(*expected),
                "{name}"
            );
        }
    }

    #[test]
    fn an_unknown_name_a_missing_or_unknown_parameter_or_a_regex_is_an_error() {
        let urls = urls();
        assert_eq!(
            urls.url_for("entyr", &[]).unwrap_err().to_string(),
            "url_for: no route is named \"entyr\""
        );
        assert_eq!(
            urls.url_for("entry", &[]).unwrap_err().to_string(),
            "url_for(\"entry\"): missing parameter \"id\""
        );
        assert!(matches!(
            urls.url_for("entry", &[("id", "1"), ("idd", "2")]),
            Err(UrlError::UnknownParam { .. })
        ));
        assert!(matches!(
            urls.url_for("post", &[("id", "1")]),
            Err(UrlError::NotReversible { .. })
        ));
    }

    #[test]
    #[should_panic(expected = "route name \"entry\" is given to two patterns")]
    fn one_name_for_two_patterns_is_refused() {
        let mut urls = urls();
        urls.add("entry", "/other/{id}");
    }
}
