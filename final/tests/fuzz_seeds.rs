//! The fuzz targets' seed corpus (`final/fuzz/corpus/<target>/<name>`): a
//! few real inputs per target, taken from the cases the unit and property
//! tests use, so that each fuzzer starts from requests, bodies and frames
//! that get deep rather than from nothing. The handshake's seeds are made
//! with the targets' own key and nonces (`final/fuzz/src/lib.rs`, shared
//! here), so they pass the MAC check and the fuzzer mutates from there.
//!
//! This test holds the committed seeds to what the code makes today: a
//! change to the protocol or the handshake that leaves the seeds stale fails
//! here, and `HTTPRS_WRITE_SEEDS=1 cargo test -p httprs --test fuzz_seeds`
//! writes them anew. Seeds added by hand (another name) are left alone.

use std::fs;
use std::path::Path;

use httprs::dev::auth::{BackendHandshake, FrontHandshake};
use httprs::dev::protocol::{self, Message};
use httprs::dev::streams::{self, StreamFrame};
use httprs::dev::websocket::{self, Opcode};

/// The key, nonces and frame builder the fuzz targets use.
#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod fuzz_common;
use fuzz_common::{BACKEND_NONCE, FRONT_NONCE, frame, split_key};

#[test]
fn the_committed_fuzz_seeds_are_the_ones_the_code_makes_today() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = std::env::var_os("HTTPRS_WRITE_SEEDS").is_some();
    let mut stale = Vec::new();
    for (target, seeds) in seeds() {
        let folder = corpus.join(target);
        for (name, bytes) in seeds {
            let path = folder.join(name);
            if write {
                fs::create_dir_all(&folder).unwrap();
                fs::write(&path, &bytes).unwrap();
            } else if fs::read(&path).ok().as_ref() != Some(&bytes) {
                stale.push(format!("{target}/{name}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz seeds missing or stale: {stale:?}; write them with \
         HTTPRS_WRITE_SEEDS=1 cargo test -p httprs --test fuzz_seeds"
    );
}

type Seeds = Vec<(&'static str, Vec<u8>)>;

fn seeds() -> Vec<(&'static str, Seeds)> {
    vec![
        ("request_head", request_heads()),
        ("chunked_body", chunked_bodies()),
        ("split_frame", frames()),
        ("split_handshake", handshake()),
        ("cookie", cookies()),
        ("form", forms()),
        ("percent_decode", escapes()),
        ("static_path", static_paths()),
        ("websocket_frame", websocket_frames()),
        ("multipart", multiparts()),
        ("accept_encoding", accept_encodings()),
    ]
}

fn text(pairs: &[(&'static str, &str)]) -> Seeds {
    pairs
        .iter()
        .map(|(name, text)| (*name, text.as_bytes().to_vec()))
        .collect()
}

fn request_heads() -> Seeds {
    let mut seeds = text(&[
        ("get", "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n"),
        (
            "browser",
            "GET /hello/w%C3%B6rld HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\nAccept-Encoding: gzip, br\r\nCookie: session=abc; theme=dark\r\nConnection: keep-alive\r\n\r\n",
        ),
        (
            "post-length",
            "POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nname=J+Doe!",
        ),
        (
            "post-chunked",
            "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ),
        (
            "pipelined",
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.0\r\n\r\n",
        ),
        ("bare-lf", "GET / HTTP/1.1\nHost: a\n\n"),
        ("http10", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        ("http12", "GET /v HTTP/1.2\r\nHost: a\r\n\r\n"),
        ("absolute", "GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("connect", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"),
        (
            "options-star",
            "OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
        ),
        (
            "expect",
            "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        ),
        ("leading-crlf", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        (
            "smuggle",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ),
        ("http2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
    ]);
    // obs-text in a value: bytes over 0x7F, which are not UTF-8.
    seeds.push((
        "obs-text",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xe9\r\n\r\n".to_vec(),
    ));
    seeds
}

fn chunked_bodies() -> Seeds {
    let mut seeds = text(&[
        (
            "extensions-trailer",
            "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
        ),
        ("bare-lf", "A\nabcdefghij\n0\n\n"),
        ("empty", "0\r\n\r\n"),
        (
            "upper-hex",
            "1F\r\n0123456789abcdef0123456789abcde\r\n0\r\n\r\n",
        ),
        (
            "then-next",
            "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ),
    ]);
    // A chunk extension just under the 4096-byte line limit: the fuzzer
    // reaches the limit from here in a few mutations.
    let long = format!("5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(4090));
    seeds.push(("long-extension", long.into_bytes()));
    seeds
}

fn frames() -> Seeds {
    let request = |body: &[u8]| {
        Message::Request(protocol::Request {
            id: 7,
            method: "POST".into(),
            path: "/echo".into(),
            query: "a=1&b=%20".into(),
            headers: vec![
                ("Host".into(), "example".into()),
                ("X-Quote".into(), "a\"b\\c é".into()),
            ],
            body: body.to_vec(),
        })
    };
    let reply = |status, body: &[u8]| {
        Message::Response(protocol::Response {
            id: 7,
            status,
            headers: vec![
                ("Content-Type".into(), "text/plain".into()),
                ("Set-Cookie".into(), "a=1".into()),
            ],
            body: body.to_vec(),
        })
    };
    let encoded = |message: Message| protocol::encode(&message).expect("a small frame");
    vec![
        ("request-utf8", encoded(request(b"hello"))),
        ("request-base64", encoded(request(&[0, 0xff, b'h']))),
        ("reply-utf8", encoded(reply(200, b"<p>hi</p>"))),
        ("reply-base64", encoded(reply(404, &[0xff]))),
        ("reply-1xx", encoded(reply(103, b""))),
        (
            "duplicate-id",
            frame(br#"{"v":1,"type":"request","id":1,"id":2,"method":"GET","path":"/","query":"","headers":[],"body":{"utf8":""}}"#),
        ),
        ("version-2", frame(br#"{"v":2,"type":"challenge","nonce":"00"}"#)),
        ("request-streams", {
            let mut bytes = encoded(request(b""));
            // The offer of a stream window, as httprs-front makes it.
            let end = bytes.len() - 1;
            bytes.splice(end..end, br#","streams":65536"#.iter().copied());
            let length = (bytes.len() - 4) as u32;
            bytes[..4].copy_from_slice(&length.to_be_bytes());
            bytes
        }),
        ("stream-head", stream(StreamFrame::Head {
            id: 7,
            status: 200,
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
        })),
        ("stream-chunk", stream(StreamFrame::Chunk {
            id: 7,
            data: b"data: hi\n\n".to_vec(),
        })),
        ("stream-chunk-base64", stream(StreamFrame::Chunk {
            id: 7,
            data: vec![0, 0xff],
        })),
        ("stream-end-error", stream(StreamFrame::End {
            id: 7,
            error: Some("cut short".into()),
        })),
        ("stream-credit", stream(StreamFrame::Credit { id: 7, bytes: 65536 })),
        ("stream-cancel", stream(StreamFrame::Cancel { id: 7 })),
    ]
}

/// A version-3 frame as a backend or a front writes it.
fn stream(frame: StreamFrame) -> Vec<u8> {
    let mut bytes = Vec::new();
    streams::encode(&frame, &mut bytes).expect("a fit head");
    bytes
}

fn handshake() -> Seeds {
    let key = split_key();
    let (backend, challenge) = BackendHandshake::new(key.clone(), BACKEND_NONCE);
    let (hello, _, _) = FrontHandshake::answer(&key, FRONT_NONCE, &challenge)
        .expect("our own challenge")
        .expect("a whole challenge");
    let (welcome, _) = backend
        .receive(&hello)
        .expect("our own hello")
        .expect("a whole hello");
    vec![
        ("challenge", challenge),
        ("hello", hello),
        ("welcome", welcome),
    ]
}

fn cookies() -> Seeds {
    // `any_header`: the first byte is the name's length.
    let mut seeds = vec![
        ("session", b"\x07sessionsession=abc; theme=dark".to_vec()),
        ("quoted", b"\x01cab=2;  c=\"3\"; a=1".to_vec()),
    ];
    // `round_trip`: pairs split by 0xff, name and value by 0xfe.
    seeds.push((
        "pairs",
        b"\x01sid\xfeabc\xfftheme\xfedark\xffsid\xfelater".to_vec(),
    ));
    seeds
}

fn forms() -> Seeds {
    let mut seeds = text(&[
        ("decoded", "name=J%C3%BCrgen&msg=hi+there"),
        ("odd", "&&flag&=&a=%zz&b=%C3&c=%"),
    ]);
    seeds.push(("fields", b"\x01na me\xffv&al=ue\xff\xffempty name".to_vec()));
    seeds
}

/// Bodies for the boundary `XyZ` (the target's): a browser's form with a
/// text field and a picture, an empty file input, the epilogue and
/// padding the RFC allows; and, read the target's second way, values split
/// at `0xff` after a byte of flags.
fn multiparts() -> Seeds {
    let mut seeds = text(&[
        (
            "browser",
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nab12\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhello\r\nthere\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"cat.gif\"\r\n\
             Content-Type: image/gif\r\n\r\nGIF89a\x01\x00\x01\x00\r\n--XyZ--\r\n",
        ),
        (
            "empty-file",
            "--XyZ\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--",
        ),
        (
            "preamble-padding",
            "ignored\r\n--XyZ \t\r\nContent-Disposition: form-data; name=a; \
             filename*=UTF-8''caf%C3%A9.txt\r\n\r\n--X\r\n--XyZ--\r\nepilogue",
        ),
    ]);
    seeds.push(("values", b"\x05first\xff\r\n--Xy\xffthird\xff".to_vec()));
    seeds
}

fn escapes() -> Seeds {
    text(&[
        ("utf8", "w%C3%B6rld"),
        ("plus", "a+b%20c%2B"),
        ("malformed", "%zz%4%"),
        ("slash", "a%2Fb%3Fc%26d"),
    ])
}

fn accept_encodings() -> Seeds {
    text(&[
        ("browser", "gzip, deflate, br, zstd"),
        ("weights", "gzip;q=1, br;q=0.5"),
        ("refuse-all", "identity;q=0, *;q=0"),
    ])
}

fn static_paths() -> Seeds {
    let mut seeds = text(&[
        ("file", "/a.txt"),
        ("folder", "/dir/"),
        ("folder-no-slash", "/dir"),
        ("link", "/link"),
        ("hidden", "/.secret"),
        ("escape", "/%2e%2e/outside.txt"),
        ("double-slash", "//dir"),
    ]);
    for (name, range) in [
        ("range", "bytes=0-9"),
        ("suffix", "bytes=-5"),
        ("open", "bytes=50-"),
        ("past-end", "bytes=200-"),
    ] {
        let mut bytes = b"/a.txt\xff".to_vec();
        bytes.extend_from_slice(range.as_bytes());
        seeds.push((name, bytes));
    }
    seeds
}

/// `websocket_frame`: the first byte is the size of the pieces (less one),
/// the rest a client's masked frames.
fn websocket_frames() -> Seeds {
    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
    let frames = |piece: u8, frames: &[(bool, Opcode, &[u8])]| {
        let mut out = vec![piece];
        for (fin, opcode, payload) in frames {
            websocket::encode_frame(&mut out, *fin, *opcode, payload, Some(KEY));
        }
        out
    };
    let mut close = 1001u16.to_be_bytes().to_vec();
    close.extend_from_slice("bye κόσμε".as_bytes());
    vec![
        ("hello", frames(255, &[(true, Opcode::Text, b"Hello")])),
        (
            "fragments-ping",
            frames(
                2,
                &[
                    (false, Opcode::Text, "κό".as_bytes()),
                    (true, Opcode::Ping, b"are you there"),
                    (false, Opcode::Continuation, "σμ".as_bytes()),
                    (true, Opcode::Continuation, "ε".as_bytes()),
                ],
            ),
        ),
        (
            "lengths",
            frames(
                100,
                &[
                    (true, Opcode::Binary, &[7; 126]),
                    (true, Opcode::Binary, &[7; 1000]),
                ],
            ),
        ),
        ("close", frames(0, &[(true, Opcode::Close, &close)])),
        (
            "invalid-utf8",
            frames(3, &[(true, Opcode::Text, b"\xce\xba\xf4\x90\x80")]),
        ),
        // A 64-bit length: past the targets' 1 KiB maximum (1009).
        (
            "long-header",
            vec![
                0, 0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0x37, 0xfa, 0x21, 0x3d,
            ],
        ),
    ]
}
