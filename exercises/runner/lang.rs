//! Every sentence the runner prints, in English and in Chinese.
//!
//! httprs retells two projects written for Chinese-speaking learners, and
//! the tutorial has a Chinese edition (`TUTORIAL.zh-CN.md`), so the runner
//! speaks Chinese too when the locale asks for it. The locale is read the
//! way the C library reads it for messages: `LC_ALL` first, then
//! `LC_MESSAGES`, then `LANG`; the first one that is set and not empty
//! decides, and any value starting with `zh` (`zh_CN.UTF-8`, `zh_TW`,
//! `zh`) picks Chinese. Everything else, and no locale at all, is English.
//!
//! The sentences live here, side by side, so that a change to one language
//! is made next to the other. Exercise topics and hints are in the catalog
//! (`topic_zh`, `hint_zh`), beside their English text, for the same reason.
//! What the runner prints for CI (`verify-stubs`) stays in English.

/// The language the runner speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    English,
    Chinese,
}

impl Lang {
    /// The language the environment asks for (see the module docs).
    pub fn from_env() -> Lang {
        Lang::from_locale(|name| std::env::var(name).ok())
    }

    /// The language for a locale read through `var` (`LC_ALL`, then
    /// `LC_MESSAGES`, then `LANG`). Pure, so the tests need no environment.
    pub fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| var(name))
            .find(|value| !value.is_empty());
        match locale {
            Some(value) if value.to_ascii_lowercase().starts_with("zh") => Lang::Chinese,
            _ => Lang::English,
        }
    }

    /// `cargo run -p exercises -- help`.
    pub fn usage(self) -> &'static str {
        match self {
            Lang::English => {
                "\
usage: cargo run -p exercises [-- COMMAND]

commands:
  list           progress table and the next exercise to do (the default)
  hint NAME      print the hint for one exercise
  check NAME     run one exercise's tests
  watch          re-check an exercise each time its file is saved (Ctrl-C to stop)
  help           this text

NAME is a full name such as ex05_status_reason, or just ex05."
            }
            Lang::Chinese => {
                "\
用法：cargo run -p exercises [-- 命令]

命令：
  list           进度表和下一道该做的练习（默认）
  hint NAME      显示一道练习的提示
  check NAME     运行一道练习的测试
  watch          每次保存练习文件时重新检查（按 Ctrl-C 停止）
  help           显示本说明

NAME 可以写全名（如 ex05_status_reason），也可以只写编号（如 ex05）。"
            }
        }
    }

    /// A difficulty label as the table shows it (`easy` / `简单`).
    pub fn difficulty(self, english: &str) -> &'static str {
        match (self, english) {
            (Lang::English, "easy") => "easy",
            (Lang::English, "medium") => "medium",
            (Lang::English, _) => "hard",
            (Lang::Chinese, "easy") => "简单",
            (Lang::Chinese, "medium") => "中等",
            (Lang::Chinese, _) => "困难",
        }
    }

    /// The table's column titles: exercise, chapter, level, topic, status.
    pub fn columns(self) -> [&'static str; 5] {
        match self {
            Lang::English => ["exercise", "chapter", "level", "topic", "status"],
            Lang::Chinese => ["练习", "章", "难度", "内容", "状态"],
        }
    }

    pub fn not_started(self) -> &'static str {
        match self {
            Lang::English => "not started",
            Lang::Chinese => "未开始",
        }
    }

    pub fn passed(self) -> &'static str {
        match self {
            Lang::English => "passed",
            Lang::Chinese => "已通过",
        }
    }

    pub fn failing(self) -> &'static str {
        match self {
            Lang::English => "failing",
            Lang::Chinese => "未通过",
        }
    }

    pub fn failing_build(self) -> &'static str {
        match self {
            Lang::English => "failing (does not compile)",
            Lang::Chinese => "未通过（编译失败）",
        }
    }

    pub fn failing_timeout(self) -> &'static str {
        match self {
            Lang::English => "failing (tests ran too long)",
            Lang::Chinese => "未通过（测试超时）",
        }
    }

    pub fn failing_todos(self, todos_left: usize) -> String {
        match self {
            Lang::English => format!("failing ({todos_left} todo!() left)"),
            Lang::Chinese => format!("未通过（还剩 {todos_left} 个 todo!()）"),
        }
    }

    pub fn summary(self, passed: usize, total: usize) -> String {
        match self {
            Lang::English => format!("{passed} of {total} exercises passed."),
            Lang::Chinese => format!("{total} 道练习已通过 {passed} 道。"),
        }
    }

    pub fn all_done(self) -> &'static str {
        match self {
            Lang::English => "All done. Well played!",
            Lang::Chinese => "全部完成，干得漂亮！",
        }
    }

    /// "Next: ex05 (chapter 3, easy): topic." without the commands under it.
    pub fn next(self, name: &str, chapter: u8, level: &str, topic: &str) -> String {
        match self {
            Lang::English => format!("Next: {name} (chapter {chapter}, {level}): {topic}."),
            Lang::Chinese => format!("下一道：{name}（第 {chapter} 章，{level}）：{topic}。"),
        }
    }

    /// The three commands under "Next": edit, check, hint.
    pub fn next_commands(self, name: &str, file: &str) -> String {
        let labels = match self {
            Lang::English => ["edit", "check", "stuck?"],
            Lang::Chinese => ["编辑", "检查", "卡住了？"],
        };
        let width = labels.iter().map(|l| display_width(l)).max().unwrap_or(0);
        let [edit, check, stuck] = labels.map(|label| pad(label, width));
        format!(
            "  {edit} {file}\n  \
             {check} cargo run -p exercises -- check {name}\n  \
             {stuck} cargo run -p exercises -- hint {name}"
        )
    }

    /// The heading printed above a hint.
    pub fn hint_heading(self, name: &str, chapter: u8, level: &str, topic: &str) -> String {
        match self {
            Lang::English => format!("Hint for {name} (chapter {chapter}, {level}, {topic}):"),
            Lang::Chinese => format!("{name} 的提示（第 {chapter} 章，{level}，{topic}）："),
        }
    }

    pub fn unknown_exercise(self, name: &str) -> String {
        match self {
            Lang::English => format!("unknown exercise {name:?}. The exercises are:"),
            Lang::Chinese => format!("没有名为 {name:?} 的练习。全部练习如下："),
        }
    }

    pub fn unknown_command(self, command: &str) -> String {
        match self {
            Lang::English => format!("unknown command: {command}"),
            Lang::Chinese => format!("未知命令：{command}"),
        }
    }

    pub fn checking_quietly(self, name: &str) -> String {
        match self {
            Lang::English => format!("checking {name}..."),
            Lang::Chinese => format!("正在检查 {name}……"),
        }
    }

    pub fn checking(self, name: &str, file: &str) -> String {
        match self {
            Lang::English => format!("Checking {name} ({file})...\n"),
            Lang::Chinese => format!("正在检查 {name}（{file}）……\n"),
        }
    }

    pub fn cannot_run_tests(self, name: Option<&str>, err: &std::io::Error) -> String {
        match (self, name) {
            (Lang::English, Some(name)) => format!("could not run the tests of {name}: {err}"),
            (Lang::English, None) => format!("could not run the tests: {err}"),
            (Lang::Chinese, Some(name)) => format!("无法运行 {name} 的测试：{err}"),
            (Lang::Chinese, None) => format!("无法运行测试：{err}"),
        }
    }

    pub fn check_passed(self, name: &str) -> String {
        match self {
            Lang::English => format!("✓ {name} passed."),
            Lang::Chinese => format!("✓ {name} 通过了。"),
        }
    }

    pub fn see_what_is_left(self) -> &'static str {
        match self {
            Lang::English => "See what is left with: cargo run -p exercises",
            Lang::Chinese => "看看还剩哪些：cargo run -p exercises",
        }
    }

    /// After a pass: the next exercise not started yet, and its file.
    pub fn next_after_pass(self, next: &str, file: &str) -> String {
        match self {
            Lang::English => format!("{next} Edit {file}."),
            Lang::Chinese => format!("{next}请编辑 {file}。"),
        }
    }

    pub fn does_not_compile(self, file: &str) -> String {
        match self {
            Lang::English => {
                format!("✗ {file} does not compile yet: the compiler's messages above say where.")
            }
            Lang::Chinese => format!("✗ {file} 还不能编译：上面编译器的信息指出了出错的位置。"),
        }
    }

    pub fn timed_out(self, name: &str, seconds: u64) -> String {
        match self {
            Lang::English => format!(
                "✗ {name}'s tests were still running after {seconds} s and were stopped: is there \
                 a loop that never ends, or a wait that never returns?"
            ),
            Lang::Chinese => format!(
                "✗ {name} 的测试运行了 {seconds} 秒仍未结束，已被停止：是不是有一个永不结束的循环，\
                 或者一次永不返回的等待？"
            ),
        }
    }

    pub fn not_done(self, name: &str, todos_left: usize, file: &str) -> String {
        match self {
            Lang::English => format!(
                "✗ {name} is not done: {todos_left} todo!() left in {file} (a test that reaches \
                 one panics with \"not yet implemented\")."
            ),
            Lang::Chinese => format!(
                "✗ {name} 还没做完：{file} 里还剩 {todos_left} 个 todo!()（测试一碰到它就会 panic，\
                 信息是 \"not yet implemented\"）。"
            ),
        }
    }

    pub fn tests_failing(self, name: &str) -> String {
        match self {
            Lang::English => {
                format!("✗ {name} has failing tests: each message above says what was expected.")
            }
            Lang::Chinese => {
                format!("✗ {name} 有测试没通过：上面每条信息都写明了期望的结果。")
            }
        }
    }

    pub fn watching_start(self) -> &'static str {
        match self {
            Lang::English => "Watching exercises/src for changes (Ctrl-C to stop)...",
            Lang::Chinese => "正在监视 exercises/src 的改动（按 Ctrl-C 停止）……",
        }
    }

    pub fn watching_again(self) -> &'static str {
        match self {
            Lang::English => "Watching for changes (Ctrl-C to stop)...",
            Lang::Chinese => "继续监视改动（按 Ctrl-C 停止）……",
        }
    }

    pub fn file_changed(self, name: &str) -> String {
        match self {
            Lang::English => format!("──── {name} changed ────"),
            Lang::Chinese => format!("──── {name} 有改动 ────"),
        }
    }

    pub fn stuck(self, name: &str) -> String {
        match self {
            Lang::English => format!("  stuck? cargo run -p exercises -- hint {name}"),
            Lang::Chinese => format!("  卡住了？cargo run -p exercises -- hint {name}"),
        }
    }
}

/// How many terminal columns `text` takes: Chinese, Japanese and Korean
/// characters and full-width punctuation take two, everything else one.
/// `{:<width$}` pads by characters, which would leave a Chinese table
/// ragged, so the table pads with this instead.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// `text` followed by spaces up to `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(display_width(text)),
    ));
    out
}

/// The East Asian Wide and Fullwidth blocks a terminal draws two columns wide.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F       // Hangul Jamo
        | 0x2E80..=0x303E     // CJK radicals, punctuation (、。「」)
        | 0x3041..=0x33FF     // kana, CJK compatibility
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xA000..=0xA4CF     // Yi
        | 0xAC00..=0xD7A3     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFE30..=0xFE4F     // CJK compatibility forms
        | 0xFF00..=0xFF60     // full-width forms (，：（）)
        | 0xFFE0..=0xFFE6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(pairs: &[(&str, &str)]) -> Lang {
        Lang::from_locale(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_chinese_lang_picks_chinese_and_anything_else_english() {
        assert_eq!(locale(&[("LANG", "zh_CN.UTF-8")]), Lang::Chinese);
        assert_eq!(locale(&[("LANG", "zh_TW.UTF-8")]), Lang::Chinese);
        assert_eq!(locale(&[("LANG", "en_US.UTF-8")]), Lang::English);
        assert_eq!(locale(&[("LANG", "C")]), Lang::English);
        assert_eq!(locale(&[]), Lang::English);
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang_decide_and_empty_ones_are_skipped() {
        let both = [("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")];
        assert_eq!(locale(&both), Lang::English);
        let messages = [("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_GB.UTF-8")];
        assert_eq!(locale(&messages), Lang::Chinese);
        let empty = [("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")];
        assert_eq!(locale(&empty), Lang::Chinese);
    }

    #[test]
    fn chinese_characters_and_full_width_punctuation_take_two_columns() {
        assert_eq!(display_width("ex01"), 4);
        assert_eq!(display_width("未开始"), 6);
        assert_eq!(display_width("未通过（编译失败）"), 18);
        assert_eq!(pad("章", 4), "章  ");
        assert_eq!(pad("longer than", 3), "longer than");
    }
}
