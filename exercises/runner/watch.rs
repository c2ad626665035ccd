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
use crate::lang::Lang;
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
pub fn run(dir: &Path, lang: Lang) -> ExitCode {
    print!("{}", progress::render(&crate::rows(dir, lang), lang));
    println!("\n{}", lang.watching_start());
    let mut seen = modified_times(dir);
    loop {
        thread::sleep(Duration::from_secs(1));
        let now = modified_times(dir);
        for exercise in CATALOG {
            if now.get(exercise.name) != seen.get(exercise.name) {
                println!("\n{}", lang.file_changed(exercise.name));
                // `check` prints the tests' output and a verdict.
                let _ = crate::check(dir, exercise, lang);
                println!("\n{}", lang.watching_again());
            }
        }
        seen = now;
    }
}
