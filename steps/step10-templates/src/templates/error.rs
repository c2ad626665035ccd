//! One error type for every stage, because the person reading it does not
//! care which stage found the mistake: they want the template, the line, the
//! column, and a sentence saying what is wrong, such as
//!
//! ```text
//! index.html, line 12, column 3: `{% if %}` is never closed: expected `{% endif %}`
//! ```
//!
//! The lexer, the parser and the renderer each know the template's name and
//! the position of the token they are looking at, so each builds its error
//! whole; nothing upstream has to patch a name in afterwards.

use std::fmt;

/// Where in a template's source something is: line and column, both from 1.
/// Columns count characters, not bytes, so `é` is one column as an editor shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl Position {
    /// The first character of a source.
    pub const START: Position = Position { line: 1, column: 1 };

    /// The position just after `text`, when `text` starts at `self`.
    pub(crate) fn after(self, text: &str) -> Position {
        let mut at = self;
        for c in text.chars() {
            if c == '\n' {
                at.line += 1;
                at.column = 1;
            } else {
                at.column += 1;
            }
        }
        at
    }
}

/// What went wrong. The [`fmt::Display`] of each variant is the sentence a
/// developer reads; [`TemplateError`] adds the template and the position.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The folder of templates, or one file in it, could not be read.
    Unreadable(String),
    /// No template of this name was loaded.
    NotFound {
        /// The name asked for.
        name: String,
        /// The folder the templates were loaded from, if they were.
        folder: Option<String>,
    },
    /// A `{{`, `{%` or `{#` whose closing `}}`, `%}` or `#}` never comes.
    UnclosedDelimiter(&'static str),
    /// `{% word %}` where `word` is none of the tags this engine knows.
    UnknownTag(String),
    /// A known tag written with the wrong words, such as `{% for x xs %}`.
    BadTag(String),
    /// What sits between `{{` and `}}` is not a name or a dotted name.
    BadExpression(String),
    /// A block tag (`if`, `for`, `block`) whose end tag never comes.
    Unclosed {
        /// The tag that was opened: `if`, `for` or `block`.
        tag: &'static str,
    },
    /// An end tag (or `else`) that does not close what is open.
    Unexpected {
        /// The tag found, such as `endfor`.
        found: String,
        /// What is open at that point, and where: `None` at the top level.
        open: Option<(&'static str, Position)>,
    },
    /// `if`, `for` and `block` nested deeper than the parser allows.
    TooDeep {
        /// How deep they may nest.
        limit: usize,
    },
    /// `{% extends %}` somewhere other than first in the template.
    ExtendsNotFirst,
    /// Text or tags outside any block in a template that extends another:
    /// they would never be shown, so they are refused rather than dropped.
    OutsideBlock,
    /// Two `{% block %}`s of the same name in one template.
    DuplicateBlock(String),
    /// Templates extending each other in a circle: the names, in order.
    ExtendsLoop(Vec<String>),
    /// `{{ name }}` or `{% for x in name %}` where `name` has no value.
    Undefined {
        /// The whole expression, such as `entry.nmae`.
        expression: String,
        /// How much of it was found: `entry` when `nmae` is missing.
        found: Option<String>,
    },
    /// `{{ list }}`: a list or a map has no single text form.
    NotPrintable {
        /// The expression.
        expression: String,
        /// `a list` or `a map`.
        what: &'static str,
    },
    /// `{% for x in value %}` where the value is not a list.
    NotIterable {
        /// The expression.
        expression: String,
        /// What it is instead: `a string`, `a map`...
        what: &'static str,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Unreadable(why) => write!(f, "cannot be read: {why}"),
            ErrorKind::NotFound { name, folder } => {
                write!(f, "no template named {name:?}")?;
                match folder {
                    Some(folder) => write!(f, " in {folder}"),
                    None => Ok(()),
                }
            }
            ErrorKind::UnclosedDelimiter(open) => {
                write!(f, "`{open}` is never closed: expected `{}`", closer(open))
            }
            ErrorKind::UnknownTag(word) => write!(
                f,
                "unknown tag `{word}` (known: if, else, endif, for, endfor, block, endblock, extends)"
            ),
            ErrorKind::BadTag(why) => f.write_str(why),
            ErrorKind::BadExpression(why) => f.write_str(why),
            ErrorKind::Unclosed { tag } => {
                write!(
                    f,
                    "`{{% {tag} %}}` is never closed: expected `{{% end{tag} %}}`"
                )
            }
            ErrorKind::Unexpected { found, open: None } => {
                write!(f, "`{{% {found} %}}` without a tag it could close")
            }
            ErrorKind::Unexpected {
                found,
                open: Some((tag, at)),
            } => write!(
                f,
                "`{{% {found} %}}` cannot close the `{{% {tag} %}}` opened at line {}, column {}",
                at.line, at.column
            ),
            ErrorKind::TooDeep { limit } => write!(f, "tags nested more than {limit} deep"),
            ErrorKind::ExtendsNotFirst => {
                f.write_str("`{% extends %}` must come first, before any other tag or text")
            }
            ErrorKind::OutsideBlock => f.write_str(
                "a template that extends another shows only its blocks: \
                 this would never be shown (put it inside a `{% block %}`)",
            ),
            ErrorKind::DuplicateBlock(name) => write!(f, "block `{name}` is defined twice"),
            ErrorKind::ExtendsLoop(names) => {
                write!(
                    f,
                    "templates extend each other in a loop: {}",
                    names.join(" -> ")
                )
            }
            ErrorKind::Undefined {
                expression,
                found: None,
            } => write!(f, "`{expression}` is not defined"),
            ErrorKind::Undefined {
                expression,
                found: Some(found),
            } => write!(
                f,
                "`{expression}` is not defined (`{found}` has no `{}`)",
                &expression[found.len() + 1..]
                    .split('.')
                    .next()
                    .unwrap_or_default()
            ),
            ErrorKind::NotPrintable { expression, what } => {
                write!(f, "`{expression}` is {what}, which cannot be printed")
            }
            ErrorKind::NotIterable { expression, what } => {
                write!(
                    f,
                    "`{expression}` is {what}, not a list: `for` needs a list"
                )
            }
        }
    }
}

/// The closing delimiter for an opening one.
fn closer(open: &str) -> &'static str {
    match open {
        "{{" => "}}",
        "{%" => "%}",
        _ => "#}",
    }
}

/// A template error: which template, where in it (when the error has a
/// place), and what. Displayed as `index.html, line 3, column 5: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    template: String,
    at: Option<Position>,
    kind: ErrorKind,
}

impl TemplateError {
    pub(crate) fn new(template: &str, at: Option<Position>, kind: ErrorKind) -> TemplateError {
        TemplateError {
            template: template.to_string(),
            at,
            kind,
        }
    }

    /// The template at fault: the one whose source holds the mistake, which
    /// for a block overridden by a child template is the child.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Where in [`TemplateError::template`], if the error has a place (a
    /// missing template has none).
    pub fn position(&self) -> Option<Position> {
        self.at
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(
                f,
                "{}, line {}, column {}: {}",
                self.template, at.line, at.column, self.kind
            ),
            None => write!(f, "{}: {}", self.template, self.kind),
        }
    }
}

impl std::error::Error for TemplateError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_not_bytes() {
        let cases = [
            ("", 1, 1),
            ("abc", 1, 4),
            ("a\n", 2, 1),
            ("a\nbc", 2, 3),
            ("é日", 1, 3),
        ];
        for (text, line, column) in cases {
            assert_eq!(
                Position::START.after(text),
                Position { line, column },
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_error_names_template_line_and_column() {
        let at = Position {
            line: 12,
            column: 3,
        };
        let err = TemplateError::new("index.html", Some(at), ErrorKind::Unclosed { tag: "if" });
        assert_eq!(
            err.to_string(),
            "index.html, line 12, column 3: `{% if %}` is never closed: expected `{% endif %}`"
        );
        let name = "nope.html".to_string();
        let kind = ErrorKind::NotFound { name, folder: None };
        let err = TemplateError::new("nope.html", None, kind);
        assert_eq!(
            err.to_string(),
            "nope.html: no template named \"nope.html\""
        );
        let name = "nope.html".to_string();
        let kind = ErrorKind::NotFound {
            name,
            folder: Some("templates".into()),
        };
        let err = TemplateError::new("nope.html", None, kind);
        assert_eq!(
            err.to_string(),
            "nope.html: no template named \"nope.html\" in templates"
        );
    }

    #[test]
    fn an_undefined_name_says_which_part_is_missing() {
        let kind = ErrorKind::Undefined {
            expression: "entry.nmae.first".into(),
            found: Some("entry".into()),
        };
        assert_eq!(
            kind.to_string(),
            "`entry.nmae.first` is not defined (`entry` has no `nmae`)"
        );
    }
}
