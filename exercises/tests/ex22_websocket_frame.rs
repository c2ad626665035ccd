//! Exercise 22: a WebSocket frame, as a server reads it. Run with
//! `cargo run -p exercises -- check ex22_websocket_frame`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`.
#[cfg_attr(not(feature = "solutions"), path = "../src/ex22_websocket_frame.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex22_websocket_frame.rs")]
#[allow(dead_code)]
mod ex22_websocket_frame;

use ex22_websocket_frame::{Frame, FrameError, Parsed, parse_frame, unmask};

const MAX: usize = 1 << 20;
const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// A frame as a browser sends it: FIN and opcode in byte 0, the mask bit
/// and the length in its shortest form, the key, the masked payload. Built
/// here by hand (not with your `unmask`) so that a wrong `unmask` cannot
/// hide itself.
fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let len = payload.len();
    if len <= 125 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&KEY);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    out
}

#[track_caller]
fn parse_whole(buf: &[u8]) -> (Frame, usize) {
    match parse_frame(buf, MAX) {
        Ok(Parsed::Frame { frame, consumed }) => (frame, consumed),
        other => panic!("expected a whole frame, got {other:?}"),
    }
}

#[test]
fn the_rfcs_masked_hello_is_read() {
    let wire = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let (frame, consumed) = parse_whole(&wire);
    assert_eq!(
        frame,
        Frame {
            fin: true,
            opcode: 1,
            payload: b"Hello".to_vec()
        }
    );
    assert_eq!(consumed, 11);
}

#[test]
fn unmasking_xors_each_byte_with_the_key_in_turn() {
    let mut bytes = *b"Hello";
    unmask(&mut bytes, KEY);
    assert_eq!(bytes, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    unmask(&mut bytes, KEY);
    assert_eq!(&bytes, b"Hello", "masking twice gives the bytes back");
    let mut empty: [u8; 0] = [];
    unmask(&mut empty, KEY);
}

#[test]
fn fin_and_the_opcode_come_from_byte_zero() {
    let (frame, _) = parse_whole(&client_frame(0x02, b"part"));
    assert!(!frame.fin, "0x02: FIN clear, a first fragment");
    assert_eq!(frame.opcode, 2);
    let (frame, _) = parse_whole(&client_frame(0x89, b"ping"));
    assert!(frame.fin);
    assert_eq!(frame.opcode, 9);
    assert_eq!(frame.payload, b"ping");
}

#[test]
fn each_length_form_is_read_at_its_boundaries() {
    // 7 bits up to 125; 126 and 65535 in 2 more bytes; 65536 in 8.
    for (len, header) in [
        (0, 6),
        (1, 6),
        (125, 6),
        (126, 8),
        (127, 8),
        (65535, 8),
        (65536, 14),
    ] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let wire = client_frame(0x82, &payload);
        assert_eq!(wire.len(), header + len, "the test's own frame");
        let (frame, consumed) = parse_whole(&wire);
        assert_eq!(consumed, wire.len(), "length {len}");
        assert_eq!(frame.payload, payload, "length {len}");
    }
}

#[test]
fn a_frame_is_partial_until_its_last_byte_arrives() {
    for wire in [
        client_frame(0x81, b"Hello"),
        client_frame(0x82, &[7; 300]),
        client_frame(0x82, &[7; 70_000]),
    ] {
        // Every cut of the header, and some of the payload.
        for cut in (0..20.min(wire.len())).chain([wire.len() - 1]) {
            assert_eq!(
                parse_frame(&wire[..cut], MAX),
                Ok(Parsed::Partial),
                "{cut} of {} bytes",
                wire.len()
            );
        }
    }
}

#[test]
fn frames_back_to_back_are_read_one_at_a_time() {
    let mut buf = client_frame(0x01, b"frag");
    buf.extend(client_frame(0x89, b""));
    buf.extend(client_frame(0x80, b"ment"));
    let (first, used) = parse_whole(&buf);
    assert_eq!((first.opcode, first.payload.as_slice()), (1, &b"frag"[..]));
    let (ping, used2) = parse_whole(&buf[used..]);
    assert_eq!((ping.opcode, ping.payload.len(), used2), (9, 0, 6));
    let (last, used3) = parse_whole(&buf[used + used2..]);
    assert!(last.fin);
    assert_eq!((last.opcode, last.payload.as_slice()), (0, &b"ment"[..]));
    assert_eq!(used + used2 + used3, buf.len());
}

#[test]
fn reserved_bits_are_refused() {
    for first in [0xC1, 0xA1, 0x91, 0xF1] {
        assert_eq!(
            parse_frame(&client_frame(first, b"x"), MAX),
            Err(FrameError::ReservedBits),
            "{first:#x}"
        );
    }
}

#[test]
fn an_unmasked_frame_is_refused_from_its_first_two_bytes() {
    assert_eq!(parse_frame(&[0x81, 0x05], MAX), Err(FrameError::NotMasked));
    assert_eq!(
        parse_frame(&[0x81, 0x05, b'H'], MAX),
        Err(FrameError::NotMasked)
    );
}

#[test]
fn control_frames_must_be_whole_and_short() {
    // A fragmented ping, and a 126-byte one.
    assert_eq!(
        parse_frame(&client_frame(0x09, b"x"), MAX),
        Err(FrameError::BadControlFrame)
    );
    assert_eq!(
        parse_frame(&client_frame(0x89, &[0; 126]), MAX),
        Err(FrameError::BadControlFrame)
    );
    let (frame, _) = parse_whole(&client_frame(0x89, &[0; 125]));
    assert_eq!(frame.payload.len(), 125);
}

#[test]
fn a_length_over_the_limit_is_refused_from_the_header_alone() {
    // Only the header of a 2 GiB frame: refused before any payload arrives.
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&(2u64 << 30).to_be_bytes());
    assert_eq!(
        parse_frame(&header, MAX),
        Err(FrameError::TooLarge {
            len: 2 << 30,
            max: MAX
        })
    );
    // A 64-bit length that fits no memory at all, even on 64-bit machines.
    let mut huge = vec![0x82, 0xFF];
    huge.extend_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(
        parse_frame(&huge, MAX),
        Err(FrameError::TooLarge {
            len: u64::MAX,
            max: MAX
        })
    );
    // At the limit is fine.
    let wire = client_frame(0x82, &[1; 1000]);
    assert!(matches!(parse_frame(&wire, 1000), Ok(Parsed::Frame { .. })));
    assert_eq!(
        parse_frame(&wire, 999),
        Err(FrameError::TooLarge {
            len: 1000,
            max: 999
        })
    );
}
