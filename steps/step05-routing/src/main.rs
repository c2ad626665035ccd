//! `cargo run -p step05`: the demo routes on step 04's thread pool.
//! Open http://127.0.0.1:7878/ for the list.

use std::sync::Arc;
use std::thread;

use step05::pool::ThreadPool;

fn main() {
    let start = step04::start_or_exit("step05");
    let (local, sleep) = (start.local, start.sleep);
    // One router for every worker: an Arc shares it, and it is Sync.
    let router = Arc::new(step05::demo_router_with(move || thread::sleep(sleep)));
    println!("step05: router listening on {local}");
    println!("try it:  curl -i http://{local}/hello/J%C3%BCrgen");
    let pool = ThreadPool::new(step04::WORKERS, step04::QUEUE_BOUND);
    step04::serve(start.listener, pool, &start.shutdown, move |stream| {
        step05::handle_connection(stream, &router);
    });
}
