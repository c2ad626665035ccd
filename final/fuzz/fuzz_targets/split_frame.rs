//! Split mode's frames (a 4-byte length, then JSON) as a backend reads a
//! front's and a front reads a backend's: step 06's `protocol::decode`,
//! `protocol::read_frame`, and the fast decoders of `split/codec.rs`.
//!
//! Beyond "no panic" it asserts:
//! - wherever a fast decoder answers, it answers what `protocol::decode`
//!   does, message and length alike (the property tests in codec.rs, for
//!   any bytes rather than frames step 06 wrote);
//! - a decoded message encodes to a frame that decodes to the same message
//!   (and the fast decoder agrees on that frame too, unless its body is not
//!   UTF-8, which it leaves to step 06 by design);
//! - a frame is never taken before its last byte: every shorter prefix is
//!   "not enough bytes yet", and `read_frame` on a reader reads the same;
//! - a reply the front accepts (`response_from_message`) has a final status
//!   and only header fields fit for the wire;
//! - version 3's stream frames (`dev::streams`), which the front and the
//!   backend read beside those: a frame is never taken before its last
//!   byte, and one decoded encodes to a frame that decodes to the same
//!   (a head: to one whose encoding is the same again, since encoding
//!   drops hop-by-hop fields).
#![no_main]

use std::io::Cursor;

use httprs::dev::protocol::{self, Message};
use httprs::dev::streams::{self, StreamFrame};
use httprs::dev::{check_field, decode_request, decode_response};
use libfuzzer_sys::fuzz_target;

/// Version 3's properties (see the module docs).
fn check_stream_frame(data: &[u8]) {
    let Ok(Some((frame, used))) = streams::decode(data) else {
        return;
    };
    assert!(used <= data.len());
    assert!(
        matches!(streams::decode(&data[..used - 1]), Ok(None)),
        "a stream frame was taken before its last byte"
    );
    if let StreamFrame::Chunk { data, .. } = &frame
        && data.len() > streams::WINDOW as usize
    {
        return; // more than a backend ever sends in one chunk
    }
    let mut again = Vec::new();
    if streams::encode(&frame, &mut again).is_err() {
        assert!(matches!(frame, StreamFrame::Head { .. }), "only a head may be refused");
        return;
    }
    let (decoded, used) = streams::decode(&again)
        .expect("our own frame decodes")
        .expect("whole");
    assert_eq!(used, again.len());
    match (&frame, &decoded) {
        (StreamFrame::Head { id, status, .. }, StreamFrame::Head { id: i, status: s, .. }) => {
            assert_eq!((id, status), (i, s));
            let mut third = Vec::new();
            streams::encode(&decoded, &mut third).expect("encoded once already");
            assert_eq!(third, again, "a head's encoding is not stable");
        }
        _ => assert_eq!(decoded, frame, "encode then decode changed the frame"),
    }
}

fuzz_target!(|data: &[u8]| {
    check_stream_frame(data);
    let slow = protocol::decode(data);
    let accepted = slow.as_ref().ok().cloned().flatten();
    if let Some((fast, used)) = decode_request(data) {
        assert_eq!(
            accepted,
            Some((Message::Request(fast), used)),
            "the fast request decoder disagrees with step 06"
        );
    }
    if let Some((fast, used)) = decode_response(data) {
        assert_eq!(
            accepted,
            Some((Message::Response(fast), used)),
            "the fast reply decoder disagrees with step 06"
        );
    }
    let Some((message, used)) = accepted else {
        return;
    };
    assert!(used <= data.len());
    assert_eq!(
        protocol::decode(&data[..used - 1]).ok(),
        Some(None),
        "a frame was taken before its last byte"
    );
    match protocol::read_frame(&mut Cursor::new(data)) {
        Ok(Some(read)) => assert_eq!(read, message, "read_frame reads another message"),
        other => panic!("decode took a frame that read_frame reads as {other:?}"),
    }

    let frame = protocol::encode(&message).expect("a message that fitted still fits");
    assert_eq!(
        protocol::decode(&frame).ok().flatten(),
        Some((message.clone(), frame.len())),
        "encode then decode changed the message"
    );
    match &message {
        Message::Request(request) => {
            let fast = decode_request(&frame);
            if std::str::from_utf8(&request.body).is_ok() {
                assert_eq!(fast, Some((request.clone(), frame.len())));
            }
        }
        Message::Response(reply) => {
            let fast = decode_response(&frame);
            if std::str::from_utf8(&reply.body).is_ok() {
                assert_eq!(fast, Some((reply.clone(), frame.len())));
            }
            if let Ok(res) = protocol::response_from_message(reply.clone()) {
                assert!((200..=599).contains(&res.status().code()));
                for (name, value) in res.headers().iter() {
                    assert_eq!(check_field(name, value), Ok(()), "{name:?}: {value:?}");
                }
                assert_eq!(res.body(), reply.body.as_slice());
            }
        }
    }
});
