//! TUTORIAL.md and README.md must never drift from the code.
//!
//! Every code excerpt in the tutorial is announced by a line
//! `<!-- file: path/from/the/workspace/root.rs -->` right above its fenced
//! block, and this test checks that the block's lines still appear, line for
//! line and in order, in that file. Every Rust block must carry such a line.
//! It also checks that each `cargo run|test|bench -p NAME` in TUTORIAL.md and
//! README.md names a package of this workspace, and, because a command that
//! fails on the reader's first try costs more than any typo in prose, the
//! rest of each command too (`commands`): `--example`, `--bin`, `--test`,
//! `--bench` and `--features` must exist in that package, and every flag or
//! word after `--` must be one its program (or the workspace crates it is
//! built on) can recognise. Quoted output is checked as well (`output`): a
//! block preceded by `<!-- output: path/to/source.rs -->` must consist of
//! lines those sources can print, and every `listening on ...` or `server
//! started: ...` line must be printable by the program started above it.
//!
//! It lives in step01 because step01 is the crate every other one builds on:
//! this check runs whatever part of the workspace you test.

use std::fs;
use std::path::{Path, PathBuf};

#[path = "tutorial_sync/commands.rs"]
mod commands;
#[path = "tutorial_sync/editions.rs"]
mod editions;
#[path = "tutorial_sync/output.rs"]
mod output;
#[path = "tutorial_sync/workspace.rs"]
mod workspace;

/// The documents a reader follows, in English and in Chinese (`editions`
/// checks that the two editions show the same blocks).
const DOCS: [&str; 4] = [
    "TUTORIAL.md",
    "README.md",
    "TUTORIAL.zh-CN.md",
    "README.zh-CN.md",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fenced block quoted from a file.
struct Excerpt {
    /// The line of TUTORIAL.md where the block starts (1-based), for messages.
    line: usize,
    file: String,
    lines: Vec<String>,
}

/// Finds every fenced block in `markdown`; returns the quoted ones and the
/// line numbers of Rust blocks that name no file.
fn excerpts(markdown: &str) -> (Vec<Excerpt>, Vec<usize>) {
    let mut quoted = Vec::new();
    let mut unnamed_rust = Vec::new();
    let mut pending_file: Option<String> = None;
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("<!-- file:") {
            pending_file = Some(rest.trim_end_matches("-->").trim().to_string());
            continue;
        }
        if let Some(lang) = trimmed.strip_prefix("```") {
            let mut block = Vec::new();
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                block.push(inner.trim_end().to_string());
            }
            match pending_file.take() {
                Some(file) => quoted.push(Excerpt {
                    line: i + 1,
                    file,
                    lines: block,
                }),
                None if lang.trim() == "rust" => unnamed_rust.push(i + 1),
                None => {}
            }
            continue;
        }
        if !trimmed.is_empty() {
            // The marker must sit right above its block.
            pending_file = None;
        }
    }
    (quoted, unnamed_rust)
}

/// Whether `needle` appears as a contiguous run of lines in `haystack`
/// (trailing white space ignored).
fn contains_lines(haystack: &str, needle: &[String]) -> bool {
    let hay: Vec<&str> = haystack.lines().map(str::trim_end).collect();
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|window| window.iter().zip(needle).all(|(a, b)| *a == b.as_str()))
}

/// Package names of the workspace, read from each member's Cargo.toml.
fn workspace_packages(root: &Path) -> Vec<String> {
    let mut manifests = vec![
        root.join("final/Cargo.toml"),
        root.join("exercises/Cargo.toml"),
        root.join("benches/Cargo.toml"),
    ];
    for entry in fs::read_dir(root.join("steps")).expect("steps/ exists") {
        manifests.push(entry.unwrap().path().join("Cargo.toml"));
    }
    manifests
        .iter()
        .filter_map(|path| fs::read_to_string(path).ok())
        .filter_map(|toml| {
            let line = toml
                .lines()
                .find(|l| l.trim_start().starts_with("name = "))?;
            Some(line.split('"').nth(1)?.to_string())
        })
        .collect()
}

/// Every NAME in `cargo run -p NAME` (also `test` and `bench`) in `text`.
fn cargo_package_mentions(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for command in ["cargo run -p ", "cargo test -p ", "cargo bench -p "] {
        for (at, _) in text.match_indices(command) {
            let rest = &text[at + command.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            names.push(name);
        }
    }
    names
}

#[test]
fn every_tutorial_and_readme_excerpt_still_appears_in_the_file_it_names() {
    let root = workspace_root();
    let mut problems = Vec::new();
    for doc in DOCS {
        let text = fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let (quoted, unnamed_rust) = excerpts(&text);
        // The Chinese README translates only the first sections, which quote no file.
        assert!(
            !quoted.is_empty() || doc == "README.zh-CN.md",
            "{doc} quotes no code at all"
        );
        for line in unnamed_rust {
            problems.push(format!(
                "{doc}:{line}: a rust block with no `<!-- file: ... -->` line above it"
            ));
        }
        for excerpt in &quoted {
            match fs::read_to_string(root.join(&excerpt.file)) {
                Err(err) => problems.push(format!(
                    "{doc}:{}: cannot read {}: {err}",
                    excerpt.line, excerpt.file
                )),
                Ok(source) if !contains_lines(&source, &excerpt.lines) => problems.push(format!(
                    "{doc}:{}: this excerpt no longer appears in {}, line for line:\n{}",
                    excerpt.line,
                    excerpt.file,
                    excerpt.lines.join("\n")
                )),
                Ok(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

#[test]
fn every_cargo_command_in_the_docs_names_a_real_package() {
    let root = workspace_root();
    let packages = workspace_packages(&root);
    for doc in DOCS {
        let text = fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let mentions = cargo_package_mentions(&text);
        assert!(!mentions.is_empty(), "{doc} names no package to run");
        for name in mentions {
            assert!(
                packages.contains(&name),
                "{doc} says `cargo ... -p {name}`, but the workspace has only {packages:?}"
            );
        }
    }
}

#[test]
fn every_cargo_command_in_the_docs_names_real_targets_features_and_flags() {
    let root = workspace_root();
    let ws = workspace::Workspace::load(&root);
    let mut problems = Vec::new();
    for doc in DOCS {
        let text = fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let mentions = commands::mentions(&text);
        assert!(!mentions.is_empty(), "{doc} shows no cargo command");
        for mention in &mentions {
            for problem in commands::check(&ws, mention) {
                problems.push(format!(
                    "{doc}:{}: `{}`\n  {problem}",
                    mention.line,
                    mention.text.trim()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

#[test]
fn every_quoted_output_line_is_one_the_program_can_print() {
    let root = workspace_root();
    let ws = workspace::Workspace::load(&root);
    let mut problems = Vec::new();
    for doc in DOCS {
        let text = fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
        problems.extend(output::problems(&root, &ws, doc, &text));
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

// The checker itself: a check that cannot fail checks nothing.

#[test]
fn the_checker_notices_a_drifted_excerpt_and_an_unnamed_rust_block() {
    let markdown =
        "Intro\n<!-- file: a.rs -->\n```rust\nfn a() {}\n```\n\n```rust\nfn b() {}\n```\n";
    let (quoted, unnamed) = excerpts(markdown);
    assert_eq!(quoted.len(), 1);
    assert_eq!(quoted[0].file, "a.rs");
    assert_eq!(unnamed, [7]);
    assert!(contains_lines("// x\nfn a() {}\n", &quoted[0].lines));
    assert!(!contains_lines("fn a() { }\n", &quoted[0].lines));
}

#[test]
fn the_checker_finds_package_names_in_commands() {
    let text = "run `cargo run -p step03 -- --addr x` then cargo test -p exercises --test ex01";
    assert_eq!(cargo_package_mentions(text), ["step03", "exercises"]);
}

#[test]
fn the_checker_finds_commands_in_blocks_and_in_inline_code_that_wraps() {
    let markdown = "Run `cargo run -p step01 --\n--addr 127.0.0.1:9000` now.\n\n```text\n$ FOO=1 cargo test -p httprs \\\n  --test demo   # comment\nnot a command: xcargo run\n```\n";
    let found = commands::mentions(markdown);
    let found: Vec<(usize, &str)> = found.iter().map(|m| (m.line, m.text.as_str())).collect();
    assert_eq!(
        found,
        [
            (1, "cargo run -p step01 -- --addr 127.0.0.1:9000"),
            (5, "cargo test -p httprs    --test demo   # comment"),
        ]
    );
    let command = commands::Command::parse(found[1].1);
    assert_eq!(command.package.as_deref(), Some("httprs"));
    assert_eq!(command.test.as_deref(), Some("demo"));
    assert!(command.args.is_empty() && command.unknown.is_empty());
}

#[test]
fn the_checker_notices_a_missing_example_bin_flag_feature_and_exercise() {
    let ws = workspace::Workspace::load(&workspace_root());
    let problems = |text: &str| {
        commands::check(
            &ws,
            &commands::Mention {
                line: 1,
                text: text.to_string(),
            },
        )
    };
    assert!(problems("cargo run -p httprs --example hello -- --addr 127.0.0.1:1").is_empty());
    assert!(problems("cargo run -p step06 --bin backend -- --addr=127.0.0.1:1").is_empty());
    assert!(problems("cargo run -p exercises -- check ex01").is_empty());
    let wrong = [
        "cargo run -p httprs --example helo",
        "cargo run -p step06 --bin backnd",
        "cargo test -p httprs --test nothing_here",
        "cargo bench -p benches --bench macro",
        "cargo run -p step03 -- --adr 127.0.0.1:1",
        "cargo run -p exercises -- chekc ex01",
        "cargo run -p exercises -- check ex99",
        "cargo test --workspace --features exercises/solution",
        "cargo run -p step01 --relase",
        "cargo bench -p benches -- --mesurement-time 1",
        "cargo bench -p benches -- no_such_server",
    ];
    for text in wrong {
        assert_eq!(problems(text).len(), 1, "{text}: {:?}", problems(text));
    }
    // step06 has three binaries, but `default-run` says which `cargo run` means.
    assert_eq!(problems("cargo run -p step06").len(), 0);
}

#[test]
fn the_checker_matches_output_lines_against_format_strings() {
    let literals = [
        "step01: echo server listening on {local}",
        "{}: {}",
        "got {{b}} {c}\nnext line",
    ]
    .map(String::from)
    .into_iter()
    .collect();
    let templates = output::templates(&literals);
    // `{}: {}` has no word: it would match anything, so it is not a template.
    assert_eq!(templates.len(), 3, "{templates:?}");
    assert!(output::printable(
        "step01: echo server listening on 127.0.0.1:7878",
        &templates
    ));
    assert!(output::printable(
        "2026-11-20 20:19:04 INFO next line",
        &templates
    ));
    assert!(output::printable("got {b} anything", &templates));
    assert!(!output::printable(
        "step02: echo server listening on 127.0.0.1:7878",
        &templates
    ));
    assert!(!output::printable(
        "step01: echo server listening",
        &templates
    ));
    assert!(!output::printable("got {b}", &templates));
}

#[test]
fn the_checker_notices_a_drifted_output_line_with_or_without_a_marker() {
    let root = workspace_root();
    let ws = workspace::Workspace::load(&root);
    let markdown = "<!-- illustrative: the port -->\n```text\n$ cargo run -p step02\nstep02: request parser listening on 127.0.0.1:7878\n```\n\n\
                    <!-- illustrative: the port -->\n```text\n$ cargo run -p step03\nstep03: server listening on 127.0.0.1:7878\n```\n\n\
                    <!-- output: steps/step04-threadpool/src -->\n```text\n...\nconnection opened: 127.0.0.1:5\nconnection shut: 127.0.0.1:5\n```\n";
    let problems = output::problems(&root, &ws, "doc.md", markdown);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("doc.md:10:"), "{}", problems[0]);
    assert!(
        problems[0].contains("step03: web server listening on {local}"),
        "{}",
        problems[0]
    );
    assert!(problems[1].starts_with("doc.md:17:"), "{}", problems[1]);
}

#[test]
fn the_checker_demands_a_marker_on_every_output_block_and_a_real_test_behind_a_test_marker() {
    let root = workspace_root();
    let ws = workspace::Workspace::load(&root);
    let real = "final/tests/static_files.rs::the_tutorials_curl_i_of_the_demos_style_sheet_is_what_the_server_sends";
    let blocks = [
        // Commands only (a continued line, a comment): nothing to mark.
        "```text\ncargo run -p step01\ncurl -i http://x/ \\\n  -H 'a: b'\n# a comment\nTOKEN=1 curl http://x/\n```".to_string(),
        // Output with no marker.
        "```text\n$ curl http://x/\nHello!\n```".to_string(),
        // Illustrative, but without its reason.
        "<!-- illustrative: -->\n```text\nHello\n```".to_string(),
        // A test that does not exist, one that exists, one that never reads its block.
        "<!-- output-from-test: final/tests/static_files.rs::no_such_test -->\n```text\nx\n```".to_string(),
        format!("<!-- output-from-test: {real} -->\n```text\nx\n```"),
        "<!-- built-by-test: final/tests/static_files.rs::content_types_follow_the_extension -->\n```toml\nx = 1\n```".to_string(),
        // Configuration is not output.
        "```toml\nworkers = 8\n```".to_string(),
    ];
    let markdown = blocks.join("\n\n");
    let problems = output::problems(&root, &ws, "doc.md", &markdown);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let unmarked = markdown
        .lines()
        .position(|l| l == "$ curl http://x/")
        .unwrap();
    assert!(
        problems[0].starts_with(&format!(
            "doc.md:{unmarked}: an output block with no marker"
        )),
        "{}",
        problems[0]
    );
    assert!(problems[1].contains("needs its reason"), "{}", problems[1]);
    assert!(
        problems[2].contains("has no test `fn no_such_test(`"),
        "{}",
        problems[2]
    );
    assert!(
        problems[3].contains("never names itself"),
        "{}",
        problems[3]
    );
    assert!(output::is_command(
        "GUESTBOOK_ADMIN_PASSWORD='x y' cargo run -p httprs"
    ));
    assert!(!output::is_command("connection opened: 127.0.0.1:5"));
}

/// Read one of the documents at the workspace root.
fn read_doc(doc: &str) -> String {
    fs::read_to_string(workspace_root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

#[test]
fn the_chinese_tutorial_shows_the_english_chapters_code_and_output_byte_for_byte() {
    let problems = editions::compare_tutorials(
        "TUTORIAL.zh-CN.md",
        &read_doc("TUTORIAL.md"),
        &read_doc("TUTORIAL.zh-CN.md"),
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

#[test]
fn the_chinese_readme_shows_the_code_of_each_section_it_translates_byte_for_byte() {
    let problems = editions::compare_readmes(
        "README.zh-CN.md",
        &read_doc("README.md"),
        &read_doc("README.zh-CN.md"),
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n\n"));
}

/// The glossary's rows as (English term, Chinese term): its first two columns.
fn glossary(text: &str, heading: &str) -> Vec<(String, String)> {
    let section = text
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("no {heading}"));
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2) // the header row and its |---| line
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect()
}

/// The glossary is the one source of the Chinese terms: both editions list
/// the same terms with the same Chinese names, in the same order.
#[test]
fn both_glossaries_pair_the_same_terms_with_the_same_chinese_names() {
    let english = glossary(&read_doc("TUTORIAL.md"), "\n## Glossary\n");
    let chinese = glossary(&read_doc("TUTORIAL.zh-CN.md"), "\n## 术语表\n");
    assert!(english.len() > 40, "{english:?}");
    assert_eq!(english, chinese);
}

#[test]
fn each_edition_links_to_the_other_at_the_top() {
    for (doc, other) in [
        ("TUTORIAL.md", "TUTORIAL.zh-CN.md"),
        ("TUTORIAL.zh-CN.md", "TUTORIAL.md"),
        ("README.md", "README.zh-CN.md"),
        ("README.zh-CN.md", "README.md"),
    ] {
        let text = read_doc(doc);
        let top: Vec<&str> = text.lines().take(5).collect();
        let link = format!("]({other})");
        assert!(
            top.iter().any(|line| line.contains(&link)),
            "{doc} should link to {other} in its first lines: {top:#?}"
        );
    }
}

/// Every chapter ("## Chapter N"), each as `wc -w` counts its section: a
/// chapter is one sitting for a learner, and past 2,500 words it is two.
#[test]
fn every_chapter_is_at_most_2500_words() {
    let text = fs::read_to_string(workspace_root().join("TUTORIAL.md")).unwrap();
    let mut sections: Vec<(String, usize)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            sections.push((line.to_string(), 0));
        }
        if let Some((_, words)) = sections.last_mut() {
            *words += line.split_whitespace().count();
        }
    }
    let long: Vec<String> = sections
        .iter()
        .filter(|(title, _)| {
            title
                .strip_prefix("## Chapter ")
                .and_then(|rest| rest.split(':').next()?.parse::<u32>().ok())
                .is_some()
        })
        .filter(|(_, words)| *words > 2500)
        .map(|(title, words)| format!("{title}: {words} words"))
        .collect();
    assert!(long.is_empty(), "chapters over 2,500 words: {long:#?}");
}
