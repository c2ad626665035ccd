//! `multipart/form-data` (RFC 7578 over RFC 2046), parsed as it arrives.
//!
//! A browser sends a form with a file as parts, each with a little head of
//! its own, between lines of a *boundary* the browser chose and announced
//! in `Content-Type: multipart/form-data; boundary=...`:
//!
//! ```text
//! --XyZ\r\n
//! Content-Disposition: form-data; name="message"\r\n
//! \r\n
//! hello\r\n
//! --XyZ\r\n
//! Content-Disposition: form-data; name="picture"; filename="cat.png"\r\n
//! Content-Type: image/png\r\n
//! \r\n
//! <the file's bytes>\r\n
//! --XyZ--\r\n
//! ```
//!
//! Why our own parser and not a crate: it faces the network, as the request
//! decoder does, and this workspace owns that layer. Why *sans-IO*: like
//! [`RequestDecoder`](crate::dev::RequestDecoder), [`MultipartParser::feed`]
//! takes whatever bytes arrived, in pieces of any size, and never reads a
//! socket or a file itself. It hands what it found to a [`PartSink`] (the
//! spooler in `upload.rs` keeps fields in memory and writes files to disk),
//! so one parser serves the connection that streams a body and a handler
//! that parses a body already in memory, and a test can feed it one byte
//! at a time.
//!
//! How it finds the end of a part: every delimiter is `CRLF--boundary`
//! (the CRLF before it belongs to the delimiter, not to the part). The
//! parser starts as if a CRLF had come before the body, so the first
//! delimiter needs no special case. A part's bytes are handed on as soon
//! as they cannot be the start of a delimiter: all but the last
//! `delimiter.len() - 1` buffered bytes, so a boundary split across two
//! reads is still seen whole, and memory stays bounded by the longest
//! part head allowed, whatever the size of the file.
//!
//! Every input is consumed or refused: each turn of the loop in `feed`
//! either moves past bytes, changes state, waits for more, or returns an
//! error. A body that ends before the closing delimiter is refused by
//! [`MultipartParser::finish`]. Every error is a [`MultipartError`] whose
//! status is 400 (500 only when the server cannot write a temporary file).

use std::fmt;

use crate::http::status::Status;

/// Limits one form must keep within; past any of them it is refused (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartLimits {
    /// Most parts (fields and files) in one form.
    pub max_parts: usize,
    /// Longest head of one part (its header lines), in bytes.
    pub max_part_head: usize,
    /// Longest text field (a part without a file name), in bytes. Files
    /// are bounded by the body limit only.
    pub max_field: usize,
}

impl Default for MultipartLimits {
    fn default() -> MultipartLimits {
        MultipartLimits {
            max_parts: 128,
            max_part_head: 8 * 1024,
            max_field: 256 * 1024,
        }
    }
}

/// Why a body is not a `multipart/form-data` form we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartError {
    /// The request's `Content-Type` is not `multipart/form-data`. (415)
    NotMultipart,
    /// The `boundary` parameter is missing or breaks RFC 2046 (1 to 70 of
    /// its characters, no space at the end). (400)
    BadBoundary(&'static str),
    /// A boundary line is followed by neither `--` nor a line end. (400)
    BadDelimiter,
    /// A part's head is longer than [`MultipartLimits::max_part_head`]. (400)
    PartHeadTooLarge,
    /// A part's head does not follow the grammar, or lacks
    /// `Content-Disposition: form-data; name=...`. (400)
    BadPartHead(&'static str),
    /// More parts than [`MultipartLimits::max_parts`]. (400)
    TooManyParts,
    /// A text field longer than [`MultipartLimits::max_field`]. (400)
    FieldTooLarge,
    /// A text field that is not UTF-8. (400)
    FieldNotUtf8,
    /// The body ended before the closing boundary. (400)
    Truncated,
    /// A temporary file could not be written (the disk is full?). (500)
    Spool(std::io::ErrorKind),
}

impl MultipartError {
    /// The status this error is answered with.
    pub fn status(&self) -> Status {
        match self {
            MultipartError::NotMultipart => Status::UNSUPPORTED_MEDIA_TYPE,
            MultipartError::Spool(_) => Status::INTERNAL_SERVER_ERROR,
            _ => Status::BAD_REQUEST,
        }
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::NotMultipart => write!(f, "not a multipart/form-data body"),
            MultipartError::BadBoundary(why) => write!(f, "multipart boundary: {why}"),
            MultipartError::BadDelimiter => {
                write!(
                    f,
                    "a multipart boundary line is followed by neither -- nor CRLF"
                )
            }
            MultipartError::PartHeadTooLarge => write!(f, "a multipart part's head is too long"),
            MultipartError::BadPartHead(why) => write!(f, "a multipart part's head: {why}"),
            MultipartError::TooManyParts => write!(f, "too many parts in a multipart form"),
            MultipartError::FieldTooLarge => write!(f, "a multipart text field is too long"),
            MultipartError::FieldNotUtf8 => write!(f, "a multipart text field is not UTF-8"),
            MultipartError::Truncated => {
                write!(f, "the multipart body ended before its closing boundary")
            }
            MultipartError::Spool(kind) => write!(f, "cannot spool an upload to disk: {kind}"),
        }
    }
}

impl std::error::Error for MultipartError {}

/// The head of one part: what the form field is called, and for a file its
/// name and type as the browser sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartHead {
    /// The form field's name (`name=` of `Content-Disposition`).
    pub name: String,
    /// The file's name, for a file part, without any folder the client
    /// put before it (`filename*=UTF-8''...` wins over `filename=`).
    pub filename: Option<String>,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
}

/// Where the parser puts what it finds: a part begins, some of its bytes,
/// it ends. Any error stops the parse and is returned by `feed`.
pub trait PartSink {
    /// A part's head has been read.
    fn begin(&mut self, head: PartHead) -> Result<(), MultipartError>;
    /// More of the current part's bytes (never empty).
    fn data(&mut self, bytes: &[u8]) -> Result<(), MultipartError>;
    /// The current part is complete.
    fn end(&mut self) -> Result<(), MultipartError>;
}

/// The boundary of a `Content-Type: multipart/form-data; boundary=...` value.
///
/// # Errors
/// [`MultipartError::NotMultipart`] for another media type,
/// [`MultipartError::BadBoundary`] for a missing or invalid boundary.
///
/// # Examples
/// ```
/// use httprs::dev::multipart_boundary;
/// let ct = "multipart/form-data; boundary=\"----x y\"";
/// assert_eq!(multipart_boundary(ct).unwrap(), "----x y");
/// assert!(multipart_boundary("multipart/form-data").is_err());
/// ```
pub fn multipart_boundary(content_type: &str) -> Result<&str, MultipartError> {
    let (media_type, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !media_type
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return Err(MultipartError::NotMultipart);
    }
    let boundary = params_of(params)
        .find(|(name, _)| name.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value)
        .ok_or(MultipartError::BadBoundary("missing"))?;
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(MultipartError::BadBoundary("not 1 to 70 characters"));
    }
    // RFC 2046 §5.1.1: bchars, and a space anywhere but last.
    let bchar = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b);
    if !boundary.bytes().all(bchar) || boundary.ends_with(' ') {
        return Err(MultipartError::BadBoundary(
            "a character RFC 2046 does not allow",
        ));
    }
    Ok(boundary)
}

/// The `name=value` parameters after a media type or a disposition type:
/// `; a=1; b="two; three"`. Quoted values run to the next quote; browsers
/// escape a quote in a file name as `%22` (WHATWG HTML), not with a
/// backslash, so a backslash is kept as it is (`C:\photos\cat.png`).
fn params_of(mut s: &str) -> impl Iterator<Item = (&str, &str)> {
    std::iter::from_fn(move || {
        loop {
            s = s.trim_start_matches([' ', '\t', ';']);
            if s.is_empty() {
                return None;
            }
            let (name, rest) = match s.find(['=', ';']) {
                Some(i) if s.as_bytes()[i] == b'=' => (&s[..i], &s[i + 1..]),
                // A parameter without a value: skip it.
                Some(i) => {
                    s = &s[i..];
                    continue;
                }
                None => {
                    s = "";
                    return None;
                }
            };
            let rest = rest.trim_start_matches([' ', '\t']);
            let value = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                s = quoted.get(end + 1..).unwrap_or("");
                &quoted[..end]
            } else {
                let end = rest.find(';').unwrap_or(rest.len());
                s = &rest[end..];
                rest[..end].trim_end()
            };
            return Some((name.trim(), value));
        }
    })
}

/// Where the parser is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter: ignored text.
    Preamble,
    /// Just after a delimiter: `--` (the end) or a line end (a part follows).
    AfterDelimiter,
    /// In a part's head; `scanned` bytes are known to hold no blank line.
    PartHead { scanned: usize },
    /// In a part's bytes, `field` when it is a text field (counted).
    PartBody { field: bool, len: usize },
    /// After the closing delimiter: ignored text.
    Epilogue,
}

/// An incremental `multipart/form-data` parser; see the module docs.
///
/// # Examples
/// ```
/// use httprs::MultipartError;
/// use httprs::dev::{MultipartLimits, MultipartParser, PartHead, PartSink};
/// #[derive(Default)]
/// struct Names(Vec<String>);
/// impl PartSink for Names {
///     fn begin(&mut self, head: PartHead) -> Result<(), MultipartError> {
///         self.0.push(head.name);
///         Ok(())
///     }
///     fn data(&mut self, _: &[u8]) -> Result<(), MultipartError> { Ok(()) }
///     fn end(&mut self) -> Result<(), MultipartError> { Ok(()) }
/// }
/// let mut parser = MultipartParser::new("b", MultipartLimits::default());
/// let mut names = Names::default();
/// parser.feed(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--", &mut names)?;
/// parser.feed(b"b--\r\n", &mut names)?; // the boundary split across two feeds
/// parser.finish()?;
/// assert_eq!(names.0, ["a"]);
/// # Ok::<(), MultipartError>(())
/// ```
#[derive(Debug)]
pub struct MultipartParser {
    /// `\r\n--` and the boundary.
    delimiter: Vec<u8>,
    /// Bytes fed but not yet handed on: a part head being read, or the
    /// tail of a part that may be the start of a delimiter.
    pending: Vec<u8>,
    state: State,
    limits: MultipartLimits,
    parts: usize,
}

impl MultipartParser {
    /// A parser for a body whose boundary is `boundary` (see [`multipart_boundary`]).
    pub fn new(boundary: &str, limits: MultipartLimits) -> MultipartParser {
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        MultipartParser {
            delimiter,
            // As if a line end came first: the first delimiter then looks like every other.
            pending: b"\r\n".to_vec(),
            state: State::Preamble,
            limits,
            parts: 0,
        }
    }

    /// Parses the next `bytes` of the body, handing parts to `sink`.
    /// Everything is consumed: a partial delimiter or part head is kept
    /// until the next call.
    ///
    /// # Errors
    /// A [`MultipartError`] from the bytes or from the sink; the parse is
    /// over then (feeding more gives no meaningful result).
    pub fn feed(&mut self, bytes: &[u8], sink: &mut impl PartSink) -> Result<(), MultipartError> {
        if self.state == State::Epilogue {
            return Ok(()); // the epilogue is ignored: nothing to keep
        }
        self.pending.extend_from_slice(bytes);
        let mut pos = 0;
        let result = self.parse(&mut pos, sink);
        self.pending.drain(..pos);
        result
    }

    /// Says the body has ended.
    ///
    /// # Errors
    /// [`MultipartError::Truncated`] unless the closing delimiter was seen.
    pub fn finish(&self) -> Result<(), MultipartError> {
        if self.state == State::Epilogue {
            Ok(())
        } else {
            Err(MultipartError::Truncated)
        }
    }

    /// `feed`'s loop over `pending`, from `pos` (moved past what is done).
    fn parse(&mut self, pos: &mut usize, sink: &mut impl PartSink) -> Result<(), MultipartError> {
        let keep = self.delimiter.len() - 1;
        loop {
            let rest = &self.pending[*pos..];
            match self.state {
                State::Preamble => match find(rest, &self.delimiter, 0) {
                    Some(i) => {
                        *pos += i + self.delimiter.len();
                        self.state = State::AfterDelimiter;
                    }
                    None => {
                        *pos += rest.len().saturating_sub(keep);
                        return Ok(());
                    }
                },
                State::AfterDelimiter => {
                    if rest.starts_with(b"--") {
                        *pos += 2;
                        self.state = State::Epilogue;
                        continue;
                    }
                    // RFC 2046 allows spaces and tabs ("transport padding") before the line end.
                    let padding = rest
                        .iter()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                    if padding > 64 {
                        return Err(MultipartError::BadDelimiter);
                    }
                    match rest.get(padding..padding + 2) {
                        None if rest.get(padding).is_none_or(|&b| b == b'\r' || b == b'-') => {
                            return Ok(()); // not enough bytes yet
                        }
                        Some(b"\r\n") => {}
                        _ => return Err(MultipartError::BadDelimiter),
                    }
                    *pos += padding + 2;
                    self.parts += 1;
                    if self.parts > self.limits.max_parts {
                        return Err(MultipartError::TooManyParts);
                    }
                    self.state = State::PartHead { scanned: 0 };
                }
                State::PartHead { scanned } => {
                    // A head without fields is just the blank line.
                    let end = if rest.starts_with(b"\r\n") {
                        Some((0, 2))
                    } else {
                        find(rest, b"\r\n\r\n", scanned.saturating_sub(3)).map(|i| (i + 2, i + 4))
                    };
                    let Some((head_len, consumed)) = end else {
                        // A head of the largest length allowed, unfinished,
                        // may hold one byte more: the CR of the blank line
                        // that ends it. Refusing at that byte would refuse
                        // in pieces a body accepted whole.
                        if rest.len() > self.limits.max_part_head + 1 {
                            return Err(MultipartError::PartHeadTooLarge);
                        }
                        self.state = State::PartHead {
                            scanned: rest.len(),
                        };
                        return Ok(());
                    };
                    if head_len > self.limits.max_part_head {
                        return Err(MultipartError::PartHeadTooLarge);
                    }
                    let head = parse_part_head(&rest[..head_len])?;
                    let field = head.filename.is_none();
                    *pos += consumed;
                    sink.begin(head)?;
                    self.state = State::PartBody { field, len: 0 };
                }
                State::PartBody { field, len } => {
                    let (data, next) = match find(rest, &self.delimiter, 0) {
                        Some(i) => (i, Some(i + self.delimiter.len())),
                        None => (rest.len().saturating_sub(keep), None),
                    };
                    let len = len + data;
                    if field && len > self.limits.max_field {
                        return Err(MultipartError::FieldTooLarge);
                    }
                    if data > 0 {
                        sink.data(&rest[..data])?;
                    }
                    self.state = State::PartBody { field, len };
                    match next {
                        Some(after) => {
                            *pos += after;
                            sink.end()?;
                            self.state = State::AfterDelimiter;
                        }
                        None => {
                            *pos += data;
                            return Ok(());
                        }
                    }
                }
                State::Epilogue => {
                    *pos = self.pending.len();
                    return Ok(());
                }
            }
        }
    }
}

/// The first occurrence of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = needle[0];
    let mut i = from;
    while i + needle.len() <= haystack.len() {
        let at = i + haystack[i..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// A part's header lines (each ending in CRLF) into a [`PartHead`].
fn parse_part_head(bytes: &[u8]) -> Result<PartHead, MultipartError> {
    let text = std::str::from_utf8(bytes).map_err(|_| MultipartError::BadPartHead("not UTF-8"))?;
    let mut disposition = None;
    let mut content_type = None;
    for line in text.split_terminator("\r\n") {
        if line.contains(['\r', '\n']) {
            return Err(MultipartError::BadPartHead("a bare CR or LF"));
        }
        if line.starts_with([' ', '\t']) {
            return Err(MultipartError::BadPartHead("a folded line"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(MultipartError::BadPartHead("a line without a colon"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value);
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_string());
        }
    }
    let disposition = disposition.ok_or(MultipartError::BadPartHead("no Content-Disposition"))?;
    let (kind, params) = disposition.split_once(';').unwrap_or((disposition, ""));
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(MultipartError::BadPartHead("not form-data"));
    }
    let mut name = None;
    let mut filename = None;
    let mut filename_star = None;
    for (key, value) in params_of(params) {
        if key.eq_ignore_ascii_case("name") {
            name = Some(value);
        } else if key.eq_ignore_ascii_case("filename") {
            filename = Some(value.to_string());
        } else if key.eq_ignore_ascii_case("filename*") {
            filename_star = decode_ext_value(value);
        }
    }
    let name = name.ok_or(MultipartError::BadPartHead("no field name"))?;
    Ok(PartHead {
        name: name.to_string(),
        filename: filename_star
            .or(filename)
            .map(|f| base_name(&f).to_string()),
        content_type,
    })
}

/// RFC 8187's `UTF-8''caf%C3%A9.png`; `None` for another charset or bad UTF-8.
fn decode_ext_value(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The last component of a path a client sent (`C:\photos\cat.png`: `cat.png`).
fn base_name(filename: &str) -> &str {
    filename.rsplit(['/', '\\']).next().unwrap_or(filename)
}

#[cfg(test)]
#[path = "multipart_tests.rs"]
mod tests;
