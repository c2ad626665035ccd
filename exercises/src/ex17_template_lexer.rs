//! # Exercise 17: the template lexer
//!
//! Chapter 10 of `TUTORIAL.md` builds a template engine in three stages:
//! a lexer, a parser and a renderer. You write the first: the one that
//! looks at characters. A template is text with holes in it:
//!
//! ```text
//! <h1>Hello {{ name }}!</h1>{# a comment #}
//! {% if entries %}...{% endif %}
//! ```
//!
//! Build [`tokenize`], which cuts a source into [`Token`]s:
//! - `{{ ... }}` is a [`Token::Expr`], `{% ... %}` a [`Token::Tag`]: each
//!   holds the text between the delimiters with the spaces around it
//!   trimmed (`{{ name }}` holds `name`), and the line its opener is on;
//! - `{# ... #}` is a comment: it produces no token at all;
//! - everything else is [`Token::Text`], exactly as written. Text is
//!   borrowed from the source (a slice of it), never copied. The text before
//!   and after a comment are two tokens (`a{# x #}b` is `a`, then `b`);
//! - lines count from 1; a newline inside a tag or a comment counts too;
//! - a `}}`, `%}` or lone `{` in text is just text (style sheets have braces);
//! - an opener whose own closer never comes is [`LexError::Unclosed`] at the
//!   opener's line: in `{{ a %}` the `{{` is never closed.
//!
//! The tests (`tests/ex17_template_lexer.rs`) check each kind of token,
//! trimming, comments, lines, braces in text, unclosed openers, and that
//! text is borrowed.
//!
//! Check it with `cargo run -p exercises -- check ex17_template_lexer`.
//!
//! ## 中文说明
//!
//! ### 练习 17：模板词法分析器
//!
//! `TUTORIAL.zh-CN.md` 第 10 章分三个阶段构建一个模板（template）引擎：
//! 词法分析器（lexer）、语法分析器（parser）和渲染器。你来写第一个，
//! 也就是直接面对字符的那一个。模板就是一段带有“空洞”的文本（见上面的示意）。
//!
//! 实现 [`tokenize`]，把源文本切成若干 [`Token`]（词法单元，token）：
//! - `{{ ... }}` 是一个 [`Token::Expr`]，`{% ... %}` 是一个 [`Token::Tag`]：
//!   每个都保存分隔符之间的文本，并去掉两边的空格（`{{ name }}` 保存的是 `name`），
//!   以及开始符所在的行号；
//! - `{# ... #}` 是注释：它不产生任何词法单元；
//! - 其余的一切都是 [`Token::Text`]，与原文完全一致。文本借用自源文本（是它的一个切片），
//!   从不复制。注释前后的文本是两个词法单元（`a{# x #}b` 是 `a`，然后是 `b`）；
//! - 行号从 1 开始计；标签或注释里面的换行也要算进去；
//! - 文本中的 `}}`、`%}` 或单独的 `{` 只是普通文本（样式表里有花括号）；
//! - 一个始终等不到自己的结束符的开始符是 [`LexError::Unclosed`]，报告开始符所在的行：
//!   在 `{{ a %}` 中，`{{` 从未闭合。
//!
//! 测试（`tests/ex17_template_lexer.rs`）检查：每一种词法单元、去空格、
//! 注释、行号、文本中的花括号、未闭合的开始符，以及文本是借用的。
//!
//! 用 `cargo run -p exercises -- check ex17_template_lexer` 检查。

use std::fmt;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'s> {
    /// Text, as written.
    Text(&'s str),
    /// `{{ inner }}`, trimmed, on `line`.
    Expr {
        /// What is between `{{` and `}}`, without the spaces around it.
        inner: &'s str,
        /// The line of the `{{`, from 1.
        line: usize,
    },
    /// `{% inner %}`, trimmed, on `line`.
    Tag {
        /// What is between `{%` and `%}`, without the spaces around it.
        inner: &'s str,
        /// The line of the `{%`, from 1.
        line: usize,
    },
}

/// Why a source cannot be cut into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexError {
    /// `open` (`"{{"`, `"{%"` or `"{#"`) on `line` is never closed.
    Unclosed {
        /// The opener.
        open: &'static str,
        /// Its line, from 1.
        line: usize,
    },
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::Unclosed { open, line } => {
                write!(f, "line {line}: `{open}` is never closed")
            }
        }
    }
}

impl std::error::Error for LexError {}

/// Cuts `source` into tokens.
///
/// # Errors
/// [`LexError::Unclosed`] for an opener without its closer.
// TODO: remove this `allow` once you use `source`.
#[allow(unused_variables)]
pub fn tokenize(source: &str) -> Result<Vec<Token<'_>>, LexError> {
    // TODO: keep `rest` (what is left of `source`) and `line`. In a loop,
    // find the first opener in `rest`; push the text before it; find the
    // matching closer after it; push the token (or nothing for a comment);
    // count the newlines you stepped over; continue after the closer.
    todo!()
}
