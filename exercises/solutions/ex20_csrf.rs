//! Reference solution for exercise 20: the CSRF decision.

/// Why a request is refused (answered with 403, and no handler runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It says it comes from another site.
    CrossSite,
    /// No token was sent, or the session has none.
    MissingToken,
    /// The token sent is not the session's.
    WrongToken,
}

/// What the decision looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The method, as sent (`POST`).
    pub method: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The token the request carried (form field or header).
    pub sent_token: Option<&'a str>,
    /// The token of the request's session, if it has one.
    pub session_token: Option<&'a str>,
}

/// Whether `method` may change something.
///
/// # Examples
/// ```
/// use exercises::ex20_csrf::is_unsafe;
/// assert!(is_unsafe("POST"));
/// assert!(!is_unsafe("GET"));
/// ```
pub fn is_unsafe(method: &str) -> bool {
    // A list of the safe ones, not of the unsafe: a method nobody thought
    // of (PURGE, a typo) is then checked, not waved through.
    !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// Whether `origin` names the same site as `host`.
pub fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let origin = origin.trim();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match (authority, host) {
        (Some(authority), Some(host)) => authority.eq_ignore_ascii_case(host.trim()),
        _ => false,
    }
}

/// `Ok(())` if the request may reach its handler, else why not.
pub fn decide(req: &Request<'_>) -> Result<(), Refusal> {
    if !is_unsafe(req.method) {
        return Ok(());
    }
    let cross_site = req
        .sec_fetch_site
        .is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site"));
    if cross_site || req.origin.is_some_and(|o| !same_origin(o, req.host)) {
        return Err(Refusal::CrossSite);
    }
    let (Some(sent), Some(expected)) = (req.sent_token, req.session_token) else {
        return Err(Refusal::MissingToken);
    };
    // The key line: compare every byte, as in exercise 19.
    let same = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(Refusal::WrongToken)
    }
}
