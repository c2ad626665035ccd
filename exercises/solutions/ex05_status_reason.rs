//! Reference solution for exercise 05: the class of a status code, and its reason phrase.

/// The five classes of status codes (RFC 9110, section 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 1xx: the request was received, continuing.
    Informational,
    /// 2xx: the request was received, understood and accepted.
    Success,
    /// 3xx: further action is needed to complete the request.
    Redirection,
    /// 4xx: the request is wrong.
    ClientError,
    /// 5xx: the server failed to fulfil a valid request.
    ServerError,
}

impl StatusClass {
    /// The class's name in words, the phrase of last resort.
    pub fn label(self) -> &'static str {
        match self {
            StatusClass::Informational => "Informational",
            StatusClass::Success => "Success",
            StatusClass::Redirection => "Redirection",
            StatusClass::ClientError => "Client Error",
            StatusClass::ServerError => "Server Error",
        }
    }
}

/// The class of a status code from 100 to 599, or `None` outside that range.
///
/// # Examples
/// ```
/// use exercises::ex05_status_reason::{status_class, StatusClass};
/// assert_eq!(status_class(404), Some(StatusClass::ClientError));
/// assert_eq!(status_class(499), Some(StatusClass::ClientError));
/// assert_eq!(status_class(600), None);
/// ```
pub fn status_class(code: u16) -> Option<StatusClass> {
    // The key idea: the first digit *is* the meaning. A client that has never
    // heard of 499 still knows it is the client's fault.
    match code {
        100..=199 => Some(StatusClass::Informational),
        200..=299 => Some(StatusClass::Success),
        300..=399 => Some(StatusClass::Redirection),
        400..=499 => Some(StatusClass::ClientError),
        500..=599 => Some(StatusClass::ServerError),
        _ => None,
    }
}

/// The reason phrase to send with `code`: its own for the codes this
/// workspace's servers send, its class's label for any other valid code,
/// `None` for a number that is not a status code at all.
///
/// # Examples
/// ```
/// use exercises::ex05_status_reason::reason_phrase;
/// assert_eq!(reason_phrase(404), Some("Not Found"));
/// assert_eq!(reason_phrase(299), Some("Success"));
/// assert_eq!(reason_phrase(99), None);
/// ```
pub fn reason_phrase(code: u16) -> Option<&'static str> {
    // `?` first: an invalid code has no class, so it has no phrase either.
    let class = status_class(code)?;
    Some(match code {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        // The fallback: clients act on the number, and the phrase is only
        // for people reading the wire, so the class's name is an honest one.
        _ => class.label(),
    })
}
