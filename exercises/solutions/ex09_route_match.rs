//! Reference solution for exercise 09: matching a route pattern.

/// Matches `path` against `pattern`, returning the named parameters.
///
/// `match_route("/hello/{name}", "/hello/ferris")` is
/// `Some(vec![("name", "ferris")])`.
///
/// # Examples
/// ```
/// use exercises::ex09_route_match::match_route;
/// assert_eq!(match_route("/hello/{name}", "/hello/ferris"), Some(vec![("name", "ferris")]));
/// assert_eq!(match_route("/hello/{name}", "/hello"), None);
/// ```
pub fn match_route<'a>(pattern: &'a str, path: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    // `split` is lazy and allocates nothing; counting first is cheaper than
    // collecting both sides into vectors.
    if pattern.split('/').count() != path.split('/').count() {
        return None;
    }
    let mut params = Vec::new();
    for (want, got) in pattern.split('/').zip(path.split('/')) {
        match want.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            // The key line: a parameter captures any segment except the empty
            // one, so `/hello/` never calls the handler with an empty name.
            Some(name) if !name.is_empty() => {
                if got.is_empty() {
                    return None;
                }
                params.push((name, got));
            }
            // Anything else, `{}` included, is a literal.
            _ => {
                if want != got {
                    return None;
                }
            }
        }
    }
    Some(params)
}
