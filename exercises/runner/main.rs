//! # The exercises' progress runner
//!
//! ```text
//! cargo run -p exercises                      progress table and the next exercise
//! cargo run -p exercises -- hint <name>       a hint for one exercise
//! cargo run -p exercises -- check <name>      run one exercise's tests
//! cargo run -p exercises -- watch             re-check an exercise each time you save it
//! ```
//!
//! `<name>` is the full name (`ex05_status_reason`) or its number (`ex05`).
//!
//! Modules:
//! - [`catalog`]: the exercises, their chapters, difficulties and hints, in one place.
//! - [`stubs`]: "not started" detection: are all the original `todo!()`s still there?
//! - [`progress`]: statuses and the progress table (pure, unit-tested).
//! - [`cargo`]: running `cargo test -p exercises --test <name>`.
//! - [`watch`]: polling file times and re-checking on change.
//!
//! It finds the exercises through `CARGO_MANIFEST_DIR`, fixed at compile
//! time, so it works from any current directory.

mod cargo;
mod catalog;
mod progress;
mod stubs;
mod watch;

use std::path::Path;
use std::process::ExitCode;

use cargo::{Outcome, Output};
use catalog::{CATALOG, Exercise};
use progress::{Failure, Row, Status};

/// The `exercises/` folder, wherever the runner is started from.
const DIR: &str = env!("CARGO_MANIFEST_DIR");

const USAGE: &str = "\
usage: cargo run -p exercises [-- COMMAND]

commands:
  list           progress table and the next exercise to do (the default)
  hint NAME      print the hint for one exercise
  check NAME     run one exercise's tests
  watch          re-check an exercise each time its file is saved (Ctrl-C to stop)
  help           this text

NAME is a full name such as ex05_status_reason, or just ex05.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dir = Path::new(DIR);
    match args.as_slice() {
        [] | ["list"] => list(dir),
        ["hint", name] => with_exercise(name, |ex| {
            println!(
                "Hint for {} (chapter {}, {}, {}):\n\n{}",
                ex.name, ex.chapter, ex.difficulty, ex.topic, ex.hint
            );
            ExitCode::SUCCESS
        }),
        ["check", name] => with_exercise(name, |ex| check(dir, ex)),
        ["watch"] => watch::run(dir),
        // For CI (check-honesty.sh): the catalog's stub counts match the files.
        ["verify-stubs"] => verify_stubs(dir),
        ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("unknown command: {}\n\n{USAGE}", args.join(" "));
            ExitCode::from(2)
        }
    }
}

/// Runs `action` on the named exercise, or explains that there is none (exit 2).
fn with_exercise(name: &str, action: impl FnOnce(&'static Exercise) -> ExitCode) -> ExitCode {
    match catalog::find(name) {
        Some(exercise) => action(exercise),
        None => {
            eprintln!("unknown exercise {name:?}. The exercises are:");
            for ex in catalog::in_tutorial_order() {
                eprintln!("  {}", ex.name);
            }
            ExitCode::from(2)
        }
    }
}

/// How many `todo!()` are in the exercise file now; `None` if it cannot be read.
fn todos_in(dir: &Path, exercise: &Exercise) -> Option<usize> {
    std::fs::read_to_string(progress::exercise_file(dir, exercise))
        .ok()
        .map(|source| stubs::count_todos(&source))
}

/// The status of one exercise, running its tests if it was started.
pub(crate) fn status_of(dir: &Path, exercise: &Exercise) -> Status {
    let todos_left = todos_in(dir, exercise).unwrap_or(0);
    if todos_left == exercise.stubs {
        return Status::NotStarted;
    }
    let why = match cargo::run_tests(dir, exercise.name, Output::Hidden) {
        Ok(Outcome::Passed) => return Status::Passed,
        Ok(Outcome::Failed) => Failure::Tests,
        Ok(Outcome::BuildError) => Failure::Build,
        Ok(Outcome::TimedOut) => Failure::Timeout,
        Err(err) => {
            eprintln!("could not run the tests of {}: {err}", exercise.name);
            Failure::Tests
        }
    };
    Status::Failing { why, todos_left }
}

pub(crate) fn rows(dir: &Path) -> Vec<Row> {
    catalog::in_tutorial_order()
        .into_iter()
        .map(|exercise| {
            let started = todos_in(dir, exercise) != Some(exercise.stubs);
            if started {
                eprintln!("checking {}...", exercise.name);
            }
            Row {
                exercise,
                status: status_of(dir, exercise),
            }
        })
        .collect()
}

fn list(dir: &Path) -> ExitCode {
    print!("{}", progress::render(&rows(dir)));
    ExitCode::SUCCESS
}

fn check(dir: &Path, exercise: &Exercise) -> ExitCode {
    println!(
        "Checking {} ({})...\n",
        exercise.name,
        progress::display_file(exercise)
    );
    let outcome = match cargo::run_tests(dir, exercise.name, Output::Visible) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("could not run the tests: {err}");
            return ExitCode::FAILURE;
        }
    };
    let todos_left = todos_in(dir, exercise).unwrap_or(0);
    println!();
    match outcome {
        Outcome::Passed => {
            println!("✓ {} passed.", exercise.name);
            // Point at the next exercise not started yet, found without
            // running any tests (a full table would run every started one).
            let next = catalog::in_tutorial_order()
                .into_iter()
                .skip_while(|ex| ex.name != exercise.name)
                .skip(1)
                .find(|ex| todos_in(dir, ex) == Some(ex.stubs));
            match next {
                Some(next) => println!(
                    "Next: {} (chapter {}, {}): {}. Edit {}.",
                    next.name,
                    next.chapter,
                    next.difficulty,
                    next.topic,
                    progress::display_file(next)
                ),
                None => println!("See what is left with: cargo run -p exercises"),
            }
            ExitCode::SUCCESS
        }
        Outcome::BuildError => {
            println!(
                "✗ {} does not compile yet: the compiler's messages above say where.",
                progress::display_file(exercise)
            );
            ExitCode::FAILURE
        }
        Outcome::TimedOut => {
            println!(
                "✗ {}'s tests were still running after {} s and were stopped: is there a loop \
                 that never ends, or a wait that never returns?",
                exercise.name,
                cargo::TIME_LIMIT.as_secs()
            );
            ExitCode::FAILURE
        }
        Outcome::Failed => {
            if todos_left > 0 {
                println!(
                    "✗ {} is not done: {todos_left} todo!() left in {} (a test that reaches one \
                     panics with \"not yet implemented\").",
                    exercise.name,
                    progress::display_file(exercise)
                );
            } else {
                println!(
                    "✗ {} has failing tests: each message above says what was expected.",
                    exercise.name
                );
            }
            println!("  stuck? cargo run -p exercises -- hint {}", exercise.name);
            ExitCode::FAILURE
        }
    }
}

fn verify_stubs(dir: &Path) -> ExitCode {
    let mut ok = true;
    for exercise in CATALOG {
        match todos_in(dir, exercise) {
            Some(n) if n == exercise.stubs => {}
            found => {
                ok = false;
                eprintln!(
                    "{}: the catalog expects {} todo!() in the untouched file, found {found:?}",
                    exercise.name, exercise.stubs
                );
            }
        }
    }
    if ok {
        println!("all {} exercise files are untouched stubs", CATALOG.len());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
