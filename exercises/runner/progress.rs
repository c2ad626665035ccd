//! Where the learner stands: each exercise's status, and the table that shows it.
//!
//! Finding a status may run cargo (see [`crate::cargo`]); rendering is pure,
//! so the unit tests check it with made-up rows.

use std::fmt::Write as _;
use std::path::Path;

use crate::catalog::Exercise;
use crate::lang::{Lang, display_width, pad};

/// How far one exercise has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every original `todo!()` is still in the file. Its tests are not run.
    NotStarted,
    /// The file was changed and its tests pass.
    Passed,
    /// The file was changed and its tests do not pass yet.
    Failing {
        /// Why not.
        why: Failure,
        /// How many `todo!()` are left in the file.
        todos_left: usize,
    },
}

/// Why a started exercise is not passing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Some tests fail.
    Tests,
    /// The exercise file does not compile.
    Build,
    /// The tests ran too long and were stopped (an endless loop?).
    Timeout,
}

impl Status {
    fn label(self, lang: Lang) -> String {
        match self {
            Status::NotStarted => lang.not_started().to_string(),
            Status::Passed => lang.passed().to_string(),
            Status::Failing {
                why: Failure::Build,
                ..
            } => lang.failing_build().to_string(),
            Status::Failing {
                why: Failure::Timeout,
                ..
            } => lang.failing_timeout().to_string(),
            Status::Failing { todos_left: 0, .. } => lang.failing().to_string(),
            Status::Failing { todos_left, .. } => lang.failing_todos(todos_left),
        }
    }
}

/// One line of the progress table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The exercise.
    pub exercise: &'static Exercise,
    /// Its status.
    pub status: Status,
}

/// The file a learner edits for `exercise`.
pub fn exercise_file(dir: &Path, exercise: &Exercise) -> std::path::PathBuf {
    dir.join("src").join(format!("{}.rs", exercise.name))
}

/// The path to show the learner: relative to the workspace, like the README.
pub fn display_file(exercise: &Exercise) -> String {
    format!("exercises/src/{}.rs", exercise.name)
}

/// The first exercise that has not passed, in tutorial order.
pub fn next_to_do(rows: &[Row]) -> Option<&Row> {
    rows.iter().find(|row| row.status != Status::Passed)
}

/// Renders the progress table, a summary line, and what to do next, in `lang`.
pub fn render(rows: &[Row], lang: Lang) -> String {
    let [exercise, chapter, level, topic, status] = lang.columns();
    // Each column as wide as its widest cell, counted in terminal columns
    // (a Chinese character takes two), so the rows line up in both languages.
    let width = |title: &str, cells: &mut dyn Iterator<Item = usize>| {
        cells.fold(display_width(title), usize::max)
    };
    let name_width = width(exercise, &mut rows.iter().map(|r| r.exercise.name.len()));
    let chapter_width = width(
        chapter,
        &mut rows.iter().map(|r| r.exercise.chapter.to_string().len()),
    );
    let level_width = width(
        level,
        &mut ["easy", "medium", "hard"]
            .iter()
            .map(|l| display_width(lang.difficulty(l))),
    );
    let topic_width = width(
        topic,
        &mut rows.iter().map(|r| display_width(r.exercise.topic(lang))),
    );
    let right = |text: &str, width: usize| {
        format!(
            "{}{text}",
            " ".repeat(width.saturating_sub(display_width(text)))
        )
    };
    let mut out = String::new();
    // `write!` to a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        out,
        "  {}  {}  {}  {}  {status}",
        pad(exercise, name_width),
        right(chapter, chapter_width),
        pad(level, level_width),
        pad(topic, topic_width),
    );
    for row in rows {
        let mark = match row.status {
            Status::Passed => "✓",
            Status::Failing { .. } => "✗",
            Status::NotStarted => "·",
        };
        let _ = writeln!(
            out,
            "{mark} {}  {}  {}  {}  {}",
            pad(row.exercise.name, name_width),
            right(&row.exercise.chapter.to_string(), chapter_width),
            pad(
                lang.difficulty(row.exercise.difficulty.label()),
                level_width
            ),
            pad(row.exercise.topic(lang), topic_width),
            row.status.label(lang)
        );
    }
    let passed = rows.iter().filter(|r| r.status == Status::Passed).count();
    let _ = writeln!(out, "\n{}", lang.summary(passed, rows.len()));
    match next_to_do(rows) {
        None => {
            let _ = writeln!(out, "{}", lang.all_done());
        }
        Some(row) => {
            let ex = row.exercise;
            let level = lang.difficulty(ex.difficulty.label());
            let _ = writeln!(
                out,
                "{}\n{}",
                lang.next(ex.name, ex.chapter, level, ex.topic(lang)),
                lang.next_commands(ex.name, &display_file(ex))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CATALOG as EXERCISES, in_tutorial_order};
    use std::path::Path;

    fn render_en(rows: &[Row]) -> String {
        render(rows, Lang::English)
    }

    fn rows(statuses: &[Status]) -> Vec<Row> {
        in_tutorial_order()
            .into_iter()
            .zip(
                statuses
                    .iter()
                    .chain(std::iter::repeat(&Status::NotStarted)),
            )
            .map(|(exercise, &status)| Row { exercise, status })
            .collect()
    }

    #[test]
    fn a_fresh_table_lists_every_exercise_as_not_started_and_points_at_the_first() {
        let table = render_en(&rows(&[]));
        for ex in EXERCISES {
            let line = table.lines().find(|l| l.contains(ex.name)).expect(ex.name);
            assert!(line.ends_with("not started"), "{line}");
        }
        let summary = format!("0 of {} exercises passed.", EXERCISES.len());
        assert!(table.contains(&summary), "{table}");
        assert!(
            table.contains("Next: ex01_echo (chapter 1, easy)"),
            "{table}"
        );
        assert!(
            table.contains("check  cargo run -p exercises -- check ex01_echo"),
            "{table}"
        );
    }

    #[test]
    fn passed_rows_are_skipped_when_choosing_the_next_one() {
        let failing = Status::Failing {
            why: Failure::Tests,
            todos_left: 0,
        };
        let table = render_en(&rows(&[Status::Passed, Status::Passed, failing]));
        let summary = format!("2 of {} exercises passed.", EXERCISES.len());
        assert!(table.contains(&summary), "{table}");
        assert!(table.contains("Next: ex03_request_line"), "{table}");
        let line = table
            .lines()
            .find(|l| l.contains("ex03_request_line"))
            .unwrap();
        assert!(line.starts_with('✗') && line.ends_with("failing"), "{line}");
    }

    #[test]
    fn failing_rows_say_why() {
        let table = render_en(&rows(&[
            Status::Failing {
                why: Failure::Build,
                todos_left: 1,
            },
            Status::Failing {
                why: Failure::Tests,
                todos_left: 2,
            },
            Status::Failing {
                why: Failure::Timeout,
                todos_left: 0,
            },
        ]));
        assert!(table.contains("failing (does not compile)"), "{table}");
        assert!(table.contains("failing (tests ran too long)"), "{table}");
        assert!(table.contains("failing (2 todo!() left)"), "{table}");
    }

    #[test]
    fn all_passed_says_so() {
        let all = vec![Status::Passed; EXERCISES.len()];
        let table = render_en(&rows(&all));
        let n = EXERCISES.len();
        assert!(
            table.contains(&format!("{n} of {n} exercises passed.")),
            "{table}"
        );
        assert!(table.contains("All done"), "{table}");
    }

    #[test]
    fn every_row_shows_its_chapter_and_difficulty_in_chapter_order() {
        let table = render_en(&rows(&[]));
        let mut last_chapter = 0;
        for ex in EXERCISES {
            let line = table.lines().find(|l| l.contains(ex.name)).expect(ex.name);
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words[2], ex.chapter.to_string(), "{line}");
            assert_eq!(words[3], ex.difficulty.label(), "{line}");
        }
        for line in table.lines().skip(1).take(EXERCISES.len()) {
            let chapter: u8 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
            assert!(chapter >= last_chapter, "{table}");
            last_chapter = chapter;
        }
    }

    /// The lines of the fenced block after the tutorial's marker naming `test`.
    fn tutorial_block(test: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../TUTORIAL.md");
        let text = std::fs::read_to_string(path).expect("read TUTORIAL.md");
        let marker = format!("exercises/runner/progress.rs::{test} -->");
        let mut lines = text.lines().skip_while(|l| !l.trim().ends_with(&marker));
        assert!(
            lines.next().is_some(),
            "TUTORIAL.md has no marker for {test}"
        );
        lines
            .skip(1)
            .take_while(|l| !l.starts_with("```"))
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    #[test]
    fn the_tutorials_fresh_table_is_what_the_runner_prints() {
        let block = tutorial_block("the_tutorials_fresh_table_is_what_the_runner_prints");
        assert_eq!(block[0], "$ cargo run -p exercises");
        let table = render_en(&rows(&[]));
        let printed: Vec<&str> = table.lines().map(str::trim_end).collect();
        // The block's lines in order; `...` stands for the rows it trims.
        let mut at = 0;
        let mut skipping = false;
        for line in &block[1..] {
            if line == "..." {
                skipping = true;
                continue;
            }
            let found = printed[at..].iter().position(|p| p == line);
            match found {
                Some(0) => at += 1,
                Some(n) if skipping => at += n + 1,
                _ => panic!(
                    "TUTORIAL.md shows {line:?} where the runner prints {:?}:\n{table}",
                    printed.get(at)
                ),
            }
            skipping = false;
        }
    }

    #[test]
    fn columns_line_up() {
        let table = render_en(&rows(&[]));
        // Every row ends in "not started": equal lengths mean equal columns.
        let status_column: Vec<usize> = table
            .lines()
            .skip(1)
            .take(EXERCISES.len())
            .map(|l| l.chars().count() - "not started".len())
            .collect();
        assert!(status_column.windows(2).all(|w| w[0] == w[1]), "{table}");
    }

    #[test]
    fn in_chinese_the_table_and_the_next_step_are_chinese_and_still_line_up() {
        let table = render(&rows(&[]), Lang::Chinese);
        assert!(table.starts_with("  练习"), "{table}");
        let summary = format!("{} 道练习已通过 0 道。", EXERCISES.len());
        assert!(table.contains(&summary), "{table}");
        assert!(
            table.contains("下一道：ex01_echo（第 1 章，简单）"),
            "{table}"
        );
        assert!(
            table.contains("检查     cargo run -p exercises -- check ex01_echo"),
            "{table}"
        );
        let widths: Vec<usize> = table
            .lines()
            .skip(1)
            .take(EXERCISES.len())
            .map(|l| {
                assert!(l.ends_with("未开始"), "{l}");
                display_width(l)
            })
            .collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{table}");
        // Every topic has its Chinese text: no English topic leaks into the table.
        for ex in EXERCISES {
            assert!(table.contains(ex.topic(Lang::Chinese)), "{}", ex.name);
            assert_ne!(
                ex.topic(Lang::Chinese),
                ex.topic(Lang::English),
                "{}",
                ex.name
            );
        }
    }
}
