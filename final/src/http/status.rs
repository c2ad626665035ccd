//! Status codes and their reason phrases.
//!
//! A handler may answer any code, `418` included, and the server itself
//! answers `408`, `413`, `414`, `431`, `501` and `505` when a client breaks
//! a limit. [`Status`] is a number with a name: it prints as
//! `404 Not Found`, and any `u16` from 100 to 999 converts into it, so an
//! unregistered code still works (with the reason phrase of its class).
//!
//! Holding a code is not the same as being allowed to send it as an answer.
//! A `1xx` only announces the response to come (the server writes its own
//! `100 Continue`), so the HTTP core answers `500` for a handler that
//! returns one (`Response::encode`); split mode's front is stricter still
//! with a backend's reply and takes 200 to 599 only (`protocol.rs`).

use std::fmt;

/// An HTTP status code, such as [`Status::NOT_FOUND`].
///
/// # Examples
/// ```
/// use httprs::Status;
/// assert_eq!(Status::NOT_FOUND.code(), 404);
/// assert_eq!(Status::NOT_FOUND.reason(), "Not Found");
/// assert_eq!(Status::from(299).reason(), "Success");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

macro_rules! statuses {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $reason:literal; )*) => {
        impl Status {
            $( $(#[$doc])* pub const $name: Status = Status($code); )*

            /// The standard reason phrase, or the class's name for an unregistered code.
            pub fn reason(self) -> &'static str {
                match self.0 {
                    $( $code => $reason, )*
                    100..=199 => "Informational",
                    200..=299 => "Success",
                    300..=399 => "Redirection",
                    400..=499 => "Client Error",
                    _ => "Server Error",
                }
            }
        }
    };
}

// The IANA HTTP status code registry (RFC 9110 and friends), in order.
statuses! {
    /// 100: send the body, the server will read it (answer to `Expect: 100-continue`).
    CONTINUE = 100, "Continue";
    /// 101
    SWITCHING_PROTOCOLS = 101, "Switching Protocols";
    /// 102
    PROCESSING = 102, "Processing";
    /// 103
    EARLY_HINTS = 103, "Early Hints";
    /// 200
    OK = 200, "OK";
    /// 201
    CREATED = 201, "Created";
    /// 202
    ACCEPTED = 202, "Accepted";
    /// 203
    NON_AUTHORITATIVE_INFORMATION = 203, "Non-Authoritative Information";
    /// 204: no body, ever (the server drops one if a handler sets it).
    NO_CONTENT = 204, "No Content";
    /// 205
    RESET_CONTENT = 205, "Reset Content";
    /// 206
    PARTIAL_CONTENT = 206, "Partial Content";
    /// 207
    MULTI_STATUS = 207, "Multi-Status";
    /// 208
    ALREADY_REPORTED = 208, "Already Reported";
    /// 226
    IM_USED = 226, "IM Used";
    /// 300
    MULTIPLE_CHOICES = 300, "Multiple Choices";
    /// 301
    MOVED_PERMANENTLY = 301, "Moved Permanently";
    /// 302
    FOUND = 302, "Found";
    /// 303: what [`crate::Response::redirect`] uses, "go and GET this instead".
    SEE_OTHER = 303, "See Other";
    /// 304: no body, ever.
    NOT_MODIFIED = 304, "Not Modified";
    /// 305
    USE_PROXY = 305, "Use Proxy";
    /// 307
    TEMPORARY_REDIRECT = 307, "Temporary Redirect";
    /// 308
    PERMANENT_REDIRECT = 308, "Permanent Redirect";
    /// 400: the request is malformed; the server closes the connection after it.
    BAD_REQUEST = 400, "Bad Request";
    /// 401
    UNAUTHORIZED = 401, "Unauthorized";
    /// 402
    PAYMENT_REQUIRED = 402, "Payment Required";
    /// 403
    FORBIDDEN = 403, "Forbidden";
    /// 404: no route matches the path.
    NOT_FOUND = 404, "Not Found";
    /// 405: a route matches the path but not the method; the answer carries `Allow`.
    METHOD_NOT_ALLOWED = 405, "Method Not Allowed";
    /// 406
    NOT_ACCEPTABLE = 406, "Not Acceptable";
    /// 407
    PROXY_AUTHENTICATION_REQUIRED = 407, "Proxy Authentication Required";
    /// 408: the head did not arrive within the header timeout.
    REQUEST_TIMEOUT = 408, "Request Timeout";
    /// 409
    CONFLICT = 409, "Conflict";
    /// 410
    GONE = 410, "Gone";
    /// 411
    LENGTH_REQUIRED = 411, "Length Required";
    /// 412
    PRECONDITION_FAILED = 412, "Precondition Failed";
    /// 413: the body is over the limit.
    CONTENT_TOO_LARGE = 413, "Content Too Large";
    /// 414: the request line alone is over the head limit.
    URI_TOO_LONG = 414, "URI Too Long";
    /// 415
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported Media Type";
    /// 416
    RANGE_NOT_SATISFIABLE = 416, "Range Not Satisfiable";
    /// 417
    EXPECTATION_FAILED = 417, "Expectation Failed";
    /// 418
    IM_A_TEAPOT = 418, "I'm a teapot";
    /// 421
    MISDIRECTED_REQUEST = 421, "Misdirected Request";
    /// 422
    UNPROCESSABLE_CONTENT = 422, "Unprocessable Content";
    /// 423
    LOCKED = 423, "Locked";
    /// 424
    FAILED_DEPENDENCY = 424, "Failed Dependency";
    /// 425
    TOO_EARLY = 425, "Too Early";
    /// 426
    UPGRADE_REQUIRED = 426, "Upgrade Required";
    /// 428
    PRECONDITION_REQUIRED = 428, "Precondition Required";
    /// 429
    TOO_MANY_REQUESTS = 429, "Too Many Requests";
    /// 431: the head is over the limit.
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431, "Request Header Fields Too Large";
    /// 451
    UNAVAILABLE_FOR_LEGAL_REASONS = 451, "Unavailable For Legal Reasons";
    /// 500: a handler panicked (or returned it).
    INTERNAL_SERVER_ERROR = 500, "Internal Server Error";
    /// 501: a method or a transfer coding the server does not implement.
    NOT_IMPLEMENTED = 501, "Not Implemented";
    /// 502
    BAD_GATEWAY = 502, "Bad Gateway";
    /// 503: sent to a connection refused because the server is at its cap.
    SERVICE_UNAVAILABLE = 503, "Service Unavailable";
    /// 504
    GATEWAY_TIMEOUT = 504, "Gateway Timeout";
    /// 505: a major version other than 1, such as HTTP/2.0.
    HTTP_VERSION_NOT_SUPPORTED = 505, "HTTP Version Not Supported";
    /// 506
    VARIANT_ALSO_NEGOTIATES = 506, "Variant Also Negotiates";
    /// 507
    INSUFFICIENT_STORAGE = 507, "Insufficient Storage";
    /// 508
    LOOP_DETECTED = 508, "Loop Detected";
    /// 510
    NOT_EXTENDED = 510, "Not Extended";
    /// 511
    NETWORK_AUTHENTICATION_REQUIRED = 511, "Network Authentication Required";
}

impl Status {
    /// The numeric code, such as `404`.
    pub fn code(self) -> u16 {
        self.0
    }

    /// Whether a response with this status never has a body (1xx, 204, 304).
    pub fn forbids_body(self) -> bool {
        matches!(self.0, 100..=199 | 204 | 304)
    }
}

impl From<u16> for Status {
    /// Any code from 100 to 999 is kept as is.
    ///
    /// # Panics
    /// On a code outside 100..=999: it cannot be written as three digits in a
    /// status line, so it is a bug in the calling handler, caught at once.
    fn from(code: u16) -> Status {
        assert!(
            (100..=999).contains(&code),
            "status code {code} is not three digits"
        );
        Status(code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_codes_have_their_phrases() {
        for (code, reason) in [
            (200, "OK"),
            (404, "Not Found"),
            (413, "Content Too Large"),
            (431, "Request Header Fields Too Large"),
            (505, "HTTP Version Not Supported"),
        ] {
            assert_eq!(Status::from(code).reason(), reason);
        }
    }

    #[test]
    fn unregistered_codes_get_their_class_name() {
        assert_eq!(Status::from(299).to_string(), "299 Success");
        assert_eq!(Status::from(599).to_string(), "599 Server Error");
    }

    #[test]
    #[should_panic(expected = "not three digits")]
    fn a_code_of_four_digits_is_refused() {
        let _ = Status::from(1000);
    }
}
