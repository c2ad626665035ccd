//! Sessions, CSRF and the secure default headers, framework side, over real
//! sockets: a small app with `App::sessions()` on a temporary database, a
//! SQLite file and a PostgreSQL one (each store test runs on both).
//! (The guestbook's login, delete and rate limit are in `demo.rs`.)

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use httprs::SecretKey;
use httprs::{App, Request, Response, Server, Settings};
use support::{Backend, Reply, TempDir, request, settings};

/// Settings with a database (in `dir` for SQLite) and a key.
fn session_settings(dir: &TempDir, backend: &Backend) -> Settings {
    Settings {
        database: backend.database(dir.join("app.sqlite3")),
        secret_key: Some(SecretKey::new(*b"0123456789abcdef0123456789abcdef").unwrap()),
        ..settings()
    }
}

/// An app counting visits in the session, and a POST that counts the calls
/// that reached it (`posted`).
fn app(posted: Arc<AtomicUsize>) -> App {
    App::new()
        .sessions()
        .get("/count", |req: &Request| {
            let n = req.session().get::<u32>("n").unwrap_or(0) + 1;
            req.session().insert("n", n).unwrap();
            Response::text(format!("{n} {}", req.session().csrf_token()))
        })
        .get("/peek", |req: &Request| {
            Response::text(req.session().get::<u32>("n").unwrap_or(0).to_string())
        })
        .post("/do", move |_: &Request| {
            posted.fetch_add(1, Ordering::SeqCst);
            Response::redirect("/peek")
        })
        .get("/page", |_: &Request| Response::html("<p>hi</p>"))
        // A page with a form: the token, and nothing else of the session.
        .get("/form", |req: &Request| {
            Response::html(format!("<input value=\"{}\">", req.session().csrf_token()))
        })
        // A login: the first value the application puts in the session.
        .post("/login", |req: &Request| {
            req.session().rotate();
            req.session().insert("user", "ada").unwrap();
            Response::redirect("/peek")
        })
        .get("/framed", |_: &Request| {
            Response::html("<p>frame me</p>")
                .with_header("X-Frame-Options", "SAMEORIGIN")
                .with_header("Content-Security-Policy", "frame-ancestors 'self'")
        })
        .get("/text", |_: &Request| Response::text("plain"))
}

fn start(dir: &TempDir, backend: &Backend) -> (Server, Arc<AtomicUsize>) {
    let posted = Arc::new(AtomicUsize::new(0));
    let server = app(posted.clone())
        .start(session_settings(dir, backend))
        .unwrap();
    (server, posted)
}

fn get(addr: SocketAddr, path: &str, cookie: &str) -> Reply {
    let raw =
        format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n");
    request(addr, raw.as_bytes())
}

fn post(addr: SocketAddr, cookie: &str, body: &str) -> Reply {
    let raw = format!(
        "POST /do HTTP/1.1\r\nHost: t\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    request(addr, raw.as_bytes())
}

/// The `name=value` of a reply's `Set-Cookie`.
#[track_caller]
fn cookie_of(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("a Set-Cookie");
    set.split(';').next().unwrap().to_string()
}

fn a_session_keeps_typed_values_and_is_saved_only_when_changed(backend: Backend) {
    let dir = TempDir::new("sessions-keep");
    let (server, _) = start(&dir, &backend);
    let addr = server.addrs()[0];
    let first = get(addr, "/count", "");
    assert!(first.text().starts_with("1 "), "{}", first.text());
    let set = first.header("set-cookie").unwrap();
    assert!(set.starts_with("httprs_session="), "{set}");
    assert!(
        set.ends_with("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"),
        "{set}"
    );
    let cookie = cookie_of(&first);
    assert!(get(addr, "/count", &cookie).text().starts_with("2 "));
    // Read only: no write, so no Set-Cookie.
    let peek = get(addr, "/peek", &cookie);
    assert_eq!(peek.text(), "2");
    assert!(peek.header("set-cookie").is_none(), "{}", peek.head);
}

fn a_page_that_uses_the_session_varies_on_cookie_and_one_that_sets_it_is_private(backend: Backend) {
    let dir = TempDir::new("sessions-cache");
    let (server, _) = start(&dir, &backend);
    let addr = server.addrs()[0];
    // Written: the cookie is set, so no shared cache may keep the page.
    let first = get(addr, "/count", "");
    assert!(first.header("set-cookie").is_some(), "{}", first.head);
    assert_eq!(first.header("vary"), Some("Cookie"), "{}", first.head);
    assert_eq!(
        first.header("cache-control"),
        Some("private"),
        "{}",
        first.head
    );
    // Read only: no cookie set, but the page still depends on it.
    let peek = get(addr, "/peek", &cookie_of(&first));
    assert_eq!(peek.header("vary"), Some("Cookie"), "{}", peek.head);
    assert!(peek.header("cache-control").is_none(), "{}", peek.head);
    // Not touched: the same for everyone, so nothing is added.
    let page = get(addr, "/page", &cookie_of(&first));
    assert!(page.header("vary").is_none(), "{}", page.head);
}

fn a_tampered_or_unknown_cookie_is_a_fresh_session_not_an_error(backend: Backend) {
    let dir = TempDir::new("sessions-tampered");
    let (server, _) = start(&dir, &backend);
    let addr = server.addrs()[0];
    let cookie = cookie_of(&get(addr, "/count", ""));
    get(addr, "/count", &cookie);
    let (name, value) = cookie.split_once('=').unwrap();
    let (id, mac) = value.split_once('.').unwrap();
    let mut other_id = id.to_string();
    other_id.replace_range(..1, if id.starts_with('a') { "b" } else { "a" });
    for bad in [
        format!("{name}={other_id}.{mac}"),
        format!("{name}={id}.{}", "0".repeat(mac.len())),
        format!("{name}={id}"),
        format!("{name}=garbage"),
        format!("{name}=%00%ff;;;="),
    ] {
        let reply = get(addr, "/count", &bad);
        assert_eq!(reply.status, 200, "{bad}");
        assert!(reply.text().starts_with("1 "), "{bad}: {}", reply.text());
    }
    // The real one is untouched.
    assert_eq!(get(addr, "/peek", &cookie).text(), "2");
}

fn a_post_without_the_token_is_403_and_never_reaches_the_handler(backend: Backend) {
    let dir = TempDir::new("sessions-csrf");
    let (server, posted) = start(&dir, &backend);
    let addr = server.addrs()[0];
    let first = get(addr, "/count", "");
    // Both cookies, as a browser sends them: the session's and the token's.
    let cookie = first.cookies();
    assert!(cookie.contains("httprs_csrf="), "{cookie}");
    let token = first.text().split(' ').nth(1).unwrap().to_string();

    let refused = post(addr, &cookie, "a=1");
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        refused.text().contains("403 Forbidden"),
        "{}",
        refused.text()
    );
    assert_eq!(post(addr, &cookie, "csrf_token=wrong").status, 403);
    assert_eq!(
        post(addr, "", &format!("csrf_token={token}")).status,
        403,
        "another session's token"
    );
    assert_eq!(posted.load(Ordering::SeqCst), 0);

    let done = post(addr, &cookie, &format!("a=1&csrf_token={token}"));
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(posted.load(Ordering::SeqCst), 1);
}

/// The rows in `httprs_sessions`, counted in the app's database.
fn stored_sessions(dir: &TempDir, backend: &Backend) -> i64 {
    let settings = session_settings(dir, backend);
    let db = httprs::Database::open(settings.database_location(), 1).unwrap();
    let conn = db.checkout().unwrap();
    let row = conn
        .query_opt("SELECT count(*) AS n FROM httprs_sessions", &[])
        .unwrap()
        .unwrap();
    row.get("n").unwrap()
}

fn anonymous_page_views_store_no_session_and_a_login_stores_one(backend: Backend) {
    let dir = TempDir::new("sessions-anonymous");
    let (server, _) = start(&dir, &backend);
    let addr = server.addrs()[0];
    // Twenty visitors without a cookie, each shown a form with a token.
    for _ in 0..20 {
        let page = get(addr, "/form", "");
        assert_eq!(page.status, 200);
        let set = page.headers("set-cookie");
        assert_eq!(set.len(), 1, "{set:?}");
        assert!(set[0].starts_with("httprs_csrf="), "{set:?}");
    }
    assert_eq!(stored_sessions(&dir, &backend), 0);
    // One of them comes back, and logs in with the page's token.
    let page = get(addr, "/form", "");
    let cookie = page.cookies();
    let token = page.text().split('"').nth(1).unwrap().to_string();
    let again = get(addr, "/form", &cookie);
    // Each page masks the token afresh (BREACH): another string, the same
    // token underneath, the one the cookie holds.
    let token_again = again.text().split('"').nth(1).unwrap().to_string();
    assert_ne!(token_again, token, "masked anew");
    let secret = support::unmasked_csrf_token(&token);
    assert_eq!(
        support::unmasked_csrf_token(&token_again),
        secret,
        "the cookie's token again"
    );
    assert!(
        cookie.contains(&format!("httprs_csrf={secret}.")),
        "{cookie}"
    );
    assert!(again.headers("set-cookie").is_empty(), "{}", again.head);
    let raw = format!(
        "POST /login HTTP/1.1\r\nHost: t\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\ncsrf_token={token}",
        "csrf_token=".len() + token.len()
    );
    let login = request(addr, raw.as_bytes());
    assert_eq!(login.status, 303, "{}", login.text());
    let set = login.headers("set-cookie");
    assert!(set[0].starts_with("httprs_session="), "{set:?}");
    assert!(
        set[1].starts_with("httprs_csrf=") && !set[1].contains(&secret),
        "a new token: {set:?}"
    );
    assert_eq!(stored_sessions(&dir, &backend), 1);
}

fn expired_sessions_are_swept_on_the_interval_without_a_request(backend: Backend) {
    let dir = TempDir::new("sessions-sweep");
    let posted = Arc::new(AtomicUsize::new(0));
    let server = app(posted)
        .start(Settings {
            session_max_age: Duration::from_secs(1),
            session_sweep_interval: Duration::from_millis(100),
            ..session_settings(&dir, &backend)
        })
        .unwrap();
    let addr = server.addrs()[0];
    assert_eq!(get(addr, "/count", "").status, 200);
    assert_eq!(stored_sessions(&dir, &backend), 1);
    // No request comes; the row expires after a second and the sweep,
    // every 100 ms, deletes it (a bounded wait, not a timing assertion).
    let deadline = Instant::now() + Duration::from_secs(10);
    while stored_sessions(&dir, &backend) > 0 {
        assert!(Instant::now() < deadline, "the expired row is still there");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn html_responses_get_the_secure_headers_and_a_handler_s_own_value_wins(backend: Backend) {
    let dir = TempDir::new("sessions-headers");
    let (server, _) = start(&dir, &backend);
    let addr = server.addrs()[0];
    let page = get(addr, "/page", "");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        page.header("content-security-policy"),
        Some("frame-ancestors 'none'")
    );
    assert_eq!(
        page.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    let framed = get(addr, "/framed", "");
    assert_eq!(framed.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(
        framed.header("content-security-policy"),
        Some("frame-ancestors 'self'")
    );
    assert_eq!(framed.header("x-content-type-options"), Some("nosniff"));
    assert!(get(addr, "/text", "").header("x-frame-options").is_none());

    // An app can turn them off.
    let plain = App::new()
        .secure_headers(false)
        .get("/page", |_: &Request| Response::html("<p>hi</p>"))
        .start(settings())
        .unwrap();
    let page = get(plain.addrs()[0], "/page", "");
    assert!(page.header("x-frame-options").is_none(), "{}", page.head);
}

fn sessions_without_a_secret_key_start_only_in_debug(backend: Backend) {
    let dir = TempDir::new("sessions-no-key");
    let no_key = Settings {
        secret_key: None,
        ..session_settings(&dir, &backend)
    };
    let err = app(Arc::default())
        .start(no_key.clone())
        .expect_err("refused");
    assert!(
        err.to_string().contains("needs the secret_key setting"),
        "{err}"
    );
    // In debug a random key is made: sessions work for this run.
    let debug = Settings {
        debug: true,
        ..no_key
    };
    let server = app(Arc::default()).start(debug).unwrap();
    let addr = server.addrs()[0];
    let cookie = cookie_of(&get(addr, "/count", ""));
    assert!(get(addr, "/count", &cookie).text().starts_with("2 "));
}

fn each_page_masks_the_token_anew_every_mask_is_accepted_and_a_forged_one_is_not(backend: Backend) {
    let dir = TempDir::new("sessions-masked");
    let (server, posted) = start(&dir, &backend);
    let addr = server.addrs()[0];
    let first = get(addr, "/form", "");
    let cookie = first.cookies();
    let shown = |page: &Reply| page.text().split('"').nth(1).unwrap().to_string();
    let second = get(addr, "/form", &cookie);
    let (a, b) = (shown(&first), shown(&second));
    assert_ne!(a, b, "two responses, two strings (BREACH)");
    let secret = support::unmasked_csrf_token(&a);
    assert!(!first.text().contains(&secret) && !second.text().contains(&secret));
    // Both are accepted, from a form and from the header a script sends.
    assert_eq!(post(addr, &cookie, &format!("csrf_token={a}")).status, 303);
    assert_eq!(post(addr, &cookie, &format!("csrf_token={b}")).status, 303);
    let raw = format!(
        "POST /do HTTP/1.1\r\nHost: t\r\nConnection: close\r\nCookie: {cookie}\r\n\
         X-CSRF-Token: {b}\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(request(addr, raw.as_bytes()).status, 303);
    assert_eq!(posted.load(Ordering::SeqCst), 3);
    // Another visitor's masked token, and this one's with a digit changed.
    let other = shown(&get(addr, "/form", ""));
    let mut flipped = a.clone().into_bytes();
    flipped[100] = if flipped[100] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    for forged in [other, flipped] {
        assert_eq!(
            post(addr, &cookie, &format!("csrf_token={forged}")).status,
            403
        );
    }
    assert_eq!(posted.load(Ordering::SeqCst), 3);
}

on_both_engines!(
    each_page_masks_the_token_anew_every_mask_is_accepted_and_a_forged_one_is_not,
    a_session_keeps_typed_values_and_is_saved_only_when_changed,
    anonymous_page_views_store_no_session_and_a_login_stores_one,
    expired_sessions_are_swept_on_the_interval_without_a_request,
    a_page_that_uses_the_session_varies_on_cookie_and_one_that_sets_it_is_private,
    a_tampered_or_unknown_cookie_is_a_fresh_session_not_an_error,
    a_post_without_the_token_is_403_and_never_reaches_the_handler,
    html_responses_get_the_secure_headers_and_a_handler_s_own_value_wins,
    sessions_without_a_secret_key_start_only_in_debug,
);
