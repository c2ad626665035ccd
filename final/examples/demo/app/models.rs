//! The guestbook's data: an [`Entry`], its table, and what makes one valid.
//!
//! Validation happens twice, on purpose. [`Draft::validate`] checks what a
//! visitor typed and says what is wrong in words the form can show; the
//! table's `CHECK` constraints refuse the same bad rows again, so a bug in a
//! view (or a hand-written `INSERT`) cannot store an empty name. The first
//! is for people, the second is for the data.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use httprs::Migration;
use httprs::{Column, DbError, Model, Row, ToValue};
use serde::{Deserialize, Serialize};

/// The longest name and message, in characters: the form's `maxlength` and
/// the validation below use these; the table's `CHECK` repeats the numbers
/// (SQL in a `const` is a literal), and a test keeps the two in step.
pub const MAX_NAME: usize = 40;
/// See [`MAX_NAME`].
pub const MAX_MESSAGE: usize = 500;

/// One signature in the guestbook, as stored and as sent in JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Chosen by the database on insert; `None` before that.
    pub id: Option<i64>,
    pub name: String,
    pub message: String,
    /// When it was signed, UTC, ISO 8601: `2026-11-21T09:30:00Z`.
    pub created_at: String,
    /// The stored name of its picture in the media folder, if it has one
    /// (`pictures.rs`): `3f2a...c1.png`, never the visitor's file name.
    pub picture: Option<String>,
}

impl Model for Entry {
    const TABLE: &'static str = "entries";
    const COLUMNS: &'static [Column] = &[
        Column::new(
            "name",
            "TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 40)",
        ),
        Column::new(
            "message",
            "TEXT NOT NULL CHECK (length(trim(message)) BETWEEN 1 AND 500)",
        ),
        Column::new("created_at", "TEXT NOT NULL"),
        // Added by migration 0004; NULL for an entry without a picture.
        Column::new("picture", "TEXT"),
    ];

    fn id(&self) -> Option<i64> {
        self.id
    }

    fn set_id(&mut self, id: i64) {
        self.id = Some(id);
    }

    fn to_params(&self) -> Vec<&dyn ToValue> {
        vec![&self.name, &self.message, &self.created_at, &self.picture]
    }

    fn from_row(row: &Row) -> Result<Entry, DbError> {
        Ok(Entry {
            id: row.get("id")?,
            name: row.get("name")?,
            message: row.get("message")?,
            created_at: row.get("created_at")?,
            picture: row.get("picture")?,
        })
    }
}

/// The schema, one migration per change, applied in order at start-up.
/// Never edit a migration that has run somewhere: add the next one.
pub fn migrations() -> Vec<Migration> {
    vec![
        // The table as it was first made: its first three columns. (It
        // said `create_table::<Entry>` until the model grew a column, which
        // must come by a migration of its own, 0004, or a new database would
        // get it twice.)
        Migration::table("0001_create_entries", Entry::TABLE, &Entry::COLUMNS[..3]),
        // The schema's second change: an index for queries by time. (The
        // page sorts by id, the table's key, which needs no index.)
        Migration::new(
            "0002_index_entries_created_at",
            "CREATE INDEX entries_created_at ON entries (created_at)",
        ),
        // The admins (see accounts.rs): a name, and an Argon2 hash as a PHC
        // string, never the password itself. `Migration::table` writes the
        // id column for the engine, as for a model. (Its first version said
        // `id INTEGER PRIMARY KEY`, SQLite's spelling only; a database it
        // made keeps that table, which works the same, since the name of
        // this migration is recorded there.)
        Migration::table(
            "0003_create_users",
            "users",
            &[
                Column::new(
                    "name",
                    "TEXT NOT NULL UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 40)",
                ),
                Column::new("password", "TEXT NOT NULL CHECK (password LIKE '$argon2%')"),
                Column::new("is_admin", "INTEGER NOT NULL DEFAULT 0"),
            ],
        ),
        // An entry's optional picture: the name it is stored under.
        Migration::new(
            "0004_add_entries_picture",
            "ALTER TABLE entries ADD COLUMN picture TEXT",
        ),
    ]
}

/// What a visitor sent, from the HTML form or the JSON API, not yet checked.
/// Missing fields are empty strings, so "you left it empty" covers both.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Draft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub message: String,
}

/// Field name → what is wrong with it, in a sentence for the visitor.
pub type Errors = BTreeMap<&'static str, String>;

impl Draft {
    /// An [`Entry`] ready to insert (fields trimmed, stamped with the time),
    /// or every reason it cannot be one.
    pub fn validate(&self) -> Result<Entry, Errors> {
        let name = self.name.trim();
        let message = self.message.trim();
        let mut errors = Errors::new();
        if name.is_empty() {
            errors.insert("name", "Please tell us your name.".into());
        } else if name.chars().count() > MAX_NAME {
            errors.insert("name", format!("At most {MAX_NAME} characters, please."));
        }
        if message.is_empty() {
            errors.insert("message", "Please write a message.".into());
        } else if message.chars().count() > MAX_MESSAGE {
            errors.insert(
                "message",
                format!("At most {MAX_MESSAGE} characters, please."),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Entry {
            id: None,
            name: name.to_string(),
            message: message.to_string(),
            created_at: now_utc(),
            picture: None,
        })
    }
}

/// The time now, UTC, as ISO 8601 (`2026-11-21T09:30:00Z`): what a
/// `<time datetime>` attribute and JavaScript's `Date` read, and text that
/// sorts in time order.
pub fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso8601(secs)
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ`, by Howard Hinnant's
/// `civil_from_days`: a calendar date from a day count, exact for every
/// day since 1970 (leap years included), in a few lines of arithmetic.
fn iso8601(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Shift the epoch to 0000-03-01, so the leap day is the last of a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, 0..=146096
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // year of era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year
    let mp = (5 * doy + 2) / 153; // month, March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_checks_the_same_limits_as_the_form() {
        let checks = Entry::COLUMNS.iter().map(|c| c.sql).collect::<Vec<_>>();
        assert!(checks[0].contains(&format!("BETWEEN 1 AND {MAX_NAME})")));
        assert!(checks[1].contains(&format!("BETWEEN 1 AND {MAX_MESSAGE})")));
    }

    #[test]
    fn a_draft_is_trimmed_or_refused_with_a_reason_per_field() {
        let ok = Draft {
            name: "  Ada ".into(),
            message: " Hi!\n".into(),
        };
        let entry = ok.validate().unwrap();
        assert_eq!(
            (entry.name.as_str(), entry.message.as_str()),
            ("Ada", "Hi!")
        );
        let empty = Draft {
            name: " ".into(),
            message: String::new(),
        };
        let errors = empty.validate().unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["message", "name"]
        );
        let long = Draft {
            name: "é".repeat(MAX_NAME + 1),
            message: "x".into(),
        };
        assert!(long.validate().unwrap_err()["name"].contains("At most 40"));
        // Characters, not bytes: 40 two-byte letters are fine.
        let full = Draft {
            name: "é".repeat(MAX_NAME),
            message: "x".into(),
        };
        assert!(full.validate().is_ok());
    }

    #[test]
    fn dates_come_out_right_across_leap_years() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
