//! Exercise 17: the template lexer.
//! Run with `cargo run -p exercises -- check ex17_template_lexer`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex17_template_lexer.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex17_template_lexer.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex17_template_lexer;

use ex17_template_lexer::{LexError, Token, tokenize};

fn text(s: &str) -> Token<'_> {
    Token::Text(s)
}

fn expr(inner: &str, line: usize) -> Token<'_> {
    Token::Expr { inner, line }
}

fn tag(inner: &str, line: usize) -> Token<'_> {
    Token::Tag { inner, line }
}

#[track_caller]
fn assert_tokens(source: &str, expected: &[Token]) {
    match tokenize(source) {
        Ok(tokens) => assert_eq!(tokens, expected, "tokenizing {source:?}"),
        Err(err) => panic!("{source:?} is a valid template, but: {err}"),
    }
}

#[test]
fn plain_text_is_one_text_token_and_nothing_is_no_token() {
    assert_tokens("", &[]);
    assert_tokens("<p>hello</p>", &[text("<p>hello</p>")]);
}

#[test]
fn an_expression_holds_its_trimmed_inside() {
    assert_tokens("{{ name }}", &[expr("name", 1)]);
    assert_tokens("{{entry.name}}", &[expr("entry.name", 1)]);
    assert_tokens(
        "Hi {{  name\t}}!",
        &[text("Hi "), expr("name", 1), text("!")],
    );
}

#[test]
fn a_tag_holds_its_trimmed_words() {
    assert_tokens(
        "{% if entries %}yes{% endif %}",
        &[tag("if entries", 1), text("yes"), tag("endif", 1)],
    );
    assert_tokens("{%for e in es%}", &[tag("for e in es", 1)]);
}

#[test]
fn comments_produce_no_token() {
    assert_tokens("{# nothing #}", &[]);
    assert_tokens("a{# x #}b", &[text("a"), text("b")]);
    assert_tokens("{# {{ hidden }} {% if %} #}shown", &[text("shown")]);
}

#[test]
fn the_first_opener_wins_whatever_its_kind() {
    assert_tokens("{% if a %}{{ b }}{# c #}", &[tag("if a", 1), expr("b", 1)]);
    assert_tokens("{{ a }}{% b %}", &[expr("a", 1), tag("b", 1)]);
}

#[test]
fn tokens_know_the_line_of_their_opener() {
    assert_tokens(
        "one\ntwo {{ a }}\n\n{% b %}",
        &[text("one\ntwo "), expr("a", 2), text("\n\n"), tag("b", 4)],
    );
}

#[test]
fn newlines_inside_tags_and_comments_count_for_what_follows() {
    assert_tokens(
        "{% if\n  a %}{# one\ntwo\n #}{{ b }}",
        &[tag("if\n  a", 1), expr("b", 4)],
    );
}

#[test]
fn braces_that_open_nothing_are_text() {
    assert_tokens("body { color: red }", &[text("body { color: red }")]);
    assert_tokens("a }} b %} c #}", &[text("a }} b %} c #}")]);
    assert_tokens("{ {x} }", &[text("{ {x} }")]);
    assert_tokens("ends with {", &[text("ends with {")]);
}

#[test]
fn non_ascii_text_is_cut_at_the_right_places() {
    assert_tokens("日本{{ é }}🦀", &[text("日本"), expr("é", 1), text("🦀")]);
}

#[test]
fn an_unclosed_opener_is_an_error_at_its_line() {
    let cases = [
        ("{{ name", "{{", 1),
        ("text\n\n{% if a", "{%", 3),
        ("{{ a }}\n{# note", "{#", 2),
        // Another kind's closer does not close it.
        ("{{ a %}", "{{", 1),
        ("{% a }}", "{%", 1),
    ];
    for (source, open, line) in cases {
        assert_eq!(
            tokenize(source),
            Err(LexError::Unclosed { open, line }),
            "tokenizing {source:?}"
        );
    }
}

#[test]
fn text_is_borrowed_from_the_source_not_copied() {
    let source = String::from("Hello {{ name }}, welcome.");
    let tokens = tokenize(&source).expect("a valid template");
    let range = source.as_bytes().as_ptr_range();
    for token in &tokens {
        let piece = match token {
            Token::Text(s) => s,
            Token::Expr { inner, .. } | Token::Tag { inner, .. } => inner,
        };
        assert!(
            range.contains(&piece.as_ptr()),
            "{piece:?} should be a slice of the source"
        );
    }
}
