//! Step 04's server as the benches run it: the same code as
//! `steps/step04-threadpool/src/main.rs`, plus a `--sleep-ms N` flag.
//!
//! Step 04's binary sleeps a fixed two seconds in `GET /sleep`, which shows
//! the pool's value to a person at a browser but would make a benchmark
//! crawl. The library lets the caller choose the nap (its tests do the same),
//! so this copy of `main` passes `--sleep-ms` milliseconds instead. Everything
//! else (pool size, queue bound, accept loop, logging) is step 04's own.

use std::thread;

use step04::pool::ThreadPool;
use step04::shutdown::Shutdown;
use step04::{QUEUE_BOUND, WORKERS, cli};

fn main() {
    let flags = cli::flags_or_exit(
        "usage: bench-step04 [--addr HOST:PORT] [--sleep-ms N]",
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
    println!("bench-step04: {WORKERS} workers, /sleep {sleep:?}, listening on {local}");
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    step04::serve(listener, pool, &shutdown, move |stream| {
        step04::handle_connection(stream, || thread::sleep(sleep));
    });
}
