//! The app layer over real sockets: an App served by step 07's loop, its
//! access log, its middleware, and the `step08` binary with its settings.

use std::io::{Read, Write};
use std::process::Command;
use std::sync::{Arc, Mutex};

use step08::app::{AccessLog, App, Next, Request, RunningApp, Settings};
use step08::response::Response;
use step08::testing::{Answer, ChildServer, connect, exchange};

const STEP08: &str = env!("CARGO_BIN_EXE_step08");

/// A log writer the test can read back.
#[derive(Clone, Default)]
struct SharedLog(Arc<Mutex<Vec<u8>>>);

impl Write for SharedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedLog {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// `app` served on 127.0.0.1:0, with a client's helpers.
struct Served(RunningApp);

fn serve(app: App) -> Served {
    Served(
        app.spawn(&Settings::defaults())
            .expect("serve on 127.0.0.1:0"),
    )
}

impl Served {
    #[track_caller]
    fn get(&self, target: &str) -> Answer {
        self.send(&format!(
            "GET {target} HTTP/1.1\r\nConnection: close\r\n\r\n"
        ))
    }

    #[track_caller]
    fn send(&self, request: &str) -> Answer {
        Answer::parse(&exchange(self.0.addr, request.as_bytes()))
    }

    #[track_caller]
    fn stop(self) {
        self.0.stop();
    }
}

#[test]
fn the_demo_app_answers_hello_404_405_and_redirects_over_a_socket() {
    let served = serve(step08::demo_app(false));
    let hello = served.get("/index/");
    assert_eq!(
        (hello.status, hello.text()),
        (200, "Hello httprs!\n".to_string())
    );
    assert_eq!(hello.header("X-Powered-By"), Some("step08"));
    let missing = served.get("/no-such-page");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("X-Powered-By"),
        Some("step08"),
        "middleware sees 404s too"
    );
    let refused =
        served.send("POST /index/ HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(
        (refused.status, refused.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    let moved = served.get("/index");
    assert_eq!(
        (moved.status, moved.header("Location")),
        (308, Some("/index/"))
    );
    let head = served.send("HEAD /index/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(
        (head.header("Content-Length"), head.body.len()),
        (Some("14"), 0)
    );
    served.stop();
}

#[test]
fn the_access_log_has_one_line_per_request_with_client_status_bytes_and_time() {
    let log = SharedLog::default();
    let app =
        App::new()
            .wrap(AccessLog::to_writer(log.clone()))
            .get("/hello/{name}", |req: &Request| {
                Response::text(format!(
                    "Hello, {}!\n",
                    req.param("name").unwrap_or_default()
                ))
            });
    let served = serve(app);
    // Two requests on one kept-alive connection, then a 404 and a HEAD.
    let mut stream = connect(served.0.addr);
    let local = stream.local_addr().unwrap();
    stream
        .write_all(b"GET /hello/ann?x=1 HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nHEAD /hello/bo HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    served.stop();
    let lines = log.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let expected_tail = [
        format!("] {local} \"GET /hello/ann?x=1\" 200 12 "),
        format!("] {local} \"GET /nope\" 404 "),
        format!("] {local} \"HEAD /hello/bo\" 200 0 "),
    ];
    for (line, tail) in lines.iter().zip(&expected_tail) {
        assert!(line.starts_with('[') && line.contains(" GMT] "), "{line}");
        assert!(line.contains(tail.as_str()), "{line} should contain {tail}");
        assert!(line.ends_with("ms"), "{line}");
    }
}

#[test]
fn a_panicking_handler_costs_one_500_and_the_log_still_sees_it() {
    let log = SharedLog::default();
    let app = App::new()
        .wrap(AccessLog::to_writer(log.clone()))
        .get("/boom", |_: &Request| panic!("a bug in a handler"))
        .get("/fine", |_: &Request| Response::text("fine"));
    let served = serve(app);
    assert_eq!(served.get("/boom").status, 500);
    assert_eq!(served.get("/fine").text(), "fine");
    served.stop();
    assert!(
        log.lines()[0].contains("\"GET /boom\" 500 "),
        "{:?}",
        log.lines()
    );
}

#[test]
fn middleware_short_circuits_before_the_handler_over_a_socket() {
    let app = App::new()
        .wrap(|req: &mut Request, next: Next<'_>| {
            if req.query("key") != Some("open-sesame") {
                return Response::text("403: no key\n").with_status(403);
            }
            next.run(req)
        })
        .get("/vault", |_: &Request| Response::text("gold"));
    let served = serve(app);
    assert_eq!(served.get("/vault").status, 403);
    assert_eq!(served.get("/vault?key=open-sesame").text(), "gold");
    served.stop();
}

#[test]
fn the_binary_says_hello_at_index() {
    let server = ChildServer::spawn(STEP08, &[]);
    let answer = Answer::parse(&exchange(
        server.addr,
        b"GET /index/ HTTP/1.1\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(answer.text(), "Hello httprs!\n");
}

/// Runs `step08` with `args` and `env`, expecting it to refuse to start.
#[track_caller]
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(STEP08)
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run step08");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "nothing is served: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bad_setting_stops_the_binary_with_status_2_naming_it_and_its_source() {
    let stderr = refused_start(&[], &[("STEP08_WORKERS", "many")]);
    assert_eq!(
        stderr,
        "error: setting `workers` is \"many\" (from the environment variable STEP08_WORKERS): \
         expected a whole number from 1 to 256\n"
    );
    let dir = std::env::temp_dir().join(format!("step08-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "idle_ms = 0\n").unwrap();
    let stderr = refused_start(&["--settings", file.to_str().unwrap()], &[]);
    assert!(
        stderr.contains("setting `idle_ms` is \"0\" (from the settings file "),
        "{stderr}"
    );
    std::fs::write(&file, "wrokers = 2\n").unwrap();
    let stderr = refused_start(&["--settings", file.to_str().unwrap()], &[]);
    assert!(stderr.contains("unknown setting `wrokers`"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
    let stderr = refused_start(&["--settings", "/no/such/step08.toml"], &[]);
    assert!(
        stderr.starts_with("error: cannot read the settings file /no/such/step08.toml"),
        "{stderr}"
    );
}
