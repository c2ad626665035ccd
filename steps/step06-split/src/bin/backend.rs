//! `cargo run -p step06 --bin backend -- --addr 127.0.0.1:7879`: the application
//! backend alone, for a front started with `--bin front`.

use step06::cli;

fn main() {
    let usage = format!(
        "usage: backend [--addr HOST:PORT] [--sleep-ms N]\n\n  \
         --addr HOST:PORT   where to listen for fronts (default {})\n  \
         --sleep-ms N       how long GET /sleep sleeps (default {})",
        step06::BACKEND_ADDR,
        step06::SLEEP.as_millis()
    );
    let flags = cli::flags_or_exit(&usage, &["addr", "sleep-ms"]);
    let sleep = step06::millis_or_exit("sleep-ms", flags.get("sleep-ms"), step06::SLEEP);
    let listener = cli::bind_or_exit(flags.get("addr").unwrap_or(step06::BACKEND_ADDR));
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("backend: listening on {local} (frames, not HTTP: point a front at it)");
    step06::run_backend(listener, false, sleep);
}
