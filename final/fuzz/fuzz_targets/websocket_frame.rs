//! WebSocket frames as a server reads a client's: any bytes to
//! `WebSocket::feed` / `next_event`, and to the simple `decode_frame`.
//!
//! The first byte picks how the rest is cut into reads (a piece size of
//! 1 to 256 bytes); the rest is what the client sent. Beyond "no panic" it
//! asserts:
//! - the same events and the same output whether the bytes arrive in one
//!   read or in pieces (the connection never takes a frame early or late);
//! - everything the server writes reads back as valid unmasked frames, and
//!   a failure is the last event, answered by one close frame carrying the
//!   fault's code (1002, 1007 or 1009), after which nothing is read;
//! - where `decode_frame` refuses the first frame, the connection fails on
//!   it with the same fault (or finds the continuation out of place first);
//! - every pong answers a ping with its payload, in order.
#![no_main]

use httprs::dev::websocket::{Event, Opcode, Role, WebSocket, decode_frame};
use libfuzzer_sys::fuzz_target;

const MAX_MESSAGE: usize = 1024;

fn run(bytes: &[u8], piece: usize) -> (Vec<Event>, Vec<u8>, bool) {
    let mut ws = WebSocket::server(MAX_MESSAGE);
    let mut events = Vec::new();
    for chunk in bytes.chunks(piece) {
        events.extend(ws.feed_all(chunk));
    }
    (events, ws.take_output(), ws.is_closed())
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let piece = usize::from(first) + 1;
    let (events, output, closed) = run(bytes, bytes.len().max(1));
    let (split_events, split_output, split_closed) = run(bytes, piece);
    assert_eq!(events, split_events, "events depend on how the bytes were cut");
    assert_eq!(output, split_output, "output depends on how the bytes were cut");
    assert_eq!(closed, split_closed);

    // What the server wrote: valid frames a client reads.
    let mut frames = Vec::new();
    let mut rest = output.as_slice();
    while !rest.is_empty() {
        let (frame, used) = decode_frame(rest, Role::Client, usize::MAX)
            .expect("the server writes valid frames")
            .expect("and whole ones");
        frames.push(frame);
        rest = &rest[used..];
    }
    let pings: Vec<&Vec<u8>> = events
        .iter()
        .filter_map(|e| match e {
            Event::Ping(payload) => Some(payload),
            _ => None,
        })
        .collect();
    let pongs: Vec<&Vec<u8>> = frames
        .iter()
        .filter(|f| f.header.opcode == Opcode::Pong)
        .map(|f| &f.payload)
        .collect();
    assert_eq!(pings, pongs, "each ping gets its pong");

    let failures = events.iter().filter(|e| matches!(e, Event::Failed(_))).count();
    assert!(failures <= 1);
    if let Some(Event::Failed(err)) = events.last() {
        assert!(closed);
        let close = frames.last().expect("a close frame");
        assert_eq!(close.header.opcode, Opcode::Close);
        assert_eq!(close.payload[..2], err.close_code().get().to_be_bytes());
        assert!([1002, 1007, 1009].contains(&err.close_code().get()));
    } else {
        assert_eq!(failures, 0, "a failure that is not the last event");
    }
    let closes = frames.iter().filter(|f| f.header.opcode == Opcode::Close).count();
    assert!(closes <= 1, "one close frame at most");

    if let Err(err) = decode_frame(bytes, Role::Server, MAX_MESSAGE) {
        match events.first() {
            Some(Event::Failed(found)) => assert!(
                *found == err
                    || *found == httprs::dev::websocket::ProtocolError::UnexpectedContinuation,
                "decode_frame says {err:?}, the connection {found:?}"
            ),
            other => panic!("decode_frame refused ({err:?}), the connection said {other:?}"),
        }
    }
});
