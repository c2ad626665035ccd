//! Quoted program output: what the docs say a program prints must be a line
//! the program can print, or come from a test, or say why it cannot.
//!
//! Every fenced block that shows output (a terminal block, `text` or none,
//! with a line that is not a command: see [`is_command`]) carries a marker
//! on the line above it, and an unmarked one is a problem, with its line:
//!
//! - `<!-- output: path/a.rs, path/b -->` (files or folders, from the
//!   workspace root): every line of the block, except blank lines, `...`
//!   lines and `$ ` command lines, must be a line of one of their string
//!   literals, where a `{...}` placeholder of a format string stands for any
//!   text. A log line's leading timestamp and level (`2026-11-20 20:19:04
//!   INFO `) are the logger's, not the message's.
//! - `<!-- output-from-test: path/to/test.rs::test_name -->`: that test
//!   reproduces the block and compares it with what really happens, so it
//!   fails when the block goes stale. Checked here: the file has the test,
//!   and the test names itself in a string (that is how it finds its block
//!   in the document: `step01::testing::tutorial_block`). A block of any
//!   language may carry `<!-- built-by-test: ... -->` the same way: a file
//!   the reader writes, which the test builds.
//! - `<!-- illustrative: reason -->`: output no test can reproduce as it
//!   stands (a date, a port, a timing, a diagram), with the reason said.
//!
//! Without an `output:` marker, the lines everyone copies are checked anyway:
//! a `listening on` or `server started:` line in a text block is matched
//! against the program of the last `cargo run -p ...` above it in the block
//! (or, with none, against every program of the workspace).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::commands::{Command, mentions};
use super::workspace::{Workspace, rust_files, string_literals};

/// Lines that are checked even without a marker.
const KNOWN_OUTPUT: &[&str] = &["listening on ", "server started:"];

/// Block languages that hold terminal sessions (the others hold code or config).
const TERMINAL_LANGUAGES: &[&str] = &["", "text", "console", "sh", "shell", "bash"];

/// The programs the docs tell the reader to run, for [`is_command`].
const PROGRAMS: &[&str] = &[
    "cargo", "curl", "printf", "nc", "sudo", "openssl", "sqlite3", "wrk", "bash", "grep", "kill",
    "export", "for", "sleep", "rm", "sed", "git", "echo", "ulimit", "ss", "lsof", "head", "pgrep",
    "cat", "cd", "mkdir", "cp", "ls", "env", "unset", "time",
];

/// The marker above a fenced block.
enum Marker {
    /// `<!-- output: sources -->`
    Output(String),
    /// `<!-- output-from-test: file::test -->` or `<!-- built-by-test: ... -->`
    FromTest(String),
    /// `<!-- illustrative: reason -->`
    Illustrative(String),
}

impl Marker {
    fn parse(line: &str) -> Option<Marker> {
        let inner = line.strip_prefix("<!--")?.strip_suffix("-->")?.trim();
        let (kind, rest) = inner.split_once(':')?;
        let rest = rest.trim().to_string();
        match kind.trim() {
            "output" => Some(Marker::Output(rest)),
            "output-from-test" | "built-by-test" => Some(Marker::FromTest(rest)),
            "illustrative" => Some(Marker::Illustrative(rest)),
            _ => None,
        }
    }
}

/// Whether a line of a terminal block is something the reader types (or a
/// comment), not something a program printed: a `$ ` prompt, a `#`
/// comment, a `NAME=value` assignment before a command, or one of the
/// [`PROGRAMS`] (or a path to one, `target/...`, `./...`).
pub fn is_command(line: &str) -> bool {
    let t = line.trim_start();
    let first = t.split_whitespace().next().unwrap_or("");
    let assignment = first.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    });
    t.starts_with("$ ")
        || t.starts_with('#')
        || assignment
        || PROGRAMS.contains(&first)
        || first.starts_with("target/")
        || first.starts_with("./")
}

/// Whether a terminal block shows output: a non-blank line that is neither
/// a command nor the continuation of one (the line before ends in `\`).
pub fn shows_output(block: &[&str]) -> bool {
    let mut continued = false;
    for line in block {
        let t = line.trim_end();
        if !t.trim().is_empty() && !continued && !is_command(t) {
            return true;
        }
        continued = t.ends_with('\\');
    }
    false
}

/// What is wrong with a test marker `file::test`, if anything: the file must
/// hold the test, and the test must name itself in a string, which is how
/// it reads its block from the document.
fn test_marker_problem(root: &Path, target: &str) -> Option<String> {
    let Some((file, test)) = target.split_once("::") else {
        return Some(format!("`{target}` is not `path/to/test.rs::test_name`"));
    };
    let source = match fs::read_to_string(root.join(file)) {
        Ok(source) => source,
        Err(err) => return Some(format!("cannot read {file}: {err}")),
    };
    let Some(at) = source.find(&format!("fn {test}(")) else {
        return Some(format!("{file} has no test `fn {test}(`"));
    };
    // The test's body: up to the next item at the start of a line.
    let body = &source[at..];
    let body = &body[..body.find("\n}\n").map_or(body.len(), |end| end + 3)];
    if !body.contains(&format!("\"{test}\"")) {
        return Some(format!(
            "{file}::{test} never names itself in a string, so it cannot be reading its block"
        ));
    }
    None
}

/// The lines a set of string literals can print: each literal split at its
/// newlines, trimmed, keeping only those with a word of three letters or
/// more (`"{}: {}"` would match any line at all).
pub fn templates(literals: &BTreeSet<String>) -> Vec<String> {
    let mut lines: Vec<String> = literals
        .iter()
        .flat_map(|l| l.lines().map(|line| line.trim().to_string()))
        .filter(|line| {
            strip_placeholders(line)
                .split(|c: char| !c.is_alphabetic())
                .any(|word| word.chars().count() >= 3)
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

fn strip_placeholders(template: &str) -> String {
    pieces(template).concat()
}

/// The literal text between `{...}` placeholders (`{{` and `}}` are braces).
fn pieces(template: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                pieces.last_mut().unwrap().push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                pieces.last_mut().unwrap().push('}');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                pieces.push(String::new());
            }
            c => pieces.last_mut().unwrap().push(c),
        }
    }
    pieces
}

/// Whether `line` is what `template` prints for some values of its placeholders.
pub fn matches(line: &str, template: &str) -> bool {
    let pieces = pieces(template);
    let (first, rest) = pieces.split_first().unwrap();
    let Some(mut left) = line.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return left.is_empty();
    };
    if left.len() < last.len() || !left.ends_with(last.as_str()) {
        return false;
    }
    left = &left[..left.len() - last.len()];
    // Leftmost matching is exact for patterns whose only wildcard is "any text".
    for piece in middle {
        match left.find(piece.as_str()) {
            Some(at) => left = &left[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// `line` without a leading `2026-11-20 20:19:04 INFO ` (the logger's part).
fn log_message(line: &str) -> Option<&str> {
    let mut words = line.splitn(4, ' ');
    let date = words.next()?;
    let time = words.next()?;
    let level = words.next()?;
    let message = words.next()?;
    let is_date = date.len() == 10 && date.chars().all(|c| c.is_ascii_digit() || c == '-');
    let is_time = time.starts_with(|c: char| c.is_ascii_digit()) && time.contains(':');
    let is_level = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"].contains(&level);
    (is_date && is_time && is_level).then_some(message)
}

/// Whether some template prints `line`, itself or as a log message.
pub fn printable(line: &str, templates: &[String]) -> bool {
    let line = line.trim();
    let candidates = [Some(line), log_message(line)];
    candidates
        .into_iter()
        .flatten()
        .any(|text| templates.iter().any(|t| matches(text, t)))
}

/// The templates nearest to `line`, for a message that says what exists:
/// those sharing the most words with it.
fn nearest<'a>(line: &str, templates: &'a [String]) -> Vec<&'a str> {
    let text = log_message(line.trim()).unwrap_or(line.trim());
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && w.chars().any(char::is_alphabetic))
        .collect();
    let mut scored: Vec<(usize, &str)> = templates
        .iter()
        .map(|t| (words.iter().filter(|w| t.contains(*w)).count(), t.as_str()))
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    scored.into_iter().take(3).map(|(_, t)| t).collect()
}

/// Every quoted output line of `markdown` that no program can print, every
/// output block without a marker, and every marker that checks nothing.
pub fn problems(root: &Path, ws: &Workspace, doc: &str, markdown: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let everything = templates(&ws.all_program_literals());
    let mut pending: Option<(usize, Marker)> = None;
    let mut excerpt = false;
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(marker) = Marker::parse(trimmed) {
            pending = Some((i + 1, marker));
            continue;
        }
        if trimmed.starts_with("<!-- file:") {
            excerpt = true;
            continue;
        }
        let Some(lang) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                pending = None;
                excerpt = false;
            }
            continue;
        };
        let mut block = Vec::new();
        for (j, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            block.push((j + 1, inner));
        }
        let terminal = TERMINAL_LANGUAGES.contains(&lang.trim());
        let quoted = std::mem::take(&mut excerpt);
        match pending.take() {
            Some((marker_line, Marker::Output(sources))) => {
                let literals = match marker_literals(root, &sources) {
                    Ok(literals) => literals,
                    Err(err) => {
                        problems.push(format!("{doc}:{marker_line}: {err}"));
                        continue;
                    }
                };
                let known = templates(&literals);
                for (n, text) in &block {
                    let t = text.trim();
                    if t.is_empty() || t == "..." || t.starts_with("$ ") {
                        continue;
                    }
                    if !printable(text, &known) {
                        problems.push(unprintable(doc, *n, text, &sources, &known));
                    }
                }
            }
            Some((marker_line, Marker::FromTest(target))) => {
                if let Some(problem) = test_marker_problem(root, &target) {
                    problems.push(format!("{doc}:{marker_line}: {problem}"));
                }
            }
            Some((marker_line, Marker::Illustrative(reason))) => {
                if reason.is_empty() {
                    problems.push(format!(
                        "{doc}:{marker_line}: `illustrative` needs its reason: \
                         <!-- illustrative: the date and the port change each run -->"
                    ));
                }
                if terminal {
                    problems.extend(known_output_problems(ws, doc, &block, &everything));
                }
            }
            None if terminal && !quoted => {
                let texts: Vec<&str> = block.iter().map(|(_, text)| *text).collect();
                if shows_output(&texts) {
                    let line = block.first().map_or(i + 1, |(n, _)| n - 1);
                    problems.push(format!(
                        "{doc}:{line}: an output block with no marker; put one on the line above: \
                         <!-- output: the/sources.rs --> (lines they print), \
                         <!-- output-from-test: path/to/test.rs::test_name --> (a test that \
                         reproduces it) or <!-- illustrative: why no test can -->"
                    ));
                }
                problems.extend(known_output_problems(ws, doc, &block, &everything));
            }
            None => {}
        }
    }
    problems
}

/// The `listening on` and `server started:` lines of an unmarked block that
/// the program started above them cannot print.
fn known_output_problems(
    ws: &Workspace,
    doc: &str,
    block: &[(usize, &str)],
    everything: &[String],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut known: Option<(String, Vec<String>)> = None;
    for (n, text) in block {
        let mention = mentions(&format!("```\n{text}\n```")).into_iter().next();
        if let Some(mention) = mention {
            if mention.text.starts_with("cargo run") {
                known = Command::parse(&mention.text)
                    .package
                    .filter(|p| ws.package(p).is_some())
                    .map(|p| {
                        let t = templates(&ws.program_literals(&p));
                        (format!("package {p} and the crates it is built on"), t)
                    });
            }
            continue;
        }
        let t = text.trim();
        if t.starts_with(['$', '#']) || !KNOWN_OUTPUT.iter().any(|k| t.contains(k)) {
            continue;
        }
        let (what, templates) = match &known {
            Some((what, t)) => (what.as_str(), t.as_slice()),
            None => ("the workspace", everything),
        };
        if !printable(text, templates) {
            problems.push(unprintable(doc, *n, text, what, templates));
        }
    }
    problems
}

fn unprintable(doc: &str, line: usize, text: &str, sources: &str, templates: &[String]) -> String {
    let near = nearest(text, templates);
    let near = if near.is_empty() {
        String::from("nothing similar")
    } else {
        near.iter()
            .map(|t| format!("    \"{t}\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "{doc}:{line}: quoted output that {sources} cannot print:\n    {}\n  the nearest strings there are:\n{near}",
        text.trim()
    )
}

/// The string literals of a marker's comma-separated files and folders.
fn marker_literals(root: &Path, sources: &str) -> Result<BTreeSet<String>, String> {
    let mut literals = BTreeSet::new();
    for source in sources.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let path = root.join(source);
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files, &["target"]);
        } else {
            files.push(path);
        }
        for file in files {
            let text = fs::read_to_string(&file)
                .map_err(|e| format!("output marker names {source}: {e}"))?;
            literals.extend(string_literals(&text));
        }
    }
    if literals.is_empty() {
        return Err(format!("output marker `{sources}` names no string at all"));
    }
    Ok(literals)
}
