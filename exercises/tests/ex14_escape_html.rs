//! Exercise 14: escaping text for HTML.
//! Run with `cargo run -p exercises -- check ex14_escape_html`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex14_escape_html.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex14_escape_html.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex14_escape_html;

use std::borrow::Cow;

use ex14_escape_html::escape_html;

#[track_caller]
fn assert_escapes(input: &str, expected: &str) {
    assert_eq!(escape_html(input), expected, "escaping {input:?}");
}

#[test]
fn each_special_character_becomes_its_entity() {
    assert_escapes("&", "&amp;");
    assert_escapes("<", "&lt;");
    assert_escapes(">", "&gt;");
    assert_escapes("\"", "&quot;");
    assert_escapes("'", "&#39;");
}

#[test]
fn a_script_tag_is_defused() {
    assert_escapes(
        "<script>alert('hi')</script>",
        "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;",
    );
}

#[test]
fn quotes_cannot_break_out_of_an_attribute() {
    assert_escapes(
        "\" onmouseover=\"steal()",
        "&quot; onmouseover=&quot;steal()",
    );
    assert_escapes("' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x");
}

#[test]
fn already_escaped_text_is_escaped_again() {
    assert_escapes("&amp; &lt;", "&amp;amp; &amp;lt;");
}

#[test]
fn special_characters_mixed_with_text_keep_the_text() {
    assert_escapes(
        "Tom & Jerry say 1 < 2 > 0",
        "Tom &amp; Jerry say 1 &lt; 2 &gt; 0",
    );
    assert_escapes("a&&b", "a&amp;&amp;b");
}

#[test]
fn unicode_passes_through_unchanged() {
    assert_escapes("café ✓ 日本 🦀", "café ✓ 日本 🦀");
    assert_escapes("🦀<🦀>", "🦀&lt;🦀&gt;");
}

#[test]
fn the_empty_string_stays_empty() {
    assert_escapes("", "");
}

#[test]
fn text_with_nothing_to_escape_is_borrowed_not_copied() {
    let text = "plain text, nothing special: 100% fine";
    match escape_html(text) {
        Cow::Borrowed(borrowed) => assert!(std::ptr::eq(borrowed, text)),
        Cow::Owned(_) => {
            panic!("nothing needed escaping: return Cow::Borrowed(text), without allocating")
        }
    }
}

#[test]
fn text_that_changed_is_owned() {
    assert!(
        matches!(escape_html("a<b"), Cow::Owned(_)),
        "a changed string cannot borrow from the input"
    );
}
