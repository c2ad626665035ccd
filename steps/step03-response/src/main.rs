//! `cargo run -p step03`: a small web site. Open http://127.0.0.1:7878/ in a browser.

use step03::{cli, server};

fn main() {
    let addr = cli::addr_from_args("step03", cli::DEFAULT_ADDR);
    let listener = cli::bind_or_exit(&addr);
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("step03: web server listening on {local}");
    println!("open http://{local}/ in a browser, or: curl -i http://{local}/");
    server::serve(&listener, step03::handle_connection);
}
