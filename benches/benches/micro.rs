//! Micro benches: the pieces on a request's hot path, one at a time.
//!
//! - `parse_request`: a request head parsed by `httparse` (borrowing, no
//!   allocation, SIMD where the CPU has it), by the hand-written parser of
//!   exercise 03's reference solution (borrowing, one `Vec` for the headers,
//!   lookup tables, no SIMD), and by step 02's `parse_head` (httparse, then
//!   every field copied into owned `String`s: what convenience costs), and
//!   by httprs's `RequestDecoder` (httparse plus limits, framing and the
//!   smuggling checks, into an owned request, as a connection uses it).
//! - `serialise_response`: step 03's `Response::to_bytes`, which formats the
//!   status line, headers and an HTTP date on every call.
//! - `frame`: step 06's protocol: a request or response as a length-prefixed
//!   JSON frame (`encode`), and back (`decode`).
//! - `dispatch`: handing jobs to a thread pool and waiting for them: the
//!   `threadpool` crate against step 04's `ThreadPool` (same worker count;
//!   step 04's queue is bounded, so a full queue makes `execute` wait).
//! - `render_page`: TechEmpower's fortunes page (13 rows, one to escape),
//!   from the one template file `benches/tfb/templates/fortunes.html`, by
//!   httprs's minijinja `Templates::render` (an interpreter: the rows turned
//!   into its values, then the template walked) and by `Response::page`
//!   (askama: the template compiled into this bench).
//!
//! Run with `cargo bench -p benches --bench micro`.

use std::hint::black_box;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Exercise 03's reference solution, whose `parse_request_head` is a
/// hand-written request-head parser, compiled straight into this bench.
///
/// Not through `exercises = { features = ["solutions"] }`: features are
/// unified across a workspace build, so that dependency would switch
/// `solutions` on for `cargo test --workspace` too, and the exercise tests
/// would then check the reference solutions instead of the learner's files.
#[path = "../../exercises/solutions/ex03_request_line.rs"]
#[allow(dead_code)] // the bench uses the parser, not every helper around it
mod ex03_reference;

/// What `curl` sends: three headers.
const CURL_HEAD: &[u8] =
    b"GET /hello/ferris HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

/// What a browser sends for a page: eleven headers, about 600 bytes.
const BROWSER_HEAD: &[u8] = b"GET /articles/2026/11/building-a-web-server?ref=home HTTP/1.1\r\n\
Host: 127.0.0.1:7878\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-GB,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Connection: keep-alive\r\n\
Referer: http://127.0.0.1:7878/\r\n\
Cookie: session=4f2a9c1e8b7d6a5f4e3d2c1b0a998877; theme=dark\r\n\
Upgrade-Insecure-Requests: 1\r\n\
Sec-Fetch-Dest: document\r\n\
Sec-Fetch-Mode: navigate\r\n\
\r\n";

fn parse_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_request");
    for (name, head) in [("curl", CURL_HEAD), ("browser", BROWSER_HEAD)] {
        group.throughput(Throughput::Bytes(head.len() as u64));
        group.bench_with_input(BenchmarkId::new("httparse", name), head, |b, head| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut request = httparse::Request::new(&mut headers);
                let status = request.parse(black_box(head)).expect("valid head");
                // Use the result, or the optimiser may skip the work.
                black_box((status, request.path, request.headers.len()));
            });
        });
        group.bench_with_input(BenchmarkId::new("hand-written", name), head, |b, head| {
            b.iter(|| {
                match ex03_reference::parse_request_head(black_box(head)) {
                    Ok(ex03_reference::Status::Complete(parsed)) => black_box(parsed),
                    other => panic!("valid head, got {other:?}"),
                };
            });
        });
        group.bench_with_input(BenchmarkId::new("step02", name), head, |b, head| {
            b.iter(|| step02::request::parse_head(black_box(head)).expect("valid head"));
        });
        group.bench_with_input(BenchmarkId::new("httprs", name), head, |b, head| {
            use httprs::dev::{InputBuffer, Limits, RequestDecoder};
            b.iter(|| {
                // As a connection does it: bytes into the buffer, a whole
                // request (owned head and body, limits checked) out.
                let mut buffer = InputBuffer::new();
                buffer.extend(black_box(head));
                RequestDecoder::new(Limits::default())
                    .decode(&mut buffer)
                    .expect("valid head")
                    .expect("complete head")
            });
        });
    }
    group.finish();
}

fn serialise_response(c: &mut Criterion) {
    use step03::response::Response;
    let mut group = c.benchmark_group("serialise_response");
    let page = "<p>httprs</p>\n".repeat(146); // about 2 KiB, like step 03's home page
    let cases = [
        ("text-13B", Response::text("Hello, world!")),
        ("html-2KiB", Response::html(page)),
    ];
    for (name, response) in cases {
        group.bench_with_input(
            BenchmarkId::new("step03", name),
            &response,
            |b, response| {
                b.iter(|| black_box(response).to_bytes());
            },
        );
    }
    group.finish();
}

fn frame(c: &mut Criterion) {
    use step06::split::protocol::{self, Message, Request, Response};
    let mut group = c.benchmark_group("frame");
    // What step 06's front sends for `curl http://127.0.0.1:7878/hello/ferris`,
    // and a backend's 2 KiB HTML answer.
    let request = Message::Request(Request {
        id: 42,
        method: "GET".into(),
        path: "/hello/ferris".into(),
        query: String::new(),
        headers: vec![
            ("Host".into(), "127.0.0.1:7878".into()),
            ("User-Agent".into(), "curl/8.5.0".into()),
            ("Accept".into(), "*/*".into()),
        ],
        body: Vec::new(),
    });
    let response = Message::Response(Response {
        id: 42,
        status: 200,
        headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body: "<p>httprs</p>\n".repeat(146).into_bytes(),
    });
    for (name, message) in [("request", &request), ("response-2KiB", &response)] {
        let frame = protocol::encode(message).expect("a small message encodes");
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_with_input(BenchmarkId::new("encode", name), message, |b, message| {
            b.iter(|| protocol::encode(black_box(message)).expect("encodes"));
        });
        group.bench_with_input(BenchmarkId::new("decode", name), &frame, |b, frame| {
            b.iter(|| protocol::decode(black_box(frame)).expect("decodes"));
        });
    }
    group.finish();
}

/// Jobs per iteration: enough that the pool's per-job cost dominates the
/// cost of waking its workers.
const JOBS: usize = 1000;
/// Workers in each pool: the same for both, so only the dispatch differs.
const WORKERS: usize = 4;

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Elements(JOBS as u64));
    // Each job sends one message; the iteration ends when all have arrived,
    // so it measures submit, wake a worker, run, and report back.
    let (done, finished) = mpsc::channel::<()>();
    let report = move |done: Sender<()>| move || done.send(()).expect("bench is listening");

    let pool = threadpool::ThreadPool::new(WORKERS);
    group.bench_function("threadpool-crate", |b| {
        b.iter(|| round_trip(&done, &finished, |done| pool.execute(report(done))));
    });
    // Step 04 as its server runs it: a queue of 32, so `execute` waits
    // whenever the workers fall behind (back-pressure).
    let pool = step04::pool::ThreadPool::new(WORKERS, step04::QUEUE_BOUND);
    group.bench_function("step04", |b| {
        b.iter(|| round_trip(&done, &finished, |done| pool.execute(report(done))));
    });
    // The same pool with room for every job: what the bound costs.
    let pool = step04::pool::ThreadPool::new(WORKERS, JOBS);
    group.bench_function("step04-unbounded", |b| {
        b.iter(|| round_trip(&done, &finished, |done| pool.execute(report(done))));
    });
    group.finish();
}

/// Submits [`JOBS`] jobs, each given a sender to report on, and waits until
/// every one has reported.
fn round_trip(done: &Sender<()>, finished: &Receiver<()>, submit: impl Fn(Sender<()>)) {
    for _ in 0..JOBS {
        submit(done.clone());
    }
    for _ in 0..JOBS {
        finished.recv().expect("a job reports back");
    }
}

/// One row of TechEmpower's `fortune` table.
#[derive(serde::Serialize)]
struct Fortune {
    id: i64,
    message: String,
}

/// The fortunes page, for both engines: minijinja reads `fortunes` by name
/// from the serialized struct, askama's derive compiles the same file.
#[derive(serde::Serialize, httprs::askama::Template)]
#[template(path = "fortunes.html", config = "tfb/askama.toml", askama = httprs::askama)]
struct FortunesPage {
    fortunes: Vec<Fortune>,
}

/// The 12 standard fortunes and the one added at request time, sorted.
fn fortunes() -> Vec<Fortune> {
    let mut all: Vec<Fortune> = [
        "fortune: No such file or directory",
        "A computer scientist is someone who fixes things that aren't broken.",
        "After enough decimal places, nobody gives a damn.",
        "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
        "A computer program does what you tell it to do, not what you want it to do.",
        "Emacs is a nice operating system, but I prefer UNIX. \u{2014} Tom Christaensen",
        "Any program that runs right is obsolete.",
        "A list is only as strong as its weakest link. \u{2014} Donald Knuth",
        "Feature: A bug with seniority.",
        "Computers make very fast, very accurate mistakes.",
        "<script>alert(\"This should not be displayed in a browser alert box.\");</script>",
        "\u{30d5}\u{30ec}\u{30fc}\u{30e0}\u{30ef}\u{30fc}\u{30af}\u{306e}\u{30d9}\u{30f3}\u{30c1}\u{30de}\u{30fc}\u{30af}",
    ]
    .iter()
    .zip(1..)
    .map(|(message, id)| Fortune {
        id,
        message: message.to_string(),
    })
    .collect();
    all.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".to_string(),
    });
    all.sort_by(|a, b| a.message.cmp(&b.message));
    all
}

fn render_page(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_page");
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tfb/templates");
    let templates = httprs::Templates::new(folder);
    let expected = std::fs::read_to_string(format!("{folder}/../fortunes.html")).unwrap();
    // Both must write the page TechEmpower expects (askama's numeric
    // references aside) before either is timed.
    let page = FortunesPage {
        fortunes: fortunes(),
    };
    let interpreted = templates.render("fortunes.html", &page).unwrap();
    let compiled = httprs::Response::page(&page).body_text();
    assert_eq!(
        interpreted
            .replace("&#x27;", "&#39;")
            .replace("&#x2f;", "/"),
        expected
    );
    assert_eq!(
        compiled
            .replace("&#60;", "&lt;")
            .replace("&#62;", "&gt;")
            .replace("&#34;", "&quot;"),
        expected
    );
    // Each run makes the rows too, as a handler does with what it read.
    group.bench_function("minijinja", |b| {
        b.iter(|| {
            let page = FortunesPage {
                fortunes: fortunes(),
            };
            black_box(templates.render("fortunes.html", &page).unwrap())
        })
    });
    group.bench_function("askama", |b| {
        b.iter(|| {
            let page = FortunesPage {
                fortunes: fortunes(),
            };
            black_box(httprs::Response::page(&page))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = parse_request, serialise_response, frame, dispatch, render_page
}
criterion_main!(benches);
