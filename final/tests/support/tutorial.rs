//! Blocks of TUTORIAL.md that a test reproduces.
//!
//! A fenced block in the tutorial preceded by
//! `<!-- output-from-test: final/tests/FILE.rs::TEST -->` (or, for a file the
//! reader writes, `<!-- built-by-test: ... -->`) is what that test produces
//! or builds. The test reads the block with [`block`] and compares it with
//! what really happens, so the text cannot go stale; the drift test
//! (steps/step01-echo/tests/tutorial_sync) checks that every such marker
//! names a test that does this.

use std::path::Path;

/// The lines of the fenced block right after the marker naming `test` (a
/// function of `file`, relative to `final/`, such as `tests/static_files.rs`).
/// Panics, naming the marker, if TUTORIAL.md has none.
#[track_caller]
pub fn block(file: &str, test: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../TUTORIAL.md");
    let text = std::fs::read_to_string(&path).expect("read TUTORIAL.md");
    let id = format!("final/{file}::{test} -->");
    let mut lines = text.lines().skip_while(|line| {
        let line = line.trim();
        !(line.starts_with("<!--") && line.ends_with(&id))
    });
    assert!(
        lines.next().is_some(),
        "TUTORIAL.md has no marker ending in `{id}`"
    );
    let fence = lines.next().unwrap_or_default();
    assert!(
        fence.trim_start().starts_with("```"),
        "the marker for {test} must sit right above its fenced block, found {fence:?}"
    );
    lines
        .take_while(|line| !line.trim_start().starts_with("```"))
        .map(|line| line.trim_end().to_string())
        .collect()
}
