//! # httprs benchmarks
//!
//! What each layer of httprs buys, in numbers: the same load against every
//! server in the workspace and against a hyper reference server, plus micro
//! benches of the pieces that matter on the hot path. `cargo bench -p benches`
//! runs everything; `cargo run -p benches --bin report` turns criterion's saved
//! results into a Markdown table and an SVG chart.
//!
//! What it deliberately leaves out: load from another machine, latency
//! percentiles (criterion measures time per batch of requests), and any
//! address but 127.0.0.1. These are comparisons between layers on one
//! machine, not capacity planning.
//!
//! Modules:
//! - [`load`]: the load client: K threads, N requests each, keep-alive or a new connection per request.
//! - [`servers`]: start a server binary on a free port, on a *leash* that stops it whatever happens.
//! - [`nginx`]: find the machine's nginx, and give each start its own configuration and files.
//! - [`results`]: read criterion's saved estimates back (for the report).
//! - [`summary`]: the Markdown table and the SVG chart.
//!
//! Targets:
//! - `benches/end_to_end.rs`: the throughput group, one entry per server and workload.
//! - `benches/micro.rs`: parsing, serialising, framing, job dispatch.
//! - `src/bin/report.rs`: the summary; `src/bin/leash.rs`: the leash.
//! - The servers under test, binaries of this package: steps 04, 05 and 06
//!   are built from their own `main.rs`, `front.rs` and `backend.rs` (see
//!   `Cargo.toml`; each takes `--sleep-ms`), `src/bin/bench-step03.rs` is
//!   step 03's `main` plus a `/sleep` it otherwise lacks, `bench-httprs` is an
//!   httprs app with the routes of `final/examples/hello.rs` plus `/sleep`;
//!   `hyper_hello` is the reference. The `nginx→` rows put the machine's own
//!   nginx in front of `bench-httprs` and `hyper_hello` (skipped, with a
//!   message, where nginx is not installed).
//!   As binaries of this package they are built by `cargo bench` itself.
//! - `tests/servers.rs`: every server starts, answers, and is gone once let go.
#![warn(missing_docs)]

pub mod load;
pub mod nginx;
pub mod results;
pub mod servers;
pub mod summary;
