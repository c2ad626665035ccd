//! Has the learner started? Counting the `todo!()`s that are really code.
//!
//! An exercise is "not started" while its file still contains every one of
//! the original `todo!()` stubs. Counting the text `todo!()` would be fooled
//! by the story and the `// TODO:` comments, or by a string that mentions
//! it, so this is a tiny Rust lexer: it skips comments (nested block
//! comments included), string and character literals (raw strings too), and
//! counts the identifier `todo` followed by `!` as a macro call. Lifetimes
//! (`'a`) are told apart from character literals (`'a'`).

/// How many `todo!` macro invocations `source` contains outside comments and literals.
pub fn count_todos(source: &str) -> usize {
    let bytes = source.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                // A line comment (doc comments included) runs to the end of the line.
                i = find_from(bytes, i, b"\n").map_or(bytes.len(), |end| end + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'"' => i = skip_string(bytes, i + 1),
            b'\'' => i = skip_quote(source, i),
            b if b == b'_' || b.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let ident = &source[start..i];
                let next = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .map(|n| i + n);
                match (ident, next.map(|n| bytes[n])) {
                    ("todo", Some(b'!')) => count += 1,
                    // Raw (byte) strings: r"..", r#".."#, br"..".
                    ("r" | "br", Some(b'"' | b'#')) if next == Some(i) => {
                        i = skip_raw_string(bytes, i)
                    }
                    _ => {}
                }
            }
            _ => i += 1,
        }
    }
    count
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Skips `/* ... */`, which may nest, starting at the `/`.
fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Skips the rest of a `"..."` string, starting just after the opening quote.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Skips a raw string starting at its `#`s or `"` (just after the `r`).
fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
    i += hashes;
    if bytes.get(i) != Some(&b'"') {
        return i;
    }
    let mut closing = vec![b'"'];
    closing.extend(std::iter::repeat_n(b'#', hashes));
    find_from(bytes, i + 1, &closing).map_or(bytes.len(), |end| end + closing.len())
}

/// At a `'`: skips a character literal (`'a'`, `'\n'`, `'é'`), or just the
/// quote of a lifetime (`'a`).
fn skip_quote(source: &str, i: usize) -> usize {
    let bytes = source.as_bytes();
    if bytes.get(i + 1) == Some(&b'\\') {
        // An escaped character literal: `'\''`, `'\u{e9}'`. Find the closing quote.
        return find_from(bytes, i + 3, b"'").map_or(bytes.len(), |end| end + 1);
    }
    // `i + 1` follows an ASCII quote, so it is a character boundary.
    match source[i + 1..].chars().next() {
        Some(c) if bytes.get(i + 1 + c.len_utf8()) == Some(&b'\'') => i + 2 + c.len_utf8(),
        _ => i + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::count_todos;

    #[test]
    fn counts_macro_calls_in_code() {
        assert_eq!(
            count_todos("fn a() { todo!() }\nfn b() -> u8 { todo!() }"),
            2
        );
        assert_eq!(count_todos("fn a() { todo! () }"), 1);
        assert_eq!(count_todos("fn a() { std::todo!(\"later\") }"), 1);
        assert_eq!(count_todos("fn a() { todo!{} }"), 1);
    }

    #[test]
    fn ignores_comments_of_every_kind() {
        let source = "//! The stubs are todo!().\n\
                      /// Replace the todo!() below.\n\
                      // TODO: todo!()\n\
                      /* todo!() /* nested todo!() */ still todo!() */\n\
                      fn a() { todo!() }";
        assert_eq!(count_todos(source), 1);
    }

    #[test]
    fn ignores_strings_and_raw_strings() {
        let source = r####"fn a() { let s = "todo!() \" todo!()"; let r = r#"todo!() "# ; let b = br"todo!()"; todo!() }"####;
        assert_eq!(count_todos(source), 1);
    }

    #[test]
    fn tells_lifetimes_from_character_literals() {
        let source =
            "fn a<'b>(x: &'b str) -> char { let q = '\"'; let e = '\\''; let u = 'é'; todo!() }";
        assert_eq!(
            count_todos(source),
            1,
            "the quote characters must not start a string"
        );
    }

    #[test]
    fn other_identifiers_ending_in_todo_do_not_count() {
        assert_eq!(
            count_todos("fn a() { my_todo!(); todo_list(); let todo = 1; }"),
            0
        );
    }

    #[test]
    fn a_solved_file_has_none() {
        assert_eq!(
            count_todos("pub fn escape(s: &str) -> String { s.replace('&', \"&amp;\") }"),
            0
        );
    }
}
