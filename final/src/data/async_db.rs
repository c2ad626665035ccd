//! `req.db_async()?`: the database as an async handler
//! ([`Route::get_async`](crate::Route::get_async)) reaches it.
//!
//! On an event loop with a PostgreSQL database, an [`AsyncDb`] is the
//! loop's own connection (`pg_link.rs`): a statement is queued, the handler
//! gives way, and the loop writes every queued statement in one `send` and
//! resumes each handler when its rows come. Anywhere else (SQLite, whose
//! statements are function calls; a test calling
//! [`App::handle`](crate::App::handle); a loop whose connection is being
//! made again) it is the app's pool, and the future runs the statement on a
//! pooled connection when first polled: the same handler works everywhere.
//!
//! Every call returns a `Send + 'static` future that owns what it needs
//! (the SQL, the values already converted): nothing borrowed is held
//! across the `.await`.

use std::future::Future;
use std::sync::Arc;

use crate::data::error::DbError;
use crate::data::model::{
    Model, Order, all_changed, all_sql, found, get_sql, list_sql, rows_per_statement,
    update_from_values_sql, update_order,
};
use crate::data::pg_link::LinkShared;
use crate::data::pool::Database;
use crate::data::row::Row;
use crate::data::value::{ToValue, Value};
use crate::http::request::Request;

/// The database, for an async handler; see [`Request::db_async`].
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use httprs::{App, Database, DbError, Request, Response};
///
/// async fn word(req: Arc<Request>) -> Result<Response, DbError> {
///     let row = req.db_async()?.query_one("SELECT word FROM t WHERE id = $1", &[&1]).await?;
///     Ok(Response::text(row.get::<String>("word")?))
/// }
///
/// let db = Database::open_in_memory().unwrap();
/// db.checkout().unwrap().execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, word TEXT);
///     INSERT INTO t VALUES (1, 'hello');").unwrap();
/// let app = App::new().state(db).get_async("/word", word);
/// assert_eq!(app.handle(httprs::Request::new("GET", "/word")).body(), b"hello");
/// ```
#[derive(Clone)]
pub struct AsyncDb {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    /// The event loop's PostgreSQL connection.
    Link(Arc<LinkShared>),
    /// The app's pool: a statement runs on a checked-out connection.
    Pool(Database),
}

impl std::fmt::Debug for AsyncDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner {
            Inner::Link(_) => "AsyncDb(the event loop's connection)",
            Inner::Pool(_) => "AsyncDb(the pool)",
        })
    }
}

impl AsyncDb {
    /// The loop's connection, as the loop puts it on a request.
    pub(crate) fn link(shared: Arc<LinkShared>) -> AsyncDb {
        AsyncDb {
            inner: Inner::Link(shared),
        }
    }

    /// The rows `sql` gives, with `params` bound to `$1, $2, ...`.
    ///
    /// # Errors
    /// As [`Connection::query`](crate::Connection::query); a connection lost
    /// is [`DbError::Busy`] (503).
    pub fn query(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send + 'static + use<> {
        self.run(sql.into(), params)
    }

    /// [`AsyncDb::query`] of a text already shared (a model's statement,
    /// built once and kept: `model.rs`), not copied again.
    fn run(
        &self,
        sql: Arc<str>,
        params: &[&dyn ToValue],
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send + 'static + use<> {
        let values: Vec<Value> = params.iter().map(|p| p.to_value()).collect();
        let inner = self.inner.clone();
        // Boxed: the client's futures inside are over a kilobyte, and an
        // `async` caller that awaits this moves it into its own state (and
        // that into its caller's): a pointer moves for free. Measured on
        // TechEmpower's `/fortunes`: unboxed, 5% of the loop's time went to
        // copying futures.
        Box::pin(async move {
            match inner {
                Inner::Link(link) => link.query(&sql, values).await,
                Inner::Pool(db) => {
                    let params: Vec<&dyn ToValue> =
                        values.iter().map(|v| v as &dyn ToValue).collect();
                    db.checkout()?.query(&sql, &params)
                }
            }
        })
    }

    /// The first row `sql` gives.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if it gives none; else as [`AsyncDb::query`].
    pub fn query_one(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> impl Future<Output = Result<Row, DbError>> + Send + 'static + use<> {
        let rows = self.query(sql, params);
        async move {
            rows.await?
                .into_iter()
                .next()
                .ok_or_else(|| DbError::NotFound("the query returned no row".to_string()))
        }
    }

    /// The row of model `M` with this id: [`Model::get`], awaited.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) if there is none.
    pub fn get<M: Model + Send + 'static>(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<M, DbError>> + Send + 'static + use<M> {
        let rows = self.run(get_sql(M::TABLE, M::COLUMNS), &[&id]);
        async move { found(id, rows.await?.first()) }
    }

    /// Every row of model `M`, in no particular order: [`Model::all`], awaited.
    ///
    /// # Errors
    /// As [`Model::all`].
    pub fn all<M: Model + Send + 'static>(
        &self,
    ) -> impl Future<Output = Result<Vec<M>, DbError>> + Send + 'static + use<M> {
        let rows = self.run(all_sql(M::TABLE, M::COLUMNS), &[]);
        async move { rows.await?.iter().map(M::from_row).collect() }
    }

    /// Up to `limit` rows of model `M`, sorted by `order`: [`Model::list`], awaited.
    ///
    /// # Errors
    /// [`DbError::UnknownColumn`] (400) if `order` names a column `M` does
    /// not declare.
    pub fn list<M: Model + Send + 'static>(
        &self,
        order: Order<'_>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<M>, DbError>> + Send + 'static + use<M> {
        let rows =
            list_sql(M::TABLE, M::COLUMNS, order).map(|sql| self.run(sql, &[&i64::from(limit)]));
        async move { rows?.await?.iter().map(M::from_row).collect() }
    }

    /// The rows with these ids, in their order: [`Model::get_many`] for an
    /// async handler. On the event loop's connection each id is read by a
    /// statement of its own, all sent together with the loop's other
    /// requests' statements, in one `send`: one round trip for the lot.
    ///
    /// # Errors
    /// [`DbError::NotFound`] (404) naming the first id with no row.
    pub fn get_many<M: Model + Send + 'static>(
        &self,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<M>, DbError>> + Send + 'static + use<M> {
        let ids = ids.to_vec();
        let inner = self.inner.clone();
        Box::pin(async move {
            let link = match inner {
                Inner::Link(link) => link,
                Inner::Pool(db) => return M::get_many(&*db.checkout()?, &ids),
            };
            // Values, which fit the column's type (an `i64` is only an `INT8`).
            let values: Vec<Value> = ids.iter().map(|id| id.to_value()).collect();
            let answers = link
                .first_of_each(&get_sql(M::TABLE, M::COLUMNS), &values)
                .await?;
            ids.iter()
                .zip(answers)
                .map(|(id, row)| found(*id, row.as_ref()))
                .collect()
        })
    }

    /// Writes every column of each row back, by id, and gives the rows
    /// back: [`Model::update_many`] for an async handler. On the event
    /// loop's connection, one `UPDATE ... FROM (VALUES ...)`, its rows
    /// sorted by id; it holds no transaction, so at most
    /// 65,535 / (columns + 1) distinct rows (more is an error: write them
    /// with a pooled connection, `req.db()`, in a transaction).
    ///
    /// # Errors
    /// As [`Model::update_many`]: [`DbError::NotSaved`] if a row has no id,
    /// before anything is written; [`DbError::NotFound`] (404) if some ids
    /// have no row (the others are written); [`DbError::Constraint`] for a
    /// refused value (then nothing is written).
    pub fn update_many<M: Model + Send + 'static>(
        &self,
        rows: Vec<M>,
    ) -> impl Future<Output = Result<Vec<M>, DbError>> + Send + 'static + use<M> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let link = match inner {
                Inner::Link(link) => link,
                Inner::Pool(db) => return M::update_many(&*db.checkout()?, &rows).map(|()| rows),
            };
            let (ids, order) = update_order(&rows)?;
            if M::COLUMNS.is_empty() {
                // Nothing to write; but a missing row is still a 404.
                let ids: Vec<i64> = order.iter().map(|&i| ids[i]).collect();
                AsyncDb::link(link).get_many::<M>(&ids).await?;
                return Ok(rows);
            }
            let most = rows_per_statement(M::COLUMNS);
            if order.len() > most {
                return Err(DbError::Value(format!(
                    "{} {} rows are more than one statement writes ({most}); on the event \
                     loop's shared connection there is no transaction to write them in: \
                     use a pooled connection (`req.db()`)",
                    order.len(),
                    M::TABLE
                )));
            }
            let sql = update_from_values_sql(M::TABLE, M::COLUMNS, order.len());
            let mut values = Vec::with_capacity(order.len() * (M::COLUMNS.len() + 1));
            for &i in &order {
                values.push(ids[i].to_value());
                values.extend(rows[i].to_params().iter().map(|p| p.to_value()));
            }
            let changed = link.execute(&sql, values).await?;
            all_changed(M::TABLE, changed, order.len())?;
            Ok(rows)
        })
    }
}

impl Request {
    /// The database, for an async handler
    /// ([`Route::get_async`](crate::Route::get_async)): the event loop's
    /// own PostgreSQL connection when the request is answered on one, the
    /// app's pool otherwise.
    ///
    /// # Errors
    /// [`DbError::NotConfigured`] if the app has no database.
    pub fn db_async(&self) -> Result<AsyncDb, DbError> {
        if let Some(db) = self.extensions().get::<AsyncDb>() {
            return Ok(db.clone());
        }
        let db = self.state::<Database>().ok_or(DbError::NotConfigured)?;
        Ok(AsyncDb {
            inner: Inner::Pool(db.clone()),
        })
    }
}
