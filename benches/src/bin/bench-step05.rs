//! Step 05's server as the benches run it: the same code as
//! `steps/step05-routing/src/main.rs`, plus a `--sleep-ms N` flag.
//!
//! As for step 04 (see `bench-step04.rs`): the binary's `GET /sleep` naps a
//! fixed two seconds, so this copy of `main` builds the same demo router
//! with `demo_router_with`, the hook the step's tests use, and a nap of
//! `--sleep-ms` milliseconds. Routes, pool and logging are step 05's own.

use std::sync::Arc;
use std::thread;

use step05::cli;
use step05::pool::ThreadPool;
use step05::shutdown::Shutdown;

fn main() {
    let flags = cli::flags_or_exit(
        "usage: bench-step05 [--addr HOST:PORT] [--sleep-ms N]",
        &["addr", "sleep-ms"],
    );
    let sleep = benches::servers::sleep_flag(flags.get("sleep-ms")).unwrap_or(step04::SLEEP);
    let listener = cli::bind_or_exit(flags.get("addr").unwrap_or(cli::DEFAULT_ADDR));
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    shutdown
        .trigger_on_signals()
        .expect("install the Ctrl-C handler");
    let router = Arc::new(step05::demo_router_with(move || thread::sleep(sleep)));
    println!("bench-step05: /sleep {sleep:?}, listening on {local}");
    let pool = ThreadPool::new(step04::WORKERS, step04::QUEUE_BOUND);
    step04::serve(listener, pool, &shutdown, move |stream| {
        step05::handle_connection(stream, &router);
    });
}
