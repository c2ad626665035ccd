//! The reference server for httprs's performance figures: a minimal hyper 1.x
//! hello world on tokio's multi-threaded runtime, HTTP/1 only.
//!
//! ```text
//! cargo run --release -p benches --bin hyper_hello -- --addr 127.0.0.1:7878
//! ```
//!
//! It answers `Hello, world!` on any path, with keep-alive, as hyper does by
//! default. Nothing is tuned: this is what a Rust user gets from hyper's own
//! "hello" example, which is the fair thing to compare a framework with.
//!
//! `GET /sleep` waits 10 ms before answering, for the benches' slow workload,
//! the way a tokio program waits: `tokio::time::sleep`, which parks the task
//! and frees the thread for other connections. The httprs servers sleep a
//! *thread* instead, as a blocking database call would. So that row compares
//! an async wait with a blocking one: it shows what async buys on waiting,
//! not what hyper would do with a blocking call (it would need
//! `spawn_blocking`, a thread pool again).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// How long `GET /sleep` waits: the same 10 ms as the other servers' `/sleep`.
const SLEEP: Duration = Duration::from_millis(10);

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() == "/sleep" {
        tokio::time::sleep(SLEEP).await;
        return Ok(Response::new(Full::new(Bytes::from_static(
            b"Slept, and answered.\n",
        ))));
    }
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

/// `--addr HOST:PORT` or `--addr=HOST:PORT`; default 127.0.0.1:7878.
fn addr_from_args() -> SocketAddr {
    let mut addr = "127.0.0.1:7878".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if let Some(value) = arg.strip_prefix("--addr=") {
            addr = value.to_string();
        } else if arg == "--addr" {
            addr = args.next().unwrap_or_else(|| {
                eprintln!("error: --addr needs a value HOST:PORT");
                std::process::exit(2);
            });
        } else {
            eprintln!("usage: hyper_hello [--addr HOST:PORT]");
            std::process::exit(2);
        }
    }
    addr.parse().unwrap_or_else(|err| {
        eprintln!("error: bad address {addr}: {err}");
        std::process::exit(2);
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind(addr_from_args()).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let served = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
            // A client that resets mid-request is routine under load; say nothing.
            drop(served);
        });
    }
}
