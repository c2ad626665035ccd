//! The request a handler sees.
//!
//! [`crate::http::parse`] produces a [`RawRequest`] (bytes off the wire); this
//! module turns it into something pleasant to use: the path split from the
//! query, percent-decoded parameters, typed bodies (forms and JSON through
//! serde), cookies, and the peer's address. It is also how a user tests a
//! handler without a socket: [`Request::new`] builds one in code, and
//! [`crate::App::handle`] runs it through routing and middleware.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;

use crate::http::cookie;
use crate::http::extensions::Extensions;
use crate::http::headers::Headers;
use crate::http::multipart::MultipartError;
use crate::http::parse::RawRequest;
use crate::http::request_id::{self, RequestId};
use crate::http::state::AppState;
use crate::http::trusted_proxies::{self, Scheme, TrustedProxies};
use crate::http::upload::Multipart;

/// An HTTP request, as given to a [`crate::Handler`].
///
/// # Examples
/// Build one in code to test a handler:
/// ```
/// use httprs::Request;
/// let req = Request::new("GET", "/search?q=rust%20web&page=2")
///     .with_header("Cookie", "theme=dark");
/// assert_eq!(req.path(), "/search");
/// assert_eq!(req.query("q").as_deref(), Some("rust web"));
/// assert_eq!(req.cookie("theme"), Some("dark"));
/// ```
#[derive(Debug, Clone)]
pub struct Request {
    method: Cow<'static, str>,
    target: String,
    path_end: usize,
    minor_version: u8,
    headers: Headers,
    body: Vec<u8>,
    params: Vec<(String, String)>,
    peer: Option<SocketAddr>,
    /// The client's address when it is not the peer's: as a trusted proxy
    /// or an authenticated front told it ([`Request::client_ip`]).
    client: Option<IpAddr>,
    /// `https` when a trusted proxy said the client used it ([`Request::scheme`]).
    scheme: Scheme,
    /// This request's name in logs and on the response ([`Request::id`]).
    id: RequestId,
    /// The app's state, attached when the app resolves the request.
    app: Option<Arc<AppState>>,
    /// Values the layers above attach to this request, by type: the
    /// session middleware's session, a user's own ([`Request::extensions`]).
    extensions: Extensions,
    /// The `multipart/form-data` form: streamed and parsed by the
    /// connection, or parsed from `body` at the first
    /// [`Request::multipart`] (`upload.rs`).
    pub(crate) uploads: OnceLock<Arc<Multipart>>,
}

/// Why a body could not be read as the asked-for type.
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// The `Content-Type` is not the one the helper reads.
    WrongContentType {
        /// What the helper reads, such as `application/json`.
        expected: &'static str,
        /// What the request said, or an empty string.
        found: String,
    },
    /// The body is not valid UTF-8.
    NotUtf8,
    /// The JSON is malformed or does not fit the type; serde's message says where.
    Json(serde_json::Error),
    /// A `multipart/form-data` body that is malformed.
    Multipart(MultipartError),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::WrongContentType { expected, found } => {
                write!(f, "expected Content-Type {expected}, found '{found}'")
            }
            BodyError::NotUtf8 => write!(f, "body is not valid UTF-8"),
            BodyError::Json(err) => write!(f, "invalid JSON body: {err}"),
            BodyError::Multipart(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for BodyError {}

impl Request {
    /// A request with this method and target (`/path?query`), HTTP/1.1, no
    /// headers and no body: the starting point for testing a handler.
    pub fn new(method: impl Into<Cow<'static, str>>, target: impl Into<String>) -> Request {
        let target = target.into();
        Request {
            method: method.into(),
            path_end: target.find('?').unwrap_or(target.len()),
            target,
            minor_version: 1,
            headers: Headers::new(),
            body: Vec::new(),
            params: Vec::new(),
            peer: None,
            client: None,
            scheme: Scheme::Http,
            id: request_id::generate(),
            app: None,
            extensions: Extensions::new(),
            uploads: OnceLock::new(),
        }
    }

    pub(crate) fn from_raw(raw: RawRequest, peer: Option<SocketAddr>) -> Request {
        let mut target = raw.head.target;
        // Absolute form (`GET http://host/path`, sent to proxies): keep the path.
        if let Some(rest) = target
            .strip_prefix("http://")
            .or_else(|| target.strip_prefix("https://"))
        {
            target = match rest.find('/') {
                Some(i) => rest[i..].to_string(),
                None => "/".to_string(),
            };
        }
        let mut req = Request::new(raw.head.method, target);
        req.minor_version = raw.head.minor_version;
        req.headers = raw.head.headers;
        req.body = raw.body;
        if let Some(form) = raw.uploads {
            req.uploads = OnceLock::from(form);
        }
        req.peer = peer;
        req
    }

    /// Adds a header field (for tests and middleware).
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.append(name.to_string(), value.to_string());
        self
    }

    /// Adds a header field whose strings the caller owns already (split
    /// mode's frames), without copying them.
    pub(crate) fn append_header(&mut self, name: String, value: String) {
        self.headers.append(name, value);
    }

    /// Sets the body (for tests).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sets the peer address (for tests).
    pub fn with_peer_addr(mut self, peer: SocketAddr) -> Request {
        self.peer = Some(peer);
        self
    }

    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as sent, without the query: `/hello/w%C3%B6rld`.
    pub fn path(&self) -> &str {
        &self.target[..self.path_end]
    }

    /// The query string without `?`, or `""`.
    pub fn query_string(&self) -> &str {
        self.target.get(self.path_end + 1..).unwrap_or("")
    }

    /// The first query parameter `name`, percent-decoded (`+` is a space).
    pub fn query(&self, name: &str) -> Option<String> {
        find_pair(self.query_string(), name)
    }

    /// Every query parameter, percent-decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        decode_pairs(self.query_string())
    }

    /// A named parameter from the route pattern, percent-decoded: for the
    /// pattern `/hello/{name}` and the path `/hello/w%C3%B6rld`, `param("name")`
    /// is `Some("wörld")`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn set_params(&mut self, params: Vec<(String, String)>) {
        self.params = params;
    }

    /// The app's value of type `T`, added with [`crate::App::state`]; `None`
    /// if the app has none (or the request was not run through an app).
    /// See [`App::state`](crate::App::state).
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.app.as_ref()?.get::<T>()
    }

    /// Whether the app runs with the `debug` setting on (error details shown).
    pub(crate) fn debug(&self) -> bool {
        self.app.as_ref().is_some_and(|app| app.debug)
    }

    /// The folder the app reads relative paths from ([`crate::Settings::root`]);
    /// empty, meaning the working directory, outside a started app.
    pub(crate) fn root(&self) -> &std::path::Path {
        self.app
            .as_ref()
            .map_or(std::path::Path::new(""), |app| app.root.as_path())
    }

    /// How uploads are kept: the app's `upload_*` settings, else the defaults.
    pub(crate) fn upload_config(&self) -> crate::http::upload::UploadConfig {
        self.app
            .as_ref()
            .map(|app| (*app.uploads).clone())
            .unwrap_or_default()
    }

    pub(crate) fn set_app(&mut self, app: Arc<AppState>) {
        self.app = Some(app);
    }

    /// Values attached to this request by type, for the layers above the
    /// protocol: the session middleware puts the session here
    /// ([`Request::session`] takes it out), and a middleware of yours can
    /// put what it found for the handler to read.
    ///
    /// Through `&Request` (which is what middleware gets) a value can be
    /// added once per type, with [`Extensions::get_or_insert_with`]; an owned
    /// request can also replace and remove them ([`Request::extensions_mut`]).
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use httprs::{App, Next, Request, Response};
    ///
    /// #[derive(Debug)]
    /// struct User(String);
    ///
    /// let app = App::new()
    ///     .wrap(|req: &Request, next: Next| {
    ///         let name = req.header("x-user").unwrap_or("anonymous").to_string();
    ///         req.extensions().get_or_insert_with(|| Arc::new(User(name)));
    ///         next.run(req)
    ///     })
    ///     .get("/", |req: &Request| {
    ///         let user = req.extensions().get::<Arc<User>>().unwrap();
    ///         Response::text(format!("hello {}", user.0))
    ///     });
    /// let res = app.handle(Request::new("GET", "/").with_header("X-User", "ada"));
    /// assert_eq!(res.body_text(), "hello ada");
    /// ```
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The extensions, to insert, change or remove values by type.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    pub fn version(&self) -> &'static str {
        if self.minor_version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }
    }

    /// The first value of header `name`, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// All header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The body bytes (chunked framing already removed).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text.
    ///
    /// # Errors
    /// [`BodyError::NotUtf8`] if it is not UTF-8.
    pub fn text(&self) -> Result<&str, BodyError> {
        std::str::from_utf8(&self.body).map_err(|_| BodyError::NotUtf8)
    }

    /// The fields of an `application/x-www-form-urlencoded` body, decoded;
    /// or the text fields of a `multipart/form-data` one (its files are in
    /// [`Request::multipart`]).
    ///
    /// # Errors
    /// [`BodyError::WrongContentType`] for another content type,
    /// [`BodyError::NotUtf8`] for a body that is not text,
    /// [`BodyError::Multipart`] for a malformed multipart body.
    pub fn form(&self) -> Result<Vec<(String, String)>, BodyError> {
        if self.is_multipart() {
            let form = self.multipart().map_err(BodyError::Multipart)?;
            return Ok(form.fields().to_vec());
        }
        self.expect_content_type("application/x-www-form-urlencoded")?;
        Ok(decode_pairs(self.text()?))
    }

    /// One field of a form body (urlencoded, or a multipart form's text
    /// field), or `None` if absent or not a form.
    pub fn form_value(&self, name: &str) -> Option<String> {
        if self.is_multipart() {
            return self.multipart().ok()?.field(name).map(str::to_string);
        }
        self.expect_content_type("application/x-www-form-urlencoded")
            .ok()?;
        find_pair(self.text().ok()?, name)
    }

    /// Whether the body is a `multipart/form-data` form.
    pub(crate) fn is_multipart(&self) -> bool {
        self.uploads.get().is_some() || self.expect_content_type("multipart/form-data").is_ok()
    }

    /// The body parsed as JSON into any serde type.
    ///
    /// # Errors
    /// [`BodyError::WrongContentType`] unless `Content-Type` is `application/json`,
    /// [`BodyError::Json`] when the JSON is malformed or has the wrong shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, BodyError> {
        self.expect_content_type("application/json")?;
        serde_json::from_slice(&self.body).map_err(BodyError::Json)
    }

    /// The value of cookie `name` from the `Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all("cookie")
            .find_map(|h| cookie::find(h, name))
    }

    /// The address of the other end of the connection (`None` for a
    /// request built in code): the browser's in HTTP mode, the front's in
    /// backend mode. For "who is this visitor", use [`Request::client_ip`].
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The client's address: the peer's, unless the peer is a trusted
    /// proxy (the `trusted_proxies` setting; in backend mode with a
    /// `split_key`, the authenticated front too). Then it is the right-most
    /// address in the proxy's `Forwarded` or `X-Forwarded-For` that is not
    /// itself a trusted proxy: the entries a trusted proxy appended are
    /// facts, the ones before them the client's say-so. What
    /// [`crate::LoginLimit`] and the access log count by.
    ///
    /// ```
    /// use httprs::Request;
    /// let req = Request::new("GET", "/")
    ///     .with_peer_addr("10.0.0.2:41234".parse().unwrap())
    ///     .with_header("X-Forwarded-For", "1.2.3.4");
    /// // Not trusted here: a browser may send the field too.
    /// assert_eq!(req.client_ip(), Some("10.0.0.2".parse().unwrap()));
    /// ```
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client.or(self.peer.map(|p| p.ip()))
    }

    /// How the client reached the site: `https` only when a trusted proxy
    /// said so (`X-Forwarded-Proto`, or `proto=` in `Forwarded`); httprs
    /// itself speaks plain HTTP. Cookies set on an `https` request are
    /// marked `Secure`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// This request's id: a trusted proxy's `X-Request-Id` (nginx's
    /// `$request_id`, or the front's in split mode) when it sent a valid
    /// one, else one made here (`5f3a9c1e-1042`: a per-process prefix and a
    /// counter). It is in the access log line and on the response.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The client's address if a trusted proxy told it (see
    /// [`Request::client_ip`]); `None` when it is the peer's.
    pub(crate) fn forwarded_client(&self) -> Option<IpAddr> {
        self.client
    }

    /// Believes what a trusted peer says about the request: the client's
    /// address and scheme (see [`Request::client_ip`]) and its id. The peer
    /// is trusted when it is in `trusted`, or when `keyed` (an authenticated
    /// front, in backend mode). From anyone else nothing is read.
    pub(crate) fn believe_proxy(&mut self, trusted: &TrustedProxies, keyed: bool) {
        let peer_trusted = keyed || self.peer.is_some_and(|p| trusted.contains(p.ip()));
        if !peer_trusted {
            return;
        }
        // Only the fields the walk reads, in order (a trusted peer's
        // requests only: from anyone else this costs nothing).
        let fields: Vec<(&str, &str)> = self
            .headers
            .iter()
            .filter(|(name, _)| trusted_proxies::is_forwarding_field(name))
            .collect();
        if let Some(origin) = trusted_proxies::resolve(trusted, fields.iter().copied()) {
            self.client = origin.client.or(self.client);
            self.scheme = origin.scheme;
        }
        if let Some(id) = self
            .headers
            .get(request_id::HEADER)
            .and_then(|id| request_id::valid(id.trim()))
        {
            self.id = RequestId::given(id);
        }
    }

    fn expect_content_type(&self, expected: &'static str) -> Result<(), BodyError> {
        let found = self.header("content-type").unwrap_or("");
        // Compare the media type only: `application/json; charset=utf-8` is fine.
        let media_type = found.split(';').next().unwrap_or("").trim();
        if media_type.eq_ignore_ascii_case(expected) {
            Ok(())
        } else {
            Err(BodyError::WrongContentType {
                expected,
                found: found.to_string(),
            })
        }
    }
}

/// Percent-decodes one component; in query strings and forms `+` is a space.
pub(crate) fn decode_component(s: &str, plus_is_space: bool) -> String {
    if plus_is_space && s.contains('+') {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    } else {
        percent_decode_str(s).decode_utf8_lossy().into_owned()
    }
}

fn decode_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k, true), decode_component(v, true))
        })
        .collect()
}

fn find_pair(s: &str, name: &str) -> Option<String> {
    decode_pairs(s)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let req = Request::new("GET", "/p?a=1+2&b=%C3%A9t%C3%A9&flag&a=3");
        assert_eq!(req.query("a").as_deref(), Some("1 2"));
        assert_eq!(req.query("b").as_deref(), Some("été"));
        assert_eq!(req.query("flag").as_deref(), Some(""));
        assert_eq!(req.query_pairs().len(), 4);
        assert_eq!(req.query("nope"), None);
    }

    #[test]
    fn forms_need_their_content_type() {
        let req = Request::new("POST", "/")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("name=J%C3%BCrgen&msg=hi+there");
        assert_eq!(req.form_value("name").as_deref(), Some("Jürgen"));
        assert_eq!(req.form().unwrap()[1], ("msg".into(), "hi there".into()));
        let wrong = Request::new("POST", "/").with_body("a=1");
        assert!(matches!(
            wrong.form(),
            Err(BodyError::WrongContentType { .. })
        ));
    }

    #[test]
    fn json_bodies_deserialize_into_types() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Point {
            x: i32,
            y: i32,
        }
        let req = Request::new("POST", "/")
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(r#"{"x": 1, "y": -2}"#);
        assert_eq!(req.json::<Point>().unwrap(), Point { x: 1, y: -2 });
        let bad = req.clone().with_body(r#"{"x": 1}"#);
        let err = bad.json::<Point>().unwrap_err().to_string();
        assert!(err.contains("missing field `y`"), "{err}");
    }
}
