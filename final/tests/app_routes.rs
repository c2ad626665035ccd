//! Routes and settings as an application uses them, over real sockets:
//! every method's route, a group mounted under a prefix, URLs built from
//! route names (in views and templates), and the app's own `[app]` settings.

mod support;

use httprs::{App, Request, Response, Route, Settings, StartErrorKind, context};
use support::{TempDir, request};

fn entries() -> Vec<Route> {
    vec![
        Route::get("/entries", |_: &Request| "list").name("entries"),
        Route::put("/entries/{id}", |r: &Request| {
            format!("put {}", r.param("id").unwrap())
        }),
        Route::patch("/entries/{id}", |r: &Request| {
            format!("patch {}", r.param("id").unwrap())
        }),
        Route::delete("/entries/{id}", |r: &Request| {
            format!("delete {}", r.param("id").unwrap())
        })
        .name("entry"),
    ]
}

fn app(templates: &TempDir) -> App {
    App::new()
        .templates(templates.path())
        .mount("/api/", entries())
        .add_route(Route::get("/files/{name}.{ext}", |_: &Request| "file").name("file"))
        .add_route(Route::get(r"^/posts/(?P<id>[0-9]+)$", |_: &Request| "post").name("post"))
        .get("/link", |req: &Request| {
            let id = req.query("id").unwrap_or_default();
            req.url_for("entry", &[("id", &id)])
        })
        .get("/broken/{what}", |req: &Request| {
            match req.param("what").unwrap() {
                "missing" => req.url_for("entry", &[]),
                "unknown" => req.url_for("no-such-route", &[]),
                _ => req.url_for("post", &[("id", "1")]),
            }
        })
        .get("/page", |req: &Request| {
            Response::render(req, "page.html", context! { id => 7 })
        })
        .get("/bad-page", |req: &Request| {
            Response::render(req, "bad.html", context! {})
        })
}

fn start(templates: &TempDir) -> httprs::Server {
    std::fs::write(
        templates.join("page.html"),
        r#"<a href="{{ url_for("entry", id=id) }}">{{ url_for("file", name="a b", ext="txt") }}</a>"#,
    )
    .unwrap();
    std::fs::write(templates.join("bad.html"), r#"{{ url_for("entry") }}"#).unwrap();
    app(templates).start(support::settings()).unwrap()
}

#[test]
fn put_patch_and_delete_routes_answer_under_their_mount_point() {
    let dir = TempDir::new("routes-methods");
    let server = start(&dir);
    let addr = server.addr();
    for (method, body) in [
        ("PUT", "put 7"),
        ("PATCH", "patch 7"),
        ("DELETE", "delete 7"),
    ] {
        let reply = request(
            addr,
            format!("{method} /api/entries/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(
            (reply.status, reply.text().as_str()),
            (200, body),
            "{method}"
        );
    }
    let reply = request(addr, b"GET /api/entries/7 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("DELETE, PATCH, PUT"));
    assert_eq!(
        request(addr, b"GET /api/entries HTTP/1.1\r\nHost: x\r\n\r\n").text(),
        "list"
    );
    // Not mounted at the root too.
    let reply = request(addr, b"GET /entries HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.status, 404);
    server.shutdown();
}

#[test]
fn views_and_templates_build_urls_from_route_names_percent_encoded() {
    let dir = TempDir::new("routes-url-for");
    let server = start(&dir);
    let addr = server.addr();
    let reply = request(addr, b"GET /link?id=7 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (200, "/api/entries/7")
    );
    // A slash, a space and a question mark stay inside one segment...
    let reply = request(
        addr,
        b"GET /link?id=a%2Fb%20c%3F HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(reply.text(), "/api/entries/a%2Fb%20c%3F");
    // ...and the router decodes them back into the same parameter.
    let back = request(
        addr,
        format!(
            "DELETE {} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            reply.text()
        )
        .as_bytes(),
    );
    assert_eq!(back.text(), "delete a/b c?");
    let page = request(addr, b"GET /page HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        (page.status, page.text().as_str()),
        (200, r#"<a href="/api/entries/7">/files/a%20b.txt</a>"#)
    );
    server.shutdown();
}

#[test]
fn a_missing_parameter_an_unknown_name_or_a_regex_route_is_a_500_not_a_broken_link() {
    let dir = TempDir::new("routes-url-for-errors");
    let server = start(&dir);
    let addr = server.addr();
    for what in ["missing", "unknown", "regex"] {
        let reply = request(
            addr,
            format!("GET /broken/{what} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert_eq!(reply.status, 500, "{what}: {}", reply.text());
        assert!(!reply.text().contains("/api"), "{what}");
    }
    // In a template too: the render stops, and nothing half-made is sent.
    let reply = request(addr, b"GET /bad-page HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.status, 500);
    server.shutdown();
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Shop {
    name: String,
    page_size: u32,
}

fn shop() -> App {
    App::new().app_settings::<Shop>().get("/", |req: &Request| {
        let shop = req.state::<Shop>().unwrap();
        format!("{} shows {}", shop.name, shop.page_size)
    })
}

#[test]
fn the_app_s_own_settings_reach_its_handlers() {
    let mut settings = support::settings();
    settings
        .apply_toml(
            "workers = 2\n[app]\nname = \"Corner shop\"\npage_size = 20",
            "shop.toml",
        )
        .unwrap();
    settings
        .apply_env([("HTTPRS_APP_PAGE_SIZE".to_string(), "30".to_string())])
        .unwrap();
    let server = shop().start(settings).unwrap();
    let reply = request(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reply.text(), "Corner shop shows 30");
    server.shutdown();
}

#[test]
fn a_bad_app_setting_stops_the_start_naming_the_key_and_where_it_was_set() {
    let cases = [
        (
            "[app]\nname = \"x\"\npage_size = \"many\"",
            "shop.toml: key 'app.page_size': ",
        ),
        (
            "[app]\nname = \"x\"",
            "shop.toml: key 'app.page_size': missing field",
        ),
        (
            "[app]\nname = \"x\"\npage_size = 1\npage_sise = 2",
            "shop.toml: key 'app.page_sise': unknown field",
        ),
        ("app = 3", "shop.toml: key 'app': expected a table [app]"),
    ];
    for (toml, expected) in cases {
        let mut settings = Settings {
            addrs: vec!["127.0.0.1:0".into()],
            ..Settings::default()
        };
        let err = match settings.apply_toml(toml, "shop.toml") {
            Err(err) => err.to_string(),
            Ok(()) => {
                let err = shop().start(settings).unwrap_err();
                assert_eq!(err.kind(), StartErrorKind::Settings, "{toml}");
                assert_eq!(err.exit_code(), 2);
                err.to_string()
            }
        };
        assert!(err.starts_with(expected), "{toml}: {err}");
    }
}
