//! httppy's hello world, in httprs.
//!
//! ```text
//! cargo run -p httprs --example hello                          # http://127.0.0.1:7777/index/
//! cargo run -p httprs --example hello -- --addr 127.0.0.1:9000
//! ```

use httprs::{App, Handler, Request, Response};

struct Index;

impl Handler for Index {
    fn handle(&self, _req: &Request) -> Response {
        Response::text("Hello httprs!")
    }
}

fn main() {
    App::new()
        .route(r"^/index/$", Index) // Django-style regex URL table
        .get("/hello/{name}", |req: &Request| {
            Response::text(format!("Hello, {}!", req.param("name").unwrap_or("world")))
        })
        .bind("127.0.0.1:7777") // call again to listen on more addresses
        .run();
}
