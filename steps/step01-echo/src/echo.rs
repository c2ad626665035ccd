//! Echo: the first thing to do with a socket.
//!
//! A `TcpStream` is a pair of byte pipes, one each way. `read` fills a buffer
//! with whatever bytes have arrived (at least one, or zero at end of stream:
//! the client closed its side). `write_all` pushes bytes back. Nothing here
//! knows about lines, messages or HTTP: TCP delivers a stream of bytes, in
//! order, and where one `write` of the client ends is *not* preserved. Step 02
//! deals with the consequence: a request may arrive in several pieces.

use std::io::{self, Read, Write};

/// Copies every byte read from `stream` back into it until the peer closes.
///
/// Returns how many bytes were echoed. Binary data is fine: bytes are bytes,
/// zero bytes included.
///
/// # Errors
/// Any I/O error from reading or writing, such as the peer resetting the connection.
///
/// # Examples
/// Anything that is `Read + Write` works, which is how the unit tests below
/// check the loop without a socket:
/// ```
/// # use std::io::Cursor;
/// let mut pipe = Cursor::new(b"hello".to_vec());
/// // A Cursor reads "hello" and then writes after it: the echo lands at the end.
/// assert_eq!(step01::echo::echo(&mut pipe).unwrap(), 5);
/// assert_eq!(pipe.into_inner(), b"hellohello");
/// ```
pub fn echo(stream: &mut (impl Read + Write)) -> io::Result<u64> {
    // 4 KiB is a typical page size: big enough that a bulk transfer takes few
    // system calls, small enough to live on the stack.
    let mut buf = [0u8; 4096];
    let mut total = 0u64;
    loop {
        let n = match stream.read(&mut buf) {
            // Zero bytes means end of stream: the client closed its side.
            Ok(0) => return Ok(total),
            Ok(n) => n,
            // A signal interrupted the system call; nothing was lost, try again.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        // `write` may take only part of the buffer; `write_all` loops until all of it is sent.
        stream.write_all(&buf[..n])?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake socket: reads come from `input` in fixed-size pieces, writes go to `output`.
    struct Pipe {
        input: Vec<u8>,
        pos: usize,
        piece: usize,
        output: Vec<u8>,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let end = (self.pos + self.piece.min(buf.len())).min(self.input.len());
            let n = end - self.pos;
            buf[..n].copy_from_slice(&self.input[self.pos..end]);
            self.pos = end;
            Ok(n)
        }
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn echoes_every_byte_whatever_the_read_size() {
        let input: Vec<u8> = (0..10_000u32).map(|i| (i % 256) as u8).collect();
        for piece in [1, 7, 4096, 100_000] {
            let mut pipe = Pipe {
                input: input.clone(),
                pos: 0,
                piece,
                output: Vec::new(),
            };
            assert_eq!(echo(&mut pipe).unwrap(), input.len() as u64);
            assert_eq!(pipe.output, input, "read size {piece}");
        }
    }
}
