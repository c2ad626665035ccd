//! `cargo run -p step01`: a TCP echo server. Try it with `nc -N 127.0.0.1 7878`.

use step01::{cli, echo, server};

fn main() {
    let addr = cli::addr_from_args("step01", cli::DEFAULT_ADDR);
    let listener = cli::bind_or_exit(&addr);
    // `local_addr` reports the real port, which matters when asked for port 0.
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("step01: echo server listening on {local}");
    println!("try it:  nc -N {} {}", local.ip(), local.port());
    server::serve(&listener, |mut stream| {
        if let Err(err) = echo::echo(&mut stream) {
            eprintln!("echo failed: {err}");
        }
    });
}
