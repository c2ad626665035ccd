//! The forwarder driven as its event loop drives it (start, flush, the
//! poll's events, the sweep), against fake backends: threads on loopback
//! ports that read the request frames and answer, die or keep silent as
//! each test scripts them. No HTTP client and no server: what comes out is
//! the `Finished` the loop would encode for its client.

use std::net::TcpListener;
use std::thread::JoinHandle;

use mio::{Events, Poll};

use super::*;
use crate::split::protocol::{self, Message};

const BASE: usize = 1 << 20;

/// What a fake backend does with each request frame.
#[derive(Clone, Copy)]
enum Script {
    /// Answers it with this status.
    Answer(u16),
    /// Closes the connection without a word, the frame read.
    Die,
    /// Reads it and says nothing, until the front closes.
    Hold,
}

/// A fake backend on a loopback port that serves one connection, up to
/// `frames` request frames; its thread returns the requests it read.
fn backend(frames: usize, script: Script) -> (String, JoinHandle<Vec<protocol::Request>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let thread = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        // Bounded: a test that goes wrong ends, it does not hang.
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut seen = Vec::new();
        while seen.len() < frames {
            let Ok(Some(Message::Request(req))) = protocol::read_frame(&mut stream) else {
                break;
            };
            let id = req.id;
            seen.push(req);
            match script {
                Script::Answer(status) => {
                    let reply = Message::Response(protocol::Response {
                        id,
                        status,
                        headers: vec![("X-From".into(), "backend".into())],
                        body: b"from the backend".to_vec(),
                    });
                    protocol::write_frame(&mut stream, &reply).unwrap();
                }
                Script::Die => break,
                Script::Hold => {
                    let _ = protocol::read_frame(&mut stream);
                    break;
                }
            }
        }
        seen
    });
    (addr, thread)
}

/// An address where nothing listens: a port just closed.
fn nobody() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn forwarder(backends: &[&str]) -> Forwarder {
    let proxy = Proxy::new(backends.iter().copied(), Duration::from_secs(30));
    Forwarder::new(Arc::new(proxy), BASE)
}

fn client(slot: usize) -> ReplyTo {
    ReplyTo {
        slot,
        id: 1,
        framing: ResponseFraming {
            head_only: false,
            keep_alive: true,
            minor_version: 1,
        },
    }
}

/// Turns of the loop, as far as the forwarder is concerned, until it
/// has an answer; at most five seconds.
#[track_caller]
fn answer(poll: &mut Poll, fw: &mut Forwarder) -> Finished {
    let mut events = Events::with_capacity(64);
    let give_up = Instant::now() + Duration::from_secs(5);
    loop {
        while fw.flush(poll.registry(), Instant::now()) {}
        if let Some(done) = fw.finished.pop() {
            return done;
        }
        assert!(Instant::now() < give_up, "no answer within 5 s");
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .unwrap();
        for event in events.iter() {
            let readable = event.is_readable() || event.is_read_closed() || event.is_error();
            let (token, closed) = (event.token().0, event.is_read_closed());
            assert!(fw.owns(token), "an event for a token not ours: {token}");
            fw.event(poll.registry(), token, readable, closed, Instant::now());
        }
    }
}

#[test]
fn a_request_goes_out_with_forwarded_fields_and_the_reply_comes_back_to_its_client() {
    let (addr, thread) = backend(1, Script::Answer(201));
    let mut poll = Poll::new().unwrap();
    let mut fw = forwarder(&[&addr]);
    let req = Request::new("POST", "/notes?x=1")
        .with_header("X-Forwarded-Proto", "https")
        .with_body("hello");
    fw.start(poll.registry(), &req, client(7), Instant::now());
    let done = answer(&mut poll, &mut fw);
    assert_eq!(done.client.slot, 7);
    assert_eq!(done.res.status().code(), 201);
    assert_eq!(done.res.header("x-from"), Some("backend"));
    assert_eq!(done.res.body(), b"from the backend");
    assert_eq!(
        (done.method.as_str(), done.path.as_str()),
        ("POST", "/notes")
    );
    let seen = thread.join().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].path.as_str(), seen[0].query.as_str()),
        ("/notes", "x=1")
    );
    assert_eq!(seen[0].body, b"hello");
    // The client's own X-Forwarded-Proto is replaced, never passed on.
    let protos: Vec<_> = (seen[0].headers.iter())
        .filter(|(name, _)| name.eq_ignore_ascii_case("x-forwarded-proto"))
        .map(|(_, value)| value.as_str())
        .collect();
    assert_eq!(protos, ["http"]);
}

#[test]
fn a_backend_that_refuses_is_skipped_and_the_next_one_answers() {
    let (live, thread) = backend(1, Script::Answer(200));
    let mut poll = Poll::new().unwrap();
    // Round robin starts at the first: the one that refuses.
    let mut fw = forwarder(&[&nobody(), &live]);
    fw.start(
        poll.registry(),
        &Request::new("POST", "/"),
        client(0),
        Instant::now(),
    );
    let done = answer(&mut poll, &mut fw);
    assert_eq!(done.res.status().code(), 200, "{}", done.res.body_text());
    assert_eq!(thread.join().unwrap().len(), 1);
    assert!(
        fw.proxy.backends[0].claim().is_none(),
        "the refusing backend is down for the next requests"
    );
}

#[test]
fn with_every_backend_down_the_answer_is_a_502_that_says_so() {
    let mut poll = Poll::new().unwrap();
    let mut fw = forwarder(&[&nobody()]);
    fw.start(
        poll.registry(),
        &Request::new("GET", "/"),
        client(0),
        Instant::now(),
    );
    let done = answer(&mut poll, &mut fw);
    assert_eq!(done.res.status().code(), 502);
    assert!(
        done.res.body_text().contains("all 1 are down"),
        "{}",
        done.res.body_text()
    );
}

#[test]
fn a_get_whose_backend_died_with_it_is_resent_once_elsewhere() {
    let (dying, died) = backend(1, Script::Die);
    let (live, answered) = backend(1, Script::Answer(200));
    let mut poll = Poll::new().unwrap();
    let mut fw = forwarder(&[&dying, &live]);
    fw.start(
        poll.registry(),
        &Request::new("GET", "/"),
        client(0),
        Instant::now(),
    );
    let done = answer(&mut poll, &mut fw);
    assert_eq!(done.res.status().code(), 200, "{}", done.res.body_text());
    assert_eq!(died.join().unwrap().len(), 1, "the first backend read it");
    assert_eq!(
        answered.join().unwrap().len(),
        1,
        "and the second answered it"
    );
}

#[test]
fn a_post_whose_backend_died_with_it_is_a_502_not_sent_twice() {
    let (dying, died) = backend(1, Script::Die);
    let mut poll = Poll::new().unwrap();
    // One backend: a resent GET would end "all 1 are down" (see above).
    let mut fw = forwarder(&[&dying]);
    fw.start(
        poll.registry(),
        &Request::new("POST", "/pay"),
        client(0),
        Instant::now(),
    );
    let done = answer(&mut poll, &mut fw);
    assert_eq!(done.res.status().code(), 502);
    assert!(
        done.res.body_text().contains("failed while answering"),
        "{}",
        done.res.body_text()
    );
    assert_eq!(died.join().unwrap().len(), 1);
}

#[test]
fn a_reply_later_than_the_timeout_is_a_504_and_its_connection_is_closed() {
    let (silent, held) = backend(1, Script::Hold);
    let poll = Poll::new().unwrap();
    let mut fw = forwarder(&[&silent]);
    let start = Instant::now();
    fw.start(
        poll.registry(),
        &Request::new("GET", "/slow"),
        client(3),
        start,
    );
    while fw.flush(poll.registry(), start) {}
    // No waiting: the sweep is told the time is past the deadline.
    fw.sweep(poll.registry(), start + Duration::from_secs(31));
    let done = fw.finished.pop().expect("an answer from the sweep");
    assert_eq!(done.client.slot, 3);
    assert_eq!(done.res.status().code(), 504);
    assert!(
        fw.conns.iter().all(Option::is_none),
        "its connection is closed"
    );
    // The backend sees the close: its thread ends.
    assert_eq!(held.join().unwrap().len(), 1);
}
