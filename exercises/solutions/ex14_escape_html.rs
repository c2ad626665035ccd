//! Reference solution for exercise 14: escaping text for HTML.

use std::borrow::Cow;

/// Escapes `&`, `<`, `>`, `"` and `'` for use in HTML text and attribute values.
///
/// # Examples
/// ```
/// use exercises::ex14_escape_html::escape_html;
/// assert_eq!(escape_html("<b>Tom & Jerry</b>"), "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str) -> Cow<'_, str> {
    let needs_escape = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'');
    // The key line: find the first character to escape; if there is none,
    // hand the input back untouched. Most text takes this path.
    let Some(first) = text.find(needs_escape) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    // Everything before the first special character is copied in one go.
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
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
