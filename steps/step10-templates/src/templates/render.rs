//! Stage 3, the renderer: a tree and the page's values into text.
//!
//! The values are a [`serde_json::Value`], usually an object built with
//! `serde_json::json!` or from a `#[derive(Serialize)]` struct: the
//! variables of the page are its keys. JSON already has the shapes a
//! template needs (text, numbers, booleans, lists, maps, null), so there is
//! no value type of our own to learn.
//!
//! **Escaping by default.** Every `{{ value }}` goes through [`escape_html`]
//! before it reaches the page, and there is no way to turn that off: no
//! `|safe` filter, no raw tag. The values a guestbook prints come from
//! visitors, and a single forgotten escape lets a visitor's
//! `<script>` run in every other visitor's browser (cross-site scripting,
//! XSS). A template engine that escapes unless told not to makes the safe
//! way the lazy way. The template's own text is never escaped: it is the
//! developer's HTML. An engine with trusted HTML values (minijinja, used by
//! `final/`) adds `|safe`; this one has no value that needs it.
//!
//! **A missing variable is an error** in `{{ }}` and in `{% for %}`: the
//! page is a 500 and the log names template, line, column and the name. The
//! alternative, printing nothing (Jinja's default), turns a typo such as
//! `{{ entry.nmae }}` into a page that silently lacks every name, found by a
//! visitor if by anyone. In `{% if %}` a missing name is simply false,
//! because asking "is there such a value?" is what `if` is for:
//! `{% if errors.name %}` on a page with no errors. JSON's `null` is a value
//! (a Rust `None`), printed as nothing.
//!
//! **Inheritance.** `render` gets the chain of templates from the one asked
//! for up to the base (`index.html`, `base.html`) and walks the *base's*
//! tree; at each `{% block name %}` it renders the most derived template's
//! version of that block. So the child decides the blocks' contents and the
//! base decides everything else.

use std::borrow::Cow;

use serde_json::Value;

use super::error::{ErrorKind, TemplateError};
use super::parser::{Node, Path, Template};

/// Renders `chain[0]` with `values`: `chain` is that template followed by
/// the one it extends, and so on up to a template that extends none.
///
/// # Errors
/// [`ErrorKind::Undefined`], [`ErrorKind::NotPrintable`] or
/// [`ErrorKind::NotIterable`], naming the template whose source holds the
/// expression.
pub fn render(chain: &[&Template], values: &Value) -> Result<String, TemplateError> {
    let Some(base) = chain.last() else {
        return Ok(String::new());
    };
    let mut renderer = Renderer {
        chain,
        values,
        locals: Vec::new(),
        out: String::new(),
    };
    renderer.nodes(base, &base.nodes)?;
    Ok(renderer.out)
}

struct Renderer<'a> {
    chain: &'a [&'a Template],
    values: &'a Value,
    /// The loop variables in scope, innermost last: `{% for %}` pushes one,
    /// `{% endfor %}` pops it. A loop variable hides a page value of the same name.
    locals: Vec<(&'a str, &'a Value)>,
    out: String,
}

impl<'a> Renderer<'a> {
    /// Renders `nodes`, which belong to `template` (for the errors).
    fn nodes(&mut self, template: &'a Template, nodes: &'a [Node]) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Print(path) => {
                    let value = self
                        .lookup(path)
                        .map_err(|kind| error(template, path, kind))?;
                    match value {
                        Value::String(text) => self.out.push_str(&escape_html(text)),
                        Value::Null => {}
                        // Digits, a dot, `-`, `e`, `true`, `false`: nothing to escape.
                        Value::Number(n) => self.out.push_str(&n.to_string()),
                        Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
                        other => {
                            let kind = ErrorKind::NotPrintable {
                                expression: path.text.clone(),
                                what: kind_of(other),
                            };
                            return Err(error(template, path, kind));
                        }
                    }
                }
                Node::If {
                    test,
                    negated,
                    then,
                    otherwise,
                } => {
                    // Missing is false: see the module documentation.
                    let holds = self.lookup(test).map(is_truthy).unwrap_or(false);
                    let branch = if holds != *negated { then } else { otherwise };
                    self.nodes(template, branch)?;
                }
                Node::For { var, list, body } => {
                    let value = self
                        .lookup(list)
                        .map_err(|kind| error(template, list, kind))?;
                    let Value::Array(items) = value else {
                        let kind = ErrorKind::NotIterable {
                            expression: list.text.clone(),
                            what: kind_of(value),
                        };
                        return Err(error(template, list, kind));
                    };
                    for item in items {
                        self.locals.push((var, item));
                        let rendered = self.nodes(template, body);
                        self.locals.pop();
                        rendered?;
                    }
                }
                Node::Block(name) => {
                    // The most derived template that defines the block wins.
                    // The template holding this node defines it, so one is found.
                    if let Some((owner, body)) = self
                        .chain
                        .iter()
                        .find_map(|t| t.blocks.get(name).map(|body| (*t, body)))
                    {
                        self.nodes(owner, body)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The value a path names: the first segment among the loop variables
    /// (innermost first), then among the page's values; each further segment
    /// a key of a map, or an index of a list (`entries.0`).
    fn lookup(&self, path: &Path) -> Result<&'a Value, ErrorKind> {
        let undefined = |found: Option<&str>| ErrorKind::Undefined {
            expression: path.text.clone(),
            found: found.map(str::to_string),
        };
        let mut segments = path.segments();
        let first = segments.next().unwrap_or_default();
        let local = self.locals.iter().rev().find(|(name, _)| *name == first);
        let mut value = match local {
            Some((_, value)) => *value,
            None => self.values.get(first).ok_or_else(|| undefined(None))?,
        };
        // How much of the path has been found, for the error message.
        let mut found = first.len();
        for segment in segments {
            let next = match value {
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                other => other.get(segment),
            };
            value = next.ok_or_else(|| undefined(Some(&path.text[..found])))?;
            found += 1 + segment.len();
        }
        Ok(value)
    }
}

fn error(template: &Template, path: &Path, kind: ErrorKind) -> TemplateError {
    TemplateError::new(&template.name, Some(path.at), kind)
}

/// What `{% if %}` calls true: anything but `false`, `null`, `0`, and
/// empty text, lists and maps (as in Jinja and Python).
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// A value's kind, for error messages.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'`, so that text is shown as text in
/// HTML, between tags and inside quoted attribute values alike. Text with
/// nothing to escape is returned as it is, without a copy.
///
/// # Examples
/// ```
/// use step10::templates::escape_html;
/// assert_eq!(escape_html("<b>Tom & 'Jerry'</b>"), "&lt;b&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str) -> Cow<'_, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'');
    let Some(first) = text.find(special) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            // `&` first in meaning too: it starts every entity.
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truth_follows_jinja_and_python() {
        let cases = [
            (json!(null), false),
            (json!(false), false),
            (json!(true), true),
            (json!(0), false),
            (json!(0.0), false),
            (json!(-1), true),
            (json!(""), false),
            (json!(" "), true),
            (json!("0"), true),
            (json!([]), false),
            (json!([0]), true),
            (json!({}), false),
            (json!({ "a": null }), true),
        ];
        for (value, truthy) in cases {
            assert_eq!(is_truthy(&value), truthy, "{value}");
        }
    }

    #[test]
    fn escaping_replaces_the_five_characters_and_borrows_clean_text() {
        let cases = [
            ("", ""),
            ("plain", "plain"),
            ("<script>", "&lt;script&gt;"),
            ("a & b", "a &amp; b"),
            ("\"'", "&quot;&#39;"),
            ("&amp;", "&amp;amp;"),
            ("日本<🦀>", "日本&lt;🦀&gt;"),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_html(input), expected, "{input:?}");
        }
        assert!(matches!(escape_html("clean"), Cow::Borrowed("clean")));
    }
}
