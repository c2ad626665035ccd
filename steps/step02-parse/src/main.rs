//! `cargo run -p step02`: answers every request with a description of what it parsed.

use step02::{cli, server};

fn main() {
    let addr = cli::addr_from_args("step02", cli::DEFAULT_ADDR);
    let listener = cli::bind_or_exit(&addr);
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("step02: request parser listening on {local}");
    println!("try it:  curl -i http://{local}/hello?x=1");
    server::serve(&listener, step02::handle_connection);
}
