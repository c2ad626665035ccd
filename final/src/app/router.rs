//! The URL table: which handler answers which method and path. The pattern
//! kinds and the 404/405 rules are in `final/docs/routing.md`, which is also
//! [`Route`](crate::Route)'s documentation.

use std::sync::Arc;

use regex::Regex;

use crate::app::async_handler::{AsyncHandler, Blocking};
use crate::app::handler::Handler;
use crate::http::request::Request;
use crate::http::request::decode_component;
use crate::http::response::Response;
use crate::split::proxy::Proxy;

/// One entry of the URL table: a method (or any), a pattern, a handler.
///
/// # Examples
/// A URL table given as a list, like httppy's `url = [(pattern, Handler), ...]`:
/// ```
/// use httprs::{App, Request, Response, Route};
/// let app = App::new().urls([
///     Route::any(r"^/index/$", |_: &Request| Response::text("index")),
///     Route::get("/hello/{name}", |r: &Request| Response::text(r.param("name").unwrap().to_string())),
/// ]);
/// assert_eq!(app.handle(Request::new("GET", "/hello/you")).body(), b"you");
/// ```
///
#[doc = include_str!("../../docs/routing.md")]
pub struct Route {
    method: Option<String>,
    /// The pattern as written, kept to prefix it ([`App::mount`](crate::App::mount))
    /// and to build URLs from it ([`Request::url_for`]).
    source: String,
    pattern: Pattern,
    /// Set by [`Route::name`]: the name [`Request::url_for`] finds it by.
    pub(crate) name: Option<String>,
    pub(crate) handler: Arc<dyn Handler>,
    /// Set by [`Route::may_block`]: the server never runs it inline.
    pub(crate) may_block: bool,
    /// Set by [`Route::forward`]: the event loop forwards the request to
    /// these backends itself; `handler` runs only where no loop does.
    pub(crate) forward: Option<Arc<Proxy>>,
    /// Set by [`App::websocket`](crate::App::websocket): a backend answers
    /// it 501 without running it (a front does not relay WebSockets).
    pub(crate) websocket: bool,
    /// Set by [`Route::max_body`]: this route's body limit, over `max_body_bytes`.
    pub(crate) max_body: Option<usize>,
    /// Set by [`Route::get_async`]: an event loop with a PostgreSQL
    /// connection polls this; `handler` (the same, blocking) runs elsewhere.
    pub(crate) awaits: Option<Arc<dyn AsyncHandler>>,
}

#[derive(Debug)]
enum Pattern {
    /// `/about`: compared as a string.
    Literal(String),
    /// `/hello/{name}`, every parameter a whole segment: compared segment by
    /// segment, no regular expression needed (and several times faster).
    Segments(Vec<Segment>),
    /// `^/posts/(?P<id>[0-9]+)/$`, or a parameter inside a segment (`/file.{ext}`).
    Regex { regex: Regex, names: Vec<String> },
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

/// The handler is a closure or a trait object: shown as its method and pattern.
impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("method", &self.method.as_deref().unwrap_or("*"))
            .field("pattern", &self.pattern)
            .field("name", &self.name)
            .field("may_block", &self.may_block)
            .field("forward", &self.forward)
            .field("max_body", &self.max_body)
            .field("async", &self.awaits.is_some())
            .finish_non_exhaustive()
    }
}

impl Route {
    /// A route for `method` (`None`: any method) on `pattern`.
    ///
    /// # Panics
    /// If `pattern` is an invalid regular expression, or `method` is not
    /// one httprs implements (`GET`, `HEAD`, `POST`, `PUT`, `DELETE`, `PATCH`, `OPTIONS`; methods are
    /// case-sensitive, so `"get"` and a typo such as `"GTE"` panic). A URL
    /// table is fixed when the program is written, so either is a bug to
    /// see at start-up, not a route that silently never matches.
    pub fn new(method: Option<&str>, pattern: &str, handler: impl Handler) -> Route {
        if let Some(method) = method {
            assert!(
                IMPLEMENTED_METHODS.contains(&method),
                "route {pattern:?}: {method:?} is not a method httprs serves; \
                 use one of {IMPLEMENTED_METHODS:?} (methods are case-sensitive)"
            );
        }
        Route {
            method: method.map(str::to_string),
            source: pattern.to_string(),
            pattern: Pattern::compile(pattern),
            name: None,
            handler: Arc::new(handler),
            may_block: false,
            forward: None,
            websocket: false,
            max_body: None,
            awaits: None,
        }
    }

    /// A route for every method whose requests go to `proxy`'s backends, in
    /// turn: split mode's front (see [`Proxy`]). No handler and no
    /// middleware run for it: the event loop that read the request sends it
    /// to a backend over a connection of its own and passes the reply on,
    /// without a thread hand-off; the backend's app runs its own
    /// middleware. Outside a server ([`App::handle`](crate::App::handle))
    /// it answers `502`.
    pub fn forward(pattern: &str, proxy: Proxy) -> Route {
        Route {
            forward: Some(Arc::new(proxy)),
            ..Route::any(pattern, NotForwarded)
        }
    }

    /// A route for every method (the handler looks at `req.method()` itself).
    pub fn any(pattern: &str, handler: impl Handler) -> Route {
        Route::new(None, pattern, handler)
    }

    /// A `GET` route, which also answers `HEAD`.
    pub fn get(pattern: &str, handler: impl Handler) -> Route {
        Route::new(Some("GET"), pattern, handler)
    }

    /// A `GET` route (which also answers `HEAD`) whose handler is async: it
    /// returns a future, and waits for the database without holding a
    /// thread. On an event loop whose app has a PostgreSQL database, the
    /// loop polls it and sends its statements on the loop's own connection,
    /// together with those of the loop's other requests (see
    /// [`Request::db_async`](crate::Request::db_async)); anywhere else (a
    /// SQLite database, a loop still connecting, [`App::handle`](crate::App::handle))
    /// it runs on a thread as a plain handler would, awaiting the pool.
    ///
    /// Like a forwarding route, it is answered by the loop, outside the
    /// middleware chain: the app's [`wrap`](crate::App::wrap) middleware,
    /// sessions and CSRF checks do not run for it, wherever it runs. The
    /// access log, CORS, the request id, the secure headers, compression
    /// and the error pages do. So it is for reads that need none of those:
    /// a JSON API, a page of public rows. Why, what it may not do on the
    /// shared connection, and what it measures: `final/docs/database.md`,
    /// "Async handlers".
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use httprs::{App, Request, Response, Route};
    ///
    /// async fn hello(req: Arc<Request>) -> Response {
    ///     Response::text(format!("hello, {}", req.param("name").unwrap_or("you")))
    /// }
    ///
    /// let app = App::new().add_route(Route::get_async("/hello/{name}", hello));
    /// assert_eq!(app.handle(Request::new("GET", "/hello/ann")).body_text(), "hello, ann");
    /// ```
    pub fn get_async(pattern: &str, handler: impl AsyncHandler) -> Route {
        let handler: Arc<dyn AsyncHandler> = Arc::new(handler);
        Route {
            awaits: Some(handler.clone()),
            ..Route::get(pattern, Blocking(handler))
        }
    }

    /// A `POST` route.
    pub fn post(pattern: &str, handler: impl Handler) -> Route {
        Route::new(Some("POST"), pattern, handler)
    }

    /// A `PUT` route: replace the resource at this URL.
    pub fn put(pattern: &str, handler: impl Handler) -> Route {
        Route::new(Some("PUT"), pattern, handler)
    }

    /// A `PATCH` route: change part of the resource at this URL.
    pub fn patch(pattern: &str, handler: impl Handler) -> Route {
        Route::new(Some("PATCH"), pattern, handler)
    }

    /// A `DELETE` route.
    pub fn delete(pattern: &str, handler: impl Handler) -> Route {
        Route::new(Some("DELETE"), pattern, handler)
    }

    /// Names the route, so that views and templates build its URL from the
    /// name and the parameters instead of writing the path out:
    /// [`Request::url_for`] and `{{ url_for("entry", id=7) }}`. Two routes
    /// may share a name when they share a pattern (a `GET` and a `POST` of
    /// one URL); see [`App::add_route`](crate::App::add_route).
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Route};
    /// let app = App::new()
    ///     .add_route(Route::get("/entries/{id}", |_: &Request| "an entry").name("entry"))
    ///     .get("/", |req: &Request| req.url_for("entry", &[("id", "7")]));
    /// assert_eq!(app.handle(Request::new("GET", "/")).body_text(), "/entries/7");
    /// ```
    pub fn name(mut self, name: &str) -> Route {
        self.name = Some(name.to_string());
        self
    }

    /// The pattern as written (after any [`App::mount`](crate::App::mount) prefix).
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// The same route under `prefix`: `/entries/{id}` under `/api` is
    /// `/api/entries/{id}`; a regular expression `^/x$` becomes `^/api/x$`.
    ///
    /// # Panics
    /// If `prefix` does not start with `/`: a mount point is a path.
    pub(crate) fn under(mut self, prefix: &str) -> Route {
        assert!(
            prefix.starts_with('/'),
            "mount point {prefix:?} must start with '/'"
        );
        let prefix = prefix.trim_end_matches('/');
        self.source = match self.source.strip_prefix('^') {
            Some(rest) => format!("^{}{rest}", regex::escape(prefix)),
            None => format!("{prefix}{}", self.source),
        };
        self.pattern = Pattern::compile(&self.source);
        self
    }

    /// Marks the handler as one that may block (a database query, a file
    /// read, a call to another service): it always runs on a worker thread,
    /// however fast it has been so far. Other handlers that have been fast
    /// every time run on the event loop's own thread, saving two thread
    /// wake-ups per request; see [`Settings::inline_budget_us`](crate::Settings::inline_budget_us).
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Response, Route};
    /// let app = App::new().add_route(
    ///     Route::get("/report", |_: &Request| Response::text("slow to build")).may_block(),
    /// );
    /// # let _ = app;
    /// ```
    pub fn may_block(mut self) -> Route {
        self.may_block = true;
        self
    }

    /// The most bytes a request body for this route may have, larger or
    /// smaller than the `max_body_bytes` setting, which it replaces here:
    /// a longer body is answered `413`, before it is read when its
    /// `Content-Length` says so. For an upload form, with
    /// [`Request::multipart`](crate::Request::multipart).
    ///
    /// In split mode the backend applies it when the front's frame
    /// arrives; the front knows no routes, so its own `max_body_bytes`
    /// must let the largest upload through (see `docs/uploads.md`).
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Response, Route};
    /// let app = App::new().add_route(
    ///     Route::post("/pictures", |_: &Request| Response::text("thanks")).max_body(20 << 20),
    /// );
    /// # let _ = app;
    /// ```
    pub fn max_body(mut self, bytes: usize) -> Route {
        self.max_body = Some(bytes);
        self
    }

    fn allows(&self, method: &str) -> bool {
        match &self.method {
            None => true,
            Some(m) => m == method || (m == "GET" && method == "HEAD"),
        }
    }
}

impl Pattern {
    fn compile(pattern: &str) -> Pattern {
        // `^/about/$` matches one path only: compare it as a string.
        if let Some(literal) = anchored_literal(pattern) {
            return Pattern::Literal(literal.to_string());
        }
        let source = if pattern.starts_with('^') {
            pattern.to_string()
        } else if pattern.contains('{') {
            if let Some(segments) = whole_segment_params(pattern) {
                return Pattern::Segments(segments);
            }
            params_to_regex(pattern)
        } else {
            return Pattern::Literal(pattern.to_string());
        };
        let regex = Regex::new(&source)
            .unwrap_or_else(|err| panic!("invalid route pattern {pattern:?}: {err}"));
        let names = regex.capture_names().flatten().map(String::from).collect();
        Pattern::Regex { regex, names }
    }

    /// The decoded parameters if `path` matches.
    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        match self {
            Pattern::Literal(literal) => (literal == path).then(Vec::new),
            Pattern::Segments(segments) => {
                let mut params = Vec::new();
                let mut parts = path.split('/');
                for segment in segments {
                    let part = parts.next()?;
                    match segment {
                        Segment::Literal(literal) if literal == part => {}
                        // A parameter matches one non-empty segment, like `[^/]+`.
                        Segment::Param(name) if !part.is_empty() => {
                            params.push((name.clone(), decode_component(part, false)));
                        }
                        _ => return None,
                    }
                }
                // The path must not have more segments than the pattern.
                parts.next().is_none().then_some(params)
            }
            Pattern::Regex { regex, names } => {
                // `is_match` first: most routes do not match, and only
                // `captures` allocates.
                if !regex.is_match(path) {
                    return None;
                }
                let caps = regex.captures(path)?;
                Some(
                    names
                        .iter()
                        .filter_map(|n| {
                            let value = caps.name(n)?.as_str();
                            Some((n.clone(), decode_component(value, false)))
                        })
                        .collect(),
                )
            }
        }
    }
}

/// The path a regular expression like `^/about/$` matches, if it matches
/// exactly one: anchored at both ends, with no special character between.
fn anchored_literal(pattern: &str) -> Option<&str> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let special = |c: char| "\\.+*?()|[]{}^$".contains(c);
    (!inner.contains(special)).then_some(inner)
}

/// `/hello/{name}` → `[Literal(""), Literal("hello"), Param("name")]`, or
/// `None` if some parameter shares its segment with other text.
fn whole_segment_params(pattern: &str) -> Option<Vec<Segment>> {
    pattern
        .split('/')
        .map(
            |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !name.contains(['{', '}']) => Some(Segment::Param(name.to_string())),
                _ if part.contains(['{', '}']) => None,
                _ => Some(Segment::Literal(part.to_string())),
            },
        )
        .collect()
}

/// `/file.{ext}` → `^/file\.(?P<ext>[^/]+)$`, the literal parts escaped.
fn params_to_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&regex::escape(&rest[..open]));
        let close = rest[open..]
            .find('}')
            .unwrap_or_else(|| panic!("unclosed '{{' in route pattern {pattern:?}"));
        let name = &rest[open + 1..open + close];
        out.push_str(&format!("(?P<{name}>[^/]+)"));
        rest = &rest[open + close + 1..];
    }
    out.push_str(&regex::escape(rest));
    out.push('$');
    out
}

/// The methods httprs implements, checked before the route table is read.
///
/// Anything else is 501 (RFC 9110 §9.1), even where an any-method route
/// matches the path: methods are case-sensitive, so `get` is not `GET`, and an
/// unknown or over-long token never reaches a handler that did not expect it.
/// `CONNECT` (a tunnel, for proxies) and `TRACE` (an echo of the request,
/// which can hand cookies to a script: "cross-site tracing") are left out on
/// purpose. The check is a comparison with seven words, no allocation.
pub(crate) const IMPLEMENTED_METHODS: [&str; 7] =
    ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// [`IMPLEMENTED_METHODS`] as the `Allow` value of the answer to `OPTIONS *`.
pub(crate) const ALLOW_IMPLEMENTED: &str = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

/// The outcome of looking a request up in the table.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Route number `index` matched, with these parameters.
    Found {
        index: usize,
        params: Vec<(String, String)>,
    },
    /// Some route matched the path, none the method: the `Allow` value.
    MethodNotAllowed(String),
    /// No route matched the path.
    NotFound,
    /// A method not in [`IMPLEMENTED_METHODS`] (501).
    NotImplemented,
    /// `OPTIONS *`, a question about the server, not a resource (RFC 9110
    /// §9.3.7): 200 with `Allow: ALLOW_IMPLEMENTED`.
    ServerOptions,
}

/// The URL table, tried in order.
#[derive(Default)]
pub(crate) struct Router {
    pub routes: Vec<Route>,
}

impl Router {
    pub(crate) fn add(&mut self, route: Route) {
        self.routes.push(route);
    }

    /// The route a request for `method` and `path` goes to, if any.
    pub(crate) fn route_for(&self, method: &str, path: &str) -> Option<&Route> {
        match self.resolve(method, path) {
            Resolution::Found { index, .. } => self.routes.get(index),
            _ => None,
        }
    }

    pub(crate) fn resolve(&self, method: &str, path: &str) -> Resolution {
        if !IMPLEMENTED_METHODS.contains(&method) {
            return Resolution::NotImplemented;
        }
        if path == "*" && method == "OPTIONS" {
            return Resolution::ServerOptions;
        }
        let mut allowed: Vec<&str> = Vec::new();
        for (index, route) in self.routes.iter().enumerate() {
            let Some(params) = route.pattern.matches(path) else {
                continue;
            };
            if route.allows(method) {
                return Resolution::Found { index, params };
            }
            if let Some(m) = &route.method {
                allowed.push(m);
                if m == "GET" {
                    allowed.push("HEAD");
                }
            }
        }
        if allowed.is_empty() {
            return Resolution::NotFound;
        }
        allowed.sort_unstable();
        allowed.dedup();
        Resolution::MethodNotAllowed(allowed.join(", "))
    }
}

/// What a forwarding route answers where no event loop forwards it:
/// [`App::handle`](crate::App::handle) in a unit test, or an app in
/// backend mode. Forwarding needs the loop's connections.
pub(crate) struct NotForwarded;

impl Handler for NotForwarded {
    fn handle(&self, req: &Request) -> Response {
        log::warn!(
            "{} {}: a forwarding route outside an HTTP server; 502",
            req.method(),
            req.path()
        );
        Proxy::bad_gateway(
            "This route forwards to the application backends, which only a running HTTP server does.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};

    fn ok(_: &Request) -> Response {
        Response::text("")
    }

    fn router() -> Router {
        let mut r = Router::default();
        r.add(Route::get("/about", ok));
        r.add(Route::get("/hello/{name}", ok));
        r.add(Route::post("/hello/{name}", ok));
        r.add(Route::any(
            r"^/posts/(?P<year>[0-9]{4})/(?P<slug>[a-z-]+)/$",
            ok,
        ));
        r
    }

    #[test]
    fn literal_parameter_and_regex_patterns_match() {
        let r = router();
        assert_eq!(
            r.resolve("GET", "/about"),
            Resolution::Found {
                index: 0,
                params: vec![]
            }
        );
        assert_eq!(
            r.resolve("POST", "/hello/w%C3%B6rld"),
            Resolution::Found {
                index: 2,
                params: vec![("name".into(), "wörld".into())]
            }
        );
        assert_eq!(
            r.resolve("DELETE", "/posts/2026/hello-world/"),
            Resolution::Found {
                index: 3,
                params: vec![
                    ("year".into(), "2026".into()),
                    ("slug".into(), "hello-world".into())
                ]
            }
        );
    }

    #[test]
    fn head_is_answered_by_get_routes() {
        assert!(matches!(
            router().resolve("HEAD", "/about"),
            Resolution::Found { index: 0, .. }
        ));
    }

    #[test]
    fn a_wrong_method_lists_the_allowed_ones() {
        assert_eq!(
            router().resolve("PUT", "/hello/x"),
            Resolution::MethodNotAllowed("GET, HEAD, POST".into())
        );
    }

    #[test]
    fn unmatched_paths_are_not_found() {
        let r = router();
        for path in ["/", "/about/", "/hello/", "/hello/a/b", "/posts/26/x/"] {
            assert_eq!(r.resolve("GET", path), Resolution::NotFound, "{path}");
        }
    }

    #[test]
    fn segment_matching_agrees_with_the_regex_it_replaces() {
        let paths = [
            "/",
            "//",
            "/hello",
            "/hello/",
            "/hello/x",
            "/hello/x/",
            "/hello/x/y",
            "/a/1/b/2",
            "/a//b/2",
            "/a/1/b/",
            "/a/1/c/2",
            "/x%2Fy",
            "hello/x",
        ];
        for pattern in ["/hello/{name}", "/a/{x}/b/{y}", "/{x}", "/hello/{name}/"] {
            let segments = Pattern::compile(pattern);
            assert!(matches!(segments, Pattern::Segments(_)), "{pattern}");
            let regex = Regex::new(&params_to_regex(pattern)).unwrap();
            let names = regex.capture_names().flatten().map(String::from).collect();
            let regex = Pattern::Regex { regex, names };
            for path in paths {
                assert_eq!(
                    segments.matches(path),
                    regex.matches(path),
                    "{pattern} on {path}"
                );
            }
        }
    }

    #[test]
    fn an_anchored_regex_without_special_characters_is_a_literal() {
        assert!(matches!(Pattern::compile("^/index/$"), Pattern::Literal(p) if p == "/index/"));
        for pattern in [r"^/a.b/$", r"^/a/", r"^/x+$", r"^/\d$"] {
            assert!(
                matches!(Pattern::compile(pattern), Pattern::Regex { .. }),
                "{pattern}"
            );
        }
        let mut r = Router::default();
        r.add(Route::any("^/index/$", ok));
        assert!(matches!(
            r.resolve("GET", "/index/"),
            Resolution::Found { .. }
        ));
        assert_eq!(r.resolve("GET", "/index"), Resolution::NotFound);
    }

    #[test]
    fn literal_parts_of_parameter_patterns_are_escaped() {
        let mut r = Router::default();
        r.add(Route::get("/file.{ext}", ok));
        assert_eq!(r.resolve("GET", "/fileXtxt"), Resolution::NotFound);
        assert!(matches!(
            r.resolve("GET", "/file.txt"),
            Resolution::Found { .. }
        ));
    }

    #[test]
    #[should_panic(expected = "route \"/x\": \"GTE\" is not a method httprs serves")]
    fn a_misspelt_method_is_refused_when_the_route_is_built() {
        let _ = Route::new(Some("GTE"), "/x", ok);
    }

    #[test]
    #[should_panic(expected = "methods are case-sensitive")]
    fn a_lowercase_method_is_refused_when_the_route_is_built() {
        let _ = Route::new(Some("get"), "/x", ok);
    }

    #[test]
    fn every_implemented_method_makes_a_route() {
        for method in IMPLEMENTED_METHODS {
            let route = Route::new(Some(method), "/x", ok);
            assert!(route.allows(method), "{method}");
        }
    }

    #[test]
    fn an_unimplemented_method_is_501_whatever_the_table_says() {
        let r = router();
        // The any-method route matches this path, and still none of these reach it.
        let any = "/posts/2026/hello-world/";
        for method in ["get", "Get", "PROPFIND", "CONNECT", "TRACE", "GETGETGETGET"] {
            assert_eq!(
                r.resolve(method, any),
                Resolution::NotImplemented,
                "{method}"
            );
        }
        assert_eq!(r.resolve("get", "/about"), Resolution::NotImplemented);
        for method in IMPLEMENTED_METHODS {
            assert!(matches!(r.resolve(method, any), Resolution::Found { .. }));
        }
    }

    #[test]
    fn options_star_is_the_server_s_own_and_lists_every_implemented_method() {
        assert_eq!(router().resolve("OPTIONS", "*"), Resolution::ServerOptions);
        assert_eq!(ALLOW_IMPLEMENTED, IMPLEMENTED_METHODS.join(", "));
    }
}
