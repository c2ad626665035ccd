//! # Exercise 04: header lines
//!
//! Chapter 2 of `TUTORIAL.md` (step 02) gets the headers of a request from
//! `httparse` and looks them up by name. Two rules of HTTP make that lookup
//! trickier than a `HashMap<String, String>`:
//! - field names are **case-insensitive**: `Host`, `host` and `HOST` are the
//!   same header;
//! - a field may be **repeated** (`Set-Cookie`, `Accept`), and every value
//!   counts, in the order it was sent.
//!
//! Build [`Headers::parse`] and the two lookups:
//! - `parse` reads the header block of a request head: lines of the form
//!   `Name: value`, each ending in `\r\n` (the block's final `\r\n` is
//!   optional). Spaces and tabs around a value are not part of it; an empty
//!   value is fine; a colon inside the value is just data.
//!   A line is rejected, with its 1-based line number, when it has no colon,
//!   an empty name, a name with a byte that is not a token character
//!   (a space before the colon, for instance), or a value containing a
//!   control character other than tab. A line that starts with a space or tab
//!   (the obsolete "line folding") is rejected as a bad name;
//! - `get` returns the first value for a name, ignoring ASCII case;
//! - `get_all` returns every value for a name, in order.
//!
//! The tests (`tests/ex04_headers.rs`) check all of the above, plus the empty
//! block and a lookup of a header that is not there.
//!
//! Check it with `cargo run -p exercises -- check ex04_headers`.
//!
//! ## 中文说明
//!
//! ### 练习 04：请求头行
//!
//! `TUTORIAL.zh-CN.md` 第 2 章（step02）从 `httparse` 拿到请求的各个请求头（header），
//! 再按名字查找。HTTP 的两条规则让这种查找比一个 `HashMap<String, String>` 更讲究：
//! - 字段名**不区分大小写**：`Host`、`host` 和 `HOST` 是同一个请求头；
//! - 一个字段可以**重复出现**（`Set-Cookie`、`Accept`），每个值都算数，
//!   并保持发送时的顺序。
//!
//! 实现 [`Headers::parse`] 和两个查找方法：
//! - `parse` 读取请求头部中的请求头块：若干形如 `Name: value` 的行，每行以 `\r\n`
//!   结尾（块的最后一个 `\r\n` 可有可无）。值两边的空格和制表符不属于值本身；
//!   值可以为空；值里的冒号只是普通数据。某一行出现以下情况时被拒绝，并报告它的行号（从 1
//!   开始）：没有冒号；名字为空；名字里有不是 token 字符的字节（比如冒号前有空格）；
//!   值里含有制表符以外的控制字符。以空格或制表符开头的行（已废弃的“行折叠”，
//!   line folding）按名字错误拒绝；
//! - `get` 返回某个名字的第一个值，比较时忽略 ASCII 大小写；
//! - `get_all` 按顺序返回某个名字的所有值。
//!
//! 测试（`tests/ex04_headers.rs`）检查上述所有规则，另外还有空块，
//! 以及查找一个不存在的请求头。
//!
//! 用 `cargo run -p exercises -- check ex04_headers` 检查。

use std::fmt;

/// The header fields of one request, borrowed from the text they were parsed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    // Given: a list, not a map, so that order and repeats survive.
    fields: Vec<(&'a str, &'a str)>,
}

/// What is wrong with a header line, and on which line (counting from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// The line has no `:`.
    MissingColon {
        /// 1-based line number within the block.
        line: usize,
    },
    /// The name is empty or contains a byte that is not a token character.
    BadName {
        /// 1-based line number within the block.
        line: usize,
    },
    /// The value contains a control character other than tab.
    BadValue {
        /// 1-based line number within the block.
        line: usize,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::MissingColon { line } => write!(f, "header line {line} has no ':'"),
            HeaderError::BadName { line } => write!(f, "header line {line} has an invalid name"),
            HeaderError::BadValue { line } => {
                write!(f, "header line {line} has a control character in its value")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

/// Is `byte` a token character (`tchar` in RFC 9110)? Given.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

impl<'a> Headers<'a> {
    /// Parses a header block: `Name: value` lines, each ending in `\r\n`.
    ///
    /// # Errors
    /// The first bad line, as a [`HeaderError`] carrying its line number.
    // TODO: remove this `allow` once you use `block`.
    #[allow(unused_variables)]
    pub fn parse(block: &'a str) -> Result<Headers<'a>, HeaderError> {
        // TODO: split the block into lines (`split_terminator("\r\n")` drops
        // the empty piece after the last `\r\n`), then split each line at its
        // first ':' (`split_once`), check the name and value, trim the value
        // (`trim_matches(|c| c == ' ' || c == '\t')`), and push the pair.
        todo!()
    }

    /// The first value of the header called `name`, ignoring ASCII case.
    // TODO: remove this `allow` once you use `name`.
    #[allow(unused_variables)]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        // TODO: `eq_ignore_ascii_case` compares names without allocating.
        todo!()
    }

    /// Every value of the header called `name`, ignoring ASCII case, in order.
    // TODO: remove this `allow` once you use `name`.
    #[allow(unused_variables)]
    pub fn get_all(&self, name: &str) -> Vec<&'a str> {
        // TODO
        todo!()
    }

    /// How many header lines there are (repeats counted). Given.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no headers at all. Given.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}
