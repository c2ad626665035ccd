//! Cookies over a real socket: a value the client chose cannot add an
//! attribute or a header to `Set-Cookie`, and of two cookies with one name
//! the first is read, as browsers send the most specific first.

mod support;

use support::{request, start};

fn get(addr: std::net::SocketAddr, path: &str, cookies: &[&str]) -> support::Reply {
    let cookies: String = cookies.iter().map(|c| format!("Cookie: {c}\r\n")).collect();
    let raw = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{cookies}\r\n");
    request(addr, raw.as_bytes())
}

#[test]
fn a_cookie_value_with_a_semicolon_cannot_add_an_attribute() {
    let (server, _gate) = start();
    let addr = server.addr();
    let plain = get(addr, "/theme?v=dark", &[]);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.headers("set-cookie"), ["theme=dark"]);
    for (query, shown) in [
        (
            "dark%3B%20Domain%3Devil.example",
            "dark; Domain=evil.example",
        ),
        ("dark%3BMax-Age%3D999999999", "dark;Max-Age=999999999"),
        (
            "dark%0D%0ASet-Cookie%3A%20admin%3D1",
            "dark\\r\\nSet-Cookie: admin=1",
        ),
        ("a%20b", "a b"),
    ] {
        let refused = get(addr, &format!("/theme?v={query}"), &[]);
        assert_eq!(refused.status, 400, "{query}: {}", refused.head);
        assert!(refused.headers("set-cookie").is_empty(), "{}", refused.head);
        assert!(
            !refused.head.to_lowercase().contains("evil"),
            "{}",
            refused.head
        );
        assert!(
            refused.text().contains("invalid cookie value") && refused.text().contains(shown),
            "{}",
            refused.text()
        );
    }
}

#[test]
fn of_two_cookies_with_one_name_the_first_is_read() {
    let (server, _gate) = start();
    let addr = server.addr();
    assert_eq!(
        get(addr, "/cookie", &["visits=5; visits=9"]).text(),
        "visits=5"
    );
    assert_eq!(
        get(addr, "/cookie", &["other=1; visits=\"7\"", "visits=9"]).text(),
        "visits=7"
    );
    assert_eq!(
        get(addr, "/cookie", &["Visits=5"]).text(),
        "visits=0",
        "names are case-sensitive"
    );
}
