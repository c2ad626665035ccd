//! `Note`, the model the data-layer tests share (`engines.rs`, `pipelined.rs`):
//! a title that must be unique and a 0-5 star count the schema checks, so
//! that both a uniqueness and a check constraint can be broken on purpose.

use httprs::{Column, DbError, Model, Row, ToValue};

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: Option<i64>,
    pub title: String,
    pub stars: i64,
}

impl Model for Note {
    const TABLE: &'static str = "notes";
    const COLUMNS: &'static [Column] = &[
        Column::new("title", "TEXT NOT NULL UNIQUE"),
        Column::new("stars", "INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5)"),
    ];
    fn id(&self) -> Option<i64> {
        self.id
    }
    fn set_id(&mut self, id: i64) {
        self.id = Some(id);
    }
    fn to_params(&self) -> Vec<&dyn ToValue> {
        vec![&self.title, &self.stars]
    }
    fn from_row(row: &Row) -> Result<Note, DbError> {
        Ok(Note {
            id: row.get("id")?,
            title: row.get("title")?,
            stars: row.get("stars")?,
        })
    }
}
