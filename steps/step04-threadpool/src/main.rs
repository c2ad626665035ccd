//! `cargo run -p step04`: step 03's site on a thread pool, plus `/sleep`.
//! Ctrl-C stops it gracefully.

use std::thread;

use step04::pool::ThreadPool;
use step04::{QUEUE_BOUND, WORKERS};

fn main() {
    let start = step04::start_or_exit("step04");
    let (local, sleep) = (start.local, start.sleep);
    println!("step04: thread-pool server ({WORKERS} workers) listening on {local}");
    println!("try it:  curl http://{local}/sleep & curl http://{local}/");
    println!("stop it: Ctrl-C");
    let pool = ThreadPool::new(WORKERS, QUEUE_BOUND);
    step04::serve(start.listener, pool, &start.shutdown, move |stream| {
        step04::handle_connection(stream, || thread::sleep(sleep));
    });
}
