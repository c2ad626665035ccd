//! The `cargo run|test|bench` commands a reader copies from the docs.
//!
//! A command is found in two places: on any line of a fenced block (after a
//! `$ ` prompt, behind an environment variable, or in a `#` comment of a
//! config file; a line ending in `\` continues on the next), and in inline
//! code (`` `cargo run -p step01` ``, which may wrap across lines). Each is
//! then checked against the workspace as cargo and the program would see it.

use std::collections::BTreeSet;
use std::fs;

use super::workspace::{Workspace, string_literals};

/// One command as written, with the line of the document it starts on.
pub struct Mention {
    pub line: usize,
    /// From `cargo` to the end of the command (a `#` comment, `&&`, `|`, ...
    /// or the closing backtick ends it).
    pub text: String,
}

/// Every `cargo run`, `cargo test` and `cargo bench` in `markdown`.
pub fn mentions(markdown: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    // Prose, with code blocks replaced by blank lines so no inline span
    // crosses one, and the document line of each prose line.
    let mut prose = String::new();
    let mut prose_lines = Vec::new();
    let mut in_block = false;
    let mut continued: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continued = None;
            prose_lines.push((prose.len(), i + 1));
            prose.push('\n');
            continue;
        }
        if !in_block {
            prose_lines.push((prose.len(), i + 1));
            prose.push_str(line);
            prose.push('\n');
            continue;
        }
        let (start, mut text) = continued.take().unwrap_or((i + 1, String::new()));
        text.push_str(line.trim_end());
        if let Some(head) = text.strip_suffix('\\') {
            continued = Some((start, format!("{head} ")));
            continue;
        }
        for at in command_starts(&text) {
            found.push(Mention {
                line: start,
                text: text[at..].to_string(),
            });
        }
        prose_lines.push((prose.len(), i + 1));
        prose.push('\n');
    }
    for (offset, span) in inline_code(&prose) {
        let line = prose_lines
            .iter()
            .take_while(|(start, _)| *start <= offset)
            .last()
            .map_or(1, |(_, line)| *line);
        for at in command_starts(&span) {
            found.push(Mention {
                line,
                text: span[at..].to_string(),
            });
        }
    }
    found.sort_by_key(|m| m.line);
    found
}

/// Where `cargo run`, `cargo test` or `cargo bench` starts in `text`.
fn command_starts(text: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = ["cargo run", "cargo test", "cargo bench"]
        .iter()
        .flat_map(|cmd| text.match_indices(cmd).map(|(at, _)| at))
        .filter(|&at| {
            let before = text[..at].chars().next_back();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
        .collect();
    starts.sort();
    starts
}

/// Inline code spans of `prose`: (byte offset, content with newlines as
/// spaces). A span is closed by a backtick run of its opening's length and
/// never crosses a blank line, as in CommonMark.
fn inline_code(prose: &str) -> Vec<(usize, String)> {
    let bytes = prose.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let open = i + run;
        let mut j = open;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'\n' && bytes.get(j + 1) == Some(&b'\n') {
                break;
            }
            if bytes[j] == b'`' {
                let other = bytes[j..].iter().take_while(|&&b| b == b'`').count();
                if other == run {
                    close = Some(j);
                    break;
                }
                j += other;
                continue;
            }
            j += 1;
        }
        match close {
            Some(end) => {
                spans.push((open, prose[open..end].replace('\n', " ")));
                i = end + run;
            }
            None => i = open,
        }
    }
    spans
}

/// Cargo's own flags that take a value (`--features X`).
const CARGO_VALUE_FLAGS: &[&str] = &[
    "-p",
    "--package",
    "--example",
    "--bin",
    "--test",
    "--bench",
    "-F",
    "--features",
    "--profile",
    "-j",
    "--jobs",
    "--target-dir",
    "--manifest-path",
    "--exclude",
];

/// Cargo's own flags that stand alone.
const CARGO_SWITCHES: &[&str] = &[
    "--release",
    "--workspace",
    "--all-targets",
    "--all-features",
    "--no-default-features",
    "--lib",
    "--bins",
    "--examples",
    "--tests",
    "--benches",
    "--doc",
    "--no-run",
    "--no-fail-fast",
    "-q",
    "--quiet",
    "-v",
    "--verbose",
    "--locked",
    "--offline",
    "--frozen",
];

/// What the test harness takes after `cargo test ... --`.
const LIBTEST_FLAGS: &[&str] = &[
    "--nocapture",
    "--show-output",
    "--test-threads",
    "--ignored",
    "--include-ignored",
    "--exact",
    "--list",
    "-q",
    "--quiet",
    "--skip",
];

/// What criterion takes after `cargo bench ... --`, and which of those take a value.
const CRITERION_FLAGS: &[&str] = &[
    "--test",
    "--bench",
    "--list",
    "--quick",
    "--noplot",
    "--exact",
    "--verbose",
    "--quiet",
    "--discard-baseline",
];
const CRITERION_VALUE_FLAGS: &[&str] = &[
    "--measurement-time",
    "--warm-up-time",
    "--sample-size",
    "--save-baseline",
    "--baseline",
    "--load-baseline",
    "--profile-time",
    "--nresamples",
    "--noise-threshold",
    "--significance-level",
    "--confidence-level",
    "--output-format",
    "--plotting-backend",
    "--color",
];

/// A command taken apart: cargo's part, and the words after `--`.
pub struct Command {
    pub subcommand: String,
    pub package: Option<String>,
    pub workspace: bool,
    pub features: Vec<String>,
    pub example: Option<String>,
    pub bin: Option<String>,
    pub test: Option<String>,
    pub bench: Option<String>,
    /// Flags cargo would not understand.
    pub unknown: Vec<String>,
    /// The program's words: after `--`, and for `cargo run` also bare words before it.
    pub args: Vec<String>,
}

impl Command {
    pub fn parse(text: &str) -> Command {
        let text = without_substitutions(text);
        let mut words = text.split_whitespace().map(|w| {
            w.trim_matches(|c| c == '\'' || c == '"')
                .trim_end_matches([',', ';', ')'])
        });
        words.next(); // cargo
        let subcommand = words.next().unwrap_or_default().to_string();
        let mut command = Command {
            subcommand,
            package: None,
            workspace: false,
            features: Vec::new(),
            example: None,
            bin: None,
            test: None,
            bench: None,
            unknown: Vec::new(),
            args: Vec::new(),
        };
        let mut after_dashes = false;
        let mut words = words.take_while(|w| {
            !(w.is_empty()
                || ["&&", "||", "|", ";", "&"].contains(w)
                || w.starts_with(['#', '>', '<'])
                || w.starts_with("2>"))
        });
        while let Some(word) = words.next() {
            if after_dashes {
                command.args.push(word.to_string());
                continue;
            }
            if word == "--" {
                after_dashes = true;
                continue;
            }
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) if flag.starts_with('-') => (flag, Some(value.to_string())),
                _ => (word, None),
            };
            if CARGO_VALUE_FLAGS.contains(&flag) {
                let value = inline
                    .or_else(|| words.next().map(str::to_string))
                    .unwrap_or_default();
                match flag {
                    "-p" | "--package" => command.package = Some(value),
                    "--example" => command.example = Some(value),
                    "--bin" => command.bin = Some(value),
                    "--test" => command.test = Some(value),
                    "--bench" => command.bench = Some(value),
                    "-F" | "--features" => command
                        .features
                        .extend(value.split(',').map(str::to_string)),
                    _ => {}
                }
            } else if CARGO_SWITCHES.contains(&flag) {
                command.workspace |= flag == "--workspace";
            } else if word.starts_with('-') {
                command.unknown.push(word.to_string());
            } else if command.subcommand == "run" {
                command.args.push(word.to_string());
            }
            // A bare word for test or bench is a name filter: anything goes.
        }
        command
    }
}

/// What is wrong with `mention` in this workspace; empty when nothing is.
pub fn check(ws: &Workspace, mention: &Mention) -> Vec<String> {
    let command = Command::parse(&mention.text);
    let mut problems = Vec::new();
    for flag in &command.unknown {
        problems.push(format!(
            "`{flag}` is not a cargo flag this check knows (a typo? if it is real, add it to CARGO_SWITCHES or CARGO_VALUE_FLAGS in tests/tutorial_sync/commands.rs)"
        ));
    }
    let Some(name) = &command.package else {
        // `cargo run` with no package runs in some other project (the
        // guestbook the reader creates); only `--workspace` features are ours.
        for feature in &command.features {
            check_feature(ws, None, feature, &mut problems);
        }
        return problems;
    };
    let Some(package) = ws.package(name) else {
        problems.push(format!(
            "`-p {name}`: no such package; the workspace has {:?}",
            ws.names()
        ));
        return problems;
    };
    for feature in &command.features {
        check_feature(ws, Some(name), feature, &mut problems);
    }
    let targets = [
        ("--example", &command.example, package.examples()),
        ("--bin", &command.bin, package.bins()),
        ("--test", &command.test, package.tests()),
        ("--bench", &command.bench, package.benches()),
    ];
    for (flag, wanted, have) in targets {
        if let Some(wanted) = wanted {
            if !have.contains(wanted) {
                problems.push(format!(
                    "`{flag} {wanted}`: package {name} has no such target; its {flag} targets are {have:?}"
                ));
            }
        }
    }
    match command.subcommand.as_str() {
        "run" => {
            if command.example.is_none() && command.bin.is_none() && !package.runs_by_default() {
                problems.push(format!(
                    "`cargo run -p {name}` needs `--bin`: it has binaries {:?} and no default-run",
                    package.bins()
                ));
            }
            check_program_args(ws, name, &command.args, &mut problems);
        }
        "test" => check_harness_args(
            &command.args,
            LIBTEST_FLAGS,
            &[],
            "the test harness",
            &mut problems,
        ),
        "bench" => {
            check_harness_args(
                &command.args,
                CRITERION_FLAGS,
                CRITERION_VALUE_FLAGS,
                "criterion",
                &mut problems,
            );
            check_bench_filters(
                ws,
                name,
                command.bench.as_deref(),
                &command.args,
                &mut problems,
            );
        }
        _ => {}
    }
    problems
}

/// `pkg/feature`, or `feature` of `package`, must be declared in `[features]`.
fn check_feature(ws: &Workspace, package: Option<&str>, feature: &str, problems: &mut Vec<String>) {
    let (owner, feature) = match feature.split_once('/') {
        Some((owner, feature)) => (owner, feature),
        None => match package {
            Some(package) => (package, feature),
            None => return,
        },
    };
    match ws.package(owner) {
        None => problems.push(format!(
            "`--features {owner}/{feature}`: no package {owner}"
        )),
        Some(p) if !p.features().contains(feature) => problems.push(format!(
            "`--features {owner}/{feature}`: {owner} declares only {:?}",
            p.features()
        )),
        Some(_) => {}
    }
}

/// The words after `--` of `cargo run -p name`: each flag must be one the
/// program (or a workspace crate it is built on) names in a string literal,
/// as `"--addr"` or as `"addr"` in a list of known flags; each bare word that
/// is not a flag's value must be a literal too (a subcommand such as
/// `check`) or, for the exercises, an exercise's name.
/// `"$(pgrep step07)"` is the shell's business, not the program's: each
/// `$(...)` becomes one opaque word, so the words inside it are not taken
/// for the program's flags.
fn without_substitutions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push_str("$SUBSTITUTION");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn check_program_args(ws: &Workspace, name: &str, args: &[String], problems: &mut Vec<String>) {
    if args.is_empty() {
        return;
    }
    let literals = ws.program_literals(name);
    let mut after_flag = false;
    for arg in args {
        if let Some(flag) = arg.strip_prefix("--") {
            let flag = flag.split('=').next().unwrap_or_default();
            after_flag = !arg.contains('=');
            if flag == "help" || literals.contains(flag) || literals.contains(&format!("--{flag}"))
            {
                continue;
            }
            problems.push(format!(
                "`--{flag}`: neither \"--{flag}\" nor \"{flag}\" appears as a string in {name} or the workspace crates it is built on, so its program cannot know this flag"
            ));
        } else if std::mem::take(&mut after_flag) {
            // The value of the flag before it (`--addr 127.0.0.1:9000`).
        } else if let Some(problem) = exercise_problem(ws, arg) {
            problems.push(problem);
        } else if !is_exercise_name(arg) && !literals.contains(arg.as_str()) {
            problems.push(format!(
                "`{arg}`: the program of {name} has no string \"{arg}\", so it cannot recognise this word"
            ));
        }
    }
}

fn is_exercise_name(word: &str) -> bool {
    let bytes = word.as_bytes();
    word.starts_with("ex") && bytes.len() >= 4 && bytes[2..4].iter().all(u8::is_ascii_digit)
}

/// For a word shaped like an exercise (`ex05`, `ex05_status_reason`): what
/// is wrong with it, if anything. The runner takes a full name (a file of
/// `exercises/src/`) or its number alone.
fn exercise_problem(ws: &Workspace, word: &str) -> Option<String> {
    if !is_exercise_name(word) {
        return None;
    }
    let dir = ws.package("exercises")?.dir.join("src");
    let names: BTreeSet<String> = fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            Some(name.strip_suffix(".rs")?.to_string())
        })
        .filter(|n| is_exercise_name(n))
        .collect();
    let matches = if word.len() == 4 {
        names
            .iter()
            .filter(|n| n.starts_with(&format!("{word}_")))
            .count()
    } else {
        usize::from(names.contains(word))
    };
    (matches != 1).then(|| format!("`{word}`: no such exercise; exercises/src has {names:?}"))
}

/// Flags after `cargo test --` or `cargo bench --` must be the harness's.
fn check_harness_args(
    args: &[String],
    switches: &[&str],
    value_flags: &[&str],
    harness: &str,
    problems: &mut Vec<String>,
) {
    for arg in args.iter().filter(|a| a.starts_with('-')) {
        let flag = arg.split('=').next().unwrap_or_default();
        if !switches.contains(&flag) && !value_flags.contains(&flag) {
            problems.push(format!(
                "`{arg}`: not a flag of {harness} that this check knows ({:?})",
                [switches, value_flags].concat()
            ));
        }
    }
}

/// A bare word after `cargo bench --` filters benchmarks by name, so it
/// must appear in a string of the bench files (a group, a server's name).
fn check_bench_filters(
    ws: &Workspace,
    name: &str,
    bench: Option<&str>,
    args: &[String],
    problems: &mut Vec<String>,
) {
    let Some(package) = ws.package(name) else {
        return;
    };
    let files = package.bench_sources(bench);
    let sources: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap_or_default())
        .collect();
    let literals: Vec<String> = sources.iter().flat_map(|s| string_literals(s)).collect();
    let mut after_value_flag = false;
    for arg in args {
        if arg.starts_with('-') {
            after_value_flag = CRITERION_VALUE_FLAGS.contains(&arg.as_str());
            continue;
        }
        if std::mem::take(&mut after_value_flag) {
            continue;
        }
        // A benchmark's name is a string literal (`"step04"`) or the name
        // of the function that `criterion_group!` registers.
        let named = literals.iter().any(|l| l.contains(arg.as_str()))
            || sources.iter().any(|s| s.contains(&format!("fn {arg}(")));
        if !named {
            problems.push(format!(
                "`{arg}`: no benchmark of {name} is named like this (no such string or bench function in {:?})",
                files
                    .iter()
                    .filter_map(|f| f.file_name())
                    .collect::<Vec<_>>()
            ));
        }
    }
}
