//! `cargo run -p step04`: step 03's site on a thread pool, plus `/sleep`.
//! Ctrl-C stops it gracefully.

use std::thread;

use step04::pool::ThreadPool;
use step04::shutdown::Shutdown;
use step04::{QUEUE_BOUND, WORKERS, cli};

fn main() {
    let flags = cli::flags_or_exit(&step04::usage("step04"), &["addr", "sleep-ms"]);
    let sleep = step04::sleep_from_flag(flags.get("sleep-ms")).unwrap_or_else(|err| {
        eprintln!("error: {err}");
        std::process::exit(2);
    });
    let listener = cli::bind_or_exit(flags.get("addr").unwrap_or(cli::DEFAULT_ADDR));
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    // Only fails if a handler is already installed, and this is the only one.
    shutdown
        .trigger_on_signals()
        .expect("install the Ctrl-C handler");
    println!("step04: thread-pool server ({WORKERS} workers) listening on {local}");
    println!("try it:  curl http://{local}/sleep & curl http://{local}/");
    println!("stop it: Ctrl-C");
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    step04::serve(listener, pool, &shutdown, move |stream| {
        step04::handle_connection(stream, || thread::sleep(sleep));
    });
}
