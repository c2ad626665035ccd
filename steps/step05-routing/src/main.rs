//! `cargo run -p step05`: the demo routes on step 04's thread pool.
//! Open http://127.0.0.1:7878/ for the list.

use std::sync::Arc;
use std::thread;

use step05::cli;
use step05::pool::ThreadPool;
use step05::shutdown::Shutdown;

fn main() {
    let flags = cli::flags_or_exit(&step04::usage("step05"), &["addr", "sleep-ms"]);
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
    // One router for every worker: an Arc shares it, and it is Sync.
    let router = Arc::new(step05::demo_router_with(move || thread::sleep(sleep)));
    println!("step05: router listening on {local}");
    println!("try it:  curl -i http://{local}/hello/J%C3%BCrgen");
    let pool = ThreadPool::new(step04::WORKERS, step04::QUEUE_BOUND);
    step04::serve(listener, pool, &shutdown, move |stream| {
        step05::handle_connection(stream, &router);
    });
}
