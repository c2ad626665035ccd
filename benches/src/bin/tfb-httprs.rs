//! httprs answering TechEmpower's six test types (benches/tfb.sh runs it
//! beside axum and actix-web): `/plaintext`, `/json`, `/db`,
//! `/queries?queries=N`, `/fortunes`, `/updates?queries=N`.
//!
//! Written as an application would write it, with the framework's own
//! parts: the data layer's [`Model`]s for every row read and written,
//! every route that reads one an async handler on the event loop's own
//! connection (`get_many` sends the reads together, `update_many` batches
//! the writes, as the docs' "fast path" tells an app to), `Response::json` for
//! JSON, and for the fortunes page a template compiled with the app
//! (`Response::page`, askama; HTML-escaped, from `tfb/templates`), as the
//! docs' fast path says. Nothing here is tuned for the
//! benchmark; where httprs is slow, the fix belongs in the framework.
//!
//! The database is the `database` setting, as in any httprs app:
//! `HTTPRS_DATABASE=postgres://...` for PostgreSQL, a file path for SQLite.
//! The `world` and `fortune` tables must exist and be filled (the script
//! does it, the same rows for every framework). `--addr` as usual.

use std::cell::Cell;
use std::sync::Arc;

use httprs::askama::Template;
use httprs::{App, Column, DbError, Model, Request, Response, Row, ToValue};
use serde::Serialize;

/// The most rows `/queries` and `/updates` read per request, as the rules say.
const MAX_QUERIES: i64 = 500;

/// One row of `world`: an id in 1..=10000 and a random number in the same range.
#[derive(Debug, Serialize)]
struct World {
    id: i64,
    #[serde(rename = "randomNumber")]
    random_number: i64,
}

impl Model for World {
    const TABLE: &'static str = "world";
    const COLUMNS: &'static [Column] = &[Column::new("randomnumber", "INTEGER NOT NULL")];

    fn id(&self) -> Option<i64> {
        Some(self.id)
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn to_params(&self) -> Vec<&dyn ToValue> {
        vec![&self.random_number]
    }
    fn from_row(row: &Row) -> Result<World, DbError> {
        Ok(World {
            id: row.get("id")?,
            random_number: row.get("randomnumber")?,
        })
    }
}

/// One row of `fortune`.
#[derive(Debug)]
struct Fortune {
    id: i64,
    message: String,
}

impl Model for Fortune {
    const TABLE: &'static str = "fortune";
    const COLUMNS: &'static [Column] = &[Column::new("message", "TEXT NOT NULL")];

    fn id(&self) -> Option<i64> {
        Some(self.id)
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn to_params(&self) -> Vec<&dyn ToValue> {
        vec![&self.message]
    }
    fn from_row(row: &Row) -> Result<Fortune, DbError> {
        Ok(Fortune {
            id: row.get("id")?,
            message: row.get("message")?,
        })
    }
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// The fortunes page: `tfb/templates/fortunes.html`, compiled with this
/// binary (the folder is named in `tfb/askama.toml`).
#[derive(Template)]
#[template(path = "fortunes.html", config = "tfb/askama.toml", askama = httprs::askama)]
struct FortunesPage {
    fortunes: Vec<Fortune>,
}

thread_local! {
    /// Each worker's xorshift state: random ids need no quality beyond
    /// spreading over the table, and no lock between workers.
    static RANDOM: Cell<u64> = Cell::new(seed());
}

/// A seed that differs per thread and per run: std's random hasher keys.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        | 1
}

/// A random number in 1..=10000.
fn random_id() -> i64 {
    RANDOM.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x % 10_000) as i64 + 1
    })
}

/// `?queries=N` clamped to 1..=500; missing or not a number is 1.
fn queries(req: &Request) -> usize {
    let n = req
        .query("queries")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(1);
    n.clamp(1, MAX_QUERIES) as usize
}

fn plaintext(_: &Request) -> Response {
    Response::text("Hello, World!")
}

fn json(_: &Request) -> Response {
    Response::json(&Message {
        message: "Hello, World!",
    })
}

/// Async: the event loop's own connection carries the query, with those
/// of the loop's other requests (`Route::get_async`, docs/database.md).
async fn db(req: Arc<Request>) -> Result<Response, DbError> {
    let world: World = req.db_async()?.get(random_id()).await?;
    Ok(Response::json(&world))
}

/// `n` random ids: each is read by its own query, as the rules say.
fn random_ids(n: usize) -> Vec<i64> {
    (0..n).map(|_| random_id()).collect()
}

/// Async, as `/db`: one query per row, all sent together (with the loop's
/// other requests' statements), one round trip for the lot.
async fn many(req: Arc<Request>) -> Result<Response, DbError> {
    let ids = random_ids(queries(&req));
    let worlds: Vec<World> = req.db_async()?.get_many(&ids).await?;
    Ok(Response::json(&worlds))
}

/// Async, as `/db`.
async fn fortunes(req: Arc<Request>) -> Result<Response, DbError> {
    let mut fortunes: Vec<Fortune> = req.db_async()?.all().await?;
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".to_string(),
    });
    fortunes.sort_by(|a, b| a.message.cmp(&b.message));
    Ok(Response::page(&FortunesPage { fortunes }))
}

/// Async too: the reads as in `/queries`, then one statement writes them
/// all (the rules allow a batch update).
async fn updates(req: Arc<Request>) -> Result<Response, DbError> {
    let db = req.db_async()?;
    let ids = random_ids(queries(&req));
    let mut worlds: Vec<World> = db.get_many(&ids).await?;
    for world in &mut worlds {
        world.random_number = random_id();
    }
    let worlds = db.update_many(worlds).await?;
    Ok(Response::json(&worlds))
}

fn main() {
    App::new()
        .database([])
        .get("/plaintext", plaintext)
        .get("/json", json)
        // Async, so the event loop's connection carries their statements,
        // with those of the loop's other requests.
        .get_async("/db", db)
        .get_async("/queries", many)
        .get_async("/fortunes", fortunes)
        .get_async("/updates", updates)
        .bind("127.0.0.1:8080")
        .run();
}
