//! `cargo run -p step06`: the launcher. Starts the HTTP front here and the
//! backend as a child process, prints both addresses; Ctrl-C stops both.

use std::env;

use step06::cli;
use step06::split::child::BackendChild;
use step06::split::front::Front;

fn main() {
    let usage = format!(
        "usage: step06 [--addr HOST:PORT] [--backend HOST:PORT] [--timeout-ms N] [--sleep-ms N]\n\n  \
         --addr HOST:PORT      where the front listens for browsers (default {})\n  \
         --backend HOST:PORT   where the backend child listens (default {})\n  \
         --timeout-ms N        how long the front waits for a reply (default {})\n  \
         --sleep-ms N          how long the backend's GET /sleep sleeps (default {})\n\n\
         To run the halves apart: --bin backend and --bin front.",
        cli::DEFAULT_ADDR,
        step06::BACKEND_ADDR,
        step06::split::front::DEFAULT_TIMEOUT.as_millis(),
        step06::SLEEP.as_millis()
    );
    let flags = cli::flags_or_exit(
        &usage,
        &["addr", "backend", "timeout-ms", "sleep-ms", "role"],
    );
    let addr = flags.get("addr").unwrap_or(cli::DEFAULT_ADDR);
    let sleep = step06::millis_or_exit("sleep-ms", flags.get("sleep-ms"), step06::SLEEP);

    // `cargo run` builds only the binary it runs, so the launcher cannot count
    // on `backend` being built: it starts a copy of itself in the backend role.
    if flags.get("role") == Some("backend") {
        let listener = cli::bind_or_exit(addr);
        let local = listener
            .local_addr()
            .expect("a bound listener has an address");
        println!("backend: listening on {local}");
        step06::run_backend(listener, true, sleep);
        return;
    }

    let backend_addr = flags.get("backend").unwrap_or(step06::BACKEND_ADDR);
    let timeout = step06::millis_or_exit(
        "timeout-ms",
        flags.get("timeout-ms"),
        step06::split::front::DEFAULT_TIMEOUT,
    );
    let listener = cli::bind_or_exit(addr);
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("step06: front listening on {local}");
    let exe = env::current_exe().expect("the running program has a path");
    let sleep_ms = sleep.as_millis().to_string();
    let child_args = [
        "--role",
        "backend",
        "--addr",
        backend_addr,
        "--sleep-ms",
        &sleep_ms,
    ];
    let backend = BackendChild::spawn(&exe, &child_args).unwrap_or_else(|err| {
        eprintln!("error: cannot start the backend on {backend_addr}: {err}");
        std::process::exit(1);
    });
    let (pid, backend_at) = (backend.pid(), backend.addr);
    println!("step06: backend is process {pid}, on {backend_at}");
    println!("open http://{local}/ in a browser, or: curl -i http://{local}/hello/world");
    println!("kill the backend with `kill {pid}` (the front answers 502), bring it back with");
    println!("  cargo run -p step06 --bin backend -- --addr {backend_at}");
    println!("stop both: Ctrl-C");
    step06::run_front(listener, Front::new(backend_at.to_string(), timeout));
    // Dropping the child kills it: the front has stopped, so must the backend.
    drop(backend);
}
