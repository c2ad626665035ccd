//! Stage 1, the lexer: a template's source cut into tokens.
//!
//! A template is mostly text, with three kinds of hole in it:
//!
//! | written as        | token          | means                          |
//! |-------------------|----------------|--------------------------------|
//! | `{{ entry.name }}`| [`Token::Expr`] | print this value, escaped     |
//! | `{% if entries %}`| [`Token::Tag`]  | a tag: logic, not output      |
//! | `{# a note #}`    | (nothing)      | a comment, dropped here        |
//!
//! Why a separate stage: finding where the holes are is the only part that
//! looks at characters. Once it is done, the parser works on a short list of
//! tokens and never counts braces or lines again. Each token keeps the
//! [`Position`] of its opening `{{` or `{%`, so a later stage can still say
//! "line 12, column 3". Text borrows from the source (`&str`): the lexer copies
//! nothing.
//!
//! The lexer does not know what `if` means; it only trims the words inside
//! the delimiters. A `}}` found in plain text is kept as text (style sheets
//! and scripts have braces of their own); a `{{` that is never closed is an
//! error, since everything after it would silently vanish otherwise.

use super::error::{ErrorKind, Position, TemplateError};

/// One piece of a template's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'s> {
    /// Text copied to the output as it is, and where it starts.
    Text(&'s str, Position),
    /// `{{ ... }}`: the words inside, trimmed, and where the `{{` is.
    Expr(&'s str, Position),
    /// `{% ... %}`: the words inside, trimmed, and where the `{%` is.
    Tag(&'s str, Position),
}

/// The three openers, and the closer each needs.
const DELIMITERS: [(&str, &str); 3] = [("{{", "}}"), ("{%", "%}"), ("{#", "#}")];

/// Cuts `source` (the template called `name`, for errors) into tokens.
///
/// # Errors
/// [`ErrorKind::UnclosedDelimiter`] at the opener with no closer.
pub fn tokenize<'s>(name: &str, source: &'s str) -> Result<Vec<Token<'s>>, TemplateError> {
    let mut tokens = Vec::new();
    let mut rest = source;
    let mut at = Position::START;
    // Each turn: text up to the next opener, then the hole it opens.
    while let Some((start, open, close)) = next_opener(rest) {
        if start > 0 {
            tokens.push(Token::Text(&rest[..start], at));
            at = at.after(&rest[..start]);
        }
        let inside_and_after = &rest[start + open.len()..];
        let Some(end) = inside_and_after.find(close) else {
            return Err(TemplateError::new(
                name,
                Some(at),
                ErrorKind::UnclosedDelimiter(open),
            ));
        };
        let inside = &inside_and_after[..end];
        match open {
            "{{" => tokens.push(Token::Expr(inside.trim(), at)),
            "{%" => tokens.push(Token::Tag(inside.trim(), at)),
            _ => {} // a comment: only its length matters, for the positions after it
        }
        let consumed = open.len() + end + close.len();
        at = at.after(&rest[start..start + consumed]);
        rest = &rest[start + consumed..];
    }
    if !rest.is_empty() {
        tokens.push(Token::Text(rest, at));
    }
    Ok(tokens)
}

/// The first opener in `text`: its byte offset, and its delimiters.
fn next_opener(text: &str) -> Option<(usize, &'static str, &'static str)> {
    let bytes = text.as_bytes();
    // Both characters are ASCII, so a byte offset found here is always a
    // char boundary and slicing there cannot panic.
    (0..bytes.len().saturating_sub(1)).find_map(|i| {
        DELIMITERS
            .iter()
            .find(|(open, _)| &bytes[i..i + 2] == open.as_bytes())
            .map(|&(open, close)| (i, open, close))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn sources_are_cut_into_text_expressions_and_tags() {
        use Token::{Expr, Tag, Text};
        let cases: Vec<(&str, Vec<Token>)> = vec![
            ("", vec![]),
            ("plain", vec![Text("plain", at(1, 1))]),
            ("{{ x }}", vec![Expr("x", at(1, 1))]),
            (
                "Hi {{name}}!",
                vec![
                    Text("Hi ", at(1, 1)),
                    Expr("name", at(1, 4)),
                    Text("!", at(1, 12)),
                ],
            ),
            (
                "{% if a %}y{% endif %}",
                vec![
                    Tag("if a", at(1, 1)),
                    Text("y", at(1, 11)),
                    Tag("endif", at(1, 12)),
                ],
            ),
            (
                "a{# note #}b",
                vec![Text("a", at(1, 1)), Text("b", at(1, 12))],
            ),
            // Multi-line holes are fine; the position is their opener's.
            (
                "\n  {{\n entry.name\n }}",
                vec![Text("\n  ", at(1, 1)), Expr("entry.name", at(2, 3))],
            ),
            // Braces of CSS or JS are text.
            ("a { b } }} c", vec![Text("a { b } }} c", at(1, 1))]),
            ("{ {x} }", vec![Text("{ {x} }", at(1, 1))]),
            // Columns count characters: é is one.
            ("é{{x}}", vec![Text("é", at(1, 1)), Expr("x", at(1, 2))]),
            // A comment may hide a tag.
            ("{# {% if %} #}", vec![]),
            ("{{}}", vec![Expr("", at(1, 1))]),
        ];
        for (source, expected) in cases {
            assert_eq!(tokenize("t.html", source).unwrap(), expected, "{source:?}");
        }
    }

    #[test]
    fn positions_after_a_multi_line_comment_are_right() {
        let tokens = tokenize("t.html", "{# one\ntwo #}\n  {{ x }}").unwrap();
        assert_eq!(tokens.last(), Some(&Token::Expr("x", at(3, 3))));
    }

    #[test]
    fn an_unclosed_opener_is_an_error_at_the_opener() {
        let cases = [
            ("{{ name", "{{", at(1, 1)),
            ("a\n  {% if x", "{%", at(2, 3)),
            ("{{ a }} {# note", "{#", at(1, 9)),
            ("{{ a %}", "{{", at(1, 1)),
        ];
        for (source, open, position) in cases {
            let err = tokenize("t.html", source).unwrap_err();
            assert_eq!(
                err.kind(),
                &ErrorKind::UnclosedDelimiter(open),
                "{source:?}"
            );
            assert_eq!(err.position(), Some(position), "{source:?}");
            assert_eq!(err.template(), "t.html");
        }
    }
}
