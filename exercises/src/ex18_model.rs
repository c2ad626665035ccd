//! # Exercise 18: a row to a struct, and back
//!
//! Chapter 11 of `TUTORIAL.md` stores the guestbook's entries in SQLite
//! through a `Model` trait: a struct says which table it lives in and which
//! columns it has, and how to cross the border in each direction. The
//! trait's helpers then write the SQL. Your bookshop keeps its books the
//! same way, in this table:
//!
//! ```sql
//! CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
//!                     year INTEGER NOT NULL, note TEXT)
//! ```
//!
//! Three pieces are missing:
//!
//! 1. [`insert_sql`], the `INSERT` for any model, built from its constants:
//!    `INSERT INTO "books" ("title", "year", "note") VALUES (?1, ?2, ?3)`.
//!    Names in double quotes; values NEVER in the text, only numbered
//!    placeholders, so that a title like `x'); DROP TABLE books; --` is
//!    stored as a title and nothing more.
//! 2. `Book::from_row`: read a row (it has `id` and every column) into a
//!    `Book`, by column name. A `NULL` note is `None`. A value that does not
//!    fit (text in `year`) must come back as an `Err`, never a panic.
//! 3. `Book::to_params`: the values of `COLUMNS`, in the same order.
//!
//! [`insert`] and [`all`] are written for you: read them, they are what
//! uses your three pieces.
//!
//! The tests (`tests/ex18_model.rs`) check the SQL text for books and for
//! another model, a round trip through a real SQLite database in memory,
//! `NULL`s, an injection attempt stored verbatim, and a row that does not
//! fit.
//!
//! Check it with `cargo run -p exercises -- check ex18_model`.
//!
//! ## 中文说明
//!
//! ### 练习 18：从行到结构体，再回到行
//!
//! `TUTORIAL.zh-CN.md` 第 11 章借助一个 `Model` trait（模型，model）把留言板的留言存进
//! SQLite：一个结构体说明它存放在哪张表里、有哪些列，以及在两个方向上如何跨越这道边界。
//! 然后由这个 trait 的辅助函数来写 SQL。你的书店也用同样的方式保存它的书，
//! 表就是上面这张 `books`。
//!
//! 缺了三块：
//!
//! 1. [`insert_sql`]：适用于任何模型的 `INSERT` 语句，由模型的常量构建：
//!    `INSERT INTO "books" ("title", "year", "note") VALUES (?1, ?2, ?3)`。
//!    名字放在双引号里；值**绝不**出现在 SQL 文本中，只用编号的占位符（参数化查询，
//!    parameterized query），这样像 `x'); DROP TABLE books; --` 这样的书名只会作为书名存下来，
//!    仅此而已。
//! 2. `Book::from_row`：按列名把一行（它包含 `id` 和每一列）读成一个 `Book`。
//!    `NULL` 的 note 是 `None`。放不进字段的值（`year` 里的文本）必须以 `Err` 返回，
//!    绝不能 panic。
//! 3. `Book::to_params`：`COLUMNS` 中各列的值，顺序相同。
//!
//! [`insert`] 和 [`all`] 已经为你写好了：读一读它们，用到你这三块代码的正是它们。
//!
//! 测试（`tests/ex18_model.rs`）检查：书和另一个模型的 SQL 文本、在内存中的真实 SQLite
//! 数据库里走一个来回、`NULL` 值、一次被原样存下来的注入尝试，以及一个放不进结构体的行。
//!
//! 用 `cargo run -p exercises -- check ex18_model` 检查。

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

/// A struct stored as one row of a table with an `id INTEGER PRIMARY KEY`.
pub trait Model: Sized {
    /// The table's name.
    const TABLE: &'static str;
    /// The columns besides `id`, in the order `to_params` gives their values.
    const COLUMNS: &'static [&'static str];
    /// Reads a row holding `id` and every column.
    fn from_row(row: &Row) -> rusqlite::Result<Self>;
    /// The values of `COLUMNS`, in order, to bind as parameters.
    fn to_params(&self) -> Vec<&dyn ToSql>;
}

/// `INSERT INTO "TABLE" ("col1", "col2") VALUES (?1, ?2)` for `M`.
pub fn insert_sql<M: Model>() -> String {
    // TODO: quote `M::TABLE` and each of `M::COLUMNS` in double quotes, join
    // the columns with ", ", and write one placeholder `?N` per column,
    // numbered from 1.
    todo!()
}

/// `SELECT "id", "col1", "col2" FROM "TABLE" ORDER BY "id"` for `M`.
pub fn select_all_sql<M: Model>() -> String {
    let mut names = vec!["\"id\"".to_string()];
    names.extend(M::COLUMNS.iter().map(|c| format!("\"{c}\"")));
    format!(
        "SELECT {} FROM \"{}\" ORDER BY \"id\"",
        names.join(", "),
        M::TABLE
    )
}

/// Inserts `value` and returns the id SQLite gave it.
pub fn insert<M: Model>(conn: &Connection, value: &M) -> rusqlite::Result<i64> {
    // The SQL text holds placeholders; the values travel beside it.
    conn.execute(
        &insert_sql::<M>(),
        rusqlite::params_from_iter(value.to_params()),
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every row of `M`'s table, by id.
pub fn all<M: Model>(conn: &Connection) -> rusqlite::Result<Vec<M>> {
    let mut stmt = conn.prepare(&select_all_sql::<M>())?;
    let rows = stmt.query_map([], |row| M::from_row(row))?;
    rows.collect()
}

/// A book of the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    /// `None` until it is stored.
    pub id: Option<i64>,
    /// Its title.
    pub title: String,
    /// The year it came out.
    pub year: i64,
    /// What the shop says about it, if anything (`NULL` in the table).
    pub note: Option<String>,
}

impl Model for Book {
    const TABLE: &'static str = "books";
    const COLUMNS: &'static [&'static str] = &["title", "year", "note"];

    // TODO: remove this `allow` once you use `row`.
    #[allow(unused_variables)]
    fn from_row(row: &Row) -> rusqlite::Result<Book> {
        // TODO: `row.get("id")?` reads a column by name into whatever type
        // the field has: i64, String, Option<...>.
        todo!()
    }

    fn to_params(&self) -> Vec<&dyn ToSql> {
        // TODO: a reference to each field of COLUMNS, in the same order.
        todo!()
    }
}
