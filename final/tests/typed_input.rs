//! Typed input and typed errors over real sockets: each bad input gets its
//! status, and its body suits the client: problem details (RFC 9457) for a
//! script, an HTML page for a browser, a line of text for curl.

mod support;

use httprs::{App, InputError, Request, Response, ViewError};
use support::{Reply, request};

#[derive(serde::Deserialize, serde::Serialize)]
struct Search {
    q: String,
    page: Option<u32>,
    #[serde(default)]
    tag: Vec<String>,
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Review {
    name: String,
    stars: u8,
}

fn app() -> App {
    App::new()
        .get(
            "/entries/{id}",
            |req: &Request| -> Result<String, InputError> {
                let id: i64 = req.param_as("id")?;
                Ok(format!("entry {id}"))
            },
        )
        .get("/search", |req: &Request| -> Result<Response, InputError> {
            Ok(Response::json(&req.query_as::<Search>()?))
        })
        .post("/reviews", |req: &Request| -> Result<Response, ViewError> {
            // The same type from a form or from JSON.
            let review: Review = if req.header("content-type") == Some("application/json") {
                req.json_as()?
            } else {
                req.form_as()?
            };
            Ok(Response::json(&review))
        })
        .get(
            "/typo/{id}",
            |req: &Request| -> Result<String, InputError> {
                // A bug: the pattern says `id`.
                Ok(req.param_as::<i64>("idd")?.to_string())
            },
        )
}

fn start() -> httprs::Server {
    app().start(support::settings()).unwrap()
}

fn get(addr: std::net::SocketAddr, path: &str, accept: Option<&str>) -> Reply {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    request(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\n{accept}\r\n").as_bytes(),
    )
}

fn post(addr: std::net::SocketAddr, content_type: &str, body: &str, accept: Option<&str>) -> Reply {
    let accept = accept.map_or(String::new(), |a| format!("Accept: {a}\r\n"));
    request(
        addr,
        format!(
            "POST /reviews HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n{accept}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

#[track_caller]
fn problem(reply: &Reply, status: u16) -> serde_json::Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{}",
        reply.text()
    );
    let value: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(value["status"], status);
    assert_eq!(value["type"], "about:blank");
    assert!(value["title"].is_string());
    value
}

const JSON: Option<&str> = Some("application/json");
const BROWSER: Option<&str> =
    Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

#[test]
fn a_path_id_that_does_not_parse_is_a_404_not_a_500() {
    let server = start();
    let addr = server.addr();
    assert_eq!(get(addr, "/entries/7", None).text(), "entry 7");
    for path in [
        "/entries/abc",
        "/entries/7.5",
        "/entries/99999999999999999999",
    ] {
        let reply = get(addr, path, JSON);
        let value = problem(&reply, 404);
        assert!(
            value["detail"]
                .as_str()
                .unwrap()
                .starts_with("path parameter id = "),
            "{value}"
        );
        // curl, asking nothing in particular, reads a line of text.
        let reply = get(addr, path, None);
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    // A parameter the pattern lacks is the handler's bug: a 500 that says nothing.
    let reply = get(addr, "/typo/7", JSON);
    let value = problem(&reply, 500);
    assert!(value.get("detail").is_none(), "{value}");
    server.shutdown();
}

#[test]
fn a_malformed_query_is_a_400_with_problem_details_for_a_json_client() {
    let server = start();
    let addr = server.addr();
    let ok = get(addr, "/search?q=rust+web&page=2&tag=a&tag=b", JSON);
    assert_eq!(ok.text(), r#"{"q":"rust web","page":2,"tag":["a","b"]}"#);
    let value = problem(&get(addr, "/search?q=x&page=two", JSON), 400);
    assert_eq!(
        value["detail"],
        "query string: page: expected a whole number of at least 0 (32 bits), found \"two\""
    );
    let value = problem(&get(addr, "/search?page=1", JSON), 400);
    assert_eq!(value["detail"], "query string: missing field `q`");
    // A browser gets a page, its detail escaped.
    let page = get(addr, "/search?q=x&page=%3Cb%3E", BROWSER);
    assert_eq!(page.status, 400);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.text().contains("<h1>400 Bad Request</h1>"),
        "{}",
        page.text()
    );
    assert!(
        page.text().contains("found &quot;&lt;b&gt;&quot;"),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("<b>"), "{}", page.text());
    server.shutdown();
}

#[test]
fn bodies_are_415_for_the_wrong_type_400_when_malformed_and_422_when_they_do_not_fit() {
    let server = start();
    let addr = server.addr();
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    assert_eq!(
        post(addr, form, "name=Ada&stars=5", None).text(),
        r#"{"name":"Ada","stars":5}"#
    );
    assert_eq!(
        post(addr, json, r#"{"name":"Ada","stars":5}"#, None).text(),
        r#"{"name":"Ada","stars":5}"#
    );
    // A client that sent JSON reads problem details without asking.
    let cases = [
        (json, r#"{"name":"Ada","stars":"#, 400, "malformed body: "),
        (
            json,
            r#"{"name":"Ada","stars":"five"}"#,
            422,
            "invalid body: ",
        ),
        (
            json,
            r#"{"name":"Ada"}"#,
            422,
            "invalid body: missing field `stars`",
        ),
    ];
    for (content_type, body, status, detail) in cases {
        let value = problem(&post(addr, content_type, body, None), status);
        assert!(
            value["detail"].as_str().unwrap().starts_with(detail),
            "{body}: {value}"
        );
    }
    let value = problem(&post(addr, form, "name=Ada&stars=500", JSON), 422);
    assert_eq!(
        value["detail"],
        "invalid body: stars: expected a whole number from 0 to 255, found \"500\""
    );
    let value = problem(&post(addr, "text/plain", "name=Ada&stars=5", JSON), 415);
    assert_eq!(
        value["detail"],
        "expected Content-Type application/x-www-form-urlencoded, found \"text/plain\""
    );
    server.shutdown();
}

#[test]
fn a_body_over_the_limit_stays_a_413_before_any_handler_reads_it() {
    let server = start();
    // support::settings() allows 1000 bytes.
    let body = format!("name={}&stars=5", "a".repeat(2000));
    let reply = post(
        server.addr(),
        "application/x-www-form-urlencoded",
        &body,
        JSON,
    );
    assert_eq!(reply.status, 413);
    server.shutdown();
}
