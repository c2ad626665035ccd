//! `cargo run -p step06 --bin front -- --addr 127.0.0.1:7878 --backend 127.0.0.1:7879`:
//! the HTTP front alone, forwarding to a backend started separately.

use step06::cli;
use step06::split::front::Front;

fn main() {
    let usage = format!(
        "usage: front [--addr HOST:PORT] [--backend HOST:PORT] [--timeout-ms N]\n\n  \
         --addr HOST:PORT      where to listen for browsers (default {})\n  \
         --backend HOST:PORT   where the backend listens (default {})\n  \
         --timeout-ms N        how long to wait for the backend's reply (default {})",
        cli::DEFAULT_ADDR,
        step06::BACKEND_ADDR,
        step06::split::front::DEFAULT_TIMEOUT.as_millis()
    );
    let flags = cli::flags_or_exit(&usage, &["addr", "backend", "timeout-ms"]);
    let backend = flags.get("backend").unwrap_or(step06::BACKEND_ADDR);
    let timeout = step06::millis_or_exit(
        "timeout-ms",
        flags.get("timeout-ms"),
        step06::split::front::DEFAULT_TIMEOUT,
    );
    let listener = cli::bind_or_exit(flags.get("addr").unwrap_or(cli::DEFAULT_ADDR));
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("front: listening on {local} (forwarding to the backend at {backend})");
    println!("open http://{local}/ in a browser, or: curl -i http://{local}/");
    step06::run_front(listener, Front::new(backend, timeout));
}
