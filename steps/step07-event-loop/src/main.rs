//! `cargo run -p step07`: step 05's demo routes behind one event loop, with
//! keep-alive and pipelining. Open http://127.0.0.1:7878/ for the list.

use step07::pool::ThreadPool;
use step07::{QUEUE_BOUND, WORKERS, event_loop};

fn main() {
    let start = step07::start_or_exit("step07");
    let local = start.local;
    println!(
        "step07: event loop listening on {local} (pid {}, 1 loop thread + {WORKERS} workers)",
        std::process::id()
    );
    println!(
        "try it:  curl -v http://{local}/ http://{local}/hello/x   (one connection, two requests)"
    );
    println!("stop it: Ctrl-C");
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    let app = step07::demo_app(start.sleep);
    if let Err(err) = event_loop::serve(start.listener, app, pool, &start.shutdown, start.timeouts)
    {
        eprintln!("error: the event loop failed: {err}");
        std::process::exit(1);
    }
    println!("step07: stopped");
}
