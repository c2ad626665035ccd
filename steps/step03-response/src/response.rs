//! Building an HTTP response and turning it into bytes.
//!
//! Step 02 wrote its answer with `format!`. That works until you need a second
//! status code, a header that depends on the body, or a date. A response is
//! really four things, and this module gives each a place:
//!
//! ```text
//! HTTP/1.1 404 Not Found                  <- status line: version, code, reason phrase
//! Content-Type: text/html; charset=utf-8  <- headers you choose
//! Content-Length: 1234                    <- headers computed from the response itself
//! Date: Fri, 20 Nov 2026 20:19:04 GMT
//! Connection: close
//!                                         <- an empty line ends the head
//! <!doctype html>...                      <- exactly Content-Length bytes of body
//! ```
//!
//! `Content-Length` is what lets the client know where the body ends without
//! waiting for the connection to close, so it is computed, never typed by hand.
//! `Connection: close` is honest: this server answers one request per
//! connection and then hangs up (keep-alive arrives in step 07).

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// An HTTP response: a status code, headers, and a body.
///
/// Built with a small chainable API that consumes `self`:
///
/// ```
/// use step03::response::Response;
/// let response = Response::text("made").with_status(201).with_header("X-Kind", "new");
/// let bytes = response.to_bytes();
/// assert!(bytes.starts_with(b"HTTP/1.1 201 Created\r\n"));
/// assert!(bytes.ends_with(b"\r\n\r\nmade"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// A body read from a file as it is sent, in place of `body`: see
    /// [`Response::with_file`].
    file: Option<FileBody>,
    /// False for the answer to a `HEAD` request: see [`Response::without_body`].
    send_body: bool,
}

/// A body that stays in a file until it is sent: `len` bytes from `offset`.
///
/// Added for step 09's static files: a 1 GB video held in a `Vec` would
/// cost 1 GB of memory per download. Whoever writes the response (step 07's
/// loop, or [`Response::write_to`]) reads it a piece at a time instead.
/// Cloning shares the open file; each piece is read at its own position,
/// so clones never disturb each other.
#[derive(Debug, Clone)]
pub struct FileBody {
    file: Arc<File>,
    offset: u64,
    len: u64,
}

impl FileBody {
    /// The `len` bytes of `file` from `offset` on. The caller checked that
    /// the file is that long (its metadata said so).
    pub fn new(file: File, offset: u64, len: u64) -> FileBody {
        FileBody {
            file: Arc::new(file),
            offset,
            len,
        }
    }

    /// How many bytes the body has.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads the body's bytes from `done` bytes in, into `buf` (at most
    /// `buf.len()`, never past the end of the body). Returns how many were
    /// read: 0 only at the end of the body, or if the file has shrunk.
    ///
    /// # Errors
    /// Whatever the operating system reports.
    pub fn read_at(&self, done: u64, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(done);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let at = self.offset + done;
        // A positioned read: no shared cursor to move, so `&File` will do.
        #[cfg(unix)]
        return std::os::unix::fs::FileExt::read_at(&*self.file, &mut buf[..want], at);
        #[cfg(windows)]
        return std::os::windows::fs::FileExt::seek_read(&*self.file, &mut buf[..want], at);
    }
}

impl PartialEq for FileBody {
    /// The same bytes of the same open file.
    fn eq(&self, other: &FileBody) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && (self.offset, self.len) == (other.offset, other.len)
    }
}

impl Eq for FileBody {}

/// The headers [`Response::to_bytes`] computes itself; values set by hand are replaced.
const COMPUTED_HEADERS: [&str; 3] = ["content-length", "date", "connection"];

impl Response {
    /// An empty response with `status`.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            file: None,
            send_body: true,
        }
    }

    /// `200 OK` with an HTML body.
    pub fn html(body: impl Into<String>) -> Response {
        Response::new(200)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_body(body.into())
    }

    /// `200 OK` with a plain-text body.
    pub fn text(body: impl Into<String>) -> Response {
        Response::new(200)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body(body.into())
    }

    /// The same response with another status code.
    pub fn with_status(mut self, status: u16) -> Response {
        self.status = status;
        self
    }

    /// The same response with one more header. A header set twice is sent twice
    /// (HTTP allows that for some, such as `Set-Cookie`).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same response with `body` as its body; any bytes are fine.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self.file = None;
        self
    }

    /// The same response with `file` as its body, read as it is sent
    /// (step 09). `Content-Length` is the file body's length.
    pub fn with_file(mut self, file: FileBody) -> Response {
        self.body = Vec::new();
        self.file = Some(file);
        self
    }

    /// The same response, to be sent without its body: the answer to a `HEAD`
    /// request. Its head stays the one a `GET` would get, `Content-Length`
    /// included (the length of the body that is *not* sent), as HTTP requires.
    pub fn without_body(mut self) -> Response {
        self.send_body = false;
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers set so far, in order (the computed ones are added by [`Response::to_bytes`]).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body held in memory (empty for a file body: see [`Response::file`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The file body, if the body is one.
    pub fn file(&self) -> Option<&FileBody> {
        self.file.as_ref()
    }

    /// The length of the body, in memory or in a file: the `Content-Length`.
    pub fn body_len(&self) -> u64 {
        match &self.file {
            Some(file) => file.len(),
            None => self.body.len() as u64,
        }
    }

    /// Whether the body goes on the wire: not for a `HEAD` answer, nor for
    /// a status that never has one (1xx, 204, 304).
    pub fn sends_body(&self) -> bool {
        self.send_body && allows_body(self.status)
    }

    /// Serialises the response to HTTP/1.1 bytes: status line, headers
    /// (with `Content-Length`, `Date` and `Connection: close` computed here),
    /// an empty line, the body.
    ///
    /// Statuses that HTTP says never carry a body (1xx, `204 No Content`,
    /// `304 Not Modified`) are sent without one and without `Content-Length`.
    ///
    /// A file body (step 09) is not in these bytes: they end with the head,
    /// and the writer sends the file after them, a piece at a time.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_with_connection(false)
    }

    /// [`Response::to_bytes`], saying `Connection: keep-alive` instead of
    /// `Connection: close` when `keep_alive` is true: for step 07's event
    /// loop, which keeps a connection open for the next request.
    pub fn to_bytes_with_connection(&self, keep_alive: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            if !COMPUTED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        let body: &[u8] = if allows_body(self.status) {
            head.push_str(&format!("Content-Length: {}\r\n", self.body_len()));
            // A HEAD answer announces the length of the body it leaves out.
            if self.send_body { &self.body } else { &[] }
        } else {
            &[]
        };
        head.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });

        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    /// Writes the serialised response to `out` in one go.
    ///
    /// # Errors
    /// Whatever the writer reports, typically a client that hung up.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        // One buffer, one write: the head and body leave in the same packet
        // when they fit, instead of a packet per header line.
        out.write_all(&self.to_bytes())?;
        if let Some(file) = self.file.as_ref().filter(|_| self.sends_body()) {
            // A file body follows, 64 KiB at a time: never all of it in memory.
            let mut piece = vec![0u8; 64 * 1024];
            let mut done = 0;
            while done < file.len() {
                let n = file.read_at(done, &mut piece)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file shrank while it was being sent",
                    ));
                }
                out.write_all(&piece[..n])?;
                done += n as u64;
            }
        }
        out.flush()
    }
}

/// Whether a response with this status may carry a body (RFC 9110 §6.4.1).
fn allows_body(status: u16) -> bool {
    !(100..200).contains(&status) && status != 204 && status != 304
}

/// The standard reason phrase for a status code (RFC 9110 and its companions),
/// or `"Unknown"` for a code with none (306 and 418 are reserved as "(Unused)").
///
/// The phrase is for humans reading the wire; clients act on the number.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

/// Formats a time as an HTTP date, always in GMT: `Fri, 20 Nov 2026 20:19:04 GMT`
/// (the IMF-fixdate of RFC 9110 §5.6.7).
///
/// Written by hand because it is short and shows there is no magic: count
/// days since 1970-01-01, turn them into a calendar date, and name the weekday.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
/// assert_eq!(step03::response::http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
/// ```
pub fn http_date(time: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // A clock set before 1970 is a broken clock; call it 1970.
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {hour:02}:{minute:02}:{second:02} GMT",
        // 1970-01-01 was a Thursday, the first entry of WEEKDAYS.
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
    )
}

/// Days since 1970-01-01 to (year, month 1–12, day 1–31) in the Gregorian calendar.
///
/// Howard Hinnant's algorithm: shift the year to start in March, so the leap
/// day is the last day of the year, then count 400-year eras (146 097 days each).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> String {
        http_date(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn http_dates_match_known_instants() {
        let cases = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"), // RFC 9110's own example
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"), // a leap day in a 400-year leap year
            (1_709_251_199, "Thu, 29 Feb 2024 23:59:59 GMT"),
            (1_798_761_599, "Thu, 31 Dec 2026 23:59:59 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"), // 2100 is not a leap year
        ];
        for (secs, expected) in cases {
            assert_eq!(at(secs), expected, "{secs} seconds after the epoch");
        }
    }

    #[test]
    fn every_common_status_has_its_reason_phrase() {
        let cases = [
            (200, "OK"),
            (201, "Created"),
            (204, "No Content"),
            (301, "Moved Permanently"),
            (304, "Not Modified"),
            (400, "Bad Request"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (413, "Content Too Large"),
            (431, "Request Header Fields Too Large"),
            (500, "Internal Server Error"),
            (503, "Service Unavailable"),
            (418, "Unknown"),
            (799, "Unknown"),
        ];
        for (code, phrase) in cases {
            assert_eq!(reason_phrase(code), phrase, "status {code}");
        }
    }

    #[test]
    fn serialisation_computes_length_date_and_connection() {
        let bytes = Response::html("<p>hi</p>")
            .with_header("X-Test", "1")
            .with_header("Content-Length", "999") // wrong on purpose: it is replaced
            .to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines[0], "HTTP/1.1 200 OK");
        assert_eq!(lines[1], "Content-Type: text/html; charset=utf-8");
        assert_eq!(lines[2], "X-Test: 1");
        assert_eq!(lines[3], "Content-Length: 9");
        assert!(lines[4].starts_with("Date: ") && lines[4].ends_with(" GMT"));
        assert_eq!(lines[5], "Connection: close");
        assert_eq!(lines.len(), 6);
        assert_eq!(body, "<p>hi</p>");
    }

    #[test]
    fn a_kept_alive_response_says_so_and_is_otherwise_the_same() {
        let response = Response::text("hi");
        let closed = String::from_utf8(response.to_bytes()).unwrap();
        let kept = String::from_utf8(response.to_bytes_with_connection(true)).unwrap();
        assert!(closed.contains("\r\nConnection: close\r\n\r\n"), "{closed}");
        assert!(
            kept.contains("\r\nConnection: keep-alive\r\n\r\n"),
            "{kept}"
        );
        assert!(kept.starts_with("HTTP/1.1 200 OK\r\n") && kept.ends_with("\r\n\r\nhi"));
    }

    #[test]
    fn a_response_without_body_keeps_the_length_of_the_body_it_omits() {
        let mut written = Vec::new();
        let response = Response::text("12345").without_body();
        response.write_to(&mut written).unwrap();
        let text = String::from_utf8(written).unwrap();
        assert!(text.contains("Content-Length: 5\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_file_body_is_announced_by_its_length_and_written_after_the_head() {
        let path = std::env::temp_dir().join(format!("step03-file-body-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let file = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let response = Response::new(200).with_file(FileBody::new(file, 2, 5));
        assert_eq!((response.body_len(), response.body()), (5, &b""[..]));
        let head = String::from_utf8(response.to_bytes()).unwrap();
        assert!(
            head.contains("Content-Length: 5\r\n") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
        let mut written = Vec::new();
        response.clone().write_to(&mut written).unwrap();
        assert!(written.starts_with(head.as_bytes()) && written.ends_with(b"\r\n\r\n23456"));
        let mut head_only = Vec::new();
        response.without_body().write_to(&mut head_only).unwrap();
        assert!(head_only.ends_with(b"Connection: close\r\n\r\n"));
    }

    #[test]
    fn bodiless_statuses_send_no_body_and_no_length() {
        for status in [100, 204, 304] {
            let bytes = Response::text("ignored").with_status(status).to_bytes();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.ends_with("\r\n\r\n"), "{status}: {text}");
            assert!(!text.contains("Content-Length"), "{status}: {text}");
        }
    }
}
