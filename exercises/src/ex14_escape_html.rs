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
