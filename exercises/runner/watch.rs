//! `watch`: re-check an exercise each time its file is saved.
//!
//! Polling file modification times once a second needs no dependency and
//! works on every platform; an exercise file is small, so it costs nothing.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime};

use crate::catalog::CATALOG;
use crate::progress;

fn modified_times(dir: &Path) -> HashMap<&'static str, SystemTime> {
    CATALOG
        .iter()
        .filter_map(|ex| {
            let meta = std::fs::metadata(progress::exercise_file(dir, ex)).ok()?;
            Some((ex.name, meta.modified().ok()?))
        })
        .collect()
}

/// Shows the table, then loops forever: when a file changes, check it.
pub fn run(dir: &Path) -> ExitCode {
    print!("{}", progress::render(&crate::rows(dir)));
    println!("\nWatching exercises/src for changes (Ctrl-C to stop)...");
    let mut seen = modified_times(dir);
    loop {
        thread::sleep(Duration::from_secs(1));
        let now = modified_times(dir);
        for exercise in CATALOG {
            if now.get(exercise.name) != seen.get(exercise.name) {
                println!("\n──── {} changed ────", exercise.name);
                // `check` prints the tests' output and a verdict.
                let _ = crate::check(dir, exercise);
                println!("\nWatching for changes (Ctrl-C to stop)...");
            }
        }
        seen = now;
    }
}
