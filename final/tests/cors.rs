//! CORS over real sockets: preflights answered with the allowed set, an
//! allowed origin's answers marked, a disallowed origin given no CORS
//! header at all, and the CSRF check letting through the allowed origin
//! (and only it) where the rule applies.

mod support;

use httprs::{App, Cors, Request, Response, SecretKey, Server, Settings};
use support::{Reply, TempDir, request};

const ALLOWED: &str = "https://app.example";

fn app() -> App {
    App::new()
        .sessions()
        .cors(
            "/api",
            Cors::new()
                .allow_origin(ALLOWED)
                .allow_methods(["GET", "POST", "DELETE"])
                .allow_headers(["Content-Type", "X-CSRF-Token"])
                .expose_headers(["Location"])
                .allow_credentials()
                .max_age(600),
        )
        .cors("/public", Cors::new().allow_any_origin())
        .get("/api/entries", |_: &Request| "[]")
        .post("/api/entries", |_: &Request| {
            Response::text("made").with_status(201)
        })
        .delete("/api/entries/{id}", |_: &Request| "gone")
        .post("/form", |_: &Request| "posted")
        .get("/public/feed", |_: &Request| "feed")
        .post("/public/feed", |_: &Request| "posted")
}

fn start(dir: &TempDir) -> Server {
    let settings = Settings {
        database: dir.join("app.sqlite3"),
        secret_key: Some(SecretKey::new(*b"0123456789abcdef0123456789abcdef").unwrap()),
        ..support::settings()
    };
    app().start(settings).unwrap()
}

fn send(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: api.test\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    request(server.addr(), head.as_bytes())
}

#[track_caller]
fn no_cors_headers(reply: &Reply) {
    for line in reply.head.lines() {
        assert!(
            !line.to_ascii_lowercase().starts_with("access-control-"),
            "{}",
            reply.head
        );
    }
}

#[test]
fn a_preflight_from_an_allowed_origin_is_a_204_with_the_allowed_set() {
    let dir = TempDir::new("cors-preflight");
    let server = start(&dir);
    let reply = send(
        &server,
        "OPTIONS",
        "/api/entries/7",
        &[
            ("Origin", ALLOWED),
            ("Access-Control-Request-Method", "DELETE"),
            (
                "Access-Control-Request-Headers",
                "content-type, x-csrf-token",
            ),
        ],
        "",
    );
    assert_eq!(reply.status, 204, "{}", reply.head);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET, POST, DELETE")
    );
    assert_eq!(
        reply.header("access-control-allow-headers"),
        Some("Content-Type, X-CSRF-Token")
    );
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(reply.header("access-control-max-age"), Some("600"));
    assert_eq!(reply.header("vary"), Some("Origin"));
    // A method or a header the rule does not allow: no permission.
    for (method, headers) in [("PUT", ""), ("GET", "x-secret")] {
        let reply = send(
            &server,
            "OPTIONS",
            "/api/entries/7",
            &[
                ("Origin", ALLOWED),
                ("Access-Control-Request-Method", method),
                ("Access-Control-Request-Headers", headers),
            ],
            "",
        );
        no_cors_headers(&reply);
    }
    server.shutdown();
}

#[test]
fn a_disallowed_origin_gets_no_cors_headers_on_a_preflight_or_a_request() {
    let dir = TempDir::new("cors-disallowed");
    let server = start(&dir);
    for origin in ["https://evil.example", "null", "https://app.example.evil"] {
        let preflight = send(
            &server,
            "OPTIONS",
            "/api/entries",
            &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
            "",
        );
        no_cors_headers(&preflight);
        assert_ne!(preflight.status, 204, "{origin}");
        assert_eq!(preflight.header("vary"), Some("Origin"));
        let get = send(&server, "GET", "/api/entries", &[("Origin", origin)], "");
        assert_eq!((get.status, get.text().as_str()), (200, "[]"));
        no_cors_headers(&get);
    }
    // Outside every rule, an allowed origin is nobody special.
    let reply = send(&server, "GET", "/form", &[("Origin", ALLOWED)], "");
    no_cors_headers(&reply);
    assert_eq!(reply.header("vary"), None);
    server.shutdown();
}

#[test]
fn an_allowed_origin_s_answers_name_it_and_any_origin_is_a_star_without_credentials() {
    let dir = TempDir::new("cors-allowed");
    let server = start(&dir);
    let reply = send(&server, "GET", "/api/entries", &[("Origin", ALLOWED)], "");
    assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        reply.header("access-control-expose-headers"),
        Some("Location")
    );
    assert_eq!(reply.header("vary"), Some("Origin"));
    // Same origin, no `Origin`: no CORS headers, and still `Vary`.
    let plain = send(&server, "GET", "/api/entries", &[], "");
    no_cors_headers(&plain);
    assert_eq!(plain.header("vary"), Some("Origin"));
    let public = send(
        &server,
        "GET",
        "/public/feed",
        &[("Origin", "https://x.test")],
        "",
    );
    assert_eq!(public.header("access-control-allow-origin"), Some("*"));
    assert_eq!(public.header("access-control-allow-credentials"), None);
    server.shutdown();
}

#[test]
fn the_csrf_check_lets_through_the_origin_cors_allows_there_and_no_other() {
    let dir = TempDir::new("cors-csrf");
    let server = start(&dir);
    let json = ("Content-Type", "application/json");
    let cross = ("Sec-Fetch-Site", "cross-site");
    // The allowed origin, under its rule: a JSON POST and a DELETE pass.
    let made = send(
        &server,
        "POST",
        "/api/entries",
        &[("Origin", ALLOWED), cross, json],
        "{}",
    );
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.header("access-control-allow-origin"), Some(ALLOWED));
    let gone = send(
        &server,
        "DELETE",
        "/api/entries/7",
        &[("Origin", ALLOWED), cross],
        "",
    );
    assert_eq!(gone.status, 200, "{}", gone.text());
    // Another origin, under the same rule: refused.
    let evil = send(
        &server,
        "POST",
        "/api/entries",
        &[("Origin", "https://evil.example"), json],
        "{}",
    );
    assert_eq!(evil.status, 403);
    no_cors_headers(&evil);
    // The allowed origin outside its rule: refused as any cross-site caller.
    let outside = send(&server, "POST", "/form", &[("Origin", ALLOWED), json], "{}");
    assert_eq!(outside.status, 403);
    // An allowed origin's form POST still needs the session's token.
    let form = send(
        &server,
        "POST",
        "/api/entries",
        &[
            ("Origin", ALLOWED),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "a=1",
    );
    assert_eq!(form.status, 403);
    // A rule without credentials (any origin, under /public) lets scripts
    // read answers, but is no pass for the CSRF check: a cross-site JSON
    // POST with the visitor's cookies is refused there.
    let public = send(
        &server,
        "POST",
        "/public/feed",
        &[("Origin", "https://elsewhere.example"), cross, json],
        "{}",
    );
    assert_eq!(public.status, 403, "{}", public.text());
    server.shutdown();
}
