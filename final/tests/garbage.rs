//! Random bytes over real sockets: every connection ends (answered or
//! closed, within the timeouts), and the server still serves afterwards.

mod support;

use std::io::Write;
use std::thread;

use support::{connect, read_to_close};

/// A small deterministic generator, so a failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Garbage with enough HTTP in it to get past the first checks now and then.
fn garbage(rng: &mut XorShift) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"GET ",
        b"POST ",
        b"/hello/x",
        b" HTTP/1.1",
        b" HTTP/1.0",
        b"\r\n",
        b"\n",
        b"\r",
        b"Host: a",
        b"Content-Length: 3",
        b"Transfer-Encoding: chunked",
        b": ",
        b"0\r\n\r\n",
        b"ffffffffffffffffff",
        b"\x00",
        b"\xff",
        b"Expect: 100-continue",
        b"Connection: close",
    ];
    let mut out = Vec::new();
    for _ in 0..(rng.next() % 40) {
        if rng.next() % 3 == 0 {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(PIECES[(rng.next() % PIECES.len() as u64) as usize]);
        }
    }
    out
}

#[test]
fn random_bytes_never_break_the_server() {
    let (server, _gate) = support::start();
    let addr = server.addr();
    let clients: Vec<_> = (0..8u64)
        .map(|t| {
            thread::spawn(move || {
                let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                for _ in 0..30 {
                    let bytes = garbage(&mut rng);
                    let mut stream = connect(addr);
                    // The server may close before reading everything: fine.
                    let _ = stream.write_all(&bytes);
                    let answer = read_to_close(&mut stream);
                    assert!(
                        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
                        "{:?} got {:?}",
                        String::from_utf8_lossy(&bytes),
                        String::from_utf8_lossy(&answer)
                    );
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let reply = support::request(addr, b"GET /hello/after HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(reply.text(), "Hello, after!");
}
