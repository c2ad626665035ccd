//! Who the client is behind a proxy, over real sockets: the
//! `trusted_proxies` setting, `X-Forwarded-For`, `X-Forwarded-Proto`,
//! `Forwarded`, and the request id (`X-Request-Id`) a proxy may give.
//!
//! On Linux all of 127.0.0.0/8 is loopback, so a test has many client
//! addresses: here 127.0.0.2 plays the trusted proxy and 127.0.0.1 (and
//! 127.0.0.3) anyone else, whose forwarding fields must change nothing.

mod support;

use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr};

use httprs::{App, Request, Response, SecretKey, Settings, TrustedProxies};
use support::process::{Process, example_exe};
use support::{Reply, TempDir, connect_from, read_reply, settings};

const PROXY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const STRANGER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// `GET path` from `from` with the header lines `extra` (each ending CR LF).
fn get_from(from: Ipv4Addr, addr: SocketAddr, path: &str, extra: &str) -> Reply {
    let mut stream = connect_from(from, addr);
    let raw = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(raw.as_bytes()).unwrap();
    read_reply(&mut BufReader::new(stream), false)
}

fn trusting_the_proxy() -> Settings {
    Settings {
        trusted_proxies: TrustedProxies::parse(["127.0.0.2"]).unwrap(),
        ..settings()
    }
}

#[test]
fn a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let (server, _) = support::start_with(trusting_the_proxy());
    let addr = server.addrs()[0];
    let spoofs = "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\
                  Forwarded: for=198.51.100.1;proto=https\r\n";
    let reply = get_from(STRANGER, addr, "/whoami", spoofs);
    assert_eq!(reply.text(), "127.0.0.3 http");
    // Nor from anyone when nothing is trusted (the default).
    let (plain, _) = support::start();
    let reply = get_from(PROXY, plain.addrs()[0], "/whoami", spoofs);
    assert_eq!(reply.text(), "127.0.0.2 http");
}

#[test]
fn a_trusted_proxy_names_the_client_and_the_scheme() {
    let (server, _) = support::start_with(trusting_the_proxy());
    let addr = server.addrs()[0];
    for (extra, expected) in [
        // nginx's `$proxy_add_x_forwarded_for`: the client's own list, then
        // the address nginx saw. Only the right-most untrusted one counts.
        (
            "X-Forwarded-For: 9.9.9.9, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n",
            "203.0.113.9 https",
        ),
        // Through the proxy twice (its address is skipped as trusted).
        (
            "X-Forwarded-For: 203.0.113.9, 127.0.0.2\r\n",
            "203.0.113.9 http",
        ),
        // RFC 7239, an IPv6 client with a port.
        (
            "Forwarded: for=\"[2001:db8::7]:4711\";proto=https\r\n",
            "2001:db8::7 https",
        ),
        // A proxy that said nothing: the proxy is the client.
        ("", "127.0.0.2 http"),
        // A balancer that says the scheme only: believed; it stays the client.
        ("X-Forwarded-Proto: https\r\n", "127.0.0.2 https"),
        // A scheme that is neither: plain HTTP.
        (
            "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: gopher\r\n",
            "203.0.113.9 http",
        ),
    ] {
        assert_eq!(
            get_from(PROXY, addr, "/whoami", extra).text(),
            expected,
            "{extra:?}"
        );
    }
}

#[test]
fn every_response_carries_a_request_id_and_only_a_trusted_proxy_may_choose_it() {
    let (server, _) = support::start_with(trusting_the_proxy());
    let addr = server.addrs()[0];
    let id_of = |from, extra: &str| {
        get_from(from, addr, "/hello/x", extra)
            .header("x-request-id")
            .expect("an X-Request-Id")
            .to_string()
    };
    let (a, b) = (id_of(STRANGER, ""), id_of(STRANGER, ""));
    assert_ne!(a, b, "one id per request");
    assert_eq!(
        id_of(PROXY, "X-Request-Id: 0f3c9d2a6b4e4f1c\r\n"),
        "0f3c9d2a6b4e4f1c"
    );
    // Anyone else's is replaced by ours; so is a proxy's that is no id.
    assert_ne!(
        id_of(STRANGER, "X-Request-Id: chosen-by-me\r\n"),
        "chosen-by-me"
    );
    let long = "a".repeat(65);
    for bad in ["a b", "\"q\"", long.as_str()] {
        let id = id_of(PROXY, &format!("X-Request-Id: {bad}\r\n"));
        assert_ne!(id, bad);
        assert!(id.len() <= 64 && !id.contains(' '), "{id}");
    }
}

#[test]
fn the_access_log_line_names_the_client_and_the_request_id() {
    let mut hello = Process::spawn(
        &example_exe("hello"),
        &["--addr", "127.0.0.1:0"],
        &[
            ("HTTPRS_TRUSTED_PROXIES", "127.0.0.2"),
            ("HTTPRS_ACCESS_LOG", "true"),
        ],
    );
    let through_proxy = get_from(
        PROXY,
        hello.addr,
        "/hello/proxied",
        "X-Forwarded-For: 203.0.113.9\r\nX-Request-Id: from-nginx-1\r\n",
    );
    assert_eq!(through_proxy.header("x-request-id"), Some("from-nginx-1"));
    let line = hello.line_containing("from-nginx-1");
    assert!(
        line.contains("203.0.113.9 \"GET /hello/proxied HTTP/1.1\" 200"),
        "{line}"
    );

    let direct = get_from(
        STRANGER,
        hello.addr,
        "/hello/direct",
        "X-Forwarded-For: 203.0.113.9\r\nX-Request-Id: spoofed\r\n",
    );
    let id = direct.header("x-request-id").unwrap().to_string();
    assert_ne!(id, "spoofed");
    let line = hello.line_containing(&id);
    assert!(
        line.contains(" 127.0.0.3:"),
        "the peer, port and all: {line}"
    );
    assert!(
        line.contains("\"GET /hello/direct HTTP/1.1\" 200"),
        "{line}"
    );
    assert!(
        !line.contains("203.0.113.9") && !line.contains("spoofed"),
        "{line}"
    );
}

#[test]
fn a_bad_trusted_proxies_setting_stops_start_up_naming_it() {
    let out = std::process::Command::new(example_exe("hello"))
        .args(["--addr", "127.0.0.1:0"])
        .env("HTTPRS_TRUSTED_PROXIES", "10.0.0.0/8, nginx")
        .env_remove("HTTPRS_SETTINGS")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HTTPRS_TRUSTED_PROXIES") && stderr.contains("\"nginx\""),
        "{stderr}"
    );
}

/// An app with sessions that logs a visitor in (a value in the session).
fn session_app(dir: &TempDir) -> httprs::Server {
    App::new()
        .sessions()
        .get("/in", |req: &Request| {
            req.session().insert("user", "ada").unwrap();
            Response::text("in")
        })
        .start(Settings {
            database: dir.join("app.sqlite3"),
            secret_key: Some(SecretKey::new(*b"0123456789abcdef0123456789abcdef").unwrap()),
            ..trusting_the_proxy()
        })
        .unwrap()
}

#[test]
fn cookies_are_secure_when_a_trusted_proxy_says_https_and_only_then() {
    let dir = TempDir::new("forwarding-secure");
    let server = session_app(&dir);
    let addr = server.addrs()[0];
    let https = "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n";
    let set = |from, extra| {
        get_from(from, addr, "/in", extra)
            .header("set-cookie")
            .expect("a session cookie")
            .to_string()
    };
    assert!(
        set(PROXY, https).ends_with("; Secure; SameSite=Lax"),
        "{}",
        set(PROXY, https)
    );
    assert!(
        !set(STRANGER, https).contains("Secure"),
        "{}",
        set(STRANGER, https)
    );
    assert!(!set(PROXY, "").contains("Secure"), "{}", set(PROXY, ""));
}
