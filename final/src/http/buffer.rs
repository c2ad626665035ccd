//! The input buffer: bytes read from a socket, waiting to be parsed.
//!
//! Step 02 read into a fixed 8 KiB array and parsed from its start. With
//! keep-alive and pipelining, one read may hold the end of one request and
//! the start of the next, so the buffer must let the parser take requests
//! off the *front* while reads append at the *back*. Taking from the front
//! only moves an offset; the bytes are shifted down once the consumed part
//! is at least half the buffer, so a burst of pipelined requests costs no
//! copying per request.

/// Bytes read from a socket and not yet parsed.
///
/// Consuming from the front only moves an offset; the bytes are shifted down
/// once the consumed part is large, so pipelined requests cost no copying.
#[derive(Debug, Default)]
pub struct InputBuffer {
    data: Vec<u8>,
    start: usize,
}

impl InputBuffer {
    /// An empty buffer.
    pub fn new() -> InputBuffer {
        InputBuffer::default()
    }

    /// The unparsed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data[self.start..]
    }

    /// How many unparsed bytes there are.
    pub fn len(&self) -> usize {
        self.data.len() - self.start
    }

    /// Whether every byte has been parsed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends freshly read bytes.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.compact();
        self.data.extend_from_slice(bytes);
    }

    /// Marks the first `n` unparsed bytes as parsed.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        debug_assert!(self.start <= self.data.len());
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
    }

    fn compact(&mut self) {
        if self.start > 0 && self.start >= self.data.len() / 2 {
            self.data.drain(..self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumed_bytes_leave_the_front_and_new_ones_join_the_back() {
        let mut buf = InputBuffer::new();
        buf.extend(b"hello world");
        buf.consume(6);
        assert_eq!(buf.bytes(), b"world");
        buf.extend(b"!");
        assert_eq!(buf.bytes(), b"world!");
        buf.consume(6);
        assert!(buf.is_empty());
    }
}
