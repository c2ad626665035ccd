//! What the workspace holds, read straight from the files: packages, their
//! targets (examples, binaries, tests, benches), features, the workspace
//! packages each depends on, and the string literals of their sources.
//!
//! Cargo.toml is read line by line, not with a TOML parser: step01 has no
//! dependencies, and its manifests only need `[section]`, `[[section]]` and
//! `key = "value"` lines understood.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One member of the workspace.
pub struct Package {
    pub name: String,
    pub dir: PathBuf,
    manifest: String,
}

/// Every member of the workspace.
pub struct Workspace {
    pub packages: Vec<Package>,
}

impl Workspace {
    /// Reads every member listed by the root manifest's `members` globs
    /// (`steps/*`, `final`, ...): each folder holding a Cargo.toml.
    pub fn load(root: &Path) -> Workspace {
        let mut dirs = vec![
            root.join("final"),
            root.join("exercises"),
            root.join("benches"),
        ];
        let mut steps: Vec<PathBuf> = fs::read_dir(root.join("steps"))
            .expect("steps/ exists")
            .map(|entry| entry.unwrap().path())
            .collect();
        steps.sort();
        dirs.extend(steps);
        let packages = dirs
            .into_iter()
            .filter_map(|dir| {
                let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
                let name = section_values(&manifest, "[package]", "name")
                    .into_iter()
                    .next()?;
                Some(Package {
                    name,
                    dir,
                    manifest,
                })
            })
            .collect();
        Workspace { packages }
    }

    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.packages.iter().map(|p| p.name.as_str()).collect()
    }

    /// `name` and every workspace package it depends on (`[dependencies]`,
    /// not dev-dependencies), transitively: step03's binary prints through
    /// step01's `cli.rs`, so a flag defined there is a flag of step03 too.
    pub fn with_dependencies(&self, name: &str) -> Vec<&Package> {
        let mut found: Vec<&Package> = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(next) = todo.pop() {
            let Some(package) = self.package(&next) else {
                continue;
            };
            if found.iter().any(|p| p.name == package.name) {
                continue;
            }
            todo.extend(package.dependency_names());
            found.push(package);
        }
        found
    }

    /// The program's string literals, in `name` and its workspace
    /// dependencies: what it can print and which flags it can recognise.
    pub fn program_literals(&self, name: &str) -> BTreeSet<String> {
        self.with_dependencies(name)
            .iter()
            .flat_map(|p| p.program_sources())
            .flat_map(|file| string_literals(&fs::read_to_string(file).unwrap_or_default()))
            .collect()
    }

    /// Every program string literal of the whole workspace.
    pub fn all_program_literals(&self) -> BTreeSet<String> {
        self.packages
            .iter()
            .flat_map(|p| p.program_sources())
            .flat_map(|file| string_literals(&fs::read_to_string(file).unwrap_or_default()))
            .collect()
    }
}

impl Package {
    /// The keys of `[dependencies]` (`step05.workspace = true` gives `step05`).
    fn dependency_names(&self) -> Vec<String> {
        section_lines(&self.manifest, "[dependencies]")
            .filter_map(|line| {
                let key = line.split(['=', '.', ' ']).next()?.trim();
                (!key.is_empty()).then(|| key.to_string())
            })
            .collect()
    }

    /// The names of its `[[kind]]` tables plus cargo's automatic targets in
    /// `folder` (`folder/NAME.rs` and `folder/NAME/main.rs`).
    fn targets(&self, kind: &str, folder: &str) -> BTreeSet<String> {
        let mut names: BTreeSet<String> =
            section_values(&self.manifest, &format!("[[{kind}]]"), "name")
                .into_iter()
                .collect();
        if let Ok(entries) = fs::read_dir(self.dir.join(folder)) {
            for entry in entries.flatten() {
                let path = entry.path();
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                if path.extension().is_some_and(|e| e == "rs") || path.join("main.rs").is_file() {
                    names.insert(stem);
                }
            }
        }
        names
    }

    pub fn examples(&self) -> BTreeSet<String> {
        self.targets("example", "examples")
    }

    pub fn bins(&self) -> BTreeSet<String> {
        let mut bins = self.targets("bin", "src/bin");
        if self.dir.join("src/main.rs").is_file() {
            bins.insert(self.name.clone());
        }
        bins
    }

    pub fn tests(&self) -> BTreeSet<String> {
        self.targets("test", "tests")
    }

    pub fn benches(&self) -> BTreeSet<String> {
        self.targets("bench", "benches")
    }

    pub fn features(&self) -> BTreeSet<String> {
        section_lines(&self.manifest, "[features]")
            .filter_map(|line| Some(line.split('=').next()?.trim().to_string()))
            .collect()
    }

    /// Whether `cargo run -p NAME`, with no `--bin` or `--example`, knows
    /// what to run: one binary, or a `default-run`.
    pub fn runs_by_default(&self) -> bool {
        self.bins().len() == 1
            || !section_values(&self.manifest, "[package]", "default-run").is_empty()
    }

    /// The Rust files a program of this package is built from: everything
    /// under its folder except `tests/` and `benches/`, whose literals are
    /// expectations, not output.
    pub fn program_sources(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        rust_files(&self.dir, &mut files, &["tests", "benches", "target"]);
        files
    }

    /// The bench files (`benches/*.rs`), or only `bench`'s if given.
    pub fn bench_sources(&self, bench: Option<&str>) -> Vec<PathBuf> {
        let mut files = Vec::new();
        rust_files(&self.dir.join("benches"), &mut files, &[]);
        if let Some(bench) = bench {
            files.retain(|f| {
                f.file_stem().is_some_and(|s| s == bench)
                    || f.parent()
                        .and_then(Path::file_name)
                        .is_some_and(|d| d == bench)
            });
        }
        files
    }
}

/// Every `.rs` file under `dir`, skipping folders named in `skip` at any depth.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>, skip: &[&str]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy();
            if !skip.contains(&name.as_ref()) {
                rust_files(&path, out, skip);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The non-comment, non-empty lines of every `header` section of `manifest`.
fn section_lines<'a>(manifest: &'a str, header: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut inside = false;
    manifest.lines().filter_map(move |line| {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == header;
            return None;
        }
        (inside && !line.is_empty() && !line.starts_with('#')).then_some(line)
    })
}

/// The string value of `key` in every `header` section (`name = "x"` gives `x`).
fn section_values(manifest: &str, header: &str, key: &str) -> Vec<String> {
    section_lines(manifest, header)
        .filter_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.split('"').nth(1).map(str::to_string))?
        })
        .collect()
}

/// The string literals of a Rust source, unescaped: `"a\n"`, `r#"b"#` and
/// `b"c"` give `a\n`, `b` and `c`. Comments (doc comments too) are skipped,
/// as are char literals, so `'"'` opens no string, and so is the item after
/// `#[cfg(test)]`: a unit test's `"--adr"` is not a flag the program knows.
pub fn string_literals(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut literals = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    // After `#[cfg(test)]`: waiting for the item's `{`, then inside it down to this depth.
    let mut test_pending = false;
    let mut test_depth: Option<usize> = None;
    let cfg_test: Vec<char> = "#[cfg(test)]".chars().collect();
    while i < chars.len() {
        let c = chars[i];
        if chars[i..].starts_with(&cfg_test) {
            test_pending = true;
            i += cfg_test.len();
            continue;
        }
        match c {
            '{' => {
                if test_pending {
                    test_pending = false;
                    test_depth = Some(depth);
                }
                depth += 1;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if test_depth == Some(depth) {
                    test_depth = None;
                }
            }
            ';' if test_pending && test_depth.is_none() => test_pending = false,
            _ => {}
        }
        let skipping = test_pending || test_depth.is_some();
        let before = literals.len();
        let next = chars.get(i + 1).copied();
        let is_ident = |k: usize| chars[k].is_alphanumeric() || chars[k] == '_';
        // `r"` starts a raw string, and so does `br"`; `for"` does not.
        let ident_before =
            i > 0 && is_ident(i - 1) && !(chars[i - 1] == 'b' && (i < 2 || !is_ident(i - 2)));
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c == 'r' && !ident_before && matches!(next, Some('"' | '#')) {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            let start = j + 1;
            let mut end = start;
            loop {
                if end >= chars.len() {
                    break;
                }
                if chars[end] == '"' && (0..hashes).all(|h| chars.get(end + 1 + h) == Some(&'#')) {
                    break;
                }
                end += 1;
            }
            literals.push(chars[start..end.min(chars.len())].iter().collect());
            i = end + 1 + hashes;
        } else if c == '"' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                    match chars.get(i) {
                        Some('n') => text.push('\n'),
                        Some('r') => text.push('\r'),
                        Some('t') => text.push('\t'),
                        Some('0') => text.push('\0'),
                        // A line continuation: the newline and the next line's indent vanish.
                        Some('\n') => {
                            while chars.get(i + 1).is_some_and(|c| c.is_whitespace()) {
                                i += 1;
                            }
                        }
                        Some(&other) => text.push(other),
                        None => {}
                    }
                } else {
                    text.push(chars[i]);
                }
                i += 1;
            }
            literals.push(text);
            i += 1;
        } else {
            i += 1;
        }
        if skipping {
            literals.truncate(before);
        }
    }
    literals
}
