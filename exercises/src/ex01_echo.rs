//! # Exercise 01: echo a stream
//!
//! Chapter 1 of `TUTORIAL.md` (step 01) opens a TCP socket and sends every
//! byte it receives straight back. That loop is the whole server, and it is
//! yours to write.
//!
//! Build [`echo`]: read whatever bytes have arrived, write them all back, and
//! repeat until the other side closes its half of the connection (a read of
//! zero bytes). Return how many bytes you echoed.
//!
//! It is generic over `Read + Write`, so the same function works on a
//! `TcpStream` and on the fake streams in the tests.
//!
//! The tests (`tests/ex01_echo.rs`) check that:
//! - every byte comes back, binary and zero bytes included, and the count is right;
//! - a stream that hands out one byte per read still echoes everything;
//! - a writer that takes only part of a buffer per call still gets all of it;
//! - a read interrupted by a signal (`ErrorKind::Interrupted`) is retried;
//! - any other I/O error is returned to the caller, not swallowed or unwrapped;
//! - it really echoes over a loopback TCP connection.
//!
//! Check it with `cargo run -p exercises -- check ex01_echo`.

use std::io::{self, Read, Write};

/// Copies every byte read from `stream` back into it until the peer closes.
///
/// Returns how many bytes were echoed.
///
/// # Errors
/// Any I/O error from reading or writing other than `Interrupted`.
// TODO: remove this `allow` once you use `stream`; it only keeps the
// unfinished stub free of warnings.
#[allow(unused_variables)]
pub fn echo<S: Read + Write>(stream: &mut S) -> io::Result<u64> {
    // TODO: loop: read into a buffer; 0 bytes means the peer closed, so return
    // the total; otherwise write exactly the bytes you read, all of them.
    todo!()
}
