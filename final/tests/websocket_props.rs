//! Property tests for the WebSocket layer: a stream of valid masked frames
//! decodes to the same messages however it is cut into reads, and
//! arbitrary bytes never make it panic, only fail it with a close frame.

use httprs::dev::websocket::{
    CloseCode, Event, Message, Opcode, ProtocolError, Role, WebSocket, decode_frame, encode_frame,
};
use proptest::prelude::*;

const MAX_MESSAGE: usize = 4096;

/// One message as a client may send it: text or binary, cut into fragments
/// at `cuts`, with a ping before each fragment where `pings` says so.
#[derive(Debug, Clone)]
struct Sent {
    message: Message,
    cuts: Vec<usize>,
    pings: Vec<bool>,
    masks: Vec<[u8; 4]>,
}

fn sent() -> impl Strategy<Value = Sent> {
    let message = prop_oneof![
        "\\PC{0,60}".prop_map(Message::Text),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(Message::Binary),
    ];
    (
        message,
        prop::collection::vec(any::<usize>(), 0..4),
        prop::collection::vec(any::<bool>(), 5),
        prop::collection::vec(any::<[u8; 4]>(), 10),
    )
        .prop_map(|(message, cuts, pings, masks)| Sent {
            message,
            cuts,
            pings,
            masks,
        })
}

/// The masked frames for `sent`, and the events a server should report.
fn wire(sent: &Sent) -> (Vec<u8>, Vec<Event>) {
    let (opcode, bytes) = match &sent.message {
        Message::Text(text) => (Opcode::Text, text.as_bytes()),
        Message::Binary(data) => (Opcode::Binary, data.as_slice()),
    };
    // Fragments may cut a character in two: the server must not mind.
    let mut points: Vec<usize> = sent.cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut out = Vec::new();
    let mut events = Vec::new();
    let mut start = 0;
    let mut masks = sent.masks.iter().copied().cycle();
    for (i, end) in points.iter().copied().enumerate() {
        if sent.pings[i] {
            let payload = format!("ping {i}");
            encode_frame(
                &mut out,
                true,
                Opcode::Ping,
                payload.as_bytes(),
                masks.next(),
            );
            events.push(Event::Ping(payload.into_bytes()));
        }
        let op = if i == 0 { opcode } else { Opcode::Continuation };
        let fin = i + 1 == points.len();
        encode_frame(&mut out, fin, op, &bytes[start..end], masks.next());
        start = end;
    }
    events.push(Event::Message(sent.message.clone()));
    (out, events)
}

/// Feeds `bytes` in pieces cut at `cuts`, taking events after each piece.
fn events_in_pieces(ws: &mut WebSocket, bytes: &[u8], cuts: &[usize]) -> Vec<Event> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut events = Vec::new();
    let mut start = 0;
    for end in points {
        events.extend(ws.feed_all(&bytes[start..end]));
        start = end;
    }
    events
}

/// Every frame in a server's output, read as a client reads them.
fn frames_out(mut output: &[u8]) -> Vec<(Opcode, Vec<u8>)> {
    let mut frames = Vec::new();
    while !output.is_empty() {
        let (frame, used) = decode_frame(output, Role::Client, usize::MAX)
            .expect("the server writes valid frames")
            .expect("and whole ones");
        frames.push((frame.header.opcode, frame.payload));
        output = &output[used..];
    }
    frames
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_frames_decode_to_the_same_messages_however_they_are_cut(
        messages in prop::collection::vec(sent(), 1..6),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for message in &messages {
            let (bytes, events) = wire(message);
            stream.extend(bytes);
            expected.extend(events);
        }
        let mut whole = WebSocket::server(MAX_MESSAGE);
        prop_assert_eq!(&whole.feed_all(&stream), &expected);
        let mut pieces = WebSocket::server(MAX_MESSAGE);
        prop_assert_eq!(&events_in_pieces(&mut pieces, &stream, &cuts), &expected);
        // Both owe the same pongs, one per ping, payload for payload.
        let pongs = frames_out(pieces.output());
        prop_assert_eq!(&frames_out(whole.output()), &pongs);
        prop_assert!(pongs.iter().all(|(op, _)| *op == Opcode::Pong));
        prop_assert!(!pieces.is_closed());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_a_failure_is_the_last_event_and_frame(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut ws = WebSocket::server(256);
        let events = events_in_pieces(&mut ws, &bytes, &cuts);
        let frames = frames_out(ws.output());
        if let Some(Event::Failed(err)) = events.last() {
            prop_assert!(ws.is_closed());
            let (opcode, payload) = frames.last().expect("a close frame");
            prop_assert_eq!(*opcode, Opcode::Close);
            prop_assert_eq!(&payload[..2], &err.close_code().get().to_be_bytes());
        }
        let failures = events.iter().filter(|e| matches!(e, Event::Failed(_))).count();
        prop_assert!(failures <= 1);
        if failures == 1 {
            prop_assert!(matches!(events.last(), Some(Event::Failed(_))));
        }
    }

    #[test]
    fn corrupted_valid_frames_never_panic_and_fail_with_an_rfc_code(
        message in sent(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        // Valid frames with a few bytes changed reach deeper than random
        // bytes: fragments, UTF-8, close payloads.
        let (mut bytes, _) = wire(&message);
        for (at, byte) in flips {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        let mut ws = WebSocket::server(256);
        for event in events_in_pieces(&mut ws, &bytes, &cuts) {
            if let Event::Failed(err) = event {
                let code = err.close_code();
                prop_assert!(
                    [CloseCode::PROTOCOL_ERROR, CloseCode::INVALID_PAYLOAD, CloseCode::MESSAGE_TOO_BIG]
                        .contains(&code)
                );
            }
        }
    }

    #[test]
    fn a_whole_frame_decodes_as_the_connection_reads_it(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        // `decode_frame` and the connection's streaming read agree on the
        // header's faults.
        let simple = decode_frame(&bytes, Role::Server, 256);
        let mut ws = WebSocket::server(256);
        let first = ws.feed_all(&bytes).into_iter().next();
        if let Err(err) = simple {
            let continuation_fault = matches!(
                first,
                Some(Event::Failed(ProtocolError::UnexpectedContinuation))
            );
            prop_assert!(first == Some(Event::Failed(err)) || continuation_fault, "{:?} {:?}", err, first);
        }
    }
}
