//! Reference solution for exercise 04: header lines.

use std::fmt;

/// The header fields of one request, borrowed from the text they were parsed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    // A list, not a map, so that order and repeats survive. Requests carry a
    // handful of headers: a linear scan beats hashing at that size.
    fields: Vec<(&'a str, &'a str)>,
}

/// What is wrong with a header line, and on which line (counting from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// The line has no `:`.
    MissingColon {
        /// 1-based line number within the block.
        line: usize,
    },
    /// The name is empty or contains a byte that is not a token character.
    BadName {
        /// 1-based line number within the block.
        line: usize,
    },
    /// The value contains a control character other than tab.
    BadValue {
        /// 1-based line number within the block.
        line: usize,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::MissingColon { line } => write!(f, "header line {line} has no ':'"),
            HeaderError::BadName { line } => write!(f, "header line {line} has an invalid name"),
            HeaderError::BadValue { line } => {
                write!(f, "header line {line} has a control character in its value")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

/// Is `byte` a token character (`tchar` in RFC 9110)? Given.
pub fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

impl<'a> Headers<'a> {
    /// Parses a header block: `Name: value` lines, each ending in `\r\n`.
    ///
    /// # Errors
    /// The first bad line, as a [`HeaderError`] carrying its line number.
    ///
    /// # Examples
    /// ```
    /// use exercises::ex04_headers::Headers;
    /// let headers = Headers::parse("Host: example.com\r\nAccept: */*\r\n").unwrap();
    /// assert_eq!(headers.get("host"), Some("example.com"));
    /// ```
    pub fn parse(block: &'a str) -> Result<Headers<'a>, HeaderError> {
        let mut fields = Vec::new();
        for (index, text) in block.split_terminator("\r\n").enumerate() {
            let line = index + 1;
            // Obsolete line folding: a continuation of the previous value.
            // RFC 9112 lets a server reject it, and we do.
            if text.starts_with([' ', '\t']) {
                return Err(HeaderError::BadName { line });
            }
            let (name, value) = text
                .split_once(':')
                .ok_or(HeaderError::MissingColon { line })?;
            // The name must be a token right up to the colon. This one check
            // rejects an empty name and `Host : x`.
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(HeaderError::BadName { line });
            }
            let value = value.trim_matches(|c| c == ' ' || c == '\t');
            // `is_ascii_control` covers NUL..US and DEL; tab was trimmed or is allowed.
            if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(HeaderError::BadValue { line });
            }
            fields.push((name, value));
        }
        Ok(Headers { fields })
    }

    /// The first value of the header called `name`, ignoring ASCII case.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            // The key line: compare names without caring about case, and
            // without allocating lowercase copies.
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
    }

    /// Every value of the header called `name`, ignoring ASCII case, in order.
    pub fn get_all(&self, name: &str) -> Vec<&'a str> {
        self.fields
            .iter()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|&(_, value)| value)
            .collect()
    }

    /// How many header lines there are (repeats counted). Given.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no headers at all. Given.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}
