//! Models: a Rust struct mapped to a table, with the usual five queries and
//! two batched ones, all with bound parameters, the same SQL on both engines
//! (but for the batched update's, written per engine). The example, the
//! injection argument and what it leaves out are in `final/docs/models.md`
//! ([`Model`](crate::Model)'s documentation).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::data::connection::{Connection, Engine};
use crate::data::error::DbError;
use crate::data::row::Row;
use crate::data::value::ToValue;

/// One column of a model's table, besides `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name: letters, digits and `_`, not starting with a digit.
    pub name: &'static str,
    /// Its SQL type and constraints, as in `CREATE TABLE`: `TEXT NOT NULL UNIQUE`.
    pub sql: &'static str,
}

impl Column {
    /// A column named `name` declared as `sql`.
    pub const fn new(name: &'static str, sql: &'static str) -> Column {
        Column { name, sql }
    }
}

/// Which way a [`Model::list`] is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

impl Direction {
    fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// How to sort a [`Model::list`]: a column by name, and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order<'a> {
    /// `id` or one of the model's [`Model::COLUMNS`]; checked by `list`.
    pub column: &'a str,
    /// Which way.
    pub direction: Direction,
}

impl Order<'_> {
    /// By `column`, smallest first.
    pub fn asc(column: &str) -> Order<'_> {
        Order {
            column,
            direction: Direction::Asc,
        }
    }

    /// By `column`, largest first.
    pub fn desc(column: &str) -> Order<'_> {
        Order {
            column,
            direction: Direction::Desc,
        }
    }
}

/// A struct stored as one row of a table; an example follows.
///
/// Implement the four constants and methods; the rest is provided. The
/// provided methods take a [`Connection`], which a
/// [`PooledConnection`](crate::PooledConnection) derefs to and which a
/// [`Connection::transaction`] hands its closure.
///
#[doc = include_str!("../../docs/models.md")]
pub trait Model: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// The columns besides `id`, in the order [`Model::to_params`] gives their values.
    const COLUMNS: &'static [Column];

    /// The row's id; `None` until inserted.
    fn id(&self) -> Option<i64>;
    /// Records the id the database gave the row on insert.
    fn set_id(&mut self, id: i64);
    /// The values of [`Model::COLUMNS`], in the same order, to bind as parameters.
    fn to_params(&self) -> Vec<&dyn ToValue>;
    /// Reads a value back from a row holding `id` and every column, by name.
    ///
    /// # Errors
    /// The error of `row.get`, for a column whose value does not fit the field.
    fn from_row(row: &Row) -> Result<Self, DbError>;

    /// `CREATE TABLE "table" ("id" ..., ...)` for `engine`, for
    /// [`Migration::create_table`](crate::Migration::create_table). The id
    /// is the one part written per engine: SQLite's `INTEGER PRIMARY KEY
    /// AUTOINCREMENT`, PostgreSQL's `BIGINT GENERATED ALWAYS AS IDENTITY
    /// PRIMARY KEY`; both pick it on insert and never hand out one again.
    ///
    /// # Panics
    /// If the table or a column name is not a plain identifier (see [`Column::name`]).
    fn create_table_sql(engine: Engine) -> String {
        create_table_sql(engine, Self::TABLE, Self::COLUMNS)
    }

    /// Inserts the row, sets its id and returns it.
    ///
    /// # Errors
    /// [`DbError::Constraint`] if the schema refuses a value (409 or 422).
    fn insert(&mut self, conn: &Connection) -> Result<i64, DbError> {
        let values = if Self::COLUMNS.is_empty() {
            "DEFAULT VALUES".to_string()
        } else {
            format!(
                "({}) VALUES ({})",
                column_list(Self::COLUMNS),
                placeholders(1..=Self::COLUMNS.len())
            )
        };
        // `RETURNING`: both engines say which id they chose, in the same
        // statement (SQLite since 3.35; rusqlite bundles a newer one).
        let sql = format!(
            "INSERT INTO {} {values} RETURNING {}",
            quote(Self::TABLE),
            quote("id")
        );
        let id: i64 = conn.query_one(&sql, &self.to_params())?.get("id")?;
        self.set_id(id);
        Ok(id)
    }

    /// The row with this id.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if there is none.
    fn get(conn: &Connection, id: i64) -> Result<Self, DbError> {
        match conn.query_opt(&get_sql(Self::TABLE, Self::COLUMNS), &[&id])? {
            Some(row) => Self::from_row(&row),
            None => Err(not_found(Self::TABLE, id)),
        }
    }

    /// The rows with these ids, in the same order (an id given twice is
    /// read twice): what [`Model::get`] gives for each, but pipelined on
    /// PostgreSQL, every query sent before the first answer is read, so
    /// that many rows cost one round trip (see [`Connection::query_pipelined`]).
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) naming the first id with no row.
    fn get_many(conn: &Connection, ids: &[i64]) -> Result<Vec<Self>, DbError> {
        let sql = get_sql(Self::TABLE, Self::COLUMNS);
        let params: Vec<[&dyn ToValue; 1]> = ids.iter().map(|id| [id as &dyn ToValue]).collect();
        let batch: Vec<(&str, &[&dyn ToValue])> = params.iter().map(|p| (&*sql, &p[..])).collect();
        let results = conn.query_pipelined(&batch)?;
        ids.iter()
            .zip(results)
            .map(|(id, rows)| found(*id, rows.first()))
            .collect()
    }

    /// Every row, in the order the database finds them (none in
    /// particular): for a table read whole and sorted in Rust, which spares
    /// the database a sort. [`Model::list`] gives an order and a limit.
    ///
    /// # Errors
    /// The error of a row that does not read back ([`Model::from_row`]).
    fn all(conn: &Connection) -> Result<Vec<Self>, DbError> {
        let rows = conn.query(&all_sql(Self::TABLE, Self::COLUMNS), &[])?;
        rows.iter().map(Self::from_row).collect()
    }

    /// Up to `limit` rows, sorted by `order` (ties by id, in the same direction).
    ///
    /// # Errors
    /// [`DbError::UnknownColumn`] (400) if `order` names a column the model
    /// does not declare.
    fn list(conn: &Connection, order: Order<'_>, limit: u32) -> Result<Vec<Self>, DbError> {
        let sql = list_sql(Self::TABLE, Self::COLUMNS, order)?;
        // An i64: PostgreSQL types `LIMIT $1` as a BIGINT.
        let rows = conn.query(&sql, &[&i64::from(limit)])?;
        rows.iter().map(Self::from_row).collect()
    }

    /// Writes every column of this row back, by its id.
    ///
    /// # Errors
    /// [`DbError::NotSaved`] if it has no id; [`DbError::NotFound`] (404)
    /// if no row has it; [`DbError::Constraint`] for a refused value.
    fn update(&self, conn: &Connection) -> Result<(), DbError> {
        let id = self.id().ok_or(DbError::NotSaved { table: Self::TABLE })?;
        if Self::COLUMNS.is_empty() {
            // Nothing to write; but a missing row is still a 404.
            return Self::get(conn, id).map(drop);
        }
        let mut params = self.to_params();
        params.push(&id);
        match conn.execute(&update_sql(Self::TABLE, Self::COLUMNS), &params)? {
            0 => Err(not_found(Self::TABLE, id)),
            _ => Ok(()),
        }
    }

    /// Writes every column of each row back, by id: what [`Model::update`]
    /// on each would write (for an id given twice, the last row given
    /// wins), in one statement on PostgreSQL (`UPDATE ... FROM (VALUES
    /// ...)`, rows sorted by id so that two requests lock them in the same
    /// order and cannot deadlock), in one transaction on SQLite.
    ///
    /// # Errors
    /// [`DbError::NotSaved`] if a row has no id, before anything is
    /// written; [`DbError::NotFound`] (404) if some ids have no row (the
    /// others are written); [`DbError::Constraint`] for a refused value
    /// (then nothing is written).
    fn update_many(conn: &Connection, rows: &[Self]) -> Result<(), DbError> {
        let (ids, order) = update_order(rows)?;
        if Self::COLUMNS.is_empty() {
            let ids: Vec<i64> = order.iter().map(|&i| ids[i]).collect();
            return Self::get_many(conn, &ids).map(drop);
        }
        let params_of = |i: usize| {
            let mut params: Vec<&dyn ToValue> = vec![&ids[i]];
            params.extend(rows[i].to_params());
            params
        };
        let changed = match conn.engine() {
            Engine::Postgres => {
                let per_statement = rows_per_statement(Self::COLUMNS);
                let write = |conn: &Connection| {
                    let mut changed = 0;
                    for chunk in order.chunks(per_statement) {
                        let sql = update_from_values_sql(Self::TABLE, Self::COLUMNS, chunk.len());
                        let params: Vec<&dyn ToValue> =
                            chunk.iter().flat_map(|&i| params_of(i)).collect();
                        changed += conn.execute(&sql, &params)?;
                    }
                    Ok(changed)
                };
                if order.len() > per_statement {
                    conn.transaction(write)?
                } else {
                    write(conn)?
                }
            }
            // No round trips to save: one statement per row, one commit.
            Engine::Sqlite => conn.transaction(|tx| {
                let sql = update_sql(Self::TABLE, Self::COLUMNS);
                let mut changed = 0;
                for &i in &order {
                    // `update_sql` wants the id last.
                    let mut params = rows[i].to_params();
                    params.push(&ids[i]);
                    changed += tx.execute(&sql, &params)?;
                }
                Ok(changed)
            })?,
        };
        all_changed(Self::TABLE, changed, order.len())
    }

    /// Deletes the row with this id.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if there is none; a
    /// [`DbError::Constraint`] (422) if a foreign key still points at it.
    fn delete(conn: &Connection, id: i64) -> Result<(), DbError> {
        let sql = format!(
            "DELETE FROM {} WHERE {} = $1",
            quote(Self::TABLE),
            quote("id")
        );
        match conn.execute(&sql, &[&id])? {
            0 => Err(not_found(Self::TABLE, id)),
            _ => Ok(()),
        }
    }
}

/// `CREATE TABLE` for `table` on `engine`: the id column, then `columns`.
/// See [`Model::create_table_sql`].
pub(crate) fn create_table_sql(engine: Engine, table: &str, columns: &[Column]) -> String {
    let id = match engine {
        Engine::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Engine::Postgres => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    };
    let mut lines = vec![format!("{} {id}", quote("id"))];
    for column in columns {
        lines.push(format!("{} {}", quote(column.name), column.sql));
    }
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        quote(table),
        lines.join(",\n    ")
    )
}

/// What a statement's text is kept under ([`memo`]): what it does, the
/// model's table and columns (by address: two models may share a table),
/// for a list, its order, and for a statement that writes many rows, how many.
type SqlKey = (
    &'static str,
    &'static str,
    *const Column,
    Option<(&'static str, Direction)>,
    usize,
);

/// The text `build` makes, built once per thread for each key and kept.
/// A request that reads one row would otherwise format the same statement,
/// quoting every name, each time: a handful of allocations, which a
/// profile of one-row requests put at 2.6% of their time.
fn memo(key: SqlKey, build: impl FnOnce() -> String) -> Arc<str> {
    thread_local! {
        static TEXTS: RefCell<HashMap<SqlKey, Arc<str>>> = RefCell::default();
    }
    TEXTS.with(|texts| {
        if let Some(sql) = texts.borrow().get(&key) {
            return sql.clone();
        }
        let sql: Arc<str> = build().into();
        texts.borrow_mut().insert(key, sql.clone());
        sql
    })
}

/// `SELECT "id", ... FROM "table" WHERE "id" = $1`.
pub(crate) fn get_sql(table: &'static str, columns: &'static [Column]) -> Arc<str> {
    memo(("get", table, columns.as_ptr(), None, 0), || {
        format!(
            "SELECT {} FROM {} WHERE {} = $1",
            select_list(columns),
            quote(table),
            quote("id")
        )
    })
}

/// `SELECT "id", ... FROM "table"`.
pub(crate) fn all_sql(table: &'static str, columns: &'static [Column]) -> Arc<str> {
    memo(("all", table, columns.as_ptr(), None, 0), || {
        format!("SELECT {} FROM {}", select_list(columns), quote(table))
    })
}

/// `UPDATE "table" SET "a" = $1, "b" = $2 WHERE "id" = $3`: the id last.
fn update_sql(table: &'static str, columns: &'static [Column]) -> Arc<str> {
    memo(("update", table, columns.as_ptr(), None, 0), || {
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", quote(c.name), i + 1))
            .collect();
        format!(
            "UPDATE {} SET {} WHERE {} = ${}",
            quote(table),
            assignments.join(", "),
            quote("id"),
            columns.len() + 1
        )
    })
}

/// PostgreSQL's update of `rows` rows in one statement, each row's id
/// first, then its columns:
///
/// ```sql
/// UPDATE "t" SET "a" = "httprs_new"."a" FROM (VALUES
///     ((NULL::"t")."id", (NULL::"t")."a"), ($1, $2), ($3, $4)
/// ) AS "httprs_new" ("id", "a") WHERE "t"."id" = "httprs_new"."id"
/// ```
///
/// The first row of `VALUES` is the trick: PostgreSQL gives a `VALUES`
/// column the type its rows agree on, and parameters have none of their
/// own, so without it every column would be `text` and the assignment
/// refused. `(NULL::"t")."a"` is a `NULL` of exactly `"a"`'s type; it
/// types the parameters below it, and its `NULL` id matches no row.
///
/// Kept ([`memo`]) for up to [`MEMO_ROWS`] rows, the counts a page of
/// rows writes (TechEmpower's `/updates`: 1 to 20), and made afresh above.
pub(crate) fn update_from_values_sql(
    table: &'static str,
    columns: &'static [Column],
    rows: usize,
) -> Arc<str> {
    let build = || {
        let table = quote(table);
        let names: Vec<String> = std::iter::once(quote("id"))
            .chain(columns.iter().map(|c| quote(c.name)))
            .collect();
        let assignments: Vec<String> = names[1..]
            .iter()
            .map(|name| format!("{name} = \"httprs_new\".{name}"))
            .collect();
        let typed: Vec<String> = names
            .iter()
            .map(|name| format!("(NULL::{table}).{name}"))
            .collect();
        let mut values = vec![format!("({})", typed.join(", "))];
        let width = names.len();
        for row in 0..rows {
            values.push(format!(
                "({})",
                placeholders(row * width + 1..=(row + 1) * width)
            ));
        }
        format!(
            "UPDATE {table} SET {} FROM (VALUES {}) AS \"httprs_new\" ({}) \
             WHERE {table}.{} = \"httprs_new\".{}",
            assignments.join(", "),
            values.join(", "),
            names.join(", "),
            quote("id"),
            quote("id")
        )
    };
    if rows <= MEMO_ROWS {
        memo(
            ("update_from_values", table, columns.as_ptr(), None, rows),
            build,
        )
    } else {
        build().into()
    }
}

/// The most rows [`update_from_values_sql`]'s text is kept for: each count
/// is a text of its own, kept per thread for good (for a model of two
/// columns, 64 texts of up to a kilobyte).
const MEMO_ROWS: usize = 64;

/// The SQL of [`Model::list`]: ordered by `order`'s column (one the model
/// declares, else [`DbError::UnknownColumn`]), ties by id, `LIMIT $1`.
pub(crate) fn list_sql(
    table: &'static str,
    columns: &'static [Column],
    order: Order<'_>,
) -> Result<Arc<str>, DbError> {
    // The name that goes into the SQL is the constant found here, never
    // the caller's string.
    let declared = || std::iter::once("id").chain(columns.iter().map(|c| c.name));
    let column = declared()
        .find(|name| *name == order.column)
        .ok_or_else(|| DbError::UnknownColumn {
            table,
            column: order.column.to_string(),
            known: declared().collect(),
        })?;
    let key = (
        "list",
        table,
        columns.as_ptr(),
        Some((column, order.direction)),
        0,
    );
    Ok(memo(key, || {
        let direction = order.direction.sql();
        let mut sql = format!(
            "SELECT {} FROM {} ORDER BY {} {direction}",
            select_list(columns),
            quote(table),
            quote(column)
        );
        if column != "id" {
            sql.push_str(&format!(", {} {direction}", quote("id")));
        }
        sql.push_str(" LIMIT $1");
        sql
    }))
}

/// `rows`' ids (an error if one has none: nothing is written), and the
/// indexes into `rows` to write, sorted by id (stably: equal ids keep their
/// order), then one per id, the last given, as one by one would leave it.
/// What [`Model::update_many`] writes, on either engine, and
/// [`AsyncDb::update_many`](crate::AsyncDb::update_many) too.
pub(crate) fn update_order<M: Model>(rows: &[M]) -> Result<(Vec<i64>, Vec<usize>), DbError> {
    let ids = rows
        .iter()
        .map(|row| row.id().ok_or(DbError::NotSaved { table: M::TABLE }))
        .collect::<Result<Vec<i64>, DbError>>()?;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| ids[i]);
    order.dedup_by(|later, kept| {
        let same = ids[*later] == ids[*kept];
        if same {
            *kept = *later;
        }
        same
    });
    Ok((ids, order))
}

/// How many rows one `UPDATE ... FROM (VALUES ...)` may write: PostgreSQL
/// takes at most 65,535 parameters per statement, an id and the columns each.
pub(crate) fn rows_per_statement(columns: &[Column]) -> usize {
    65_535 / (columns.len() + 1)
}

/// A 404 unless the `wanted` rows of `table` were all `changed`.
pub(crate) fn all_changed(table: &str, changed: u64, wanted: usize) -> Result<(), DbError> {
    let wanted = wanted as u64;
    if changed < wanted {
        return Err(DbError::NotFound(format!(
            "{} of the {wanted} {table} rows to update do not exist",
            wanted - changed,
        )));
    }
    Ok(())
}

/// The model in `row`, the first row read by id `id`; a 404 naming the
/// id when there is none.
pub(crate) fn found<M: Model>(id: i64, row: Option<&Row>) -> Result<M, DbError> {
    match row {
        Some(row) => M::from_row(row),
        None => Err(not_found(M::TABLE, id)),
    }
}

pub(crate) fn not_found(table: &str, id: i64) -> DbError {
    DbError::NotFound(format!("no {table} row with id {id}"))
}

/// `"name"`: a table or column name, quoted so that a name which happens to
/// be an SQL keyword (`order`, `group`) still works.
///
/// # Panics
/// If `name` is not a plain identifier. Names come from a model's constants,
/// so a bad one is a bug in the program, found by its first query; the
/// check makes sure no name can end the quotes early.
fn quote(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    assert!(plain, "{name:?} is not a plain SQL identifier");
    format!("\"{name}\"")
}

/// `"a", "b"`.
fn column_list(columns: &[Column]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(c.name)).collect();
    names.join(", ")
}

/// `"id", "a", "b"`: what `from_row` reads.
fn select_list(columns: &[Column]) -> String {
    if columns.is_empty() {
        quote("id")
    } else {
        format!("{}, {}", quote("id"), column_list(columns))
    }
}

/// `$1, $2, $3`: PostgreSQL's placeholders, which SQLite reads too.
fn placeholders(numbers: std::ops::RangeInclusive<usize>) -> String {
    let marks: Vec<String> = numbers.map(|i| format!("${i}")).collect();
    marks.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::error::ConstraintKind;

    #[derive(Debug, Clone, PartialEq)]
    struct Note {
        id: Option<i64>,
        title: String,
        body: Option<String>,
        stars: i64,
    }

    impl Model for Note {
        const TABLE: &'static str = "notes";
        const COLUMNS: &'static [Column] = &[
            Column::new("title", "TEXT NOT NULL UNIQUE"),
            // `Option` in Rust, NOT NULL in SQL: so the test can send a NULL.
            Column::new("body", "TEXT NOT NULL"),
            Column::new("stars", "INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5)"),
        ];
        fn id(&self) -> Option<i64> {
            self.id
        }
        fn set_id(&mut self, id: i64) {
            self.id = Some(id);
        }
        fn to_params(&self) -> Vec<&dyn ToValue> {
            vec![&self.title, &self.body, &self.stars]
        }
        fn from_row(row: &Row) -> Result<Note, DbError> {
            Ok(Note {
                id: row.get("id")?,
                title: row.get("title")?,
                body: row.get("body")?,
                stars: row.get("stars")?,
            })
        }
    }

    fn note(title: &str, stars: i64) -> Note {
        Note {
            id: None,
            title: title.to_string(),
            body: Some(format!("about {title}")),
            stars,
        }
    }

    /// A database with the notes table, made from the model as
    /// `Migration::create_table` makes it.
    fn notes_db() -> crate::Database {
        let db = crate::Database::open_in_memory().unwrap();
        db.checkout()
            .unwrap()
            .execute_batch(&Note::create_table_sql(Engine::Sqlite))
            .unwrap();
        db
    }

    #[track_caller]
    fn constraint(result: Result<impl std::fmt::Debug, DbError>) -> ConstraintKind {
        match result {
            Err(DbError::Constraint { kind, .. }) => kind,
            other => panic!("expected a constraint error, got {other:?}"),
        }
    }

    #[test]
    fn create_table_quotes_every_name_and_adds_the_id() {
        assert_eq!(
            Note::create_table_sql(Engine::Sqlite),
            "CREATE TABLE \"notes\" (\n    \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,\n    \
             \"title\" TEXT NOT NULL UNIQUE,\n    \"body\" TEXT NOT NULL,\n    \
             \"stars\" INTEGER NOT NULL CHECK (stars BETWEEN 0 AND 5)\n)"
        );
    }

    #[test]
    fn only_the_id_column_is_written_per_engine() {
        let postgres = Note::create_table_sql(Engine::Postgres);
        assert!(
            postgres.starts_with(
                "CREATE TABLE \"notes\" (\n    \"id\" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            ),
            "{postgres}"
        );
        let tail = |sql: &str| sql.split_once(",\n").unwrap().1.to_string();
        assert_eq!(
            tail(&postgres),
            tail(&Note::create_table_sql(Engine::Sqlite))
        );
    }

    #[test]
    fn insert_sets_the_id_and_get_reads_the_row_back() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut first = note("a", 1);
        let mut second = note("b", 2);
        assert_eq!(first.insert(&conn).unwrap(), 1);
        assert_eq!(second.insert(&conn).unwrap(), 2);
        assert_eq!(second.id, Some(2));
        assert_eq!(Note::get(&conn, 2).unwrap(), second);
        let err = Note::get(&conn, 3).unwrap_err();
        assert_eq!(err.to_string(), "no notes row with id 3");
        assert_eq!(err.status().code(), 404);
    }

    #[test]
    fn values_are_bound_never_spliced_into_the_sql() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut evil = note("x'); DROP TABLE notes; --", 0);
        evil.insert(&conn).unwrap();
        let back = Note::get(&conn, evil.id.unwrap()).unwrap();
        assert_eq!(back.title, "x'); DROP TABLE notes; --");
        assert_eq!(Note::list(&conn, Order::asc("id"), 10).unwrap().len(), 1);
    }

    #[test]
    fn update_writes_every_column_and_delete_removes_the_row() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        let mut n = note("a", 1);
        n.insert(&conn).unwrap();
        n.stars = 5;
        n.body = Some("changed".into());
        n.update(&conn).unwrap();
        assert_eq!(Note::get(&conn, 1).unwrap(), n);
        Note::delete(&conn, 1).unwrap();
        assert_eq!(Note::delete(&conn, 1).unwrap_err().status().code(), 404);
        assert_eq!(n.update(&conn).unwrap_err().status().code(), 404);
        let unsaved = note("never inserted", 1).update(&conn).unwrap_err();
        assert!(matches!(unsaved, DbError::NotSaved { table: "notes" }));
        // AUTOINCREMENT: a deleted id is not handed out again.
        assert_eq!(note("b", 1).insert(&conn).unwrap(), 2);
    }

    #[test]
    fn list_orders_by_a_declared_column_with_ties_by_id_and_limits() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        for (title, stars) in [("c", 3), ("a", 5), ("d", 3), ("b", 1)] {
            note(title, stars).insert(&conn).unwrap();
        }
        let titles = |order: Order<'_>, limit: u32| -> Vec<String> {
            Note::list(&conn, order, limit)
                .unwrap()
                .into_iter()
                .map(|n| n.title)
                .collect()
        };
        assert_eq!(titles(Order::asc("title"), 10), ["a", "b", "c", "d"]);
        assert_eq!(titles(Order::desc("title"), 2), ["d", "c"]);
        assert_eq!(titles(Order::desc("stars"), 10), ["a", "d", "c", "b"]);
        assert_eq!(titles(Order::asc("stars"), 10), ["b", "c", "d", "a"]);
        assert_eq!(titles(Order::desc("id"), 1), ["b"]);
        assert!(titles(Order::asc("id"), 0).is_empty());
    }

    #[test]
    fn all_reads_every_row() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        assert!(Note::all(&conn).unwrap().is_empty());
        for (title, stars) in [("c", 3), ("a", 5), ("b", 1)] {
            note(title, stars).insert(&conn).unwrap();
        }
        let mut titles: Vec<String> = Note::all(&conn)
            .unwrap()
            .into_iter()
            .map(|n| n.title)
            .collect();
        titles.sort();
        assert_eq!(titles, ["a", "b", "c"]);
    }

    #[test]
    fn the_update_of_many_rows_is_kept_per_count_and_made_afresh_past_the_limit() {
        let text = |rows: usize| update_from_values_sql(Note::TABLE, Note::COLUMNS, rows);
        // Kept: the same text, the same allocation.
        assert!(Arc::ptr_eq(&text(2), &text(2)));
        // An id and three columns a row.
        assert!(
            text(2).contains("($1, $2, $3, $4), ($5, $6, $7, $8))"),
            "{}",
            text(2)
        );
        assert!(text(3).contains("($9, $10, $11, $12))"), "{}", text(3));
        // Past the limit: made each time, and still right.
        let big = text(MEMO_ROWS + 1);
        assert!(!Arc::ptr_eq(&big, &text(MEMO_ROWS + 1)));
        let last = 4 * (MEMO_ROWS + 1);
        assert!(big.contains(&format!("${}, ${last})", last - 1)), "{big}");
        assert!(!big.contains(&format!("${}", last + 1)));
    }

    #[test]
    fn list_refuses_a_column_the_model_does_not_declare() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        for column in ["nope", "title; DROP TABLE notes", "TITLE", "\"title\"", ""] {
            let err = Note::list(&conn, Order::asc(column), 10).unwrap_err();
            assert!(
                matches!(&err, DbError::UnknownColumn { column: c, .. } if c == column),
                "{column:?}: {err:?}"
            );
            assert_eq!(err.status().code(), 400);
        }
        let err = Note::list(&conn, Order::desc("nope"), 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot order notes by \"nope\": the columns are id, title, body, stars"
        );
    }

    #[test]
    fn constraints_become_their_kind() {
        let db = notes_db();
        let conn = db.checkout().unwrap();
        note("a", 1).insert(&conn).unwrap();
        assert_eq!(
            constraint(note("a", 2).insert(&conn)),
            ConstraintKind::Unique
        );
        assert_eq!(
            constraint(note("b", 9).insert(&conn)),
            ConstraintKind::Check
        );
        let mut no_body = note("c", 1);
        no_body.body = None;
        assert_eq!(constraint(no_body.insert(&conn)), ConstraintKind::NotNull);
        assert_eq!(no_body.id, None, "a refused insert sets no id");
        let mut b = note("b", 1);
        b.insert(&conn).unwrap();
        b.title = "a".into();
        assert_eq!(constraint(b.update(&conn)), ConstraintKind::Unique);
    }

    #[test]
    fn a_statements_text_is_built_once_and_a_model_sharing_the_table_gets_its_own() {
        let first = get_sql(Note::TABLE, Note::COLUMNS);
        assert_eq!(
            &*first,
            r#"SELECT "id", "title", "body", "stars" FROM "notes" WHERE "id" = $1"#
        );
        assert!(Arc::ptr_eq(&first, &get_sql(Note::TABLE, Note::COLUMNS)));
        // A narrower model of the same table: its own text.
        const TITLES: &[Column] = &[Column::new("title", "TEXT NOT NULL")];
        assert_eq!(
            &*get_sql(Note::TABLE, TITLES),
            r#"SELECT "id", "title" FROM "notes" WHERE "id" = $1"#
        );
        // Each order of a list is a text of its own.
        let by_stars = list_sql(Note::TABLE, Note::COLUMNS, Order::desc("stars")).unwrap();
        let by_id = list_sql(Note::TABLE, Note::COLUMNS, Order::asc("id")).unwrap();
        assert!(by_stars.contains(r#"ORDER BY "stars" DESC, "id" DESC LIMIT $1"#));
        assert!(by_id.contains(r#"ORDER BY "id" ASC LIMIT $1"#));
    }

    #[test]
    #[should_panic(expected = "is not a plain SQL identifier")]
    fn a_name_that_could_end_its_quotes_is_refused() {
        quote("notes\" (x); --");
    }
}
