//! What the two peers share: the rows, one PostgreSQL connection per worker
//! with its statements prepared at start, the fortunes page, the `queries`
//! parameter. Each peer's TechEmpower entry has the same pieces (a `db.rs`,
//! a `models.rs`, a template): written once here so that axum and actix-web
//! differ only in what is theirs, the server and the routing.
//!
//! As in those entries: one connection per worker thread, never shared
//! between threads, so no pool and no lock; the queries of one request
//! are sent together (tokio-postgres pipelines them on the connection);
//! the updates of one request are one `UPDATE ... FROM (VALUES ...)`.

use std::cell::RefCell;
use std::fmt::Write;

use futures_util::future::try_join_all;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio_postgres::{Client, NoTls, Statement};

/// The most rows one request of `/queries` or `/updates` reads.
pub const MAX_QUERIES: usize = 500;

/// One row of `world`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct World {
    pub id: i32,
    #[serde(rename = "randomNumber")]
    pub random_number: i32,
}

/// One row of `fortune`.
#[derive(Debug, Clone)]
pub struct Fortune {
    pub id: i32,
    pub message: String,
}

/// `{"message":"Hello, World!"}`, serialised per request as the rules ask.
#[derive(Serialize)]
pub struct Message {
    pub message: &'static str,
}

/// `?queries=N` clamped to 1..=500; a missing or non-numeric value is 1.
pub fn queries_param(query: Option<&str>) -> usize {
    let value = query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("queries="))
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(1);
    value.clamp(1, MAX_QUERIES as i64) as usize
}

thread_local! {
    static RNG: RefCell<SmallRng> = RefCell::new(SmallRng::from_os_rng());
}

/// A random id (or random number) in 1..=10000.
pub fn random_id() -> i32 {
    RNG.with(|rng| rng.borrow_mut().random_range(1..=10_000))
}

/// One worker's connection, with every statement it runs prepared.
pub struct PgConnection {
    client: Client,
    world: Statement,
    fortune: Statement,
    /// `updates[n - 1]` writes n rows at once.
    updates: Vec<Statement>,
}

impl PgConnection {
    /// Connects to `url` and prepares the statements; the connection's task
    /// runs on the calling thread's runtime.
    pub async fn connect(url: &str) -> PgConnection {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .unwrap_or_else(|err| panic!("cannot connect to {url}: {err}"));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                eprintln!("database connection: {err}");
            }
        });
        let world = client
            .prepare("SELECT id, randomnumber FROM world WHERE id = $1")
            .await
            .unwrap();
        let fortune = client
            .prepare("SELECT id, message FROM fortune")
            .await
            .unwrap();
        let mut updates = Vec::with_capacity(MAX_QUERIES);
        for n in 1..=MAX_QUERIES {
            updates.push(client.prepare(&update_sql(n)).await.unwrap());
        }
        PgConnection {
            client,
            world,
            fortune,
            updates,
        }
    }

    /// The row with a random id.
    pub async fn world(&self) -> Result<World, tokio_postgres::Error> {
        let row = self.client.query_one(&self.world, &[&random_id()]).await?;
        Ok(World {
            id: row.get(0),
            random_number: row.get(1),
        })
    }

    /// `n` rows with random ids, their queries pipelined.
    pub async fn worlds(&self, n: usize) -> Result<Vec<World>, tokio_postgres::Error> {
        try_join_all((0..n).map(|_| self.world())).await
    }

    /// `n` random rows, each given a new random number, written back in one statement.
    pub async fn update(&self, n: usize) -> Result<Vec<World>, tokio_postgres::Error> {
        let mut worlds = self.worlds(n).await?;
        for world in &mut worlds {
            world.random_number = random_id();
        }
        // Sorted by id, as the entries do, so that two requests updating the
        // same rows lock them in the same order and never deadlock.
        let mut sorted = worlds.clone();
        sorted.sort_by_key(|w| w.id);
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::with_capacity(2 * n);
        for world in &sorted {
            params.push(&world.id);
            params.push(&world.random_number);
        }
        self.client.execute(&self.updates[n - 1], &params).await?;
        Ok(worlds)
    }

    /// Every fortune, the one added at request time, sorted by message.
    pub async fn fortunes(&self) -> Result<Vec<Fortune>, tokio_postgres::Error> {
        let rows = self.client.query(&self.fortune, &[]).await?;
        let mut fortunes: Vec<Fortune> = rows
            .iter()
            .map(|row| Fortune {
                id: row.get(0),
                message: row.get(1),
            })
            .collect();
        fortunes.push(Fortune {
            id: 0,
            message: "Additional fortune added at request time.".to_string(),
        });
        fortunes.sort_by(|a, b| a.message.cmp(&b.message));
        Ok(fortunes)
    }
}

/// `UPDATE world SET randomnumber = v.r FROM (VALUES ($1, $2), ...) AS v (id, r) WHERE world.id = v.id`.
fn update_sql(n: usize) -> String {
    let mut sql = String::from("UPDATE world SET randomnumber = v.r FROM (VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        write!(sql, "(${}::int, ${}::int)", 2 * i + 1, 2 * i + 2).unwrap();
    }
    sql.push_str(") AS v (id, r) WHERE world.id = v.id");
    sql
}

/// The fortunes page, as the entries' templates write it: no whitespace
/// between tags, each message HTML-escaped.
pub fn fortunes_html(fortunes: &[Fortune]) -> String {
    let mut html = String::with_capacity(2048);
    html.push_str("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>");
    for fortune in fortunes {
        write!(html, "<tr><td>{}</td><td>", fortune.id).unwrap();
        escape_into(&mut html, &fortune.message);
        html.push_str("</td></tr>");
    }
    html.push_str("</table></body></html>");
    html
}

/// HTML escaping of text: the five characters that can end text or an attribute.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// How many worker threads: one per core, as the entries run.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `--addr ADDR` and `--database URL` from the command line.
pub fn args() -> (String, String) {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut database = "postgres://benchmarkdbuser@127.0.0.1/hello_world".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value"),
            "--database" => database = args.next().expect("--database needs a value"),
            other => panic!("unknown argument {other}; expected --addr ADDR --database URL"),
        }
    }
    (addr, database)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_clamped_and_default_to_one() {
        assert_eq!(queries_param(None), 1);
        assert_eq!(queries_param(Some("queries=foo")), 1);
        assert_eq!(queries_param(Some("queries=0")), 1);
        assert_eq!(queries_param(Some("queries=20")), 20);
        assert_eq!(queries_param(Some("queries=501")), 500);
    }
}
