//! Testing handlers and whole apps without a socket: build a `Request` in
//! code, run it through `App::handle` (routing and middleware included).

use httprs::{App, Handler, Next, Request, Response, Route};

struct Index;

impl Handler for Index {
    fn handle(&self, _req: &Request) -> Response {
        Response::text("Hello httprs!")
    }
}

fn app() -> App {
    App::new()
        .route(r"^/index/$", Index)
        .get("/hello/{name}", |req: &Request| {
            Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
        })
}

#[test]
fn the_issue_hello_world_answers_both_routes() {
    let app = app();
    assert_eq!(
        app.handle(Request::new("GET", "/index/")).body_text(),
        "Hello httprs!"
    );
    assert_eq!(
        app.handle(Request::new("GET", "/hello/you")).body_text(),
        "Hello, you!"
    );
}

#[test]
fn a_url_table_given_as_a_list_routes_in_order() {
    let app = App::new().urls([
        Route::get("/a/{x}", |_: &Request| Response::text("first")),
        Route::get("/a/b", |_: &Request| Response::text("second")),
    ]);
    // The first matching route wins, as in Django's url list.
    assert_eq!(app.handle(Request::new("GET", "/a/b")).body_text(), "first");
}

#[test]
fn middleware_runs_in_order_around_the_handler() {
    let app = app()
        .wrap(|req: &Request, next: Next| {
            let res = next.run(req);
            let trail = format!("outer({})", res.header("x-trail").unwrap_or(""));
            res.with_header("X-Trail", trail)
        })
        .wrap(|req: &Request, next: Next| next.run(req).with_header("X-Trail", "inner"));
    let res = app.handle(Request::new("GET", "/hello/x"));
    assert_eq!(res.header("x-trail"), Some("outer(inner)"));
}

#[test]
fn middleware_can_answer_without_calling_the_handler() {
    let app = app().wrap(|req: &Request, next: Next| {
        if req.header("authorization").is_none() {
            return Response::error(401);
        }
        next.run(req)
    });
    assert_eq!(
        app.handle(Request::new("GET", "/index/")).status().code(),
        401
    );
    let authed = Request::new("GET", "/index/").with_header("Authorization", "yes");
    assert_eq!(app.handle(authed).status().code(), 200);
}

#[test]
fn middleware_sees_404_and_405_too() {
    let app = app().wrap(|req: &Request, next: Next| {
        let res = next.run(req);
        let code = res.status().code().to_string();
        res.with_header("X-Seen", code)
    });
    assert_eq!(
        app.handle(Request::new("GET", "/nope")).header("x-seen"),
        Some("404")
    );
    let res = app.handle(Request::new("PUT", "/hello/x"));
    assert_eq!(res.header("x-seen"), Some("405"));
    assert_eq!(res.header("allow"), Some("GET, HEAD"));
}

#[test]
fn a_panicking_handler_becomes_a_500_that_middleware_sees() {
    let app = App::new()
        .get("/boom", |_: &Request| -> Response { panic!("boom") })
        .wrap(|req: &Request, next: Next| {
            let res = next.run(req);
            res.with_header("X-After", "yes")
        });
    let res = app.handle(Request::new("GET", "/boom"));
    assert_eq!(res.status().code(), 500);
    assert_eq!(res.header("x-after"), Some("yes"));
}

#[test]
fn a_panicking_middleware_becomes_a_500_too() {
    let app = app().wrap(|_: &Request, _: Next| -> Response { panic!("middleware broke") });
    assert_eq!(
        app.handle(Request::new("GET", "/index/")).status().code(),
        500
    );
}
