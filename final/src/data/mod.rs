//! The data layer, httppy's grown up: SQLite through a bounded pool, models
//! mapped to tables, migrations applied before the server listens.
//!
//! | file | concept |
//! |---|---|
//! | `pool.rs` | [`Database`](crate::Database): a bounded pool of connections, set up for a server |
//! | `error.rs` | [`DbError`](crate::DbError): every failure, and the response it becomes |
//! | `request.rs` | [`Request::db`](crate::Request::db): a handler borrows a connection |
//! | `model.rs` | [`Model`](crate::Model): a struct mapped to a table, with bound parameters |
//! | `migrate.rs` | [`Migration`](crate::Migration): schema changes applied once each, in order |

pub(crate) mod error;
pub(crate) mod migrate;
pub(crate) mod model;
pub(crate) mod pool;
pub(crate) mod request;
