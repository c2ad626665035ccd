//! The Chinese editions (`TUTORIAL.zh-CN.md`, `README.zh-CN.md`) must show
//! what the English ones show, byte for byte.
//!
//! A translation drifts quietly: someone fixes a command in the English
//! chapter and the Chinese reader goes on typing the old one. Prose cannot be
//! compared across languages, but everything a reader copies can: fenced
//! blocks (code, commands, output) and the `<!-- ... -->` markers that tie a
//! block to its source file or test. So each edition is cut into sections at
//! its `## ` headings, and each section is reduced to that list of blocks and
//! markers.
//!
//! - The tutorials pair their sections in order: the same number of
//!   chapters, and in each pair the same list, byte for byte.
//! - The Chinese README translates only some sections of the English one, so
//!   each of its sections names the one it translates on the line under its
//!   heading (`<!-- translates: ## The workspace -->`), or says
//!   `<!-- zh-CN only -->`; a named section must exist and show the same list.
//!
//! The other checks of this test (excerpts, commands, output) read the
//! Chinese editions too, through `DOCS`.

/// One `## ` section of a document: its heading line and what a reader copies.
#[derive(Debug, PartialEq)]
pub struct Section {
    /// The heading line (`## Chapter 7: ...`), or "" for the text before the first one.
    pub heading: String,
    /// The line of the heading, 1-based, for messages.
    pub line: usize,
    /// Fenced blocks, whole (fences included), and marker comments, in order.
    pub items: Vec<String>,
}

/// Cuts `markdown` into its preamble and `## ` sections.
pub fn sections(markdown: &str) -> Vec<Section> {
    let mut out = vec![Section {
        heading: String::new(),
        line: 1,
        items: Vec::new(),
    }];
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let section = out.last_mut().expect("never empty");
        if line.trim_start().starts_with("```") {
            let mut block = vec![line];
            for (_, inner) in lines.by_ref() {
                block.push(inner);
                if inner.trim_start().starts_with("```") {
                    break;
                }
            }
            section.items.push(block.join("\n"));
        } else if line.starts_with("## ") {
            out.push(Section {
                heading: line.to_string(),
                line: i + 1,
                items: Vec::new(),
            });
        } else if is_marker(line) {
            section.items.push(line.trim_end().to_string());
        }
    }
    out
}

/// A whole-line HTML comment: `<!-- file: ... -->`, `<!-- output: ... -->`...
fn is_marker(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("<!--") && line.ends_with("-->")
}

/// The first item where two sections differ, said for a reader of `doc`.
fn first_difference(doc: &str, en: &Section, zh: &Section) -> Option<String> {
    if en.items == zh.items {
        return None;
    }
    let at = en
        .items
        .iter()
        .zip(&zh.items)
        .position(|(a, b)| a != b)
        .unwrap_or(en.items.len().min(zh.items.len()));
    let show = |items: &[String]| items.get(at).cloned().unwrap_or_else(|| "(nothing)".into());
    Some(format!(
        "{doc}:{}: section {:?} (English {:?}) differs at its block or marker number {}\n\
         English:\n{}\nChinese:\n{}\n(code, commands, output and markers are copied byte for \
         byte; change both editions together)",
        zh.line,
        zh.heading,
        en.heading,
        at + 1,
        show(&en.items),
        show(&zh.items)
    ))
}

/// Problems between an English tutorial and its Chinese edition `doc`.
pub fn compare_tutorials(doc: &str, english: &str, chinese: &str) -> Vec<String> {
    let (en, zh) = (sections(english), sections(chinese));
    let mut problems = Vec::new();
    if en.len() != zh.len() {
        problems.push(format!(
            "{doc} has {} `## ` sections, the English edition {}: the chapters must pair up in \
             order.\nEnglish: {:#?}\nChinese: {:#?}",
            zh.len() - 1,
            en.len() - 1,
            en.iter().map(|s| &s.heading).collect::<Vec<_>>(),
            zh.iter().map(|s| &s.heading).collect::<Vec<_>>()
        ));
    }
    problems.extend(
        en.iter()
            .zip(&zh)
            .filter_map(|(en, zh)| first_difference(doc, en, zh)),
    );
    problems
}

/// Problems between an English README and a Chinese one `doc` that
/// translates some of its sections, each naming the one it translates.
pub fn compare_readmes(doc: &str, english: &str, chinese: &str) -> Vec<String> {
    let (en, zh) = (sections(english), sections(chinese));
    let mut problems: Vec<String> = first_difference(doc, &en[0], &zh[0]).into_iter().collect();
    for section in &zh[1..] {
        let mut section_items = section.items.iter();
        let named = section_items
            .next()
            .and_then(|first| first.strip_prefix("<!-- translates:"))
            .map(|rest| rest.trim_end_matches("-->").trim());
        let chinese_only = section.items.first().map(String::as_str) == Some("<!-- zh-CN only -->");
        let Some(named) = named else {
            if !chinese_only {
                problems.push(format!(
                    "{doc}:{}: {:?} must say which English section it translates on the line \
                     under it (`<!-- translates: ## Heading -->`) or `<!-- zh-CN only -->`",
                    section.line, section.heading
                ));
            }
            continue;
        };
        let Some(english) = en.iter().find(|s| s.heading == named) else {
            problems.push(format!(
                "{doc}:{}: translates {named:?}, which README.md no longer has",
                section.line
            ));
            continue;
        };
        let translated = Section {
            heading: section.heading.clone(),
            line: section.line,
            items: section_items.cloned().collect(),
        };
        problems.extend(first_difference(doc, english, &translated));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "# Title\n\nIntro.\n\n## Chapter 1: one\n\nText.\n\n<!-- output: a.rs -->\n\
                      ```console\n$ cargo run -p step01\nlistening\n```\n\n## Chapter 2: two\n\n\
                      ```text\nplain\n```\n";
    const ZH: &str = "# 标题\n\n介绍。\n\n## 第 1 章：一\n\n正文。\n\n<!-- output: a.rs -->\n\
                      ```console\n$ cargo run -p step01\nlistening\n```\n\n## 第 2 章：二\n\n\
                      ```text\nplain\n```\n";

    #[test]
    fn editions_with_the_same_blocks_in_the_same_chapters_agree() {
        assert_eq!(compare_tutorials("zh", EN, ZH), Vec::<String>::new());
    }

    #[test]
    fn a_command_changed_in_one_edition_only_is_found() {
        let changed = ZH.replace("cargo run -p step01", "cargo run -p step02");
        let problems = compare_tutorials("zh", EN, &changed);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].contains("## 第 1 章"), "{}", problems[0]);
    }

    #[test]
    fn a_missing_marker_a_missing_block_and_a_missing_chapter_are_found() {
        let no_marker = ZH.replace("<!-- output: a.rs -->\n", "");
        assert_eq!(compare_tutorials("zh", EN, &no_marker).len(), 1);
        let no_block = ZH.replace("```text\nplain\n```\n", "");
        assert_eq!(compare_tutorials("zh", EN, &no_block).len(), 1);
        let one_chapter = &ZH[..ZH.find("## 第 2 章").unwrap()];
        let problems = compare_tutorials("zh", EN, one_chapter);
        assert!(problems[0].contains("must pair up"), "{problems:#?}");
    }

    #[test]
    fn a_readme_section_must_name_what_it_translates_and_match_it() {
        let good = "# 标题\n\n## 练习\n<!-- translates: ## Chapter 2: two -->\n\n```text\nplain\n```\n\
                    \n## 其余内容\n<!-- zh-CN only -->\n\nSee README.md.\n";
        assert_eq!(compare_readmes("zh", EN, good), Vec::<String>::new());
        let drifted = good.replace("plain", "plane");
        assert_eq!(compare_readmes("zh", EN, &drifted).len(), 1);
        let unnamed = good.replace("<!-- translates: ## Chapter 2: two -->\n", "");
        assert_eq!(compare_readmes("zh", EN, &unnamed).len(), 1);
        let gone = good.replace("Chapter 2: two", "Chapter 9: gone");
        assert!(compare_readmes("zh", EN, &gone)[0].contains("no longer has"));
    }
}
