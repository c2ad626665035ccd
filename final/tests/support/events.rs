//! An event stream read the way a browser reads it: the head, then the
//! chunked body de-chunked into lines and events. Shared by the tests of
//! server-sent events in HTTP mode (`sse.rs`) and through a front
//! (`split_streams.rs`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use super::connect;

/// See the module docs.
pub struct EventReader {
    reader: BufReader<TcpStream>,
    pub headers: Vec<String>,
    /// De-chunked bytes not yet split into lines.
    pending: Vec<u8>,
    ended: bool,
}

impl EventReader {
    /// Asks `addr` for the stream at `path`, with the header lines `extra`
    /// (each ending in `\r\n`), and reads the `200` head.
    #[track_caller]
    pub fn open(addr: SocketAddr, path: &str, extra: &str) -> EventReader {
        let mut stream = connect(addr);
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n{extra}\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert_eq!(status, "HTTP/1.1 200 OK\r\n");
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            headers.push(line.trim_end().to_ascii_lowercase());
        }
        EventReader {
            reader,
            headers,
            pending: Vec::new(),
            ended: false,
        }
    }

    /// The next line of the event stream, `None` once the body has ended.
    #[track_caller]
    pub fn line(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=at).collect();
                return Some(String::from_utf8(line[..at].to_vec()).unwrap());
            }
            if self.ended {
                return None;
            }
            let mut size = String::new();
            self.reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim_end(), 16).expect("a chunk size");
            let mut data = vec![0; size + 2];
            self.reader.read_exact(&mut data).unwrap();
            self.ended = size == 0;
            self.pending.extend_from_slice(&data[..size]);
        }
    }

    /// The next event's fields (comments included), up to its blank line.
    #[track_caller]
    pub fn event(&mut self) -> Option<Vec<String>> {
        let mut fields = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                return Some(fields);
            }
            fields.push(line);
        }
    }

    /// The raw bytes still to come, until the server closes the
    /// connection (or resets it); what a cut-short stream ends with.
    pub fn rest_until_close(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.pending);
        let mut buf = [0u8; 8192];
        loop {
            match self.reader.read(&mut buf) {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    }
}
