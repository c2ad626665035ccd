//! The application layer: an [`App`] is a URL table of handlers, wrapped
//! in middleware, with shared state, served by step 07's event loop.
//!
//! Steps 05–07 served one fixed demo router; a program that wanted another
//! page edited the step. Here the program is yours, written the way httppy's
//! quick start writes it:
//!
//! ```text
//! App::new()
//!     .route("/index/", Index)             a RequestHandler type (get, post, ...)
//!     .get("/hello/{name}", hello)         a closure or fn, for one method
//!     .wrap(AccessLog::stdout())           middleware, around every request
//!     .with_state(Guestbook::default())    shared by every handler
//! ```
//!
//! A request goes through the middleware in the order they were added, then
//! to step 05's router, which finds the handler (or answers 404, 405 with
//! `Allow`, or a 308 to the path with a slash), then back out through the
//! middleware. [`App::serve`] runs it all on step 07's loop, with the
//! numbers from [`Settings`].
//!
//! Files: [`Request`] (request.rs), [`RequestHandler`] (handler.rs),
//! [`Middleware`] and [`Next`] (middleware.rs), [`Settings`] (settings.rs),
//! [`AccessLog`] (access_log.rs), [`RunningApp`] (running.rs, for tests).

mod access_log;
mod handler;
mod middleware;
mod request;
mod running;
mod settings;

pub use access_log::{AccessLog, log_line};
pub use handler::{HANDLER_METHODS, RequestHandler};
pub use middleware::{Middleware, Next};
pub use request::{Extensions, Request};
pub use running::RunningApp;
pub use settings::{Settings, SettingsError, Source};

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use crate::event_loop::{self, PeerApp, Timeouts};
use crate::pool::ThreadPool;
use crate::request::RequestHead;
use crate::response::Response;
use crate::router::{Resolved, Router};
use crate::shutdown::Shutdown;

/// What the URL table holds: one function per (method, pattern) route.
type Endpoint = dyn Fn(&Request) -> Response + Send + Sync;

/// Requests that may wait for a worker before the loop itself waits (see step 04).
const QUEUE_BOUND: usize = 32;

/// An application: routes, middleware, and state shared by every handler.
///
/// Built once at start-up with the chainable methods below, then shared by
/// every worker thread (it is `Send + Sync`), so handlers get `&self` and
/// shared state lives behind types that are safe to share (`Mutex`, `Arc`).
///
/// ```
/// use step08::app::{App, Request};
/// use step08::response::Response;
/// let app = App::new()
///     .get("/hello/{name}", |req: &Request| {
///         Response::text(format!("Hello, {}!\n", req.param("name").unwrap_or("you")))
///     });
/// // Any request can be answered without a socket: that is how handlers are tested.
/// assert_eq!(app.respond(Request::new("GET", "/hello/J%C3%BCrgen")).body(), "Hello, Jürgen!\n".as_bytes());
/// assert_eq!(app.respond(Request::new("GET", "/nowhere")).status(), 404);
/// ```
pub struct App {
    router: Router<Endpoint>,
    middleware: Vec<Box<dyn Middleware>>,
    /// Shared with every request (an `Arc`, not a copy per request).
    state: Arc<Extensions>,
}

impl Default for App {
    fn default() -> App {
        App::new()
    }
}

impl App {
    /// An app with no routes (every request gets a 404), no middleware, no state.
    pub fn new() -> App {
        App {
            router: Router::default(),
            middleware: Vec::new(),
            state: Arc::new(Extensions::default()),
        }
    }

    /// The same app with `handler` answering at `pattern` (a step 05
    /// pattern: `/index/`, `/hello/{name}`, or a `^` regular expression),
    /// for each method in its [`RequestHandler::METHODS`].
    ///
    /// # Panics
    /// If `METHODS` names a method a `RequestHandler` has no function for
    /// (see [`HANDLER_METHODS`]), or `pattern` is not a valid pattern: both
    /// mistakes in the program, found at start-up.
    pub fn route<H: RequestHandler>(mut self, pattern: &str, handler: H) -> App {
        let handler = Arc::new(handler);
        for &method in H::METHODS {
            assert!(
                HANDLER_METHODS.contains(&method),
                "{} lists {method:?} in METHODS; a RequestHandler answers {HANDLER_METHODS:?} \
                 (use App::method with a closure for any other)",
                std::any::type_name::<H>()
            );
            let handler = Arc::clone(&handler);
            let endpoint = move |req: &Request| handler::call(&*handler, method, req);
            self.router = self.router.with_route(method, pattern, Box::new(endpoint));
        }
        self
    }

    /// The same app with `handler` answering `method` requests at `pattern`.
    ///
    /// # Panics
    /// If `pattern` is not a valid pattern.
    pub fn method(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> App {
        self.router = self.router.with_route(method, pattern, Box::new(handler));
        self
    }

    /// [`App::method`] for `GET` (which answers `HEAD` too).
    pub fn get(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> App {
        self.method("GET", pattern, handler)
    }

    /// [`App::method`] for `POST`.
    pub fn post(
        self,
        pattern: &str,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> App {
        self.method("POST", pattern, handler)
    }

    /// The same app with `layer` around every request. Layers run in the
    /// order added on the way in: the first added sees the request first and
    /// the response last.
    pub fn wrap(mut self, layer: impl Middleware) -> App {
        self.middleware.push(Box::new(layer));
        self
    }

    /// The same app with `value` in its shared state: every handler and
    /// middleware reads it with `req.state::<T>()`. One value per type.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use step08::app::{App, Request};
    /// use step08::response::Response;
    /// #[derive(Default)]
    /// struct Visits(Mutex<u64>);
    /// let app = App::new().with_state(Visits::default()).get("/", |req: &Request| {
    ///     let visits = req.state::<Visits>().expect("added with with_state");
    ///     let mut count = visits.0.lock().unwrap();
    ///     *count += 1;
    ///     Response::text(format!("visit {count}\n"))
    /// });
    /// app.respond(Request::new("GET", "/"));
    /// assert_eq!(app.respond(Request::new("GET", "/")).body(), b"visit 2\n");
    /// ```
    ///
    /// # Panics
    /// If called once the app is being served (it no longer can change).
    pub fn with_state<T: Send + Sync + 'static>(mut self, value: T) -> App {
        Arc::get_mut(&mut self.state)
            .expect("state is added while building the app, before it is served")
            .insert(value);
        self
    }

    /// Answers `req`: through the middleware, to the router, to a handler.
    /// A handler that panics costs its request a 500 and nothing else; the
    /// middleware still sees that 500 (the access log logs it).
    pub fn respond(&self, mut req: Request) -> Response {
        req.set_state(Arc::clone(&self.state));
        let endpoint = |req: &mut Request| self.dispatch(req);
        Next::new(&self.middleware, &endpoint).run(&mut req)
    }

    /// Answers what step 07's loop read from `peer`: [`App::respond`] for
    /// a parsed head and its body.
    pub fn answer(&self, peer: SocketAddr, head: &RequestHead, body: Vec<u8>) -> Response {
        self.respond(Request::from_parts(peer, head.clone(), body))
    }

    /// The innermost step of the chain: the router finds the handler.
    fn dispatch(&self, req: &mut Request) -> Response {
        let response = match self.router.resolve(req.head()) {
            Resolved::Route(endpoint, params) => {
                req.set_params(params);
                let req = &*req;
                panic::catch_unwind(AssertUnwindSafe(|| endpoint(req))).unwrap_or_else(|_| {
                    Response::text("500 Internal Server Error: the handler panicked\n")
                        .with_status(500)
                })
            }
            Resolved::Answer(response) => response,
        };
        // HEAD is answered by the GET handler; its body is not sent.
        if req.method() == "HEAD" {
            response.without_body()
        } else {
            response
        }
    }

    /// The app as step 07's loop takes it.
    pub fn into_peer_app(self) -> PeerApp {
        let app = Arc::new(self);
        Arc::new(move |peer, head, body| app.answer(peer, head, body))
    }

    /// Serves the app on `listener` with step 07's event loop until
    /// `shutdown` is triggered, with the workers and idle timeout of
    /// `settings`. (`addr` is not read: the listener is already bound.)
    ///
    /// # Errors
    /// A bad setting (checked before anything starts; the `io::Error` wraps
    /// the [`SettingsError`]), or the loop's own errors (see
    /// [`event_loop::serve`]).
    pub fn serve(
        self,
        listener: TcpListener,
        shutdown: &Shutdown,
        settings: &Settings,
    ) -> io::Result<()> {
        let invalid = |err: SettingsError| io::Error::new(io::ErrorKind::InvalidInput, err);
        let workers = settings.workers().map_err(invalid)?;
        let timeouts = Timeouts {
            idle: settings.idle_timeout().map_err(invalid)?,
            ..Timeouts::default()
        };
        let pool = ThreadPool::new(workers, QUEUE_BOUND);
        event_loop::serve_with_peer(listener, self.into_peer_app(), pool, shutdown, timeouts)
    }

    /// Serves the app on `127.0.0.1:0` in a background thread, with
    /// `settings`' workers and timeouts: for tests, which talk to
    /// [`RunningApp::addr`] and stop it with [`RunningApp::stop`] (or by
    /// dropping it).
    ///
    /// # Errors
    /// Binding or setting up the shutdown fails (out of ports or files).
    pub fn spawn(self, settings: &Settings) -> io::Result<RunningApp> {
        running::spawn(self, settings.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Guestbook;

    impl RequestHandler for Guestbook {
        const METHODS: &'static [&'static str] = &["GET", "POST"];
        fn get(&self, _req: &Request) -> Response {
            Response::text("the entries")
        }
        fn post(&self, req: &Request) -> Response {
            Response::text(format!(
                "signed by {}",
                req.form("name").unwrap_or("nobody")
            ))
        }
    }

    fn app() -> App {
        App::new()
            .route("/guestbook/", Guestbook)
            .get("/hello/{name}", |req: &Request| {
                Response::text(format!("hello {}", req.param("name").unwrap_or_default()))
            })
            .get("/panic", |_: &Request| panic!("a bug in a handler"))
    }

    #[test]
    fn the_url_table_answers_each_request_by_its_rules() {
        let app = app();
        let form = Request::new("POST", "/guestbook/")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("name=Ann");
        let cases: Vec<(Request, u16, &str)> = vec![
            (Request::new("GET", "/guestbook/"), 200, "the entries"),
            (form, 200, "signed by Ann"),
            (
                Request::new("DELETE", "/guestbook/"),
                405,
                "GET, HEAD, POST",
            ),
            (Request::new("GET", "/guestbook"), 308, "/guestbook/"),
            (
                Request::new("GET", "/hello/J%C3%BCrgen"),
                200,
                "hello Jürgen",
            ),
            (Request::new("POST", "/hello/x"), 405, "GET, HEAD"),
            (Request::new("GET", "/nowhere"), 404, ""),
            (Request::new("GET", "/panic"), 500, ""),
        ];
        for (req, status, expected) in cases {
            let what = format!("{} {}", req.method(), req.target());
            let response = app.respond(req);
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
    fn head_gets_the_get_answer_without_its_body() {
        let response = app().respond(Request::new("HEAD", "/guestbook/"));
        let bytes = String::from_utf8(response.to_bytes()).unwrap();
        assert!(bytes.contains("Content-Length: 11\r\n"), "{bytes}");
        assert!(bytes.ends_with("\r\n\r\n"), "{bytes}");
    }

    #[test]
    fn middleware_sees_the_500_of_a_panicking_handler_and_can_pass_data_to_handlers() {
        struct User(&'static str);
        let app = App::new()
            .wrap(|req: &mut Request, next: Next<'_>| {
                let response = next.run(req);
                let status = response.status().to_string();
                response.with_header("X-Seen-Status", status)
            })
            .wrap(|req: &mut Request, next: Next<'_>| {
                req.extensions_mut().insert(User("ann"));
                next.run(req)
            })
            .get("/me", |req: &Request| {
                Response::text(req.extensions().get::<User>().map_or("?", |u| u.0))
            })
            .get("/panic", |_: &Request| panic!("a bug"));
        assert_eq!(app.respond(Request::new("GET", "/me")).body(), b"ann");
        let crashed = app.respond(Request::new("GET", "/panic"));
        assert_eq!(crashed.header("X-Seen-Status"), Some("500"));
    }

    #[test]
    #[should_panic(expected = "lists \"OPTIONS\" in METHODS")]
    fn a_handler_listing_a_method_it_cannot_have_is_refused_at_start_up() {
        struct Odd;
        impl RequestHandler for Odd {
            const METHODS: &'static [&'static str] = &["OPTIONS"];
        }
        let _ = App::new().route("/", Odd);
    }
}
