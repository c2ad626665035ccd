//! A response body that stays on disk until the socket can take it.
//!
//! Most responses are small and built in memory, and [`crate::Response`]
//! keeps them in a `Vec<u8>`. A static file may be a video of several
//! gigabytes: reading it whole would cost that much memory per download. So
//! a response can instead carry an open file and a byte range, and the
//! connection refills its output buffer from it, [`CHUNK`] bytes at a time,
//! each time the socket has taken the previous chunk (see
//! `Connection::flush`). Memory per download is one chunk, whatever the
//! file's size, and a slow client only slows its own download.
//!
//! The reads happen on the event loop's thread. They are plain blocking
//! reads, like nginx's without `aio`: a file that is in the page cache
//! costs a copy, one that is not costs a disk read, which is the price of
//! not needing a thread per download.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// Bytes read from the file per refill of a connection's output buffer.
pub(crate) const CHUNK: usize = 64 * 1024;

/// An open file and the part of it still to send.
///
/// The file sits in an `Arc` so that a [`crate::Response`] stays `Clone`;
/// each read seeks to its own offset first, so clones never disturb each
/// other's position (only one of them is ever sent anyway).
#[derive(Debug, Clone)]
pub(crate) struct FileBody {
    file: Arc<File>,
    offset: u64,
    remaining: u64,
}

impl FileBody {
    /// `len` bytes of `file`, starting at `offset`.
    pub(crate) fn new(file: File, offset: u64, len: u64) -> FileBody {
        FileBody {
            file: Arc::new(file),
            offset,
            remaining: len,
        }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Appends the next chunk (up to [`CHUNK`] bytes) to `out`.
    ///
    /// # Errors
    /// A read error, or `UnexpectedEof` if the file shrank since its length
    /// went out in `Content-Length`: the connection must then close, since
    /// the client was promised bytes that will never come.
    pub(crate) fn read_chunk(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        // Fits in usize: it is at most CHUNK.
        let want = self.remaining.min(CHUNK as u64) as usize;
        let start = out.len();
        out.resize(start + want, 0);
        let mut file = &*self.file;
        let read = file.seek(SeekFrom::Start(self.offset)).and_then(|_| {
            loop {
                match file.read(&mut out[start..]) {
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    other => break other,
                }
            }
        });
        let n = match read {
            Ok(0) if want > 0 => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file shrank while being sent",
            )),
            other => other,
        };
        let n = n.inspect_err(|_| out.truncate(start))?;
        out.truncate(start + n);
        self.offset += n as u64;
        self.remaining -= n as u64;
        Ok(())
    }
}

/// Two bodies are equal when they send the same bytes of the same open file.
impl PartialEq for FileBody {
    fn eq(&self, other: &FileBody) -> bool {
        Arc::ptr_eq(&self.file, &other.file)
            && self.offset == other.offset
            && self.remaining == other.remaining
    }
}

impl Eq for FileBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_read_in_chunks_and_nothing_past_it() {
        let path = std::env::temp_dir().join(format!("httprs-file-body-{}", std::process::id()));
        let data: Vec<u8> = (0..CHUNK * 2 + 10).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut body = FileBody::new(File::open(&path).unwrap(), 5, CHUNK as u64 + 100);
        let mut out = Vec::new();
        body.read_chunk(&mut out).unwrap();
        assert_eq!(out.len(), CHUNK);
        while body.remaining() > 0 {
            body.read_chunk(&mut out).unwrap();
        }
        std::fs::remove_file(&path).unwrap();
        assert_eq!(out, &data[5..5 + CHUNK + 100]);
    }

    #[test]
    fn a_file_that_shrank_since_its_length_was_sent_is_an_error() {
        let path = std::env::temp_dir().join(format!("httprs-file-shrank-{}", std::process::id()));
        std::fs::write(&path, [7u8; 100]).unwrap();
        let mut body = FileBody::new(File::open(&path).unwrap(), 0, 100);
        std::fs::write(&path, [7u8; 10]).unwrap(); // truncates the same file
        let mut out = Vec::new();
        body.read_chunk(&mut out).unwrap(); // the 10 bytes still there
        let err = body.read_chunk(&mut out).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(out.len(), 10, "nothing made up to fill the gap");
    }
}
