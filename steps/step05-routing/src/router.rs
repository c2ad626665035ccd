//! Routing: a table of URL patterns, each with the handler that answers it.
//!
//! Step 04's application was one `match` on method and path. That is fine
//! for three pages and hopeless for thirty, and it cannot say "`/hello/`
//! followed by any name". A router turns the `match` into data, the way the
//! Python framework httppy writes `url = [(r'^/index/$', Index), ...]`:
//!
//! ```text
//! GET  /                          -> index
//! GET  /hello/{name}              -> hello      (name is captured)
//! GET  ^/articles/(?P<year>[0-9]{4})/$ -> articles (a regular expression)
//! POST /echo                      -> echo
//! ```
//!
//! [`Router::dispatch`] finds the answer for a request in four rules:
//! 1. A route whose pattern matches the path and whose method matches runs its
//!    [`Handler`]. `HEAD` is answered by the `GET` route, without the body.
//! 2. The path matches but no route has the method: `405 Method Not Allowed`,
//!    with an `Allow` header listing the methods that would have worked.
//! 3. Nothing matches, but would with a `/` added: `308 Permanent Redirect`
//!    there (the **trailing-slash rule**, Django's `APPEND_SLASH`: patterns
//!    match exactly, and the one courtesy is `/articles/2024` → `/articles/2024/`.
//!    A slash too many is not forgiven: `/hello/ann/` is a 404).
//! 4. Otherwise `404 Not Found`.
//!
//! Patterns come in two kinds. A pattern that starts with `^` is a regular
//! expression (the `regex` crate's syntax; named groups `(?P<name>...)` become
//! parameters) and must match the whole path. Any other pattern is matched
//! literally, except that `{name}` matches one path segment (anything up to the
//! next `/`) and captures it. Patterns match the path as sent, still
//! percent-encoded, so `%2F` inside a name cannot split a segment; the captured
//! values are decoded before a handler sees them.

use std::fmt;

use regex::Regex;

use crate::request::RequestHead;
use crate::response::Response;

/// Something that answers a request: httppy's `RequestHandler`.
///
/// Any closure `Fn(&Request) -> Response` is a handler; so is a type that
/// implements this trait, which suits a handler with configuration of its own.
/// `Send + Sync` because one router serves every worker thread at once.
pub trait Handler: Send + Sync {
    /// Answers `req`.
    fn handle(&self, req: &Request) -> Response;
}

impl<F> Handler for F
where
    F: Fn(&Request) -> Response + Send + Sync,
{
    fn handle(&self, req: &Request) -> Response {
        self(req)
    }
}

/// A request as a handler sees it: the parsed head, the body, and what the
/// router found in the URL (path parameters and query string), decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    head: RequestHead,
    query: Vec<(String, String)>,
    params: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// A request for `head` and `body`, with no path parameters yet. The
    /// query string is split off the path and decoded here.
    ///
    /// Handlers can be tested with it, without a socket or a router:
    /// ```
    /// use step05::request::RequestHead;
    /// use step05::router::Request;
    /// let head = RequestHead { method: "GET".into(), path: "/find?q=caf%C3%A9+au+lait".into(),
    ///                          version: 1, headers: vec![] };
    /// let req = Request::new(head, Vec::new());
    /// assert_eq!(req.path(), "/find");
    /// assert_eq!(req.query("q"), Some("café au lait"));
    /// ```
    pub fn new(mut head: RequestHead, body: Vec<u8>) -> Request {
        let query = match head.path.split_once('?') {
            Some((path, query)) => {
                let query = parse_query(query);
                head.path = path.to_string();
                query
            }
            None => Vec::new(),
        };
        Request {
            head,
            query,
            params: Vec::new(),
            body,
        }
    }

    /// The method, such as `GET`.
    pub fn method(&self) -> &str {
        &self.head.method
    }

    /// The path, without the query string, as sent (still percent-encoded).
    pub fn path(&self) -> &str {
        &self.head.path
    }

    /// The path parameter called `name`, percent-decoded: for the pattern
    /// `/hello/{name}` and the path `/hello/J%C3%BCrgen`, `param("name")` is `Jürgen`.
    pub fn param(&self, name: &str) -> Option<&str> {
        lookup(&self.params, name)
    }

    /// The first query-string value called `name`, decoded (`+` is a space):
    /// for `/hello/ann?greeting=Good+day`, `query("greeting")` is `Good day`.
    pub fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
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

    /// The parsed head, its `path` cut at the `?`: what earlier steps'
    /// functions take, so a handler can hand the request on to them.
    pub fn head(&self) -> &RequestHead {
        &self.head
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// One line of the table: a method, a pattern, and who answers.
struct Route<H: ?Sized> {
    method: String,
    pattern: String,
    regex: Regex,
    handler: Box<H>,
}

/// A table of routes; [`Router::dispatch`] answers a request from it.
///
/// The table holds [`Handler`]s unless told otherwise: `H` is the kind of
/// handler stored, so a layer above (step 08's app) can keep its own kind
/// of handler in the same table and ask [`Router::resolve`] which one answers.
///
/// ```
/// use step05::response::Response;
/// use step05::router::{Request, Router};
/// let router = Router::new()
///     .get("/", |_: &Request| Response::text("home"))
///     .get("/hello/{name}", |req: &Request| {
///         Response::text(format!("Hello, {}!", req.param("name").unwrap()))
///     });
/// # let head = step05::request::RequestHead { method: "GET".into(),
/// #     path: "/hello/J%C3%BCrgen".into(), version: 1, headers: vec![] };
/// # assert_eq!(router.dispatch(&head, vec![]).body(), "Hello, Jürgen!".as_bytes());
/// ```
pub struct Router<H: ?Sized = dyn Handler> {
    routes: Vec<Route<H>>,
}

impl<H: ?Sized> Default for Router<H> {
    fn default() -> Router<H> {
        Router { routes: Vec::new() }
    }
}

impl<H: ?Sized> fmt::Debug for Router<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for route in &self.routes {
            list.entry(&format_args!("{} {}", route.method, route.pattern));
        }
        list.finish()
    }
}

/// What the table says about a request: who answers it, or the answer the
/// rules give when no route does.
pub enum Resolved<'r, H: ?Sized> {
    /// This handler answers, with these path parameters (already decoded).
    Route(&'r H, Vec<(String, String)>),
    /// No handler: the 405 (with `Allow`), 308 or 404 of the module docs.
    Answer(Response),
}

/// What the table says about a method and a path.
enum Lookup<'r, H: ?Sized> {
    /// This route answers, with these raw (still encoded) parameters.
    Found(&'r Route<H>, Vec<(String, String)>),
    /// Routes match the path, but for these other methods.
    MethodNotAllowed(Vec<String>),
    /// No route matches the path.
    NotFound,
}

impl Router {
    /// An empty table: every request gets a 404.
    pub fn new() -> Router {
        Router::default()
    }

    /// The same router with one more route: `handler` answers `method`
    /// requests whose path matches `pattern` (see the module docs for the
    /// two kinds of pattern). Routes are tried in the order they were added.
    ///
    /// # Panics
    /// If `pattern` is not a valid pattern: a regular expression that does not
    /// compile, or a `{name}` that is not a valid group name. Routes are
    /// written by the programmer, so this is a bug to fix, found at start-up.
    pub fn route(self, method: &str, pattern: &str, handler: impl Handler + 'static) -> Router {
        self.with_route(method, pattern, Box::new(handler))
    }

    /// [`Router::route`] for `GET` (which also answers `HEAD`).
    pub fn get(self, pattern: &str, handler: impl Handler + 'static) -> Router {
        self.route("GET", pattern, handler)
    }

    /// [`Router::route`] for `POST`.
    pub fn post(self, pattern: &str, handler: impl Handler + 'static) -> Router {
        self.route("POST", pattern, handler)
    }

    /// Answers a request by the four rules of the module docs: the matching
    /// route's handler, or 405 with `Allow`, or a 308 to the path with a
    /// trailing slash, or 404.
    pub fn dispatch(&self, head: &RequestHead, body: Vec<u8>) -> Response {
        let mut req = Request::new(head.clone(), body);
        let response = match self.resolve(head) {
            Resolved::Route(handler, params) => {
                req.params = params;
                handler.handle(&req)
            }
            Resolved::Answer(response) => response,
        };
        if req.method() == "HEAD" {
            response.without_body()
        } else {
            response
        }
    }
}

impl<H: ?Sized> Router<H> {
    /// The same router with one more route whose handler is `handler`, of
    /// whatever kind this table holds: [`Router::route`] for any table.
    ///
    /// # Panics
    /// If `pattern` is not a valid pattern, as [`Router::route`].
    pub fn with_route(mut self, method: &str, pattern: &str, handler: Box<H>) -> Router<H> {
        let regex = compile(pattern)
            .unwrap_or_else(|err| panic!("invalid route pattern {pattern:?}: {err}"));
        self.routes.push(Route {
            method: method.to_string(),
            pattern: pattern.to_string(),
            regex,
            handler,
        });
        self
    }

    /// Finds who answers `head` by the four rules of the module docs: the
    /// matching route's handler and its decoded parameters, or the 405, 308
    /// or 404 answer. `HEAD` with no route of its own is looked up as `GET`
    /// (the caller drops the body, as [`Router::dispatch`] does).
    pub fn resolve(&self, head: &RequestHead) -> Resolved<'_, H> {
        // The path without its query string, still percent-encoded.
        let path = head.path.split('?').next().unwrap_or_default();
        let found = match self.lookup(&head.method, path) {
            // No route for HEAD itself: answer as GET would, minus the body.
            Lookup::MethodNotAllowed(_) | Lookup::NotFound if head.method == "HEAD" => {
                self.lookup("GET", path)
            }
            found => found,
        };
        match found {
            Lookup::Found(route, params) => {
                let params = params
                    .into_iter()
                    .map(|(name, value)| (name, percent_decode(&value)))
                    .collect();
                Resolved::Route(&*route.handler, params)
            }
            Lookup::MethodNotAllowed(allowed) => Resolved::Answer(method_not_allowed(allowed)),
            Lookup::NotFound => {
                Resolved::Answer(self.redirect_to_slash(head).unwrap_or_else(not_found))
            }
        }
    }

    /// Looks `method` and `path` up in the table.
    fn lookup(&self, method: &str, path: &str) -> Lookup<'_, H> {
        let mut allowed = Vec::new();
        for route in &self.routes {
            let Some(captures) = route.regex.captures(path) else {
                continue;
            };
            if route.method != method {
                allowed.push(route.method.clone());
                continue;
            }
            let params = route
                .regex
                .capture_names()
                .flatten()
                .filter_map(|name| {
                    Some((name.to_string(), captures.name(name)?.as_str().to_string()))
                })
                .collect();
            return Lookup::Found(route, params);
        }
        if allowed.is_empty() {
            Lookup::NotFound
        } else {
            Lookup::MethodNotAllowed(allowed)
        }
    }

    /// The trailing-slash rule: if no route matches `/x` but one matches
    /// `/x/`, a `308` to `/x/` (query string kept). 308 rather than 301 so that
    /// a client repeats a `POST` as a `POST`.
    fn redirect_to_slash(&self, head: &RequestHead) -> Option<Response> {
        let (path, query) = match head.path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (head.path.as_str(), None),
        };
        if path.ends_with('/') {
            return None;
        }
        let with_slash = format!("{path}/");
        if !self
            .routes
            .iter()
            .any(|route| route.regex.is_match(&with_slash))
        {
            return None;
        }
        let location = match query {
            Some(query) => format!("{with_slash}?{query}"),
            None => with_slash,
        };
        Some(
            Response::text(format!("Moved to {location}\n"))
                .with_status(308)
                .with_header("Location", location),
        )
    }
}

/// Turns a route pattern into an anchored regular expression.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    if pattern.starts_with('^') {
        // Django style: the author wrote the expression. Anchor it at both
        // ends so that it must match the whole path, `$` or not.
        return Regex::new(&format!("^(?:{pattern})$"));
    }
    let mut regex = String::from("^");
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        regex.push_str(&regex::escape(&rest[..open]));
        // One segment: at least one character, none of them a slash.
        regex.push_str(&format!("(?P<{}>[^/]+)", &rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    regex.push_str(&regex::escape(rest));
    regex.push('$');
    Regex::new(&regex)
}

/// `405 Method Not Allowed`, with `Allow` listing `methods` (and `HEAD`
/// wherever `GET` is, since `GET` routes answer it).
fn method_not_allowed(mut methods: Vec<String>) -> Response {
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".to_string());
    }
    methods.sort();
    methods.dedup();
    let allow = methods.join(", ");
    Response::text(format!("Method not allowed here. Try: {allow}\n"))
        .with_status(405)
        .with_header("Allow", allow)
}

/// `404 Not Found`, with step 03's page.
fn not_found() -> Response {
    Response::html(step04::NOT_FOUND_PAGE).with_status(404)
}

/// Splits a query string into decoded `key=value` pairs, in order. A key
/// with no `=` gets an empty value; empty pieces (`a=1&&b=2`) are skipped.
/// An HTML form's body (`application/x-www-form-urlencoded`) has the same
/// shape, so step 08 reads forms with it.
///
/// ```
/// use step05::router::parse_query;
/// assert_eq!(parse_query("name=Ann+Lee&x"), [("name".into(), "Ann Lee".into()), ("x".into(), "".into())]);
/// ```
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            // In a query string (HTML forms send them), `+` stands for a space.
            let decode = |s: &str| percent_decode(&s.replace('+', " "));
            (decode(key), decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes (two hex digits: one byte) and reads the bytes as
/// UTF-8, so `J%C3%BCrgen` becomes `Jürgen`.
///
/// A `%` not followed by two hex digits is kept as it is, and bytes that are
/// not valid UTF-8 become `�`: a malformed URL gets a best reading, not an error.
///
/// ```
/// use step05::router::percent_decode;
/// assert_eq!(percent_decode("caf%C3%A9%20au%20lait"), "café au lait");
/// assert_eq!(percent_decode("100%"), "100%");
/// ```
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i + 1..i + 3) {
            Some(&[hi, lo]) if bytes[i] == b'%' => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push(hi * 16 + lo);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &str, target: &str) -> RequestHead {
        RequestHead {
            method: method.into(),
            path: target.into(),
            version: 1,
            headers: vec![("Content-Type".into(), "text/plain".into())],
        }
    }

    /// A handler that answers with its own name and the parameters it got.
    fn named(name: &'static str) -> impl Handler {
        move |req: &Request| {
            let mut text = name.to_string();
            for key in ["name", "year", "a", "b"] {
                if let Some(value) = req.param(key) {
                    text.push_str(&format!(" {key}={value}"));
                }
            }
            Response::text(text)
        }
    }

    fn table() -> Router {
        Router::new()
            .get("/", named("index"))
            .get("/hello/{name}", named("hello"))
            .get("/pair/{a}-{b}", named("pair"))
            .route("PUT", "/hello/{name}", named("put-hello"))
            .get("^/articles/(?P<year>[0-9]{4})/$", named("articles"))
            .post("/echo", named("echo"))
            .route("DELETE", "/echo", named("delete-echo"))
            .get("/a.b", named("dot"))
    }

    #[test]
    fn the_router_answers_each_request_by_its_rules() {
        let router = table();
        // (method, target, status, body or Allow/Location header)
        let cases: &[(&str, &str, u16, &str)] = &[
            ("GET", "/", 200, "index"),
            ("GET", "/hello/ann", 200, "hello name=ann"),
            ("GET", "/hello/J%C3%BCrgen", 200, "hello name=Jürgen"),
            ("GET", "/hello/a%2Fb", 200, "hello name=a/b"),
            ("GET", "/hello/ann?x=1", 200, "hello name=ann"),
            ("PUT", "/hello/ann", 200, "put-hello name=ann"),
            ("GET", "/pair/1-2", 200, "pair a=1 b=2"),
            ("GET", "/articles/2024/", 200, "articles year=2024"),
            ("POST", "/echo", 200, "echo"),
            ("GET", "/a.b", 200, "dot"),
            // A literal dot is not a regex wildcard.
            ("GET", "/axb", 404, ""),
            ("GET", "/hello/", 404, ""),
            ("GET", "/hello/a/b", 404, ""),
            ("GET", "/articles/24/", 404, ""),
            ("GET", "/articles/2024/extra/", 404, ""),
            ("GET", "/nowhere", 404, ""),
            // Trailing slashes: one missing is redirected, one too many is not found.
            ("GET", "/articles/2024", 308, "/articles/2024/"),
            (
                "GET",
                "/articles/2024?page=2",
                308,
                "/articles/2024/?page=2",
            ),
            ("GET", "/hello/ann/", 404, ""),
            // Methods are case-sensitive, as HTTP says.
            ("get", "/", 405, "GET, HEAD"),
            ("POST", "/", 405, "GET, HEAD"),
            ("DELETE", "/hello/ann", 405, "GET, HEAD, PUT"),
            ("GET", "/echo", 405, "DELETE, POST"),
            ("HEAD", "/echo", 405, "DELETE, POST"),
        ];
        for &(method, target, status, expected) in cases {
            let response = router.dispatch(&head(method, target), Vec::new());
            let what = format!("{method} {target}");
            assert_eq!(response.status(), status, "{what}");
            match status {
                200 => assert_eq!(response.body(), expected.as_bytes(), "{what}"),
                405 => assert_eq!(response.header("Allow"), Some(expected), "{what}"),
                308 => assert_eq!(response.header("Location"), Some(expected), "{what}"),
                _ => {}
            }
        }
    }

    #[test]
    fn head_is_answered_by_the_get_route_without_a_body() {
        let router = table();
        let get = router.dispatch(&head("GET", "/hello/ann"), Vec::new());
        let head_response = router.dispatch(&head("HEAD", "/hello/ann"), Vec::new());
        let mut written = Vec::new();
        head_response.write_to(&mut written).unwrap();
        let text = String::from_utf8(written).unwrap();
        assert_eq!(head_response.status(), 200);
        let length = format!("Content-Length: {}\r\n", get.body().len());
        assert!(text.contains(&length), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_handler_sees_method_query_headers_and_body() {
        let router = Router::new().post("/echo/{name}", |req: &Request| {
            Response::text(format!(
                "{} {} {:?} {:?} {:?} {}",
                req.method(),
                req.path(),
                req.param("name"),
                req.query("q"),
                req.header("content-type"),
                String::from_utf8_lossy(req.body())
            ))
        });
        let response = router.dispatch(&head("POST", "/echo/x%20y?q=a+b%26c&r"), b"hi".to_vec());
        assert_eq!(
            String::from_utf8_lossy(response.body()),
            r#"POST /echo/x%20y Some("x y") Some("a b&c") Some("text/plain") hi"#
        );
    }

    #[test]
    fn query_strings_split_into_decoded_pairs() {
        let pairs = parse_query("a=1&b=two+words&&c&d=%3D%26&a=2");
        let expected = [
            ("a", "1"),
            ("b", "two words"),
            ("c", ""),
            ("d", "=&"),
            ("a", "2"),
        ];
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn percent_decoding_handles_bytes_utf8_and_bad_escapes() {
        let cases = [
            ("plain", "plain"),
            ("a%20b", "a b"),
            ("%e2%82%ac", "€"),
            ("%E2%82%AC", "€"),
            ("a+b", "a+b"), // `+` is only a space in query strings
            ("100%", "100%"),
            ("%4", "%4"),
            ("%zz", "%zz"),
            ("%FF", "\u{FFFD}"),
        ];
        for (input, expected) in cases {
            assert_eq!(percent_decode(input), expected, "{input}");
        }
    }

    #[test]
    #[should_panic(expected = "invalid route pattern")]
    fn an_invalid_pattern_is_refused_when_the_route_is_added() {
        let _ = Router::new().get("^/broken/(?P<year[0-9]+)/$", named("broken"));
    }

    #[test]
    fn one_router_answers_from_several_threads_at_once() {
        let router = std::sync::Arc::new(table());
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let router = std::sync::Arc::clone(&router);
                std::thread::spawn(move || {
                    let response =
                        router.dispatch(&head("GET", &format!("/hello/{i}")), Vec::new());
                    String::from_utf8(response.body().to_vec()).unwrap()
                })
            })
            .collect();
        for (i, thread) in threads.into_iter().enumerate() {
            assert_eq!(thread.join().unwrap(), format!("hello name={i}"));
        }
    }
}
