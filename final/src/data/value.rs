//! Values on their way into and out of the database, in one type that both
//! engines understand: [`Value`], what turns a Rust value into one
//! ([`ToValue`]), what reads one back ([`FromValue`]), and a [`Row`] of them
//! read by column name (`row.rs`).
//!
//! Why a type of our own, when rusqlite and postgres each have one? So that
//! a model, a view or the session store is written once: the same
//! `row.get::<String>("name")?` runs on SQLite and on PostgreSQL, and each
//! engine's file (`sqlite.rs`, `postgres.rs`) converts a [`Value`] to what
//! its client wants. The six kinds are the ones both engines store.
//!
//! A conversion that fails says why in a [`FromValueError`], which an
//! app's own type builds too (`FromValueError::mismatch("an email address",
//! &value)`); [`Row::get`](crate::Row::get) adds the column's name, so the
//! message a 500 logs reads `column "title": expected text, found NULL`.

use std::fmt;

/// One value of a column or a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A whole number: SQLite's `INTEGER`; PostgreSQL's `SMALLINT`,
    /// `INTEGER` and `BIGINT` (bound with a range check for the smaller two).
    Integer(i64),
    /// A floating-point number: `REAL`, `DOUBLE PRECISION`.
    Real(f64),
    /// Text: `TEXT`, `VARCHAR`.
    Text(String),
    /// Bytes: SQLite's `BLOB`, PostgreSQL's `BYTEA`.
    Blob(Vec<u8>),
    /// PostgreSQL's `BOOLEAN`; SQLite has none and stores 1 or 0.
    Bool(bool),
}

impl Value {
    /// What kind of value this is, in a word, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real number",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
            Value::Bool(_) => "a boolean",
        }
    }
}

/// A Rust value that can be bound as a parameter: `&[&title, &id]`.
///
/// Implemented for the usual types: `i64`, `i32`, `i16`, `u32`, `f64`,
/// `f32`, `bool`, `String`, `str`, `Vec<u8>`, `[u8]`, [`Value`], references
/// to these, and `Option<T>` (`None` is `NULL`).
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

/// A Rust value that can be read out of a column: `row.get::<i64>("id")?`.
///
/// Implemented for the same types as [`ToValue`] (owned ones); `Option<T>`
/// reads `NULL` as `None`, and any other type refuses `NULL`.
///
/// # Examples
/// A type of the app's own, read from a text column:
/// ```
/// use httprs::{FromValue, FromValueError, Value};
///
/// #[derive(Debug)]
/// struct Email(String);
///
/// impl FromValue for Email {
///     fn from_value(value: Value) -> Result<Email, FromValueError> {
///         match value {
///             Value::Text(text) if text.contains('@') => Ok(Email(text)),
///             Value::Text(_) => Err(FromValueError::new("expected an email address, found text without '@'")),
///             other => Err(FromValueError::mismatch("an email address", &other)),
///         }
///     }
/// }
///
/// let err = Email::from_value(Value::Integer(3)).unwrap_err();
/// assert_eq!(err.to_string(), "expected an email address, found an integer");
/// ```
pub trait FromValue: Sized {
    /// Converts, or says in words why not (`expected text, found an integer`).
    ///
    /// # Errors
    /// A [`FromValueError`] naming what was expected and what was found.
    fn from_value(value: Value) -> Result<Self, FromValueError>;
}

/// Why a [`Value`] did not convert to the type asked for: what was
/// expected and what was found, in words. [`Row::get`](crate::Row::get)
/// puts it in a [`DbError::Column`](crate::DbError::Column) with the
/// column's name.
///
/// Opaque on purpose, as semver's `Error` is: the message is the whole of
/// it, and an app's own [`FromValue`] builds one with
/// [`FromValueError::new`] or [`FromValueError::mismatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromValueError {
    message: String,
}

impl FromValueError {
    /// An error saying `message`, such as `"300 does not fit in u8"`.
    pub fn new(message: impl Into<String>) -> FromValueError {
        FromValueError {
            message: message.into(),
        }
    }

    /// A value of the wrong kind: `expected {expected}, found {kind}`, the
    /// kind in a word ([`Value::kind`]), never the value itself, which may
    /// be private.
    ///
    /// # Examples
    /// ```
    /// use httprs::{FromValueError, Value};
    /// let err = FromValueError::mismatch("text", &Value::Null);
    /// assert_eq!(err.to_string(), "expected text, found NULL");
    /// ```
    pub fn mismatch(expected: &str, found: &Value) -> FromValueError {
        FromValueError::new(format!("expected {expected}, found {}", found.kind()))
    }
}

impl fmt::Display for FromValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FromValueError {}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}

impl ToValue for f32 {
    fn to_value(&self) -> Value {
        Value::Real(f64::from(*self))
    }
}

/// Whole numbers that fit an `i64` without loss.
macro_rules! integer_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_to_value!(i64, i32, i16, u32);

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Value, FromValueError> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Option<T>, FromValueError> {
        match value {
            Value::Null => Ok(None),
            value => T::from_value(value).map(Some),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<String, FromValueError> {
        match value {
            Value::Text(text) => Ok(text),
            other => Err(FromValueError::mismatch("text", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Vec<u8>, FromValueError> {
        match value {
            Value::Blob(bytes) => Ok(bytes),
            other => Err(FromValueError::mismatch("a blob", &other)),
        }
    }
}

impl FromValue for bool {
    /// A boolean, or SQLite's way of storing one: 0 or 1.
    fn from_value(value: Value) -> Result<bool, FromValueError> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::Integer(0) => Ok(false),
            Value::Integer(1) => Ok(true),
            other => Err(FromValueError::mismatch("a boolean (or 0 or 1)", &other)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<f64, FromValueError> {
        match value {
            Value::Real(x) => Ok(x),
            // SQLite stores 2.0 in a REAL column as the integer 2.
            Value::Integer(n) => Ok(n as f64),
            other => Err(FromValueError::mismatch("a number", &other)),
        }
    }
}

/// Whole numbers, checked against the type's range.
macro_rules! integer_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<$t, FromValueError> {
                match value {
                    Value::Integer(n) => <$t>::try_from(n).map_err(|_| {
                        FromValueError::new(format!("{n} does not fit in {}", stringify!($t)))
                    }),
                    other => Err(FromValueError::mismatch("an integer", &other)),
                }
            }
        }
    )*};
}
integer_from_value!(i64, i32, i16, u32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_convert_both_ways_and_refuse_the_wrong_kind() {
        assert_eq!(i64::from_value(7i32.to_value()), Ok(7));
        assert_eq!(Option::<String>::from_value(Value::Null), Ok(None));
        assert_eq!(None::<i64>.to_value(), Value::Null);
        assert_eq!("a".to_value(), Value::Text("a".into()));
        assert_eq!(bool::from_value(Value::Integer(1)), Ok(true));
        assert_eq!(
            String::from_value(Value::Null).unwrap_err().to_string(),
            "expected text, found NULL"
        );
        assert_eq!(
            i16::from_value(Value::Integer(70_000))
                .unwrap_err()
                .to_string(),
            "70000 does not fit in i16"
        );
    }

    #[test]
    fn a_mismatch_names_the_kind_found_and_never_the_value() {
        let secret = Value::Text("hunter2".into());
        let err = FromValueError::mismatch("a blob", &secret);
        assert_eq!(err.to_string(), "expected a blob, found text");
        assert_eq!(
            Vec::<u8>::from_value(secret).unwrap_err(),
            err,
            "the built-in conversions build the same error"
        );
        assert_eq!(
            bool::from_value(Value::Integer(2)).unwrap_err().to_string(),
            "expected a boolean (or 0 or 1), found an integer"
        );
    }
}
