//! Exercise 01: echo a stream. Run with `cargo run -p exercises -- check ex01_echo`.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex01_echo.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex01_echo.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex01_echo;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use ex01_echo::echo;

/// A fake socket: reads come from `input` at most `read_size` bytes at a time,
/// writes land in `output` at most `write_size` bytes at a time. `fail_at`
/// makes the read at that position return the given error kind instead, once.
struct FakeStream {
    input: Vec<u8>,
    pos: usize,
    read_size: usize,
    write_size: usize,
    output: Vec<u8>,
    fail_at: Option<(usize, io::ErrorKind)>,
}

impl FakeStream {
    fn new(input: &[u8]) -> FakeStream {
        FakeStream {
            input: input.to_vec(),
            pos: 0,
            read_size: usize::MAX,
            write_size: usize::MAX,
            output: Vec::new(),
            fail_at: None,
        }
    }
}

impl Read for FakeStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((at, kind)) = self.fail_at {
            if at == self.pos {
                self.fail_at = None;
                return Err(io::Error::new(kind, "injected by the test"));
            }
        }
        let n = buf
            .len()
            .min(self.read_size)
            .min(self.input.len() - self.pos);
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for FakeStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(self.write_size);
        self.output.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `echo` on a helper thread and waits at most 10 s, so that an echo
/// which never stops (the classic bug: not treating `Ok(0)` as the end)
/// fails the test with an explanation instead of hanging it.
#[track_caller]
fn echo_bounded(mut stream: FakeStream) -> (io::Result<u64>, FakeStream) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let result = echo(&mut stream);
        let _ = tx.send((result, stream));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(done) => done,
        Err(RecvTimeoutError::Timeout) => {
            panic!("echo did not return within 10 s: it must stop when `read` returns Ok(0)")
        }
        Err(RecvTimeoutError::Disconnected) => {
            panic!("echo panicked (its message is printed above)")
        }
    }
}

#[test]
fn every_byte_comes_back_and_the_count_is_returned() {
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let (result, stream) = echo_bounded(FakeStream::new(&payload));
    let count = result.expect("echo failed on a stream that never errors");
    assert_eq!(
        count,
        payload.len() as u64,
        "echo should return how many bytes it echoed"
    );
    assert!(
        stream.output == payload,
        "the echoed bytes differ from what was read (got {} bytes, expected {})",
        stream.output.len(),
        payload.len()
    );
}

#[test]
fn binary_data_with_zero_bytes_comes_back_unchanged() {
    let payload = [0u8, 1, 0, 0, 255, b'\r', b'\n', 0];
    let (result, stream) = echo_bounded(FakeStream::new(&payload));
    result.unwrap();
    assert_eq!(
        stream.output, payload,
        "zero bytes are data too: do not stop at the first 0 byte, stop when read returns Ok(0)"
    );
}

#[test]
fn an_empty_stream_echoes_nothing() {
    let (result, stream) = echo_bounded(FakeStream::new(b""));
    assert_eq!(result.unwrap(), 0, "nothing read, nothing echoed");
    assert!(stream.output.is_empty());
}

#[test]
fn one_byte_per_read_still_echoes_everything() {
    let mut stream = FakeStream::new(b"GET / HTTP/1.1\r\n\r\n");
    stream.read_size = 1;
    let (result, stream) = echo_bounded(stream);
    assert_eq!(result.unwrap(), 18);
    assert_eq!(
        stream.output, b"GET / HTTP/1.1\r\n\r\n",
        "write back exactly the bytes each read returned (buf[..n]), not the whole buffer"
    );
}

#[test]
fn a_writer_taking_three_bytes_at_a_time_still_gets_everything() {
    let mut stream = FakeStream::new(b"hello, partial writes");
    stream.write_size = 3;
    let (result, stream) = echo_bounded(stream);
    result.unwrap();
    assert_eq!(
        stream.output, b"hello, partial writes",
        "`write` may take only part of the buffer; `write_all` keeps going until all is sent"
    );
}

#[test]
fn an_interrupted_read_is_retried() {
    let mut stream = FakeStream::new(b"abcdef");
    stream.read_size = 2;
    stream.fail_at = Some((2, io::ErrorKind::Interrupted));
    let (result, stream) = echo_bounded(stream);
    assert!(
        result.is_ok(),
        "ErrorKind::Interrupted means a signal arrived, not that the stream broke: \
         retry the read (got {result:?})"
    );
    assert_eq!(stream.output, b"abcdef");
}

#[test]
fn other_read_errors_are_returned_to_the_caller() {
    let mut stream = FakeStream::new(b"abcdef");
    stream.read_size = 3;
    stream.fail_at = Some((3, io::ErrorKind::ConnectionReset));
    let (result, stream) = echo_bounded(stream);
    match result {
        Err(err) => assert_eq!(err.kind(), io::ErrorKind::ConnectionReset),
        Ok(n) => {
            panic!("a reset connection must be reported as an error, but echo returned Ok({n})")
        }
    }
    assert_eq!(
        stream.output, b"abc",
        "the bytes before the error were still echoed"
    );
}

#[test]
fn echoes_over_a_real_loopback_connection() {
    // Port 0: the kernel picks a free port, so tests never collide.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let _ = done_tx.send(echo(&mut stream).map_err(|e| e.to_string()));
    });

    let mut client = TcpStream::connect(addr).unwrap();
    // Bounded waits: a broken echo makes this test fail, never hang.
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut writer = client.try_clone().unwrap();
    let to_send = payload.clone();
    // Write from a second thread while this one reads: with a large payload,
    // writing everything first would fill both socket buffers and deadlock.
    let sender = thread::spawn(move || {
        // Errors are ignored here: if echo is broken the server hangs up
        // early, and the assertions below explain what went wrong.
        let _ = writer.write_all(&to_send);
        // Half-close: "I am done sending". The server's read then returns 0.
        let _ = writer.shutdown(Shutdown::Write);
    });
    let mut echoed = Vec::new();
    let read = client.read_to_end(&mut echoed);
    sender.join().unwrap();
    assert!(
        read.is_ok(),
        "reading the echo failed ({read:?}); does echo stop when the peer closes?"
    );
    assert!(
        echoed == payload,
        "the bytes that came back over TCP differ from those sent"
    );
    let result = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("echo did not return after the client closed its side (it should see Ok(0))");
    assert_eq!(result, Ok(payload.len() as u64));
}
