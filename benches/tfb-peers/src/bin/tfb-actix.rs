//! actix-web, as its TechEmpower entry (frameworks/Rust/actix, the
//! `actix-web` variants) runs it: `HttpServer` with one worker per core,
//! each worker its own app and its own PostgreSQL connection, made by the
//! app factory's `data_factory`.

use actix_web::body::MessageBody;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue, SERVER};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use tfb_peers::{Message, PgConnection, fortunes_html, queries_param};

fn response(content_type: &'static str, body: impl MessageBody + 'static) -> HttpResponse {
    let mut res = HttpResponse::Ok().body(body);
    res.headers_mut()
        .insert(SERVER, HeaderValue::from_static("actix"));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn json_response(value: &impl serde::Serialize) -> HttpResponse {
    response("application/json", serde_json::to_vec(value).unwrap())
}

fn db_error(err: tokio_postgres::Error) -> HttpResponse {
    HttpResponse::InternalServerError().body(err.to_string())
}

async fn plaintext() -> HttpResponse {
    response("text/plain", "Hello, World!")
}

async fn json() -> HttpResponse {
    json_response(&Message {
        message: "Hello, World!",
    })
}

async fn db(db: web::Data<PgConnection>) -> HttpResponse {
    match db.world().await {
        Ok(world) => json_response(&world),
        Err(err) => db_error(err),
    }
}

async fn queries(db: web::Data<PgConnection>, req: HttpRequest) -> HttpResponse {
    match db.worlds(queries_param(Some(req.query_string()))).await {
        Ok(worlds) => json_response(&worlds),
        Err(err) => db_error(err),
    }
}

async fn fortunes(db: web::Data<PgConnection>) -> HttpResponse {
    match db.fortunes().await {
        Ok(fortunes) => response("text/html; charset=utf-8", fortunes_html(&fortunes)),
        Err(err) => db_error(err),
    }
}

async fn updates(db: web::Data<PgConnection>, req: HttpRequest) -> HttpResponse {
    match db.update(queries_param(Some(req.query_string()))).await {
        Ok(worlds) => json_response(&worlds),
        Err(err) => db_error(err),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let (addr, database) = tfb_peers::args();
    println!("listening on {addr}");
    HttpServer::new(move || {
        let database = database.clone();
        App::new()
            .data_factory(move || {
                let database = database.clone();
                async move { Ok::<_, ()>(PgConnection::connect(&database).await) }
            })
            .route("/plaintext", web::get().to(plaintext))
            .route("/json", web::get().to(json))
            .route("/db", web::get().to(db))
            .route("/queries", web::get().to(queries))
            .route("/fortunes", web::get().to(fortunes))
            .route("/updates", web::get().to(updates))
    })
    .workers(tfb_peers::workers())
    .backlog(4096)
    .bind(addr)?
    .run()
    .await
}
