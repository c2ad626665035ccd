//! Step 03's server as the benches run it: the same code as
//! `steps/step03-response/src/main.rs`, plus an optional `--sleep-ms N`.
//!
//! Step 03 has no slow route: `/sleep` arrives with step 04, as the reason
//! for its thread pool. To give the slow workload its baseline (one thread,
//! one request at a time) this copy of `main` adds `GET /sleep` when
//! `--sleep-ms` is given, through `handle_connection_with`, the hook step 04
//! uses for the same route. Without the flag it is step 03 exactly.

use std::thread;

use step03::response::Response;
use step03::{cli, server};

fn main() {
    let flags = cli::flags_or_exit(
        "usage: bench-step03 [--addr HOST:PORT] [--sleep-ms N]",
        &["addr", "sleep-ms"],
    );
    let sleep = benches::servers::sleep_flag(flags.get("sleep-ms"));
    let listener = cli::bind_or_exit(flags.get("addr").unwrap_or(cli::DEFAULT_ADDR));
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("bench-step03: one thread, /sleep {sleep:?}, listening on {local}");
    server::serve(&listener, |stream| {
        step03::handle_connection_with(stream, |head, body| match sleep {
            Some(nap) if head.method == "GET" && head.path == "/sleep" => {
                thread::sleep(nap);
                Response::text("Slept, and answered. Everyone else waited.\n")
            }
            _ => step03::respond(head, &body),
        });
    });
}
