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
mod lang;
mod progress;
mod stubs;
mod watch;

use std::path::Path;
use std::process::ExitCode;

use cargo::{Outcome, Output};
use catalog::{CATALOG, Exercise};
use lang::Lang;
use progress::{Failure, Row, Status};

/// The `exercises/` folder, wherever the runner is started from.
const DIR: &str = env!("CARGO_MANIFEST_DIR");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dir = Path::new(DIR);
    let lang = Lang::from_env();
    match args.as_slice() {
        [] | ["list"] => list(dir, lang),
        ["hint", name] => with_exercise(name, lang, |ex| {
            let level = lang.difficulty(ex.difficulty.label());
            let heading = lang.hint_heading(ex.name, ex.chapter, level, ex.topic(lang));
            println!("{heading}\n\n{}", ex.hint(lang));
            ExitCode::SUCCESS
        }),
        ["check", name] => with_exercise(name, lang, |ex| check(dir, ex, lang)),
        ["watch"] => watch::run(dir, lang),
        // For CI (check-honesty.sh): the catalog's stub counts match the files.
        ["verify-stubs"] => verify_stubs(dir),
        ["help" | "-h" | "--help"] => {
            println!("{}", lang.usage());
            ExitCode::SUCCESS
        }
        _ => {
            let unknown = lang.unknown_command(&args.join(" "));
            eprintln!("{unknown}\n\n{}", lang.usage());
            ExitCode::from(2)
        }
    }
}

/// Runs `action` on the named exercise, or explains that there is none (exit 2).
fn with_exercise(
    name: &str,
    lang: Lang,
    action: impl FnOnce(&'static Exercise) -> ExitCode,
) -> ExitCode {
    match catalog::find(name) {
        Some(exercise) => action(exercise),
        None => {
            eprintln!("{}", lang.unknown_exercise(name));
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
pub(crate) fn status_of(dir: &Path, exercise: &Exercise, lang: Lang) -> Status {
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
            eprintln!("{}", lang.cannot_run_tests(Some(exercise.name), &err));
            Failure::Tests
        }
    };
    Status::Failing { why, todos_left }
}

pub(crate) fn rows(dir: &Path, lang: Lang) -> Vec<Row> {
    catalog::in_tutorial_order()
        .into_iter()
        .map(|exercise| {
            let started = todos_in(dir, exercise) != Some(exercise.stubs);
            if started {
                eprintln!("{}", lang.checking_quietly(exercise.name));
            }
            Row {
                exercise,
                status: status_of(dir, exercise, lang),
            }
        })
        .collect()
}

fn list(dir: &Path, lang: Lang) -> ExitCode {
    print!("{}", progress::render(&rows(dir, lang), lang));
    ExitCode::SUCCESS
}

fn check(dir: &Path, exercise: &Exercise, lang: Lang) -> ExitCode {
    let file = progress::display_file(exercise);
    println!("{}", lang.checking(exercise.name, &file));
    let outcome = match cargo::run_tests(dir, exercise.name, Output::Visible) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("{}", lang.cannot_run_tests(None, &err));
            return ExitCode::FAILURE;
        }
    };
    let todos_left = todos_in(dir, exercise).unwrap_or(0);
    println!();
    match outcome {
        Outcome::Passed => {
            println!("{}", lang.check_passed(exercise.name));
            // Point at the next exercise not started yet, found without
            // running any tests (a full table would run every started one).
            let next = catalog::in_tutorial_order()
                .into_iter()
                .skip_while(|ex| ex.name != exercise.name)
                .skip(1)
                .find(|ex| todos_in(dir, ex) == Some(ex.stubs));
            match next {
                Some(next) => {
                    let level = lang.difficulty(next.difficulty.label());
                    let line = lang.next(next.name, next.chapter, level, next.topic(lang));
                    let file = progress::display_file(next);
                    println!("{}", lang.next_after_pass(&line, &file));
                }
                None => println!("{}", lang.see_what_is_left()),
            }
            ExitCode::SUCCESS
        }
        Outcome::BuildError => {
            println!("{}", lang.does_not_compile(&file));
            ExitCode::FAILURE
        }
        Outcome::TimedOut => {
            let seconds = cargo::TIME_LIMIT.as_secs();
            println!("{}", lang.timed_out(exercise.name, seconds));
            ExitCode::FAILURE
        }
        Outcome::Failed => {
            if todos_left > 0 {
                println!("{}", lang.not_done(exercise.name, todos_left, &file));
            } else {
                println!("{}", lang.tests_failing(exercise.name));
            }
            println!("{}", lang.stuck(exercise.name));
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
