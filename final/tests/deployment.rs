//! The README's recipe for growing past one machine, run for real: one
//! PostgreSQL server, two guestbook instances on it with the same secret
//! key, and a real nginx in front using the repository's own
//! `final/examples/demo/deploy/nginx.conf`; then the same with
//! `httprs-front` and two backends instead of nginx.
//!
//! Visitors sign the book through the front while one instance is killed
//! (SIGKILL, as a crash or a pulled cable would) in the middle of the load.
//! Afterwards: every post that was answered `303` is in the database once,
//! no request hung, the only failures are `502`s (or a dropped connection)
//! of requests in flight when the instance died, and the survivor answers
//! every request after.
//!
//! Everything runs on loopback, on ports the kernel picked, and stops at the
//! end: PostgreSQL and nginx on their leashes (`support/postgres.rs`,
//! `support/nginx.rs`), the instances killed when their [`Process`] drops.
//! Where PostgreSQL or nginx is not installed these tests say so loudly and
//! return; under `CI=true` they fail instead.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::process::{Process, example_exe};

/// The nginx file the README tells a user to install, as the test reads it.
const NGINX_CONF: &str = include_str!("../examples/demo/deploy/nginx.conf");

/// The secret key of every instance: the same on all, so that a session
/// cookie signed by one is valid on the other.
const SECRET_KEY: &str = "a deployment test key, 32 bytes at least, never used for real";

/// The split key the front and its backends share in split mode (HTTP-mode
/// instances have it too, and do not use it).
const SPLIT_KEY: &str = "a deployment test split key, as long as a real one";

/// The environment every guestbook instance and backend runs with, in one
/// place: production mode, one database, one key. The access log stays on:
/// its lines show that both instances took their share of the load.
fn instance_env(database: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HTTPRS_DATABASE", database.to_string()),
        ("HTTPRS_DEBUG", "false".to_string()),
        ("HTTPRS_ACCESS_LOG", "true".to_string()),
        ("HTTPRS_SECRET_KEY", SECRET_KEY.to_string()),
        ("HTTPRS_SPLIT_KEY", SPLIT_KEY.to_string()),
        // The recipe's line: nginx's address (here loopback's) is trusted,
        // so its X-Forwarded-For names the visitor. Nobody else's is.
        ("HTTPRS_TRUSTED_PROXIES", "127.0.0.1".to_string()),
    ]
}

/// Starts the demo with `args` (`--backend` for split mode) on `database`.
fn start_instance(database: &str, args: &[&str]) -> Process {
    let env = instance_env(database);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Process::spawn(&example_exe("demo"), args, &env)
}

/// The guestbook's static folder in the checkout: what the split front
/// serves (it runs as the test's user), and what is copied for nginx.
fn static_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/static/").to_string()
}

/// [`NGINX_CONF`] with the test's addresses in place of the file's example
/// hosts (`app1:7777`, `app2:7777`), port (`listen 80`) and static folder
/// (`/srv/guestbook/static/`; `published`, a copy open to all users, as the
/// recipe has an operator make: see `support::nginx::published`).
/// Each must be in the file exactly once: a file that drifted fails here,
/// instead of quietly running with one of its example values.
fn nginx_site(listen: SocketAddr, upstreams: [SocketAddr; 2], published: &Path) -> String {
    let mut site = NGINX_CONF.to_string();
    for (from, to) in [
        ("server app1:7777;", format!("server {};", upstreams[0])),
        ("server app2:7777;", format!("server {};", upstreams[1])),
        ("listen 80;", format!("listen {listen};")),
        (
            "/srv/guestbook/static/",
            format!("{}/", published.display()),
        ),
    ] {
        assert_eq!(
            site.matches(from).count(),
            1,
            "nginx.conf should hold {from:?} once"
        );
        site = site.replace(from, &to);
    }
    site
}

#[test]
fn the_readme_shows_the_nginx_file_the_deployment_test_runs() {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("```nginx\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has an ```nginx block");
    assert_eq!(
        block, NGINX_CONF,
        "README.md's nginx block and final/examples/demo/deploy/nginx.conf differ"
    );
    // Every example value the test replaces is there, once.
    let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let site = nginx_site(addr, [addr, addr], Path::new("/somewhere"));
    assert!(!site.contains("app1") && !site.contains("/srv/"), "{site}");
}

// --- a browser, with bounded waits and failures as values -----------------

/// How long a client waits for any one reply: past it, the request hung.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// What one request came to.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Status(u16),
    /// Refused, reset or closed without a reply.
    Dropped(String),
    /// No reply within [`CLIENT_TIMEOUT`].
    Hung,
}

/// One reply: its status, its first `Set-Cookie` pair, its `X-Request-Id`
/// and its body.
struct Answer {
    status: u16,
    cookie: Option<String>,
    request_id: Option<String>,
    body: String,
    /// The body as it came, for the bytes that are no text (a picture).
    raw_body: Vec<u8>,
}

/// Sends `raw` on a new connection (from loopback address `from`, if
/// given) and reads the reply to the close (the requests say
/// `Connection: close`).
fn send(addr: SocketAddr, from: Option<Ipv4Addr>, raw: &[u8]) -> Result<Answer, Outcome> {
    let dropped = |err: std::io::Error| match err.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Outcome::Hung,
        _ => Outcome::Dropped(err.to_string()),
    };
    let mut stream = match from {
        Some(from) => support::connect_from(from, addr),
        None => TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT).map_err(dropped)?,
    };
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.write_all(raw).map_err(dropped)?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).map_err(dropped)?;
    let raw_body = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or_else(Vec::new, |at| bytes[at + 4..].to_vec());
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| Outcome::Dropped(format!("no whole head: {text:?}")))?;
    let status = head
        .get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| Outcome::Dropped(format!("no status: {head:?}")))?;
    let field = |wanted: &str| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case(wanted)
                .then(|| value.trim().to_string())
        })
    };
    let cookie = field("set-cookie").map(|set| set.split(';').next().unwrap_or("").to_string());
    Ok(Answer {
        status,
        cookie,
        request_id: field("x-request-id"),
        body: body.to_string(),
        raw_body,
    })
}

/// A visitor's browser on the site at `addr`: the headers a browser sends
/// with a same-site form (`Host` and `Origin` naming the address it typed,
/// which the CSRF check compares), its token cookie, and the page's token;
/// its connections come from loopback address `from` if given.
struct Browser {
    addr: SocketAddr,
    from: Option<Ipv4Addr>,
    cookie: String,
    token: String,
}

impl Browser {
    fn headers(&self) -> String {
        format!(
            "Host: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n",
            addr = self.addr,
            cookie = self.cookie
        )
    }

    /// Opens the page: the token's cookie and the token, as a browser keeps them.
    fn open(addr: SocketAddr) -> Browser {
        Browser::open_from(addr, None)
    }

    /// [`Browser::open`] from loopback address `from`.
    fn open_from(addr: SocketAddr, from: Option<Ipv4Addr>) -> Browser {
        let mut browser = Browser {
            addr,
            from,
            cookie: String::new(),
            token: String::new(),
        };
        let page = browser.get("/").expect("the page, through the front");
        assert_eq!(page.status, 200, "{}", page.body);
        browser.cookie = page.cookie.expect("the CSRF token's cookie");
        let at = page
            .body
            .find(r#"name="csrf_token" value=""#)
            .expect("the form's token")
            + r#"name="csrf_token" value=""#.len();
        let end = page.body[at..]
            .find('"')
            .expect("the token's closing quote");
        browser.token = page.body[at..at + end].to_string();
        browser
    }

    fn get(&self, path: &str) -> Result<Answer, Outcome> {
        send(
            self.addr,
            self.from,
            format!("GET {path} HTTP/1.1\r\n{}\r\n", self.headers()).as_bytes(),
        )
    }

    /// Signs the book with the page's form, as the browser posts it.
    fn sign(&self, name: &str, message: &str) -> Result<Answer, Outcome> {
        let body = format!("name={name}&message={message}");
        self.post_form("/", "", &body)
    }

    /// Posts `body` and the page's token to `path`, with `extra` header
    /// lines (each ending in CR LF) among the browser's own.
    fn post_form(&self, path: &str, extra: &str, body: &str) -> Result<Answer, Outcome> {
        let body = format!("{body}&csrf_token={}", self.token);
        send(
            self.addr,
            self.from,
            format!(
                "POST {path} HTTP/1.1\r\n{headers}{extra}Origin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n{body}",
                headers = self.headers(),
                addr = self.addr,
                len = body.len()
            )
            .as_bytes(),
        )
    }

    /// Signs with a picture: the page's form as a browser sends it with a
    /// file chosen (`multipart/form-data`, the token among the fields).
    fn sign_with_picture(&self, name: &str, picture: &[u8]) -> Result<Answer, Outcome> {
        let mut body = Vec::new();
        for (field, value) in [
            ("name", name),
            ("message", "With a picture"),
            ("csrf_token", &self.token),
        ] {
            body.extend_from_slice(
                format!("--b0undary\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            b"--b0undary\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"me.png\"\r\n\
              Content-Type: image/png\r\n\r\n",
        );
        body.extend_from_slice(picture);
        body.extend_from_slice(b"\r\n--b0undary--\r\n");
        let mut raw = format!(
            "POST / HTTP/1.1\r\n{headers}Origin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\n\
             Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: {len}\r\n\r\n",
            headers = self.headers(),
            addr = self.addr,
            len = body.len()
        )
        .into_bytes();
        raw.extend_from_slice(&body);
        send(self.addr, self.from, &raw)
    }
}

fn outcome(result: &Result<Answer, Outcome>) -> Outcome {
    match result {
        Ok(answer) => Outcome::Status(answer.status),
        Err(outcome) => outcome.clone(),
    }
}

// --- the load, the kill, and what must hold afterwards ---------------------

/// One request of the load: what it was, when, and what it came to.
struct Record {
    /// The entry's name for a post; `None` for a GET of the page.
    name: Option<String>,
    started: Instant,
    ended: Instant,
    outcome: Outcome,
}

/// Client threads, each a browser signing and reading the page in turn.
const CLIENTS: usize = 4;
/// Load before the kill, and after it.
const BEFORE_KILL: Duration = Duration::from_millis(800);
const AFTER_KILL: Duration = Duration::from_millis(1000);
/// How long after the kill a request may still fail: the requests in
/// flight, and those the front sent to the dead instance's connections
/// before it noticed they were closed.
const KILL_GRACE: Duration = Duration::from_millis(1000);

/// Loads the site at `front` from [`CLIENTS`] threads, SIGKILLs `victim`
/// in the middle, then checks the outcomes, the survivor and the database.
fn sign_while_one_instance_dies(
    label: &str,
    front: SocketAddr,
    [victim, survivor]: [&mut Process; 2],
    database: &str,
) {
    // Signed once through the front before the load: the cookie and the
    // Origin check work through it.
    let browser = Browser::open(front);
    let first = browser.sign("First", "Before+the+load");
    assert_eq!(outcome(&first), Outcome::Status(303));

    // What they logged until now is not the load's.
    victim.lines_so_far();
    survivor.lines_so_far();

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let stop = stop.clone();
            let browser = Browser::open(front);
            thread::spawn(move || {
                let mut records = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("c{client}-{n}");
                    n += 1;
                    let started = Instant::now();
                    let signed = browser.sign(&name, "Under+load");
                    records.push(Record {
                        name: Some(name),
                        started,
                        ended: Instant::now(),
                        outcome: outcome(&signed),
                    });
                    let started = Instant::now();
                    let page = browser.get("/");
                    records.push(Record {
                        name: None,
                        started,
                        ended: Instant::now(),
                        outcome: outcome(&page),
                    });
                }
                records
            })
        })
        .collect();
    thread::sleep(BEFORE_KILL);
    let killed_at = Instant::now();
    victim.kill();
    let killed_by = Instant::now();
    thread::sleep(AFTER_KILL);
    stop.store(true, Ordering::Relaxed);
    // Every wait of a client is bounded, so every thread ends.
    let records: Vec<Record> = clients
        .into_iter()
        .flat_map(|client| client.join().expect("a client thread panicked"))
        .collect();

    // Both took posts before the kill, so the kill cut into real traffic.
    for (who, process) in [("the killed instance", victim), ("the survivor", survivor)] {
        let signed = process
            .lines_so_far()
            .iter()
            .filter(|line| line.contains("\"POST / ") && line.contains(" 303 "))
            .count();
        assert!(signed > 0, "{who} signed no entry during the load");
    }

    let mut accepted = vec!["First".to_string()];
    let mut failures = Vec::new();
    for record in &records {
        let expected = if record.name.is_some() { 303 } else { 200 };
        match &record.outcome {
            Outcome::Status(status) if *status == expected => {
                if let Some(name) = &record.name {
                    accepted.push(name.clone());
                }
            }
            Outcome::Hung => panic!("a request hung (no reply within {CLIENT_TIMEOUT:?})"),
            other => failures.push((record, other.clone())),
        }
    }
    let posts = records.iter().filter(|r| r.name.is_some());
    assert!(
        posts.clone().any(|r| r.ended < killed_at) && posts.clone().any(|r| r.started > killed_by),
        "the load ran on both sides of the kill ({} requests)",
        records.len()
    );
    for (record, failure) in &failures {
        assert!(
            matches!(failure, Outcome::Status(502) | Outcome::Dropped(_)),
            "only a 502 or a dropped connection may fail: {failure:?} for {:?}",
            record.name
        );
        assert!(
            record.ended >= killed_at && record.started <= killed_by + KILL_GRACE,
            "a failure ({failure:?}) away from the kill: started {:?} after it",
            record.started.saturating_duration_since(killed_at)
        );
    }
    eprintln!(
        "{label}: {} requests during the load, {} posts accepted, {} failed at the kill: {:?}",
        records.len(),
        accepted.len() - 1,
        failures.len(),
        failures.iter().map(|(_, f)| f).collect::<Vec<_>>()
    );

    // The survivor answers everything now, posts included.
    for n in 0..25 {
        let name = format!("after-{n}");
        assert_eq!(
            outcome(&browser.sign(&name, "After+the+kill")),
            Outcome::Status(303)
        );
        accepted.push(name);
        let page = browser.get("/");
        assert_eq!(outcome(&page), Outcome::Status(200));
        assert!(page.unwrap().body.contains("After the kill"));
    }

    // Every accepted post is in the database exactly once, and nothing is
    // there that was not posted (a post that failed at the kill may or may
    // not have been stored before the instance died: both are fine).
    let mut client = postgres::Client::connect(database, postgres::NoTls)
        .expect("connect to the test's PostgreSQL");
    let rows = client
        .query("SELECT name, count(*) FROM entries GROUP BY name", &[])
        .unwrap();
    let stored: std::collections::HashMap<String, i64> = rows
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, i64>(1)))
        .collect();
    for name in &accepted {
        assert_eq!(stored.get(name), Some(&1), "entry {name} stored once");
    }
    let posted: std::collections::HashSet<&str> = records
        .iter()
        .filter_map(|r| r.name.as_deref())
        .chain(accepted.iter().map(String::as_str))
        .collect();
    for (name, count) in &stored {
        assert!(posted.contains(name.as_str()), "{name} was never posted");
        assert_eq!(*count, 1, "{name} stored {count} times");
    }
}

#[test]
fn two_instances_behind_nginx_lose_one_and_keep_every_accepted_post() {
    let Some(database) = support::postgres::database("deployment_nginx") else {
        return;
    };
    let mut first = start_instance(&database, &["--addr", "127.0.0.1:0"]);
    let mut second = start_instance(&database, &["--addr", "127.0.0.1:0"]);
    // The recipe's step: the static files copied where nginx's user reads them.
    let published = support::nginx::published(Path::new(&static_dir()));
    let Some(nginx) = support::nginx::start("deployment", |listen| {
        nginx_site(listen, [first.addr, second.addr], published.path())
    }) else {
        return;
    };
    // The static files come from disk, through nginx.
    let browser = Browser::open(nginx.addr);
    let css = browser.get("/static/style.css").unwrap();
    assert_eq!(css.status, 200, "{}", nginx.error_log());
    let on_disk = std::fs::read_to_string(static_dir() + "style.css").unwrap();
    assert_eq!(css.body, on_disk);
    // Why the file says `Host $http_host`: with `$host` nginx drops the
    // port, and the same browser's form no longer names the site it was
    // sent to (Origin 127.0.0.1:PORT, Host 127.0.0.1): refused.
    let portless = support::nginx::start("deployment", |listen| {
        let site = nginx_site(listen, [first.addr, second.addr], published.path());
        assert!(site.contains("Host $http_host;"), "{site}");
        site.replace("Host $http_host;", "Host $host;")
    })
    .expect("nginx started a moment ago");
    let refused = Browser::open(portless.addr).sign("Eve", "Portless");
    assert_eq!(outcome(&refused), Outcome::Status(403));
    drop(portless);

    visitors_behind_nginx_are_told_apart(nginx.addr, [&mut first, &mut second]);

    sign_while_one_instance_dies("nginx", nginx.addr, [&mut first, &mut second], &database);

    // Then, on the instance left, a picture over nginx's default 1 MiB
    // body limit: the file's `client_max_body_size` lets the guestbook's
    // own 2 MiB limit decide, and the picture comes back through nginx,
    // byte for byte. (Both instances run in one folder here, so they share
    // `media/`; on several hosts it must be shared storage, as README says.)
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.resize(1536 * 1024, 7);
    let signed = browser.sign_with_picture("Pia", &picture);
    assert_eq!(
        outcome(&signed),
        Outcome::Status(303),
        "{}",
        nginx.error_log()
    );
    let page = browser.get("/").unwrap().body;
    let at = page
        .find("/media/")
        .expect("the entry's picture on the page");
    let url = &page[at..at + page[at..].find('"').unwrap()];
    let served = browser.get(url).unwrap();
    assert_eq!(served.status, 200, "{url}");
    assert!(served.raw_body == picture, "the picture came back changed");
}

/// Behind nginx, with `trusted_proxies` naming it, each visitor is counted
/// as itself: two browsers from two loopback addresses, one guessing
/// passwords (and claiming other addresses in a header of its own) until
/// both instances refuse it, the other still let in to try; the instances'
/// logs name each by its address, and nginx's request id is on the
/// response and in the access log.
fn visitors_behind_nginx_are_told_apart(nginx: SocketAddr, mut instances: [&mut Process; 2]) {
    let (a_ip, b_ip) = (Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3));
    let a = Browser::open_from(nginx, Some(a_ip));
    let b = Browser::open_from(nginx, Some(b_ip));
    let mut lines: Vec<String> = Vec::new();
    for instance in instances.iter_mut() {
        instance.lines_so_far();
    }
    // Until both instances have answered 429 to `a` (each counts alone, in
    // memory; nginx spreads the guesses over them, not always evenly).
    let locked_out = |lines: &[String], instance: usize| {
        let tag = format!("instance{instance} ");
        lines
            .iter()
            .any(|l| l.starts_with(&tag) && l.contains("\"POST /login HTTP/1.1\" 429"))
    };
    let mut guesses = 0;
    while !(locked_out(&lines, 0) && locked_out(&lines, 1)) {
        assert!(
            guesses < 40,
            "no lock-out on both instances after {guesses} guesses"
        );
        let spoof = format!("X-Forwarded-For: 9.9.9.{guesses}\r\n");
        let reply = a
            .post_form(
                "/login",
                &spoof,
                &format!("name=ada&password=guess{guesses}"),
            )
            .unwrap();
        assert!(matches!(reply.status, 403 | 429), "{}", reply.status);
        guesses += 1;
        // Each instance's lines so far, tagged with which one said them.
        for (i, instance) in instances.iter_mut().enumerate() {
            lines.extend(
                instance
                    .lines_so_far()
                    .into_iter()
                    .map(|l| format!("instance{i} {l}")),
            );
        }
    }
    // The other visitor is not locked out by the first one's guesses:
    // four tries (fewer than five on either instance) are each only wrong.
    for i in 0..4 {
        let reply = b
            .post_form("/login", "", &format!("name=ada&password=b{i}"))
            .unwrap();
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert!(reply.body.contains("Wrong name or password."));
    }
    for (i, instance) in instances.iter_mut().enumerate() {
        lines.extend(
            instance
                .lines_so_far()
                .into_iter()
                .map(|l| format!("instance{i} {l}")),
        );
    }
    // Who the instances saw: each browser by its address; never nginx's,
    // never the address `a` claimed.
    let failed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("failed login"))
        .collect();
    assert!(
        failed.iter().any(|l| l.ends_with(&format!("from {a_ip}"))),
        "{failed:#?}"
    );
    assert!(
        failed.iter().any(|l| l.ends_with(&format!("from {b_ip}"))),
        "{failed:#?}"
    );
    assert!(
        failed
            .iter()
            .all(|l| l.ends_with(&format!("from {a_ip}")) || l.ends_with(&format!("from {b_ip}"))),
        "{failed:#?}"
    );
    // nginx's `$request_id` (32 hex digits) is the request's id: on the
    // response, and in the line the instance logged for it.
    let page = a.get("/").unwrap();
    let id = page.request_id.expect("an X-Request-Id through nginx");
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    // The line is written before the reply leaves; its reader thread may
    // pass it on a moment later: a bounded wait.
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    let logged = loop {
        let found = instances
            .iter_mut()
            .flat_map(|instance| instance.lines_so_far())
            .find(|l| l.contains(&id));
        match found {
            Some(line) => break line,
            None if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            None => panic!("no access log line with {id}"),
        }
    };
    assert!(
        logged.contains(&format!("{a_ip} \"GET / HTTP/1.1\" 200")),
        "{logged}"
    );
}

#[test]
fn split_mode_loses_a_backend_and_keeps_every_accepted_post() {
    let Some(database) = support::postgres::database("deployment_split") else {
        return;
    };
    let backend_args = ["--backend", "--addr", "127.0.0.1:0"];
    let mut first = start_instance(&database, &backend_args);
    let mut second = start_instance(&database, &backend_args);
    let front = support::process::front(
        &[first.addr, second.addr],
        &["--static", &format!("/static={}", static_dir())],
        &[("HTTPRS_SPLIT_KEY", SPLIT_KEY)],
    );
    sign_while_one_instance_dies(
        "httprs-front",
        front.addr,
        [&mut first, &mut second],
        &database,
    );
}
