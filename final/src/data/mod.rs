//! The data layer, httppy's grown up: SQLite or PostgreSQL through a bounded
//! pool, values of one type for both, models mapped to tables, migrations
//! applied before the server listens.
//!
//! | file | concept |
//! |---|---|
//! | `pool.rs` | [`Database`](crate::Database): a bounded pool of connections, set up for a server |
//! | `connection.rs` | [`Connection`](crate::Connection): `execute`, `query`, `query_pipelined`, `transaction`, on either engine |
//! | `value.rs` | [`Value`](crate::Value), [`ToValue`](crate::ToValue), [`FromValue`](crate::FromValue): values in and out, and why one did not convert |
//! | `row.rs` | [`Row`](crate::Row): a result's row, read by column name |
//! | `sqlite.rs` | SQLite: a connection set up for a server, `$N` bound by number, its error codes sorted |
//! | `postgres.rs` | PostgreSQL: an asynchronous client under a blocking API, its prepared statements, pipelining, values typed by column, its SQLSTATEs sorted |
//! | `error.rs` | [`DbError`](crate::DbError): every failure, and the response it becomes |
//! | `pg_link.rs` | one PostgreSQL connection per event loop, in the loop's poll: async handlers' statements, many requests' in one `send` |
//! | `async_db.rs` | [`AsyncDb`](crate::AsyncDb), [`Request::db_async`](crate::Request::db_async): the database as an async handler awaits it |
//! | `request_db.rs` | [`Request::db`](crate::Request::db): a handler borrows a connection |
//! | `model.rs` | [`Model`](crate::Model): a struct mapped to a table, with bound parameters; `get_many`, `update_many` |
//! | `migrate.rs` | [`Migration`](crate::Migration): schema changes applied once each, in order, under a lock |

pub(crate) mod async_db;
pub(crate) mod connection;
pub(crate) mod error;
pub(crate) mod migrate;
pub(crate) mod model;
pub(crate) mod pg_link;
pub(crate) mod pool;
pub(crate) mod postgres;
pub(crate) mod request_db;
pub(crate) mod row;
pub(crate) mod sqlite;
pub(crate) mod value;
