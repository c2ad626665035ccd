//! The forwarder's policy on fake sockets: every connection it opens is a
//! scripted [`FakeSocket`] from a [`FakeDialer`], so a test says exactly
//! when a connect completes, which bytes the backend sends in which reads,
//! when the send buffer is full and when the backend closes, and checks
//! what the forwarder decided: which backend was dialled, under which
//! token, what each client gets back. No thread, no port, no waiting.
//!
//! The tests in `on_loopback.rs` run the same policy against real
//! backends on loopback, and `tests/forwarding.rs` and `tests/split.rs` the whole
//! front; these pin the orderings those cannot force (a reply cut in the
//! middle of its length prefix, a close in the instant between the hello
//! and the welcome, two deadlines ten milliseconds apart).

use super::*;
use crate::config::keys::SecretKey;
use crate::server::backend_conn::MAX_IN_FLIGHT;
use crate::server::fake_socket::{FakeDialer, FakeSocket};
use crate::split::handshake::BackendHandshake;
use crate::split::protocol::{self, Message};

const BASE: usize = 1 << 20;
const A: &str = "10.0.0.1:7001";
const B: &str = "10.0.0.2:7001";

fn forwarder(backends: &[&str], key: Option<&SecretKey>) -> Forwarder<FakeSocket> {
    let proxy = Proxy::new(backends.iter().copied(), Duration::from_secs(30));
    let proxy = match key {
        Some(key) => proxy.with_split_key(key.clone()),
        None => proxy,
    };
    Forwarder::new(Arc::new(proxy), BASE)
}

fn key() -> SecretKey {
    SecretKey::new(*b"a unit test split key, 32 bytes at least").unwrap()
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

/// The socket of connection `conn`, to script it.
#[track_caller]
fn link(fw: &mut Forwarder<FakeSocket>, conn: usize) -> &mut FakeSocket {
    fw.conns[conn]
        .as_mut()
        .expect("an open connection")
        .link_mut()
}

/// The ids of the requests in flight on connection `conn`.
fn ids_on(fw: &Forwarder<FakeSocket>, conn: usize) -> Vec<u64> {
    let up = fw.conns[conn].as_ref().expect("an open connection");
    up.in_flight().map(|f| f.id).collect()
}

/// An event for connection `conn`: readable (and `closed`: with the FIN),
/// or with `readable` false, only writable (a connect that completed, a
/// send buffer with room again).
fn event(
    fw: &mut Forwarder<FakeSocket>,
    dialer: &FakeDialer,
    conn: usize,
    readable: bool,
    closed: bool,
    now: Instant,
) {
    fw.event(dialer, BASE + conn, readable, closed, now);
}

/// The end of the loop's turn: the queued frames leave.
fn flush(fw: &mut Forwarder<FakeSocket>, dialer: &FakeDialer, now: Instant) {
    while fw.flush(dialer, now) {}
}

/// The request frames in `bytes`, decoded.
fn requests_in(mut bytes: &[u8]) -> Vec<protocol::Request> {
    let mut seen = Vec::new();
    while let Some((message, used)) = protocol::decode(bytes).unwrap() {
        let Message::Request(req) = message else {
            panic!("the front sent a reply")
        };
        seen.push(req);
        bytes = &bytes[used..];
    }
    assert!(bytes.is_empty(), "a frame cut short: {} bytes", bytes.len());
    seen
}

/// A backend's reply to request `id`, its body naming it.
fn reply(id: u64, status: u16) -> Vec<u8> {
    protocol::encode(&Message::Response(protocol::Response {
        id,
        status,
        headers: Vec::new(),
        body: format!("reply to {id}").into_bytes(),
    }))
    .unwrap()
}

/// Plays a keyed backend's side of the handshake on connection `conn`:
/// the connect completes, the challenge comes, the front's hello leaves
/// with the frames queued behind it. Returns the welcome to send (or not)
/// and the frames that followed the hello.
fn past_the_challenge(
    fw: &mut Forwarder<FakeSocket>,
    dialer: &FakeDialer,
    conn: usize,
    now: Instant,
) -> (Vec<u8>, Vec<u8>) {
    let (backend, challenge) = BackendHandshake::new(key(), [9; 32]);
    link(fw, conn).up = true;
    event(fw, dialer, conn, false, false, now);
    assert!(
        link(fw, conn).written.is_empty(),
        "nothing before the challenge"
    );
    link(fw, conn).reads.push_back(challenge);
    event(fw, dialer, conn, true, false, now);
    let written = link(fw, conn).written.clone();
    let (welcome, used) = backend.receive(&written).unwrap().expect("a whole hello");
    (welcome, written[used..].to_vec())
}

#[test]
fn a_frame_and_a_reply_cut_anywhere_still_make_one_answer_for_the_right_client() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/cut"), client(4), now);
    flush(fw, dialer, now);
    assert_eq!(
        *dialer.dialled.borrow(),
        [(A.parse().unwrap(), Token(BASE))]
    );
    // The connect completes with a send buffer of ten bytes: the frame
    // leaves in two writes, the second when the socket is writable again.
    let socket = link(fw, 0);
    socket.up = true;
    socket.room = Some(10);
    event(fw, dialer, 0, false, false, now);
    assert_eq!(link(fw, 0).written.len(), 10);
    link(fw, 0).room = None;
    event(fw, dialer, 0, false, false, now);
    let sent = requests_in(&link(fw, 0).written);
    assert_eq!(
        (sent.len(), sent[0].id, sent[0].path.as_str()),
        (1, 1, "/cut")
    );
    // The reply in three wake-ups, each read ending in WouldBlock: three
    // bytes (inside the length prefix), six more, then the rest.
    let bytes = reply(1, 201);
    for piece in [&bytes[..3], &bytes[3..9]] {
        link(fw, 0).reads.push_back(piece.to_vec());
        event(fw, dialer, 0, true, false, now);
        assert!(
            fw.finished.is_empty(),
            "no answer before the reply is whole"
        );
    }
    link(fw, 0).reads.push_back(bytes[9..].to_vec());
    event(fw, dialer, 0, true, false, now);
    let [done] = &fw.finished[..] else {
        panic!("{} answers", fw.finished.len())
    };
    assert_eq!((done.client.slot, done.res.status().code()), (4, 201));
    assert_eq!(done.res.body(), b"reply to 1");
    // The connection stays, idle, for the next request.
    assert!(fw.conns[0].as_ref().is_some_and(BackendConn::is_idle));
}

#[test]
fn replies_in_any_order_go_each_to_the_client_that_asked() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    for (slot, method) in [(1, "GET"), (2, "POST"), (3, "GET")] {
        fw.start(dialer, &Request::new(method, "/"), client(slot), now);
    }
    flush(fw, dialer, now);
    // One connection carries the three: it had room for each.
    assert_eq!(dialer.dialled.borrow().len(), 1);
    assert_eq!(ids_on(fw, 0), [1, 2, 3]);
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    assert_eq!(requests_in(&link(fw, 0).written).len(), 3);
    link(fw, 0)
        .reads
        .push_back([reply(3, 203), reply(1, 201), reply(2, 202)].concat());
    event(fw, dialer, 0, true, false, now);
    let got: Vec<(usize, u16, String)> = (fw.finished.iter())
        .map(|d| (d.client.slot, d.res.status().code(), d.res.body_text()))
        .collect();
    assert_eq!(
        got,
        [
            (3, 203, "reply to 3".to_string()),
            (1, 201, "reply to 1".to_string()),
            (2, 202, "reply to 2".to_string()),
        ]
    );
}

#[test]
fn a_keyed_backend_that_closes_before_its_welcome_sends_even_a_post_to_the_next_backend() {
    let key = key();
    let (fw, dialer, now) = (
        &mut forwarder(&[A, B], Some(&key)),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("POST", "/pay"), client(5), now);
    flush(fw, dialer, now);
    let (_welcome, frames) = past_the_challenge(fw, dialer, 0, now);
    assert_eq!(
        requests_in(&frames).len(),
        1,
        "the frame left behind the hello"
    );
    // It closes instead of welcoming the hello: another key, so it ran nothing.
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    assert!(fw.finished.is_empty(), "no 502: the POST was never run");
    assert!(fw.proxy.backends[0].claim().is_none(), "A is down");
    // The next backend, in the slot (and so under the token) A's connection
    // freed: it was deregistered first, so no stale event can reach B's.
    assert_eq!(dialer.hung_up.get(), 1);
    assert_eq!(
        dialer.dialled.borrow()[1],
        (B.parse().unwrap(), Token(BASE))
    );
    let (welcome, frames) = past_the_challenge(fw, dialer, 0, now);
    assert_eq!(requests_in(&frames)[0].path, "/pay");
    link(fw, 0)
        .reads
        .push_back([welcome, reply(1, 200)].concat());
    event(fw, dialer, 0, true, false, now);
    assert_eq!(
        fw.finished
            .pop()
            .map(|d| (d.client.slot, d.res.status().code())),
        Some((5, 200))
    );
}

#[test]
fn after_the_welcome_a_post_that_dies_with_its_backend_is_a_502_and_goes_nowhere_else() {
    let key = key();
    let (fw, dialer, now) = (
        &mut forwarder(&[A, B], Some(&key)),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("POST", "/pay"), client(1), now);
    flush(fw, dialer, now);
    let (welcome, frames) = past_the_challenge(fw, dialer, 0, now);
    assert_eq!(requests_in(&frames).len(), 1);
    link(fw, 0).reads.push_back(welcome);
    event(fw, dialer, 0, true, false, now);
    assert!(fw.finished.is_empty());
    // Welcomed, sent whole, then the backend dies without a word: it may
    // have run the payment, so the front must not run it twice.
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    let [done] = &fw.finished[..] else {
        panic!("{} answers", fw.finished.len())
    };
    assert_eq!((done.client.slot, done.res.status().code()), (1, 502));
    assert!(
        done.res.body_text().contains("failed while answering"),
        "{}",
        done.res.body_text()
    );
    assert_eq!(dialer.dialled.borrow().len(), 1, "B never saw it");
    assert!(fw.proxy.backends[0].claim().is_none(), "A is down");
}

#[test]
fn a_get_whose_welcomed_backend_died_is_resent_once_to_the_next_and_not_again() {
    let key = key();
    let (fw, dialer, now) = (
        &mut forwarder(&[A, B], Some(&key)),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/list"), client(7), now);
    flush(fw, dialer, now);
    let (welcome, _) = past_the_challenge(fw, dialer, 0, now);
    link(fw, 0).reads.push_back(welcome);
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    assert!(fw.finished.is_empty(), "resent, not answered");
    assert_eq!(dialer.dialled.borrow()[1].0, B.parse().unwrap());
    assert_eq!(ids_on(fw, 0), [1], "the same request, the same id");
    // B dies too, after its welcome: a request resent once is not resent again.
    let (welcome, _) = past_the_challenge(fw, dialer, 0, now);
    link(fw, 0).reads.push_back(welcome);
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    assert_eq!(
        fw.finished
            .pop()
            .map(|d| (d.client.slot, d.res.status().code())),
        Some((7, 502))
    );
    assert_eq!(dialer.dialled.borrow().len(), 2);
}

#[test]
fn a_refused_connect_marks_the_backend_down_and_the_next_requests_skip_it() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A, B], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("POST", "/"), client(0), now);
    flush(fw, dialer, now);
    // Refused: its first event says so. Nothing was sent, so even a POST
    // goes on to B.
    link(fw, 0).refuse = true;
    event(fw, dialer, 0, false, false, now);
    assert!(fw.finished.is_empty());
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    link(fw, 0).reads.push_back(reply(1, 200));
    event(fw, dialer, 0, true, false, now);
    assert_eq!(fw.finished.pop().map(|d| d.res.status().code()), Some(200));
    // Two more: the round robin would start the second at A; it is down.
    for slot in [1, 2] {
        fw.start(dialer, &Request::new("GET", "/"), client(slot), now);
    }
    flush(fw, dialer, now);
    let dialled: Vec<SocketAddr> = dialer.dialled.borrow().iter().map(|(a, _)| *a).collect();
    assert_eq!(
        dialled,
        [A.parse().unwrap(), B.parse().unwrap()],
        "A once, B's connection reused"
    );
    assert_eq!(ids_on(fw, 0), [2, 3]);
}

#[test]
fn a_name_whose_first_address_refuses_is_tried_at_the_next_and_stays_up() {
    let (a1, a2): (SocketAddr, SocketAddr) = (
        "10.0.0.1:7001".parse().unwrap(),
        "10.0.0.9:7001".parse().unwrap(),
    );
    let dialer = &FakeDialer {
        names: vec![("app.internal:7001".to_string(), vec![a1, a2])],
        ..FakeDialer::default()
    };
    let (fw, now) = (&mut forwarder(&["app.internal:7001"], None), Instant::now());
    fw.start(dialer, &Request::new("GET", "/"), client(0), now);
    flush(fw, dialer, now);
    link(fw, 0).refuse = true;
    event(fw, dialer, 0, false, false, now);
    let dialled: Vec<SocketAddr> = dialer.dialled.borrow().iter().map(|(a, _)| *a).collect();
    assert_eq!(dialled, [a1, a2]);
    assert_eq!(
        fw.proxy.backends[0].claim(),
        Some(false),
        "one address refused: the backend is not down"
    );
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    link(fw, 0).reads.push_back(reply(1, 200));
    event(fw, dialer, 0, true, false, now);
    assert_eq!(fw.finished.pop().map(|d| d.res.status().code()), Some(200));
}

#[test]
fn an_address_with_no_route_is_skipped_at_the_dial_and_a_name_without_one_is_a_502() {
    let a: SocketAddr = A.parse().unwrap();
    let dialer = &FakeDialer {
        unroutable: vec![a],
        ..FakeDialer::default()
    };
    let (fw, now) = (&mut forwarder(&[A], None), Instant::now());
    fw.start(dialer, &Request::new("GET", "/"), client(0), now);
    // Answered at once: no connection was ever opened.
    assert!(dialer.dialled.borrow().is_empty());
    assert!(fw.conns.iter().all(Option::is_none));
    let done = fw.finished.pop().expect("an answer at once");
    assert_eq!(done.res.status().code(), 502);
    assert!(
        done.res.body_text().contains("all 1 are down"),
        "{}",
        done.res.body_text()
    );
}

#[test]
fn a_get_on_a_reused_connection_that_dies_goes_again_on_a_fresh_one_and_the_backend_stays_up() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/one"), client(1), now);
    flush(fw, dialer, now);
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    link(fw, 0).reads.push_back(reply(1, 200));
    event(fw, dialer, 0, true, false, now);
    assert_eq!(fw.finished.pop().map(|d| d.res.status().code()), Some(200));
    // The second goes on the same, now reused, connection, which turns out
    // to have been closed by the backend while idle (a keep-alive timeout).
    fw.start(dialer, &Request::new("GET", "/two"), client(2), now);
    flush(fw, dialer, now);
    assert_eq!(dialer.dialled.borrow().len(), 1);
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    assert!(fw.finished.is_empty(), "no 502 for a stale connection");
    assert_eq!(
        dialer.dialled.borrow().len(),
        2,
        "a fresh connection to the same backend"
    );
    assert_eq!(
        fw.proxy.backends[0].claim(),
        Some(false),
        "and the backend is not down"
    );
    assert_eq!(ids_on(fw, 0), [2]);
}

#[test]
fn an_idle_connection_the_backend_closes_is_dropped_quietly() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/"), client(1), now);
    flush(fw, dialer, now);
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    link(fw, 0).reads.push_back(reply(1, 200));
    event(fw, dialer, 0, true, false, now);
    fw.finished.clear();
    link(fw, 0).eof = true;
    event(fw, dialer, 0, true, true, now);
    assert!(fw.conns[0].is_none() && fw.finished.is_empty());
    assert_eq!(dialer.hung_up.get(), 1);
    assert_eq!(fw.proxy.backends[0].claim(), Some(false));
    // A late event for the freed token finds no connection, and does nothing.
    event(fw, dialer, 0, true, true, now);
}

#[test]
fn a_timed_out_request_is_a_504_and_its_neighbours_go_again_where_the_rules_allow() {
    let (fw, dialer, t0) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/slow"), client(1), t0);
    // Ten milliseconds later (within STALLED: the same connection), two more.
    let t1 = t0 + Duration::from_millis(10);
    fw.start(dialer, &Request::new("POST", "/pay"), client(2), t1);
    fw.start(dialer, &Request::new("GET", "/list"), client(3), t1);
    flush(fw, dialer, t1);
    assert_eq!(ids_on(fw, 0), [1, 2, 3]);
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, t1);
    // Past the first deadline, not the others'.
    fw.sweep(
        dialer,
        t0 + Duration::from_secs(30) + Duration::from_millis(5),
    );
    let got: Vec<(usize, u16)> = (fw.finished.iter())
        .map(|d| (d.client.slot, d.res.status().code()))
        .collect();
    // The slow one 504; the POST, sent on the connection that had to be
    // closed, may have run: 502. The GET goes again, on a new connection.
    assert_eq!(got, [(1, 504), (2, 502)]);
    assert_eq!(dialer.dialled.borrow().len(), 2);
    assert_eq!(ids_on(fw, 0), [3]);
    assert_eq!(
        fw.proxy.backends[0].claim(),
        Some(false),
        "a slow backend is not a down one"
    );
}

#[test]
fn a_keyed_backend_silent_past_the_connect_timeout_gives_way_to_the_next_backend() {
    let key = key();
    let (fw, dialer, now) = (
        &mut forwarder(&[A, B], Some(&key)),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("POST", "/"), client(0), now);
    flush(fw, dialer, now);
    // Connected, but no challenge: a backend without the key waits for a request.
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    fw.sweep(dialer, now + Duration::from_millis(500));
    assert_eq!(
        dialer.dialled.borrow().len(),
        1,
        "within the connect timeout: still waiting"
    );
    fw.sweep(dialer, now + CONNECT_TIMEOUT + Duration::from_millis(1));
    assert!(fw.finished.is_empty());
    assert_eq!(dialer.dialled.borrow()[1].0, B.parse().unwrap());
    assert!(fw.proxy.backends[0].claim().is_none(), "A is down");
}

#[test]
fn a_connection_whose_oldest_request_has_stalled_gets_no_more_while_another_can_open() {
    let (fw, dialer, t0) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("GET", "/"), client(1), t0);
    fw.start(
        dialer,
        &Request::new("GET", "/"),
        client(2),
        t0 + STALLED / 2,
    );
    flush(fw, dialer, t0);
    assert_eq!(dialer.dialled.borrow().len(), 1);
    fw.start(
        dialer,
        &Request::new("GET", "/"),
        client(3),
        t0 + STALLED * 2,
    );
    flush(fw, dialer, t0);
    assert_eq!(dialer.dialled.borrow().len(), 2);
    assert_eq!((ids_on(fw, 0), ids_on(fw, 1)), (vec![1, 2], vec![3]));
}

#[test]
fn past_the_connection_limit_requests_queue_and_a_reply_makes_room_for_the_oldest() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    let full = MAX_CONNECTIONS * MAX_IN_FLIGHT;
    for slot in 0..full + 2 {
        fw.start(dialer, &Request::new("GET", "/"), client(slot), now);
    }
    flush(fw, dialer, now);
    assert_eq!(dialer.dialled.borrow().len(), MAX_CONNECTIONS);
    assert_eq!(
        fw.lanes[0].queue.len(),
        2,
        "two wait, first come first served"
    );
    // Connection 0 connects, sends its frames, and answers its first.
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    let first = ids_on(fw, 0)[0];
    link(fw, 0).reads.push_back(reply(first, 200));
    event(fw, dialer, 0, true, false, now);
    assert_eq!(fw.finished.len(), 1);
    // The oldest waiting (started as number `full + 1`) took the room.
    assert_eq!(ids_on(fw, 0).last(), Some(&(full as u64 + 1)));
    assert_eq!(fw.lanes[0].queue.len(), 1);
    flush(fw, dialer, now);
    assert_eq!(
        requests_in(&link(fw, 0).written).last().map(|r| r.id),
        Some(full as u64 + 1)
    );
}

#[test]
fn a_reset_after_the_frame_left_sends_a_get_to_the_next_backend_and_with_none_left_502s() {
    let (fw, dialer, now) = (
        &mut forwarder(&[A], None),
        &FakeDialer::default(),
        Instant::now(),
    );
    fw.start(dialer, &Request::new("DELETE", "/x"), client(1), now);
    flush(fw, dialer, now);
    link(fw, 0).up = true;
    event(fw, dialer, 0, false, false, now);
    // A reset after the frame left: DELETE is idempotent, but with one
    // backend there is nowhere else to go.
    link(fw, 0).reset = true;
    event(fw, dialer, 0, true, true, now);
    let done = fw.finished.pop().expect("an answer");
    assert_eq!(done.res.status().code(), 502);
    assert!(
        done.res.body_text().contains("all 1 are down"),
        "{}",
        done.res.body_text()
    );
    assert_eq!(dialer.dialled.borrow().len(), 1);
}
