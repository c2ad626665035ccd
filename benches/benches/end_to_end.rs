//! End-to-end throughput: the same load against every server in the workspace.
//!
//! Each server is started on `127.0.0.1:0` (see `benches::servers`), driven
//! by `benches::load` (K client threads, N requests each), and stopped. One
//! criterion group, `end_to_end`, holds one entry per workload and server:
//!
//! | workload           | route          | connections                                  |
//! |--------------------|----------------|----------------------------------------------|
//! | `hello-new-conn`   | a cheap `GET`  | a new one per request (`Connection: close`)  |
//! | `hello-keep-alive` | the same       | kept open where the server allows it         |
//! | `slow-10ms`        | sleeps ~10 ms  | kept open where the server allows it         |
//!
//! In the keep-alive workloads the clients ask to keep their connection; a
//! server that answers `Connection: close` (steps 03 to 06) gets a new
//! connection for the next request, as a browser would do. So every server
//! runs every workload it has a route for, and `hello-keep-alive` against
//! `hello-new-conn` shows what keep-alive is worth to the servers that have it.
//!
//! `Throughput::Elements` counts requests, so criterion reports requests per
//! second. The slow workload is where concurrency shows: one thread can answer
//! at most 100 such requests a second, however fast it parses.
//!
//! Run it with `cargo bench -p benches --bench end_to_end`; add a filter such
//! as `-- step03` to run one server; `-- --test` runs each entry once. The
//! `nginx→` servers need nginx installed; where it is not, they are left out
//! with one message saying how to install it, and the rest runs.

use std::time::Duration;

use benches::load::{ConnectionMode, Load};
use benches::servers::{Launch, RunningServer, Server};
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

/// The leash every server runs on; built by `cargo bench` with this bench.
const LEASH: &str = env!("CARGO_BIN_EXE_leash");

/// Every server under test, in the order of the tutorial. Adding one is one
/// entry here (and, for a workspace binary, a `[[bin]]` in Cargo.toml).
const SERVERS: &[Server] = &[
    // Step 03: one thread, one request per connection. The baseline. (Its
    // `/sleep` exists only in the bench's copy: see src/bin/bench-step03.rs.)
    Server {
        name: "step03",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-step03"),
            args: &["--sleep-ms", "10"],
            env: &[],
        },
        hello_path: "/",
        slow_path: Some("/sleep"),
        keep_alive: false,
    },
    // Step 04: step 03's site on a pool of 4 workers; `/sleep` told to nap 10 ms.
    Server {
        name: "step04",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-step04"),
            args: &["--sleep-ms", "10"],
            env: &[],
        },
        hello_path: "/",
        slow_path: Some("/sleep"),
        keep_alive: false,
    },
    // Step 05: the same pool, requests dispatched through a Router.
    Server {
        name: "step05",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-step05"),
            args: &["--sleep-ms", "10"],
            env: &[],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: false,
    },
    // Step 06: an HTTP front (8 workers) forwarding JSON frames to a
    // backend process (8 workers) that runs step 05's router.
    Server {
        name: "step06",
        launch: Launch::Split {
            backend: env!("CARGO_BIN_EXE_bench-step06-backend"),
            backend_args: &["--sleep-ms", "10"],
            front: env!("CARGO_BIN_EXE_bench-step06-front"),
            front_args: &[],
            env: &[],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: false,
    },
    // Step 07: one event loop owning every socket, step 05's router on a
    // pool of 8 workers, keep-alive and pipelining.
    Server {
        name: "step07",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-step07"),
            args: &["--sleep-ms", "10"],
            env: &[],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
    // Step 08: step 07's loop serving an App: the same kind of route, now
    // through a URL table of its own, the middleware chain and the access
    // log (a line per request, as step 07's loop printed one). 8 workers,
    // as step 07 (its settings file says 4). It has no `/sleep`.
    Server {
        name: "step08",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-step08"),
            args: &[],
            env: &[("STEP08_WORKERS", "8")],
        },
        hello_path: "/hello/bench",
        slow_path: None,
        keep_alive: true,
    },
    // httprs in one process, with its defaults: event loops, a worker pool,
    // keep-alive.
    Server {
        name: "httprs",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_bench-httprs"),
            args: &[],
            // Hyper logs nothing; httprs's access log (a line per request)
            // is switched off to compare like with like, as final's README does.
            env: &[("HTTPRS_ACCESS_LOG", "false")],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
    // httprs in split mode: the same app as the row above, run with
    // `--backend`, behind `httprs-front` (64 workers by default). Both with
    // their access logs off, like the row above.
    Server {
        name: "httprs-split",
        launch: Launch::Split {
            backend: env!("CARGO_BIN_EXE_bench-httprs"),
            backend_args: &["--backend"],
            front: env!("CARGO_BIN_EXE_bench-httprs-front"),
            front_args: &["--access-log", "false"],
            // Both processes get it: a backend with debug off needs a split
            // key, and its front the same one. A bench on loopback, so a
            // fixed one will do.
            env: &[
                ("HTTPRS_ACCESS_LOG", "false"),
                (
                    "HTTPRS_SPLIT_KEY",
                    "9c1185a5c5e9fc54612808977ee8f548b2258d31bench-only-split-key",
                ),
            ],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
    // The conventional way to run several processes: nginx (2 workers,
    // upstream keep-alive; benches/nginx/bench.conf.template) as the reverse
    // proxy in front of the one-process httprs above. Skipped where nginx is
    // not installed.
    Server {
        name: "nginx→httprs",
        launch: Launch::Nginx {
            backend: env!("CARGO_BIN_EXE_bench-httprs"),
            backend_args: &[],
            env: &[("HTTPRS_ACCESS_LOG", "false")],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
    // The reference: hyper 1.x on tokio, as its own hello example is. Its
    // `/sleep` is an async wait (tokio::time::sleep), not a blocked thread:
    // see src/bin/hyper_hello.rs for what that row compares.
    Server {
        name: "hyper",
        launch: Launch::Single {
            exe: env!("CARGO_BIN_EXE_hyper_hello"),
            args: &[],
            env: &[],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
    // The same nginx in front of hyper: the anchor that `httprs-split` is
    // measured against, what a user would build from parts people trust.
    Server {
        name: "nginx→hyper",
        launch: Launch::Nginx {
            backend: env!("CARGO_BIN_EXE_hyper_hello"),
            backend_args: &[],
            env: &[],
        },
        hello_path: "/hello/bench",
        slow_path: Some("/sleep"),
        keep_alive: true,
    },
];

/// A kind of load: which route, how connections are used, how much of it.
struct Workload {
    /// The name in bench ids: criterion's "function" part.
    name: &'static str,
    clients: usize,
    requests_per_client: usize,
    /// The route and connection mode for a server, or `None` if the server
    /// cannot run this workload (it is then left out, not faked).
    plan: fn(&Server) -> Option<(&'static str, ConnectionMode)>,
}

/// Eight clients: more than the two cores this was written on and more than a
/// small pool's workers, so queueing shows, but few enough that the client
/// threads do not drown the server in scheduling.
const CLIENTS: usize = 8;

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "hello-new-conn",
        clients: CLIENTS,
        requests_per_client: 25,
        plan: |server| Some((server.hello_path, ConnectionMode::PerRequest)),
    },
    Workload {
        name: "hello-keep-alive",
        clients: CLIENTS,
        requests_per_client: 25,
        plan: |server| Some((server.hello_path, ConnectionMode::KeepAlive)),
    },
    Workload {
        name: "slow-10ms",
        clients: CLIENTS,
        // 32 requests: 320 ms for one thread, 40 ms for eight.
        requests_per_client: 4,
        plan: |server| {
            server
                .slow_path
                .map(|path| (path, ConnectionMode::KeepAlive))
        },
    },
];

fn end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("end_to_end");
    // Each iteration is hundreds of requests, so a few samples of many
    // iterations each are plenty; flat sampling keeps the slow servers' runs
    // short (criterion's linear sampling would run them up to 55 times).
    group.sampling_mode(SamplingMode::Flat);
    // Servers this machine cannot run (nginx not installed) are left out,
    // said once, before anything runs, and the rest runs.
    let mut skipped: Vec<&str> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for server in SERVERS {
        if let Some(reason) = server.unavailable() {
            skipped.push(server.name);
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!("skipping {}: {}", skipped.join(", "), reasons.join("; "));
    }
    for server in SERVERS.iter().filter(|s| !skipped.contains(&s.name)) {
        // Started on first use, so a filter that skips a server never starts
        // it; dropped at the end of this loop body, which stops it.
        let mut running: Option<RunningServer> = None;
        for workload in WORKLOADS {
            let Some((path, mode)) = (workload.plan)(server) else {
                continue;
            };
            let load = Load {
                clients: workload.clients,
                requests_per_client: workload.requests_per_client,
                path: path.to_string(),
                mode,
            };
            group.throughput(Throughput::Elements(load.requests()));
            let id = BenchmarkId::new(workload.name, server.name);
            group.bench_function(id, |b| {
                let addr = running
                    .get_or_insert_with(|| {
                        server
                            .start(LEASH)
                            .unwrap_or_else(|err| panic!("{}: {err}", server.name))
                    })
                    .addr;
                b.iter(|| run_checked(server, &load, addr));
            });
        }
    }
    group.finish();
}

/// Runs one batch of load and checks it was the load we meant to measure.
fn run_checked(server: &Server, load: &Load, addr: std::net::SocketAddr) {
    let connections = load
        .run(addr)
        .unwrap_or_else(|err| panic!("{} on {}: {err}", server.name, load.path));
    if server.keep_alive
        && load.mode == ConnectionMode::KeepAlive
        && connections != load.clients as u64
    {
        panic!(
            "{}: {connections} connections for {} keep-alive clients: the server closed \
             some, so it should not be listed with keep_alive: true",
            server.name, load.clients
        );
    }
}

criterion_group! {
    name = benches;
    // Short runs by default; `-- --measurement-time 10` on the command line
    // overrides them for a careful run.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = end_to_end
}
criterion_main!(benches);
