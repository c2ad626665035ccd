//! `cargo run -p benches --bin report`: criterion's latest results as
//! Markdown tables on stdout, and the throughput chart as an SVG.
//!
//! ```text
//! cargo bench -p benches                 # measure (a few minutes)
//! cargo run -p benches --bin report      # summarise
//! ```
//!
//! Results are read from `<target>/criterion`, where `<target>` is
//! `CARGO_TARGET_DIR` if set, else the target directory this program was
//! built into: the same one `cargo bench` wrote to, when both are run the
//! usual way. `--criterion-dir` says otherwise. The chart goes to
//! `benches/report/throughput.svg` in the source tree (committed, so that
//! TUTORIAL.md can show it) unless `--svg` names another file.

use std::path::PathBuf;
use std::process::ExitCode;

use benches::{results, summary};
use step03::cli;

const USAGE: &str = "usage: report [--criterion-dir DIR] [--svg FILE]

  --criterion-dir DIR   criterion's results (default: <target>/criterion)
  --svg FILE            where to write the chart (default: benches/report/throughput.svg)";

fn main() -> ExitCode {
    let flags = cli::flags_or_exit(USAGE, &["criterion-dir", "svg"]);
    let criterion_dir = flags
        .get("criterion-dir")
        .map(PathBuf::from)
        .unwrap_or_else(default_criterion_dir);
    let svg = flags
        .get("svg")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("report/throughput.svg"));

    let measurements = match results::load_all(&criterion_dir) {
        Ok(measurements) => measurements,
        Err(err) => {
            eprintln!("error: cannot read criterion's results: {err}");
            eprintln!("run `cargo bench -p benches` first, or pass --criterion-dir");
            return ExitCode::FAILURE;
        }
    };
    let rows = summary::throughput_rows(&measurements);
    println!("### End to end: requests per second\n");
    println!("{}", summary::throughput_markdown(&rows));
    println!("### Split mode and nginx: requests per second\n");
    println!("{}", summary::split_markdown(&rows));
    println!("### Micro benches\n");
    println!("{}", summary::micro_markdown(&measurements));

    if let Some(dir) = svg.parent() {
        // If this fails, drawing reports the real problem just below.
        let _ = std::fs::create_dir_all(dir);
    }
    match summary::draw_chart(&rows, &svg) {
        Ok(()) => {
            eprintln!("chart written to {}", svg.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: cannot draw {}: {err}", svg.display());
            ExitCode::FAILURE
        }
    }
}

/// `$CARGO_TARGET_DIR/criterion`, else `criterion/` in the target directory
/// holding this executable (`<target>/<profile>/report`).
fn default_criterion_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("criterion");
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe
        .parent()
        .and_then(|profile| profile.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("criterion")
}
