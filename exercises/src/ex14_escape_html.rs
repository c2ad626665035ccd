//! # Exercise 14: escaping text for HTML
//!
//! Chapter 10 of `TUTORIAL.md` writes a template engine that escapes every
//! value it prints. A template that pastes a user's name into a page as-is
//! is a cross-site
//! scripting hole: a "name" of `<script>steal()</script>` runs in every
//! visitor's browser. Before text goes into HTML, five characters must be
//! replaced by entities:
//!
//! | char | entity    | why                                             |
//! |------|-----------|-------------------------------------------------|
//! | `&`  | `&amp;`   | it starts every entity, so it goes first        |
//! | `<`  | `&lt;`    | it opens a tag                                  |
//! | `>`  | `&gt;`    | it closes one                                   |
//! | `"`  | `&quot;`  | it ends a `"`-quoted attribute value            |
//! | `'`  | `&#39;`   | it ends a `'`-quoted attribute value            |
//!
//! Build [`escape_html`]. Everything else, including every non-ASCII
//! character, passes through unchanged. Most text has nothing to escape, so
//! return a [`Cow`]: `Cow::Borrowed(input)` when no character needs
//! replacing (no allocation at all), `Cow::Owned` otherwise.
//!
//! The tests (`tests/ex14_escape_html.rs`) check each character, a script
//! tag, attribute break-outs, text that is already escaped (it is escaped
//! again: `&amp;` becomes `&amp;amp;`), Unicode, the empty string, and that
//! clean text is borrowed.
//!
//! Check it with `cargo run -p exercises -- check ex14_escape_html`.
//!
//! ## 中文说明
//!
//! ### 练习 14：为 HTML 转义文本
//!
//! `TUTORIAL.zh-CN.md` 第 10 章编写一个模板（template）引擎，
//! 它会对输出的每个值做转义（escaping）。一个把用户名原样粘进页面的模板，
//! 就是一个跨站脚本攻击（XSS，cross-site scripting）漏洞：一个叫
//! `<script>steal()</script>` 的“名字”会在每个访客的浏览器里运行。文本放进 HTML 之前，
//! 必须把五个字符替换成实体（entity）：
//!
//! | 字符 | 实体      | 原因                                   |
//! |------|-----------|----------------------------------------|
//! | `&`  | `&amp;`   | 每个实体都以它开头，所以要最先替换     |
//! | `<`  | `&lt;`    | 它开启一个标签                         |
//! | `>`  | `&gt;`    | 它结束一个标签                         |
//! | `"`  | `&quot;`  | 它结束用 `"` 引起来的属性值            |
//! | `'`  | `&#39;`   | 它结束用 `'` 引起来的属性值            |
//!
//! 实现 [`escape_html`]。其他所有字符，包括每一个非 ASCII 字符，都原样通过。
//! 大多数文本根本没有需要转义的东西，所以返回一个 [`Cow`]：没有字符需要替换时返回
//! `Cow::Borrowed(input)`（完全不分配内存），否则返回 `Cow::Owned`。
//!
//! 测试（`tests/ex14_escape_html.rs`）检查：每个字符、一个 script 标签、
//! 跳出属性值的攻击、已经转义过的文本（会被再转义一次：`&amp;` 变成 `&amp;amp;`）、
//! Unicode、空字符串，以及不需要转义的文本是借用返回的。
//!
//! 用 `cargo run -p exercises -- check ex14_escape_html` 检查。

use std::borrow::Cow;

/// Escapes `&`, `<`, `>`, `"` and `'` for use in HTML text and attribute values.
// TODO: remove this `allow` once you use `text`.
#[allow(unused_variables)]
pub fn escape_html(text: &str) -> Cow<'_, str> {
    // TODO: if no character needs escaping, return `Cow::Borrowed(text)`.
    // Otherwise build a `String` (`with_capacity` a little over `text.len()`)
    // char by char with a `match`, and return `Cow::Owned`.
    todo!()
}
