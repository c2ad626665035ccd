//! Values on their way into and out of the database, in one type that both
//! engines understand: [`Value`], what turns a Rust value into one
//! ([`ToValue`]), what reads one back ([`FromValue`]), and a [`Row`] of them
//! read by column name.
//!
//! Why a type of our own, when rusqlite and postgres each have one? So that
//! a model, a view or the session store is written once: the same
//! `row.get::<String>("name")?` runs on SQLite and on PostgreSQL, and each
//! engine's file (`sqlite.rs`, `postgres.rs`) converts a [`Value`] to what
//! its client wants. The six kinds are the ones both engines store.

use std::fmt;
use std::sync::Arc;

use crate::data::error::DbError;

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
pub trait FromValue: Sized {
    /// Converts, or says in words why not (`expected text, found an integer`).
    ///
    /// # Errors
    /// A sentence naming what was expected and what was found.
    fn from_value(value: Value) -> Result<Self, String>;
}

fn wrong(expected: &str, found: &Value) -> String {
    format!("expected {expected}, found {}", found.kind())
}

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
    fn from_value(value: Value) -> Result<Value, String> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Option<T>, String> {
        match value {
            Value::Null => Ok(None),
            value => T::from_value(value).map(Some),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<String, String> {
        match value {
            Value::Text(text) => Ok(text),
            other => Err(wrong("text", &other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Vec<u8>, String> {
        match value {
            Value::Blob(bytes) => Ok(bytes),
            other => Err(wrong("a blob", &other)),
        }
    }
}

impl FromValue for bool {
    /// A boolean, or SQLite's way of storing one: 0 or 1.
    fn from_value(value: Value) -> Result<bool, String> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::Integer(0) => Ok(false),
            Value::Integer(1) => Ok(true),
            other => Err(wrong("a boolean (or 0 or 1)", &other)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<f64, String> {
        match value {
            Value::Real(x) => Ok(x),
            // SQLite stores 2.0 in a REAL column as the integer 2.
            Value::Integer(n) => Ok(n as f64),
            other => Err(wrong("a number", &other)),
        }
    }
}

/// Whole numbers, checked against the type's range.
macro_rules! integer_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<$t, String> {
                match value {
                    Value::Integer(n) => <$t>::try_from(n).map_err(|_| {
                        format!("{n} does not fit in {}", stringify!($t))
                    }),
                    other => Err(wrong("an integer", &other)),
                }
            }
        }
    )*};
}
integer_from_value!(i64, i32, i16, u32);

/// One row of a query's result, read by column name.
///
/// # Examples
/// ```
/// # fn main() -> Result<(), httprs::DbError> {
/// let db = httprs::Database::open_in_memory()?;
/// let conn = db.checkout()?;
/// let row = conn.query_one("SELECT 1 + $1 AS two, 'hi' AS word", &[&1])?;
/// assert_eq!(row.get::<i64>("two")?, 2);
/// assert_eq!(row.get::<String>("word")?, "hi");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq)]
pub struct Row {
    /// Shared by every row of one result.
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }

    /// The value of `column`, converted to `T`.
    ///
    /// # Errors
    /// [`DbError::Value`] (a 500) naming the column, if the row has no such
    /// column or its value does not convert (`NULL` into a `String`, say).
    pub fn get<T: FromValue>(&self, column: &str) -> Result<T, DbError> {
        let at = self
            .columns
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| {
                DbError::Value(format!(
                    "no column {column:?} in the row; it has {}",
                    self.columns.join(", ")
                ))
            })?;
        T::from_value(self.values[at].clone())
            .map_err(|problem| DbError::Value(format!("column {column:?}: {problem}")))
    }

    /// The column names, in the order the query gave them.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.columns.iter().zip(&self.values))
            .finish()
    }
}

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
            String::from_value(Value::Null).unwrap_err(),
            "expected text, found NULL"
        );
        assert_eq!(
            i16::from_value(Value::Integer(70_000)).unwrap_err(),
            "70000 does not fit in i16"
        );
    }

    #[test]
    fn a_row_names_the_column_it_cannot_give() {
        let row = Row::new(
            Arc::from(vec!["id".to_string(), "title".to_string()]),
            vec![Value::Integer(1), Value::Null],
        );
        assert_eq!(row.get::<i64>("id").unwrap(), 1);
        assert_eq!(row.get::<Option<String>>("title").unwrap(), None);
        let err = row.get::<String>("title").unwrap_err();
        assert_eq!(
            err.to_string(),
            "column \"title\": expected text, found NULL"
        );
        let err = row.get::<i64>("nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column \"nope\" in the row; it has id, title"
        );
        assert_eq!(err.status().code(), 500);
    }
}
