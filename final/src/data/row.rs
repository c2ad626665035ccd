//! A row of a query's result, read by column name: `row.get::<String>("title")?`.
//!
//! Its own file so that the errors (`error.rs`) can carry a value's
//! [`FromValueError`](crate::FromValueError) while a row returns a
//! [`DbError`]: values below, errors above them, rows on top, no loop.

use std::fmt;
use std::sync::Arc;

use crate::data::error::DbError;
use crate::data::value::{FromValue, Value};

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
pub struct Row {
    /// Shared by every row of one result.
    columns: Arc<[String]>,
    cells: Cells,
}

/// A row's values: read already, or PostgreSQL's bytes still to be read.
enum Cells {
    /// SQLite's values (read as the statement steps), or a row made by hand.
    Values(Vec<Value>),
    /// PostgreSQL's row as it arrived: each cell is decoded when a model
    /// asks for it, straight into the type asked for. Reading every cell
    /// into a [`Value`] first, then cloning it out by name, copied each
    /// text twice and was most of what mapping a page of rows cost.
    /// Held as it came, not behind an `Arc`: one allocation less per row,
    /// twenty per request of TechEmpower's `/queries`. Nothing on the way
    /// from the server to a model clones a row (see `impl Clone`).
    Postgres(tokio_postgres::Row),
    /// A clone's cells (see `impl Clone`): each value, or the message of
    /// the error reading it gave.
    Copied(Vec<Result<Value, String>>),
}

/// A copy of the row. The client's row cannot be copied, so a copy of a
/// PostgreSQL row holds its cells read (`Cells::Copied`), each value or
/// why it could not be read: the copy answers [`Row::get`] as the original.
impl Clone for Row {
    fn clone(&self) -> Row {
        let cells = match &self.cells {
            Cells::Values(values) => Cells::Values(values.clone()),
            Cells::Postgres(_) => Cells::Copied(
                (0..self.columns.len())
                    .map(|at| self.value(at).map_err(|err| err.to_string()))
                    .collect(),
            ),
            Cells::Copied(cells) => Cells::Copied(cells.clone()),
        };
        Row {
            columns: self.columns.clone(),
            cells,
        }
    }
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row {
            columns,
            cells: Cells::Values(values),
        }
    }

    /// PostgreSQL's `row`, its cells read when asked for.
    pub(crate) fn postgres(columns: Arc<[String]>, row: tokio_postgres::Row) -> Row {
        Row {
            columns,
            cells: Cells::Postgres(row),
        }
    }

    /// The value of `column`, converted to `T`.
    ///
    /// # Errors
    /// [`DbError::Value`] (a 500) naming the columns there are, if the row
    /// has no such column, or naming the column, if PostgreSQL sent a type
    /// the data layer does not read (see [`Value`]); [`DbError::Column`]
    /// (a 500 too) naming the column, if its value does not convert (`NULL`
    /// into a `String`, say).
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
        T::from_value(self.value(at)?).map_err(|error| DbError::Column {
            column: column.to_string(),
            error,
        })
    }

    /// The column names, in the order the query gave them.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The value in column `at`: a copy of SQLite's, or PostgreSQL's decoded now.
    fn value(&self, at: usize) -> Result<Value, DbError> {
        match &self.cells {
            Cells::Values(values) => Ok(values[at].clone()),
            Cells::Copied(cells) => cells[at].clone().map_err(DbError::Value),
            Cells::Postgres(row) => row
                .try_get::<_, Value>(at)
                .map_err(|err| DbError::Value(format!("column {:?}: {err}", self.columns[at]))),
        }
    }

    /// Every value, or why one cannot be read: what comparing and showing rows look at.
    fn values(&self) -> Vec<Result<Value, String>> {
        (0..self.columns.len())
            .map(|at| self.value(at).map_err(|err| err.to_string()))
            .collect()
    }
}

/// Rows are equal when their columns and values are, however each was read.
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.columns == other.columns && self.values() == other.values()
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values = self.values();
        let shown = values.iter().map(|value| match value {
            Ok(value) => value as &dyn fmt::Debug,
            Err(why) => why as &dyn fmt::Debug,
        });
        f.debug_map()
            .entries(self.columns.iter().zip(shown))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_conversion_error_keeps_its_column_for_the_caller_to_match() {
        let row = Row::new(Arc::from(vec!["n".to_string()]), vec![Value::Real(0.5)]);
        match row.get::<i64>("n").unwrap_err() {
            DbError::Column { column, error } => {
                assert_eq!(column, "n");
                assert_eq!(
                    error.to_string(),
                    "expected an integer, found a real number"
                );
            }
            other => panic!("expected DbError::Column, got {other:?}"),
        }
    }
}
