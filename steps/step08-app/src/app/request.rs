//! The request as the application layer hands it to handlers and middleware.
//!
//! Step 05's router had its own `Request`: method, path, parameters, query,
//! headers, body. An application needs three things more, and this type
//! adds them:
//!
//! - **who asked**: the client's address, for the access log (step 07's
//!   loop knew it; `serve_with_peer` now passes it on);
//! - **the form**: an HTML form posts `name=Ann&message=Hi+there` as its
//!   body, the same shape as a query string, so step 05's `parse_query`
//!   reads it;
//! - **room for what the layers above add**: [`Extensions`], a map from a
//!   type to one value of it. A session middleware (step 12) puts its
//!   `Session` in, a handler takes it out, and this file never names the
//!   session type. The app's shared state (a database, step 11) travels the
//!   same way, in a map that every request shares.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::request::RequestHead;
use crate::router::{parse_query, percent_decode};

/// One value per type: `insert(Session { .. })`, later `get::<Session>()`.
///
/// Why keyed by type and not by a name: two layers cannot collide by
/// choosing the same string, and what comes out is already the right type.
///
/// ```
/// use step08::app::Extensions;
/// struct User(String);
/// let mut extensions = Extensions::default();
/// extensions.insert(User("ann".into()));
/// assert_eq!(extensions.get::<User>().map(|u| u.0.as_str()), Some("ann"));
/// assert!(extensions.get::<u32>().is_none());
/// ```
#[derive(Default)]
pub struct Extensions {
    map: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Extensions {
    /// Stores `value`, replacing (and returning) any earlier value of its type.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        let old = self.map.insert(TypeId::of::<T>(), Box::new(value))?;
        // The key is T's TypeId, so the old value is a T.
        old.downcast().ok().map(|boxed| *boxed)
    }

    /// The value of type `T`, if one was stored.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.map.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// The value of type `T`, to change it in place.
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.map.get_mut(&TypeId::of::<T>())?.downcast_mut()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} values)", self.map.len())
    }
}

/// A request as handlers and middleware see it.
///
/// Built by the app from what step 07's loop parsed; built by hand in
/// tests, with no socket at all:
///
/// ```
/// use step08::app::Request;
/// let req = Request::new("POST", "/sign/?from=home")
///     .with_header("Content-Type", "application/x-www-form-urlencoded")
///     .with_body("name=Ann+Lee&message=Hi%21");
/// assert_eq!((req.method(), req.path()), ("POST", "/sign/"));
/// assert_eq!(req.query("from"), Some("home"));
/// assert_eq!(req.form("name"), Some("Ann Lee"));
/// assert_eq!(req.form("message"), Some("Hi!"));
/// ```
#[derive(Debug)]
pub struct Request {
    /// As parsed, the path still with its query string (the router needs it
    /// whole to redirect `/x?a=1` to `/x/?a=1`).
    head: RequestHead,
    /// Where the path ends in `head.path`: at the `?`, or its length.
    path_end: usize,
    query: Vec<(String, String)>,
    params: Vec<(String, String)>,
    body: Vec<u8>,
    form: Vec<(String, String)>,
    peer: SocketAddr,
    extensions: Extensions,
    state: Arc<Extensions>,
}

/// The address of a request built by hand (tests): loopback, port 0.
const NOBODY: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

impl Request {
    /// A request for `method` and `target` (a path, maybe with `?query`),
    /// HTTP/1.1, no headers, no body, from `127.0.0.1:0`: for tests.
    pub fn new(method: &str, target: &str) -> Request {
        let head = RequestHead {
            method: method.to_string(),
            path: target.to_string(),
            version: 1,
            headers: Vec::new(),
        };
        Request::from_parts(NOBODY, head, Vec::new())
    }

    /// The request `peer` sent: a parsed head and its body. The query
    /// string and (for `application/x-www-form-urlencoded`) the form are
    /// decoded here, once.
    pub fn from_parts(peer: SocketAddr, head: RequestHead, body: Vec<u8>) -> Request {
        let path_end = head.path.find('?').unwrap_or(head.path.len());
        let query = head
            .path
            .get(path_end + 1..)
            .map(parse_query)
            .unwrap_or_default();
        let mut req = Request {
            head,
            path_end,
            query,
            params: Vec::new(),
            body,
            form: Vec::new(),
            peer,
            extensions: Extensions::default(),
            state: Arc::default(),
        };
        req.form = req.parse_form();
        req
    }

    /// The same request with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.head
            .headers
            .push((name.to_string(), value.to_string()));
        self.form = self.parse_form();
        self
    }

    /// The same request with `body` as its body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self.form = self.parse_form();
        self
    }

    /// The same request, from `peer`.
    pub fn with_peer(mut self, peer: SocketAddr) -> Request {
        self.peer = peer;
        self
    }

    /// The form fields, if the body is a URL-encoded form. A form that is
    /// not valid UTF-8 is read with `�` for the bad bytes, as a path is.
    fn parse_form(&self) -> Vec<(String, String)> {
        let is_form = self.header("content-type").is_some_and(|value| {
            let media_type = value.split(';').next().unwrap_or_default().trim();
            media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
        if is_form {
            parse_query(&String::from_utf8_lossy(&self.body))
        } else {
            Vec::new()
        }
    }

    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.head.method
    }

    /// The path without the query string, as sent (still percent-encoded).
    pub fn path(&self) -> &str {
        &self.head.path[..self.path_end]
    }

    /// The path, percent-decoded (`/caf%C3%A9` is `/café`): for showing it.
    pub fn decoded_path(&self) -> String {
        percent_decode(self.path())
    }

    /// The path with its query string, as in the request line.
    pub fn target(&self) -> &str {
        &self.head.path
    }

    /// The path parameter called `name`, decoded: for the route
    /// `/hello/{name}` and the path `/hello/J%C3%BCrgen`, `Jürgen`.
    pub fn param(&self, name: &str) -> Option<&str> {
        lookup(&self.params, name)
    }

    /// The first query-string value called `name`, decoded (`+` is a space).
    pub fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    /// The first form field called `name`, decoded; `None` if the body is
    /// not a URL-encoded form or has no such field.
    pub fn form(&self, name: &str) -> Option<&str> {
        lookup(&self.form, name)
    }

    /// Every form field, in the order sent.
    pub fn form_fields(&self) -> &[(String, String)] {
        &self.form
    }

    /// The first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    /// Every header, in the order sent.
    pub fn headers(&self) -> &[(String, String)] {
        &self.head.headers
    }

    /// The body (empty if there was none).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The parsed head, as step 07's loop parsed it (the path with its query).
    pub fn head(&self) -> &RequestHead {
        &self.head
    }

    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// What middleware added to this request (see [`Extensions`]).
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// What middleware added to this request, to add more.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// The app's shared state of type `T`, given to
    /// [`App::with_state`](super::App::with_state); `None` if the app has none.
    pub fn state<T: 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// Set by the app once the router has found the route.
    pub(crate) fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// Set by the app before the middleware runs.
    pub(crate) fn set_state(&mut self, state: Arc<Extensions>) {
        self.state = state;
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_read_only_from_a_url_encoded_body() {
        let body = "name=Ann&message=a+b%26c";
        let cases = [
            (Some("application/x-www-form-urlencoded"), Some("a b&c")),
            (
                Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
                Some("a b&c"),
            ),
            (Some("text/plain"), None),
            (None, None),
        ];
        for (content_type, expected) in cases {
            let mut req = Request::new("POST", "/sign/").with_body(body);
            if let Some(value) = content_type {
                req = req.with_header("Content-Type", value);
            }
            assert_eq!(req.form("message"), expected, "{content_type:?}");
        }
    }

    #[test]
    fn the_path_query_and_target_are_cut_at_the_question_mark() {
        let req = Request::new("GET", "/caf%C3%A9/?q=1&q=2");
        assert_eq!(req.path(), "/caf%C3%A9/");
        assert_eq!(req.decoded_path(), "/café/");
        assert_eq!(req.target(), "/caf%C3%A9/?q=1&q=2");
        assert_eq!(req.query("q"), Some("1"));
        assert_eq!(Request::new("GET", "/plain").query("q"), None);
    }

    #[test]
    fn extensions_keep_one_value_per_type() {
        let mut extensions = Extensions::default();
        assert_eq!(extensions.insert(1u32), None);
        assert_eq!(extensions.insert(2u32), Some(1));
        extensions.insert("text");
        *extensions.get_mut::<u32>().unwrap() += 1;
        assert_eq!(extensions.get::<u32>(), Some(&3));
        assert_eq!(extensions.get::<&str>(), Some(&"text"));
        assert_eq!(extensions.get::<u64>(), None);
    }
}
