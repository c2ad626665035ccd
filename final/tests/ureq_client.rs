//! The server driven by an independent HTTP client (`ureq`): if our parser
//! and encoder only understood each other, these would fail.

mod support;

use std::time::Duration;

use ureq::Agent;

fn agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn url(server: &httprs::Server, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

#[test]
fn parameters_are_percent_decoded() {
    let (server, _gate) = support::start();
    let mut res = agent()
        .get(url(&server, "/hello/w%C3%B6rld"))
        .call()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.body_mut().read_to_string().unwrap(), "Hello, wörld!");
}

#[test]
fn a_regex_route_answers_any_method_with_its_named_groups() {
    let (server, _gate) = support::start();
    let agent = agent();
    let mut res = agent.delete(url(&server, "/posts/2026/")).call().unwrap();
    assert_eq!(res.body_mut().read_to_string().unwrap(), "DELETE 2026");
    let res = agent.get(url(&server, "/posts/26/")).call().unwrap();
    assert_eq!(res.status(), 404);
}

#[test]
fn an_unknown_path_is_404_and_a_wrong_method_405_with_allow() {
    let (server, _gate) = support::start();
    let agent = agent();
    assert_eq!(
        agent.get(url(&server, "/nowhere")).call().unwrap().status(),
        404
    );
    let res = agent.post(url(&server, "/hello/x")).send("").unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
}

#[test]
fn query_parameters_are_decoded() {
    let (server, _gate) = support::start();
    let mut res = agent()
        .get(url(&server, "/query?q=rust+web%21&x=1"))
        .call()
        .unwrap();
    assert_eq!(res.body_mut().read_to_string().unwrap(), "rust web!");
}

#[test]
fn a_urlencoded_form_is_read_into_fields() {
    let (server, _gate) = support::start();
    let mut res = agent()
        .post(url(&server, "/form"))
        .send_form([("name", "Jürgen & co"), ("n", "1")])
        .unwrap();
    assert_eq!(
        res.body_mut().read_to_string().unwrap(),
        r#"[["name","Jürgen & co"],["n","1"]]"#
    );
}

#[test]
fn a_json_body_is_typed_and_a_json_answer_is_labelled() {
    let (server, _gate) = support::start();
    let agent = agent();
    let mut res = agent
        .post(url(&server, "/json"))
        .header("Content-Type", "application/json")
        .send(r#"{"a": 2, "b": 40}"#)
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.body_mut().read_to_string().unwrap(), "42");
    let res = agent
        .post(url(&server, "/json"))
        .header("Content-Type", "application/json")
        .send(r#"{"a": "two"}"#)
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[test]
fn a_large_body_arrives_whole() {
    let (server, _gate) = support::start_with(httprs::Settings {
        max_body_bytes: 4 * 1024 * 1024,
        ..support::settings()
    });
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut res = agent().post(url(&server, "/echo")).send(&body[..]).unwrap();
    let echoed = res
        .body_mut()
        .with_config()
        .limit(10_000_000)
        .read_to_vec()
        .unwrap();
    assert!(echoed == body, "{} bytes back", echoed.len());
}

#[test]
fn cookies_are_read_and_set() {
    let (server, _gate) = support::start();
    let mut res = agent()
        .get(url(&server, "/cookie"))
        .header("Cookie", "theme=dark; visits=41")
        .call()
        .unwrap();
    assert_eq!(res.headers()["set-cookie"], "visits=42; Path=/; HttpOnly");
    assert_eq!(res.body_mut().read_to_string().unwrap(), "visits=41");
}

#[test]
fn the_handler_sees_the_peer_address() {
    let (server, _gate) = support::start();
    let mut res = agent().get(url(&server, "/peer")).call().unwrap();
    let peer: std::net::SocketAddr = res.body_mut().read_to_string().unwrap().parse().unwrap();
    assert!(peer.ip().is_loopback());
    assert_ne!(peer.port(), server.addr().port());
}

#[test]
fn html_and_redirect_helpers_set_their_headers() {
    let (server, _gate) = support::start();
    let agent = agent();
    let res = agent.get(url(&server, "/html")).call().unwrap();
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let res = agent.get(url(&server, "/redirect")).call().unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/hello/again");
}

#[test]
fn the_timing_middleware_adds_server_timing() {
    let (server, _gate) = support::start();
    let res = agent().get(url(&server, "/hello/t")).call().unwrap();
    let timing = res.headers()["server-timing"].to_str().unwrap();
    assert!(timing.starts_with("app;dur="), "{timing}");
}

#[test]
fn one_agent_reuses_its_connection() {
    let (server, _gate) = support::start();
    let agent = agent();
    for i in 0..20 {
        let mut res = agent
            .get(url(&server, &format!("/hello/{i}")))
            .call()
            .unwrap();
        assert_eq!(
            res.body_mut().read_to_string().unwrap(),
            format!("Hello, {i}!")
        );
    }
    assert_eq!(
        server.stats().accepted,
        1,
        "ureq pools keep-alive connections"
    );
}
