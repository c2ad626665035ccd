//! Exercise 15: a middleware chain.
//! Run with `cargo run -p exercises -- check ex15_middleware`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex15_middleware.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex15_middleware.rs")]
#[allow(dead_code)]
mod ex15_middleware;

use std::cell::RefCell;
use std::rc::Rc;

use ex15_middleware::{App, Middleware, Next, Request, Response, add_header, require_header};

fn request(path: &str, headers: &[(&str, &str)]) -> Request {
    Request {
        path: path.to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

fn ok(body: &str) -> Response {
    Response {
        status: 200,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// A layer that writes `"{name} in"` and `"{name} out"` to `trace`.
fn traced(name: &'static str, trace: &Rc<RefCell<Vec<String>>>) -> Middleware {
    let trace = Rc::clone(trace);
    Box::new(move |req: &mut Request, next: Next<'_>| {
        trace.borrow_mut().push(format!("{name} in"));
        let response = next.run(req);
        trace.borrow_mut().push(format!("{name} out"));
        response
    })
}

#[test]
fn with_no_layers_the_handler_answers() {
    let app = App::new(|req: &Request| ok(&req.path));
    assert_eq!(app.respond(request("/plain", &[])), ok("/plain"));
}

#[test]
fn layers_run_in_the_order_added_and_unwind_in_reverse() {
    let trace = Rc::new(RefCell::new(Vec::new()));
    let handler_trace = Rc::clone(&trace);
    let app = App::new(move |_: &Request| {
        handler_trace.borrow_mut().push("handler".to_string());
        ok("done")
    })
    .wrap(traced("first", &trace))
    .wrap(traced("second", &trace))
    .wrap(traced("third", &trace));
    assert_eq!(app.respond(request("/", &[])).body, "done");
    assert_eq!(
        *trace.borrow(),
        [
            "first in",
            "second in",
            "third in",
            "handler",
            "third out",
            "second out",
            "first out"
        ]
    );
}

#[test]
fn add_header_adds_its_header_to_every_answer() {
    let app = App::new(|_: &Request| ok("hi")).wrap(add_header("X-Served-By", "ex15"));
    let response = app.respond(request("/", &[]));
    assert_eq!(response.body, "hi");
    assert_eq!(
        response.headers,
        [("X-Served-By".to_string(), "ex15".to_string())]
    );
}

#[test]
fn require_header_short_circuits_without_running_the_handler() {
    let calls = Rc::new(RefCell::new(0));
    let counted = Rc::clone(&calls);
    let app = App::new(move |_: &Request| {
        *counted.borrow_mut() += 1;
        ok("the guestbook")
    })
    .wrap(require_header("X-Key"));
    let refused = app.respond(request("/", &[]));
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (401, "missing X-Key\n")
    );
    assert_eq!(*calls.borrow(), 0, "the handler must not run");
    let allowed = app.respond(request("/", &[("x-key", "secret")]));
    assert_eq!(
        (allowed.status, allowed.body.as_str()),
        (200, "the guestbook")
    );
    assert_eq!(*calls.borrow(), 1);
}

#[test]
fn an_outer_layer_sees_the_answer_of_an_inner_short_circuit() {
    let app = App::new(|_: &Request| ok("never"))
        .wrap(add_header("X-Served-By", "ex15"))
        .wrap(require_header("X-Key"));
    let refused = app.respond(request("/", &[]));
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.headers,
        [("X-Served-By".to_string(), "ex15".to_string())]
    );
    // The other order: the refusal comes first, and the header layer never runs.
    let app = App::new(|_: &Request| ok("never"))
        .wrap(require_header("X-Key"))
        .wrap(add_header("X-Served-By", "ex15"));
    assert!(app.respond(request("/", &[])).headers.is_empty());
}

#[test]
fn a_layer_can_change_the_request_the_handler_sees() {
    let lowercase: Middleware = Box::new(|req: &mut Request, next: Next<'_>| {
        req.path = req.path.to_lowercase();
        next.run(req)
    });
    let app = App::new(|req: &Request| ok(&req.path)).wrap(lowercase);
    assert_eq!(app.respond(request("/GuestBook/", &[])).body, "/guestbook/");
}
