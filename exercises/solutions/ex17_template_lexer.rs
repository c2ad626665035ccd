//! Reference solution for exercise 17: the template lexer.

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

/// The three openers and the closer each needs.
const DELIMITERS: [(&str, &str); 3] = [("{{", "}}"), ("{%", "%}"), ("{#", "#}")];

/// Cuts `source` into tokens.
///
/// # Errors
/// [`LexError::Unclosed`] for an opener without its closer.
///
/// # Examples
/// ```
/// use exercises::ex17_template_lexer::{tokenize, Token};
/// let tokens = tokenize("Hi {{ name }}!").unwrap();
/// assert_eq!(tokens, [Token::Text("Hi "), Token::Expr { inner: "name", line: 1 }, Token::Text("!")]);
/// ```
pub fn tokenize(source: &str) -> Result<Vec<Token<'_>>, LexError> {
    let mut tokens = Vec::new();
    let mut rest = source;
    let mut line = 1;
    loop {
        // The key step: the *first* opener of any kind. Searching for `{{`
        // alone would miss a `{%` that comes before it.
        let opener = (0..rest.len().saturating_sub(1)).find_map(|i| {
            DELIMITERS
                .iter()
                .find(|(open, _)| rest.as_bytes()[i..].starts_with(open.as_bytes()))
                .map(|&(open, close)| (i, open, close))
        });
        let Some((start, open, close)) = opener else {
            if !rest.is_empty() {
                tokens.push(Token::Text(rest));
            }
            return Ok(tokens);
        };
        if start > 0 {
            tokens.push(Token::Text(&rest[..start]));
            line += rest[..start].matches('\n').count();
        }
        // `{` is ASCII, so `start + 2` is a char boundary: no slicing panic.
        let after = &rest[start + open.len()..];
        let end = after.find(close).ok_or(LexError::Unclosed { open, line })?;
        let inner = after[..end].trim();
        match open {
            "{{" => tokens.push(Token::Expr { inner, line }),
            "{%" => tokens.push(Token::Tag { inner, line }),
            _ => {} // a comment: dropped, but its newlines still count below
        }
        line += after[..end].matches('\n').count();
        rest = &after[end + close.len()..];
    }
}
