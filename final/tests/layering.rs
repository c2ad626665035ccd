//! The floors of `final/src` hold: every `crate::` path points down (or
//! along its own floor), and no files import each other in a loop.
//!
//! A layer is a promise that only points down; inside one crate nothing
//! but a test keeps it. This one reads the source as text: each `use
//! crate::...` / `use super::...` statement and each `crate::...` path in
//! the code, resolved to the file that defines it (through `lib.rs`'s
//! re-exports for `crate::Request` and the like), and fails naming the
//! file, the line and the import. Comments (doc links included) and the
//! `#[cfg(test)]` module at the end of a file are not read: a unit test may
//! build a whole app to check one piece.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

/// The floors, lowest first: a file may name files on its own floor or
/// below. `lib.rs` is the roof (it re-exports everything); `bin/` is
/// another crate, which sees only the public API.
const FLOORS: &[(&str, &str)] = &[
    (
        "http",
        "the protocol, sans-IO: bytes to requests, responses to bytes",
    ),
    ("data", "the data layer: pools, engines, models, migrations"),
    (
        "config",
        "settings, the secret keys and the start-up checks",
    ),
    (
        "split",
        "split mode's wire, sans-IO: frames, codec, handshake, proxy policy",
    ),
    (
        "app",
        "what answers a request: routes, middleware, sessions, templates",
    ),
    (
        "server",
        "every socket: event loops, client and backend connections, workers",
    ),
    (
        "run",
        "what builds a server from an app: App::start/run, httprs-front's options",
    ),
];

/// One `crate::` (or `super::`) path a file names, and where.
#[derive(Debug, Clone)]
struct Import {
    line: usize,
    text: String,
    /// The file it resolves to, relative to `src/`.
    target: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `app/session/store.rs` → `["app", "session", "store"]`; `mod.rs` and
/// `lib.rs` name their folder's module.
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The floor of a file: its place in [`FLOORS`], or `None` for `lib.rs`.
#[track_caller]
fn floor(rel: &str) -> Option<usize> {
    if rel == "lib.rs" {
        return None;
    }
    let folder = rel.split('/').next().unwrap();
    let found = FLOORS.iter().position(|(name, _)| *name == folder);
    assert!(
        found.is_some(),
        "final/src/{rel}: the folder {folder}/ is on no floor; add it to FLOORS in tests/layering.rs"
    );
    found
}

/// The code of a file as the checker reads it: comment lines blanked, and
/// each `#[cfg(test)]` module's body blanked too (line numbers kept). A
/// `#[cfg(test)]` on anything else (a `mod fake;` declaration) hides nothing.
fn code_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let opens_test_module = line.trim_start().starts_with("#[cfg(test)]")
            && lines.get(i + 1).is_some_and(|next| {
                let next = next.trim();
                next.contains("mod ") && next.ends_with('{')
            });
        if opens_test_module {
            // Blank through the brace that closes the module.
            let mut depth = 0i32;
            let mut j = i + 1;
            while j < lines.len() {
                depth += lines[j].matches('{').count() as i32;
                depth -= lines[j].matches('}').count() as i32;
                j += 1;
                if depth <= 0 {
                    break;
                }
            }
            out.extend(std::iter::repeat_n("", j - i));
            i = j;
            continue;
        }
        out.push(if line.trim_start().starts_with("//") {
            ""
        } else {
            line
        });
        i += 1;
    }
    out.join("\n")
}

/// `a::{b, c::{D, E}}` → `a::b`, `a::c::D`, `a::c::E`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    // Split the inside at commas that are not inside a nested brace.
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            expand(item).into_iter().map(|rest| match rest.as_str() {
                "self" => prefix.trim_end_matches("::").to_string(),
                _ => format!("{prefix}{rest}"),
            })
        })
        .collect()
}

/// Where a name re-exported by `lib.rs` (`Request`, `dev::auth`) is defined:
/// its path below `crate::`.
fn reexports(lib: &str) -> HashMap<String, Vec<String>> {
    let statement = Regex::new(r"pub use ([^;]+);").unwrap();
    let mut map = HashMap::new();
    for caps in statement.captures_iter(lib) {
        for path in expand(&caps[1]) {
            let path = path.trim_start_matches("crate::").to_string();
            let (path, name) = match path.split_once(" as ") {
                Some((path, alias)) => (path.to_string(), alias.to_string()),
                None => (path.clone(), path.rsplit("::").next().unwrap().to_string()),
            };
            if path.ends_with("::*") {
                continue;
            }
            map.insert(name, path.split("::").map(String::from).collect());
        }
    }
    map
}

/// The file (relative to `src/`) that defines `segments`, the path after
/// `crate::`: the longest prefix that is a file.
fn resolve(
    segments: &[String],
    files: &BTreeSet<String>,
    roots: &HashMap<String, Vec<String>>,
) -> Option<String> {
    for k in (1..=segments.len()).rev() {
        let base = segments[..k].join("/");
        for candidate in [format!("{base}.rs"), format!("{base}/mod.rs")] {
            if files.contains(&candidate) {
                return Some(candidate);
            }
        }
    }
    // A name `lib.rs` re-exports (`crate::Request`, `crate::dev::auth`).
    let first = segments.first()?;
    let name = if first == "dev" {
        segments.get(1)?
    } else {
        first
    };
    let path = roots.get(name)?;
    if path.first() == Some(first) {
        return None; // would loop
    }
    resolve(path, files, roots)
}

/// Every `crate::`/`super::` path the file's code names, resolved.
fn imports_of(
    rel: &str,
    text: &str,
    files: &BTreeSet<String>,
    roots: &HashMap<String, Vec<String>>,
) -> Result<Vec<Import>, String> {
    let code = code_of(text);
    let use_statement = Regex::new(r"(?s)\buse\s+((?:crate|super)::[^;]*);").unwrap();
    // Paths written in the code itself count too (`super::store::now()`):
    // a loop is a loop whether or not a `use` line names it.
    let inline = Regex::new(r"\$?\b(?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
    let here = module_path(rel);
    let mut found = Vec::new();
    let mut spans = Vec::new();
    for caps in use_statement.captures_iter(&code) {
        let whole = caps.get(0).unwrap();
        spans.push(whole.range());
        for path in expand(&caps[1]) {
            found.push((line_of(whole.start()), path));
        }
    }
    for m in inline.find_iter(&code) {
        if spans.iter().any(|span| span.contains(&m.start())) {
            continue;
        }
        found.push((
            line_of(m.start()),
            m.as_str().trim_start_matches('$').to_string(),
        ));
    }
    let mut imports = Vec::new();
    for (line, path) in found {
        let path = path.split(" as ").next().unwrap().to_string();
        let mut segments: Vec<String> = path.split("::").map(String::from).collect();
        if segments.last().is_some_and(|s| s == "*") {
            segments.pop();
        }
        let segments = match segments.first().map(String::as_str) {
            Some("crate") => segments[1..].to_vec(),
            Some("super") => {
                let mut base = here.clone();
                base.pop();
                base.extend(segments[1..].iter().cloned());
                base
            }
            _ => continue,
        };
        if segments.first().is_some_and(|s| s == "rusqlite") {
            continue; // an external crate lib.rs re-exports
        }
        let target = resolve(&segments, files, roots).ok_or_else(|| {
            format!("final/src/{rel}:{line}: `{path}` names no file of final/src")
        })?;
        imports.push(Import {
            line,
            text: path,
            target,
        });
    }
    Ok(imports)
}

/// Every file's imports, keyed by file relative to `src/`.
fn read_imports() -> BTreeMap<String, Vec<Import>> {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    let files: BTreeSet<String> = paths
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let mut roots = reexports(&fs::read_to_string(root.join("lib.rs")).unwrap());
    // `#[macro_export]` puts a macro at the crate's root: `$crate::context!`
    // names the file that defines it.
    let exported =
        Regex::new(r"#\[macro_export\]\s*macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    for rel in &files {
        let text = fs::read_to_string(root.join(rel)).unwrap();
        for caps in exported.captures_iter(&text) {
            roots.insert(caps[1].to_string(), module_path(rel));
        }
    }
    let mut graph = BTreeMap::new();
    let mut unresolved = Vec::new();
    for rel in &files {
        if rel.starts_with("bin/") {
            continue; // another crate: `httprs::` only
        }
        let text = fs::read_to_string(root.join(rel)).unwrap();
        match imports_of(rel, &text, &files, &roots) {
            Ok(imports) => {
                graph.insert(rel.clone(), imports);
            }
            Err(problem) => unresolved.push(problem),
        }
    }
    assert!(unresolved.is_empty(), "{}", unresolved.join("\n"));
    graph
}

/// The upward imports, one sentence each.
fn upward(graph: &BTreeMap<String, Vec<Import>>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, imports) in graph {
        let Some(from) = floor(file) else { continue };
        for import in imports {
            let to = floor(&import.target).expect("nothing outside lib.rs names lib.rs");
            if to > from {
                found.push(format!(
                    "final/src/{file}:{}: `{}` points up: {}/ (floor {}) names {} on floor {} ({}/)",
                    import.line,
                    import.text,
                    FLOORS[from].0,
                    from + 1,
                    import.target,
                    to + 1,
                    FLOORS[to].0,
                ));
            }
        }
    }
    found
}

/// The file-level loops, each as the imports that close it.
fn loops(graph: &BTreeMap<String, Vec<Import>>) -> Vec<String> {
    // Tarjan's strongly connected components: a component of more than one
    // file is a loop.
    struct State<'a> {
        graph: &'a BTreeMap<String, Vec<Import>>,
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for import in s.graph.get(v).into_iter().flatten() {
            let w = import.target.as_str();
            if w == v || !s.graph.contains_key(w) {
                continue;
            }
            let w = s.graph.get_key_value(w).unwrap().0.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.components.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for file in graph.keys() {
        if !state.index.contains_key(file.as_str()) {
            visit(&mut state, file);
        }
    }
    state
        .components
        .iter()
        .map(|component| {
            let members: BTreeSet<&str> = component.iter().copied().collect();
            // One loop through the component, as short as any: a
            // breadth-first walk from its first file back to itself.
            let start = *members.iter().next().unwrap();
            let mut came_from: HashMap<&str, (&str, &Import)> = HashMap::new();
            let mut queue = std::collections::VecDeque::from([start]);
            'walk: while let Some(file) = queue.pop_front() {
                for import in &graph[file] {
                    let next = import.target.as_str();
                    if next == file || !members.contains(next) || came_from.contains_key(next) {
                        continue;
                    }
                    came_from.insert(next, (file, import));
                    if next == start {
                        break 'walk;
                    }
                    queue.push_back(next);
                }
            }
            let mut ties = Vec::new();
            let mut at = start;
            while let Some((from, import)) = came_from.get(at) {
                ties.push(format!(
                    "  final/src/{from}:{}: `{}` ({})",
                    import.line, import.text, import.target
                ));
                at = from;
                if at == start {
                    break;
                }
            }
            ties.reverse();
            format!(
                "a loop among {} files ({}); one way round:\n{}",
                members.len(),
                members.iter().copied().collect::<Vec<_>>().join(", "),
                ties.join("\n")
            )
        })
        .collect()
}

#[test]
fn every_crate_import_in_final_src_points_down_a_floor_or_along_one() {
    let graph = read_imports();
    assert!(graph.len() > 50, "read only {} files", graph.len());
    let found = upward(&graph);
    assert!(
        found.is_empty(),
        "{} upward import(s); the floors, lowest first, are {}:\n{}",
        found.len(),
        FLOORS
            .iter()
            .map(|(name, _)| format!("{name}/"))
            .collect::<Vec<_>>()
            .join(" → "),
        found.join("\n")
    );
}

#[test]
fn no_files_of_final_src_import_each_other_in_a_loop() {
    let found = loops(&read_imports());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import_a_loop_and_a_re_export() {
    // The two checks on a made-up house, so that a checker that reads
    // nothing cannot pass: http/a.rs names app/b.rs (up), and app/b.rs and
    // app/c.rs name each other (a loop); `crate::B` goes through lib.rs.
    let files: BTreeSet<String> = ["lib.rs", "http/a.rs", "http/d.rs", "app/b.rs", "app/c.rs"]
        .map(String::from)
        .into();
    let roots = reexports("pub use app::b::B;\npub mod dev {\n    pub use crate::app::c::C;\n}\n");
    let mut graph = BTreeMap::new();
    for (rel, text) in [
        (
            "http/a.rs",
            "//! `crate::app::c` in a comment is no import.\nfn f() -> crate::B { todo!() }\n",
        ),
        ("app/b.rs", "use crate::{\n    app::c::{self, C},\n};\n"),
        (
            "app/c.rs",
            "use super::b::B;\n#[cfg(test)]\nmod tests {\n    use crate::app::b;\n}\n\
             #[cfg(test)]\nmod fake;\nfn after() -> crate::http::d::D { todo!() }\n",
        ),
    ] {
        graph.insert(
            rel.to_string(),
            imports_of(rel, text, &files, &roots).unwrap(),
        );
    }
    let up = upward(&graph);
    assert_eq!(
        up,
        [
            "final/src/http/a.rs:2: `crate::B` points up: http/ (floor 1) names app/b.rs on floor 5 (app/)"
        ]
    );
    let found = loops(&graph);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("a loop among 2 files (app/b.rs, app/c.rs); one way round:"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("final/src/app/c.rs:1: `super::b::B` (app/b.rs)"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("final/src/app/b.rs:1: `crate::app::c` (app/c.rs)"),
        "{}",
        found[0]
    );
    // The test module is not read; the code after it is.
    let c: Vec<(usize, &str)> = (graph["app/c.rs"].iter())
        .map(|import| (import.line, import.target.as_str()))
        .collect();
    assert_eq!(c, [(1, "app/b.rs"), (8, "http/d.rs")]);
    assert_eq!(
        imports_of(
            "app/b.rs",
            "fn g() { crate::dev::C::new(); }",
            &files,
            &roots
        )
        .unwrap()[0]
            .target,
        "app/c.rs"
    );
}
