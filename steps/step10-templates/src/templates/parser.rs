//! Stage 2, the parser: tokens into a tree (the AST, *abstract syntax tree*).
//!
//! The lexer's tokens are flat: `{% if %}`, some text, `{% endif %}`. But
//! an `if` *contains* what sits between its tags, and that may contain a
//! `for`, which contains more. A tree says so directly: a [`Node::If`] owns
//! the nodes of its two branches. The renderer then walks the tree with
//! plain recursion and never has to look for a matching `endif`.
//!
//! Why parse once, before rendering: every structural mistake (an unknown
//! tag, an `if` never closed, an `endfor` closing an `if`) is found when the
//! template is *loaded*, at start-up, with its line and column, instead of
//! the first time a visitor happens to reach that branch. What is left for
//! render time is only what depends on the values: a missing variable.
//!
//! The parser is *recursive descent*: [`Parser::body`] collects nodes until
//! it meets an end tag (`else`, `endif`, `endfor`, `endblock`) or the end of
//! the tokens, and each opening tag calls `body` again for what it contains.
//! The end tag is handed back to the caller, which alone knows whether it
//! is the right one (`endif` closes an `if`, not a `for`).
//!
//! Inheritance is decided here too. `{% extends "base.html" %}` must come
//! first; a template that extends another is only a set of blocks, so text
//! outside its blocks is refused (it would never be shown). Every block's
//! body goes into [`Template::blocks`] by name, and the tree keeps a
//! [`Node::Block`] naming it, where the renderer picks the most derived
//! template's version.

use std::collections::BTreeMap;

use super::error::{ErrorKind, Position, TemplateError};
use super::lexer::Token;

/// How deep `if`, `for` and `block` may nest. The renderer recurses once per
/// level; a limit keeps a runaway template from overflowing the stack.
pub const MAX_NESTING: usize = 32;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name, as loaded (`index.html`).
    pub name: String,
    /// The template it extends, and where the `{% extends %}` tag is.
    pub parent: Option<(String, Position)>,
    /// The tree. For a template that extends another, only blocks and blank text.
    pub nodes: Vec<Node>,
    /// Every block's body, by name (nested blocks included).
    pub blocks: BTreeMap<String, Vec<Node>>,
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text, copied as it is.
    Text(String),
    /// `{{ path }}`: the value, escaped.
    Print(Path),
    /// `{% if [not] test %} then {% else %} otherwise {% endif %}`.
    If {
        /// The value tested.
        test: Path,
        /// `if not`: the branches swap.
        negated: bool,
        /// Rendered when the test holds.
        then: Vec<Node>,
        /// Rendered otherwise (empty without `{% else %}`).
        otherwise: Vec<Node>,
    },
    /// `{% for var in list %} body {% endfor %}`.
    For {
        /// The loop variable's name.
        var: String,
        /// The list.
        list: Path,
        /// Rendered once per item, with `var` bound to it.
        body: Vec<Node>,
    },
    /// `{% block name %}`: the body is in [`Template::blocks`].
    Block(String),
}

/// A name or a dotted name, such as `entry.name`, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// As written: `entry.name`.
    pub text: String,
    /// Where the `{{` or `{%` holding it is.
    pub at: Position,
}

impl Path {
    /// The parts between the dots: `entry`, `name`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.text.split('.')
    }
}

/// Parses the tokens of the template `name`.
///
/// # Errors
/// The first structural mistake: see [`ErrorKind`] for the list.
pub fn parse(name: &str, mut tokens: Vec<Token<'_>>) -> Result<Template, TemplateError> {
    let mut parser = Parser {
        name,
        tokens: Vec::new().into_iter(),
        parent: None,
        blocks: BTreeMap::new(),
        depth: 0,
    };
    // `{% extends %}` comes first, after blank text at most; it is taken
    // off the tokens, so `body` meets any other `extends` as misplaced.
    let first = tokens
        .iter()
        .position(|t| !matches!(t, Token::Text(text, _) if text.trim().is_empty()));
    if let Some(i) = first
        && let Token::Tag(words, at) = tokens[i]
        && first_word(words) == "extends"
    {
        parser.parent = Some((parser.extends(words, at)?, at));
        tokens.drain(..=i);
    }
    parser.tokens = tokens.into_iter();
    let (nodes, end) = parser.body(None)?;
    debug_assert!(
        end.is_none(),
        "body(None) returns only at the end of the tokens"
    );
    Ok(Template {
        name: name.to_string(),
        parent: parser.parent,
        nodes,
        blocks: parser.blocks,
    })
}

/// An end tag met by [`Parser::body`] (`None`: the tokens ran out).
type End<'s> = Option<EndTag<'s>>;

/// `{% else %}`, `{% endif %}`, `{% endfor %}` or `{% endblock [name] %}`.
#[derive(Debug, Clone, Copy)]
struct EndTag<'s> {
    /// Its first word: `endif`.
    word: &'s str,
    /// All its words: `endblock content`.
    words: &'s str,
    at: Position,
}

struct Parser<'n, 's> {
    name: &'n str,
    tokens: std::vec::IntoIter<Token<'s>>,
    parent: Option<(String, Position)>,
    blocks: BTreeMap<String, Vec<Node>>,
    /// How many `if`/`for`/`block` we are inside.
    depth: usize,
}

impl<'s> Parser<'_, 's> {
    fn error(&self, at: Position, kind: ErrorKind) -> TemplateError {
        TemplateError::new(self.name, Some(at), kind)
    }

    /// Nodes up to the next end tag, which is returned (`None`: the tokens
    /// ran out). `open` is the tag whose body this is, for the errors.
    fn body(
        &mut self,
        open: Option<(&'static str, Position)>,
    ) -> Result<(Vec<Node>, End<'s>), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(token) = self.tokens.next() {
            match token {
                Token::Text(text, at) => {
                    let blank = text.len() - text.trim_start().len();
                    if self.outside_block() && blank < text.len() {
                        let at = at.after(&text[..blank]);
                        return Err(self.error(at, ErrorKind::OutsideBlock));
                    }
                    nodes.push(Node::Text(text.to_string()));
                }
                Token::Expr(text, at) => {
                    if self.outside_block() {
                        return Err(self.error(at, ErrorKind::OutsideBlock));
                    }
                    nodes.push(Node::Print(self.path(text, at)?));
                }
                Token::Tag(words, at) => match first_word(words) {
                    word @ ("else" | "endif" | "endfor" | "endblock") => {
                        self.end_tag(words, at, open)?;
                        return Ok((nodes, Some(EndTag { word, words, at })));
                    }
                    "if" | "for" if self.outside_block() => {
                        return Err(self.error(at, ErrorKind::OutsideBlock));
                    }
                    "if" => nodes.push(self.if_tag(words, at)?),
                    "for" => nodes.push(self.for_tag(words, at)?),
                    "block" => nodes.push(self.block_tag(words, at)?),
                    "extends" => return Err(self.error(at, ErrorKind::ExtendsNotFirst)),
                    "" => {
                        let why = "an empty tag `{% %}`: write a tag such as `{% if name %}`";
                        return Err(self.error(at, ErrorKind::BadTag(why.into())));
                    }
                    other => return Err(self.error(at, ErrorKind::UnknownTag(other.into()))),
                },
            }
        }
        match open {
            Some((tag, at)) => Err(self.error(at, ErrorKind::Unclosed { tag })),
            None => Ok((nodes, None)),
        }
    }

    /// Checks an end tag's words (`{% endif %}` takes none; `{% endblock %}`
    /// may repeat the block's name, checked by the block) and that something
    /// is open for it to close.
    fn end_tag(
        &self,
        words: &str,
        at: Position,
        open: Option<(&'static str, Position)>,
    ) -> Result<(), TemplateError> {
        let mut parts = words.split_whitespace();
        let word = parts.next().unwrap_or_default();
        let extra = parts.count();
        if open.is_none() {
            let found = word.to_string();
            return Err(self.error(at, ErrorKind::Unexpected { found, open }));
        }
        if extra > usize::from(word == "endblock") {
            let why = format!("`{{% {word} %}}` takes no words after `{word}`, found `{words}`");
            return Err(self.error(at, ErrorKind::BadTag(why)));
        }
        Ok(())
    }

    /// The error for an end tag that is not the one `open` needs.
    fn mismatched(&self, end: End<'s>, open: (&'static str, Position)) -> TemplateError {
        match end {
            Some(end) => self.error(
                end.at,
                ErrorKind::Unexpected {
                    found: end.word.into(),
                    open: Some(open),
                },
            ),
            None => self.error(open.1, ErrorKind::Unclosed { tag: open.0 }),
        }
    }

    /// Whether a node here would be outside every block of a child template.
    fn outside_block(&self) -> bool {
        self.parent.is_some() && self.depth == 0
    }

    /// Enters a tag's body, refusing to nest deeper than [`MAX_NESTING`].
    fn enter(&mut self, at: Position) -> Result<(), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(at, ErrorKind::TooDeep { limit: MAX_NESTING }));
        }
        Ok(())
    }

    fn if_tag(&mut self, words: &str, at: Position) -> Result<Node, TemplateError> {
        let parts: Vec<&str> = words.split_whitespace().collect();
        let (negated, test) = match parts[..] {
            [_, test] => (false, test),
            [_, "not", test] => (true, test),
            _ => {
                let why = format!(
                    "`{{% {words} %}}`: `if` takes a name, or `not` and a name, \
                     such as `{{% if entries %}}` or `{{% if not entries %}}`"
                );
                return Err(self.error(at, ErrorKind::BadTag(why)));
            }
        };
        let test = self.path(test, at)?;
        let open = ("if", at);
        self.enter(at)?;
        let (then, end) = self.body(Some(open))?;
        let otherwise = match end.map(|end| end.word) {
            Some("endif") => Vec::new(),
            Some("else") => match self.body(Some(open))? {
                (otherwise, Some(end)) if end.word == "endif" => otherwise,
                (_, end) => return Err(self.mismatched(end, open)),
            },
            _ => return Err(self.mismatched(end, open)),
        };
        self.depth -= 1;
        Ok(Node::If {
            test,
            negated,
            then,
            otherwise,
        })
    }

    fn for_tag(&mut self, words: &str, at: Position) -> Result<Node, TemplateError> {
        let parts: Vec<&str> = words.split_whitespace().collect();
        let [_, var, "in", list] = parts[..] else {
            let why = format!(
                "`{{% {words} %}}`: write `{{% for item in list %}}`, such as \
                 `{{% for entry in entries %}}`"
            );
            return Err(self.error(at, ErrorKind::BadTag(why)));
        };
        if !is_name(var) {
            let why =
                format!("`{var}` cannot name a loop variable: use a plain name such as `entry`");
            return Err(self.error(at, ErrorKind::BadTag(why)));
        }
        let list = self.path(list, at)?;
        let open = ("for", at);
        self.enter(at)?;
        let body = match self.body(Some(open))? {
            (body, Some(end)) if end.word == "endfor" => body,
            (_, end) => return Err(self.mismatched(end, open)),
        };
        self.depth -= 1;
        Ok(Node::For {
            var: var.to_string(),
            list,
            body,
        })
    }

    fn block_tag(&mut self, words: &str, at: Position) -> Result<Node, TemplateError> {
        let parts: Vec<&str> = words.split_whitespace().collect();
        let name = match parts[..] {
            [_, name] if is_name(name) => name,
            _ => {
                let why = format!(
                    "`{{% {words} %}}`: write `{{% block name %}}`, such as `{{% block content %}}`"
                );
                return Err(self.error(at, ErrorKind::BadTag(why)));
            }
        };
        if self.blocks.contains_key(name) {
            return Err(self.error(at, ErrorKind::DuplicateBlock(name.into())));
        }
        let open = ("block", at);
        self.enter(at)?;
        let (body, end) = self.body(Some(open))?;
        let Some(end) = end.filter(|end| end.word == "endblock") else {
            return Err(self.mismatched(end, open));
        };
        self.depth -= 1;
        // `{% endblock content %}` may name the block it closes; if it does,
        // it must be this one.
        if let Some(other) = end.words.split_whitespace().nth(1).filter(|o| *o != name) {
            let why = format!("`{{% endblock {other} %}}` cannot close block `{name}`");
            return Err(self.error(end.at, ErrorKind::BadTag(why)));
        }
        // A block nested in a block of the same name was inserted first.
        if self.blocks.insert(name.to_string(), body).is_some() {
            return Err(self.error(at, ErrorKind::DuplicateBlock(name.into())));
        }
        Ok(Node::Block(name.to_string()))
    }

    /// The name in `{% extends "base.html" %}`.
    fn extends(&self, words: &str, at: Position) -> Result<String, TemplateError> {
        let parts: Vec<&str> = words.split_whitespace().collect();
        match parts[..] {
            [_, quoted] if quoted.len() > 2 && quoted.starts_with('"') && quoted.ends_with('"') => {
                Ok(quoted[1..quoted.len() - 1].to_string())
            }
            _ => {
                let why = format!(
                    "`{{% {words} %}}`: write `{{% extends \"base.html\" %}}`, the name in double quotes"
                );
                Err(self.error(at, ErrorKind::BadTag(why)))
            }
        }
    }

    /// A name or dotted name, checked.
    fn path(&self, text: &str, at: Position) -> Result<Path, TemplateError> {
        let why = if text.is_empty() {
            "nothing to print: write a name inside, such as `{{ name }}`".to_string()
        } else if text.contains('|') {
            format!("`{text}`: filters (`|`) are not supported; values are always printed escaped")
        } else if !text.split('.').enumerate().all(|(i, s)| {
            is_name(s) || (i > 0 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        }) {
            format!("`{text}` is not a name: write a name or a dotted name, such as `entry.name`")
        } else {
            return Ok(Path {
                text: text.to_string(),
                at,
            });
        };
        Err(self.error(at, ErrorKind::BadExpression(why)))
    }
}

/// The first word of a tag: what kind of tag it is.
fn first_word(words: &str) -> &str {
    words.split_whitespace().next().unwrap_or_default()
}

/// A name: a letter or `_`, then letters, digits or `_`.
fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_str(source: &str) -> Result<Template, TemplateError> {
        parse("t.html", tokenize("t.html", source)?)
    }

    fn path(text: &str, line: usize, column: usize) -> Path {
        Path {
            text: text.into(),
            at: Position { line, column },
        }
    }

    fn text(s: &str) -> Node {
        Node::Text(s.into())
    }

    #[test]
    fn tokens_become_a_tree() {
        let cases: Vec<(&str, Vec<Node>)> = vec![
            ("", vec![]),
            ("a", vec![text("a")]),
            ("{{ a.b }}", vec![Node::Print(path("a.b", 1, 1))]),
            (
                "{% if a %}x{% endif %}",
                vec![Node::If {
                    test: path("a", 1, 1),
                    negated: false,
                    then: vec![text("x")],
                    otherwise: vec![],
                }],
            ),
            (
                "{% if not a %}x{% else %}{{ y }}{% endif %}",
                vec![Node::If {
                    test: path("a", 1, 1),
                    negated: true,
                    then: vec![text("x")],
                    otherwise: vec![Node::Print(path("y", 1, 26))],
                }],
            ),
            (
                "{% for e in es %}{% if e %}{{ e }}{% endif %}{% endfor %}",
                vec![Node::For {
                    var: "e".into(),
                    list: path("es", 1, 1),
                    body: vec![Node::If {
                        test: path("e", 1, 18),
                        negated: false,
                        then: vec![Node::Print(path("e", 1, 28))],
                        otherwise: vec![],
                    }],
                }],
            ),
            (
                "a{% block b %}c{% endblock %}",
                vec![text("a"), Node::Block("b".into())],
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(parse_str(source).unwrap().nodes, expected, "{source:?}");
        }
    }

    #[test]
    fn block_bodies_are_kept_by_name_nested_ones_too() {
        let template =
            parse_str("{% block a %}1{% block b %}2{% endblock b %}{% endblock %}").unwrap();
        assert_eq!(template.nodes, [Node::Block("a".into())]);
        assert_eq!(template.blocks["a"], [text("1"), Node::Block("b".into())]);
        assert_eq!(template.blocks["b"], [text("2")]);
        assert_eq!(template.parent, None);
    }

    #[test]
    fn extends_is_read_first_and_blank_text_around_blocks_is_allowed() {
        let template =
            parse_str("\n  {% extends \"base.html\" %}\n{% block a %}x{% endblock %}\n").unwrap();
        let at = Position { line: 2, column: 3 };
        assert_eq!(template.parent, Some(("base.html".into(), at)));
        // The text before `extends` is gone; the rest stays, never shown.
        assert_eq!(
            template.nodes,
            [text("\n"), Node::Block("a".into()), text("\n")]
        );
    }

    #[test]
    fn names_and_paths_are_checked() {
        for good in ["a", "_a", "a1", "entry.name", "entries.0", "a.b.c"] {
            assert!(parse_str(&format!("{{{{ {good} }}}}")).is_ok(), "{good}");
        }
        for bad in [
            "1a", "a.", ".a", "a..b", "a-b", "a b", "a.b c", "0", "é", "a|b",
        ] {
            let err = parse_str(&format!("{{{{ {bad} }}}}")).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::BadExpression(_)),
                "{bad}: {err}"
            );
        }
        for bad in ["1x", "x.y", "x-y"] {
            let err = parse_str(&format!("{{% for {bad} in xs %}}{{% endfor %}}")).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::BadTag(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn an_unclosed_tag_is_reported_at_its_opening_even_when_nested() {
        let cases = [
            ("{% if a %}", "if", (1, 1)),
            ("{% for a in b %}\n{% if a %}{% endif %}", "for", (1, 1)),
            ("{% if a %}{% else %}", "if", (1, 1)),
            (
                "{% block a %}\n\n  {% for x in y %}{% endblock %}",
                "for",
                (3, 3),
            ),
            ("{% if a %}{% block a %}", "block", (1, 11)),
        ];
        for (source, tag, (line, column)) in cases {
            let err = parse_str(source).unwrap_err();
            match err.kind() {
                // `{% endblock %}` met while a `for` is open is reported at the end tag.
                ErrorKind::Unexpected {
                    open: Some((open, at)),
                    ..
                } => {
                    assert_eq!((*open, *at), (tag, Position { line, column }), "{source:?}");
                }
                kind => {
                    assert_eq!(kind, &ErrorKind::Unclosed { tag }, "{source:?}");
                    assert_eq!(
                        err.position(),
                        Some(Position { line, column }),
                        "{source:?}"
                    );
                }
            }
        }
    }
}
