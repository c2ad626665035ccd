//! httprs in one process, as the benches run it: the routes of
//! `final/examples/hello.rs`, plus `GET /sleep`, which naps 10 ms.
//!
//! Everything else is the framework's defaults, as a user gets them from
//! `App::new()`: settings, worker and event-loop counts, the access log.
//! `--addr` is read by `App::run`, like any httprs application.

use std::thread;
use std::time::Duration;

use httprs::{App, Request, Response, Route};

/// How long `GET /sleep` sleeps: a stand-in for a slow database query.
const SLEEP: Duration = Duration::from_millis(10);

fn main() {
    App::new()
        .get("/hello/{name}", |req: &Request| {
            Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
        })
        // A handler that blocks says so, as the framework asks: it then
        // always runs on a worker, never inside an event loop.
        .add_route(
            Route::get("/sleep", |_: &Request| {
                thread::sleep(SLEEP);
                Response::text("Slept, and answered.\n")
            })
            .may_block(),
        )
        .bind("127.0.0.1:7777")
        .run();
}
