//! axum, as its TechEmpower entry (frameworks/Rust/axum, the `axum-pg`
//! variant) runs it: one thread per core, each with a single-threaded tokio
//! runtime, its own listener on the shared port (`SO_REUSEPORT`, the kernel
//! spreads the connections) and its own PostgreSQL connection.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use tfb_peers::{Message, PgConnection, fortunes_html, queries_param};

type Db = Arc<PgConnection>;

/// Every response carries `Server`, as the rules ask.
fn with_server(res: impl IntoResponse) -> Response {
    let mut res = res.into_response();
    res.headers_mut()
        .insert(header::SERVER, HeaderValue::from_static("axum"));
    res
}

fn db_error(err: tokio_postgres::Error) -> Response {
    with_server((StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

async fn plaintext() -> Response {
    with_server((
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
        "Hello, World!",
    ))
}

async fn json() -> Response {
    with_server(Json(Message {
        message: "Hello, World!",
    }))
}

async fn db(State(db): State<Db>) -> Response {
    match db.world().await {
        Ok(world) => with_server(Json(world)),
        Err(err) => db_error(err),
    }
}

async fn queries(State(db): State<Db>, RawQuery(query): RawQuery) -> Response {
    match db.worlds(queries_param(query.as_deref())).await {
        Ok(worlds) => with_server(Json(worlds)),
        Err(err) => db_error(err),
    }
}

async fn fortunes(State(db): State<Db>) -> Response {
    match db.fortunes().await {
        Ok(fortunes) => with_server(Html(fortunes_html(&fortunes))),
        Err(err) => db_error(err),
    }
}

async fn updates(State(db): State<Db>, RawQuery(query): RawQuery) -> Response {
    match db.update(queries_param(query.as_deref())).await {
        Ok(worlds) => with_server(Json(worlds)),
        Err(err) => db_error(err),
    }
}

fn main() {
    let (addr, database) = tfb_peers::args();
    let addr: SocketAddr = addr.parse().expect("--addr is not an address");
    let threads: Vec<_> = (0..tfb_peers::workers())
        .map(|_| {
            let database = database.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(serve(addr, database));
            })
        })
        .collect();
    println!("listening on {addr}");
    for thread in threads {
        thread.join().unwrap();
    }
}

async fn serve(addr: SocketAddr, database: String) {
    let conn: Db = Arc::new(PgConnection::connect(&database).await);
    let app = Router::new()
        .route("/plaintext", get(plaintext))
        .route("/json", get(json))
        .route("/db", get(db))
        .route("/queries", get(queries))
        .route("/fortunes", get(fortunes))
        .route("/updates", get(updates))
        .with_state(conn);
    let listener = tokio::net::TcpListener::from_std(reuse_port_listener(addr))
        .unwrap()
        // Each accepted connection sends its answers at once (no Nagle delay).
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app).await.unwrap();
}

/// A listener on `addr` that other threads may bind too.
fn reuse_port_listener(addr: SocketAddr) -> std::net::TcpListener {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.set_reuse_address(true).unwrap();
    socket.set_reuse_port(true).unwrap();
    socket.set_nonblocking(true).unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(4096).unwrap();
    socket.into()
}
