//! Reference solution for exercise 01: echo a stream.

use std::io::{self, Read, Write};

/// Copies every byte read from `stream` back into it until the peer closes.
///
/// Returns how many bytes were echoed.
///
/// # Errors
/// Any I/O error from reading or writing other than `Interrupted`.
pub fn echo<S: Read + Write>(stream: &mut S) -> io::Result<u64> {
    // 4 KiB on the stack: few system calls for bulk data, no allocation.
    let mut buf = [0u8; 4096];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf) {
            // The key line: a read of zero bytes is not an error, it is the
            // peer saying "I am done sending". That is our signal to stop.
            Ok(0) => return Ok(total),
            Ok(n) => n,
            // A signal interrupted the system call; nothing was lost, try again.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        // Echo only the `n` bytes this read produced, not the whole buffer;
        // `write_all` loops for us when `write` takes only part of them.
        stream.write_all(&buf[..n])?;
        total += n as u64;
    }
}
