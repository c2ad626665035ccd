//! The accept loop: one connection at a time.
//!
//! A listening socket hands out connections with `accept()`. Here we take one,
//! give it to a handler, wait until the handler is done, and only then take the
//! next. Steps 02 and 03 reuse this loop unchanged for HTTP; step 04 replaces
//! it with one that hands each connection to a thread pool, because while a
//! handler here is busy, every other client waits.

use std::net::{TcpListener, TcpStream};

/// Accepts connections forever, handing each to `handle`, one at a time.
///
/// Each connection's opening and closing is logged with the peer's address, so
/// a learner watching the terminal sees exactly when a client is being served
/// and when the next one gets its turn.
///
/// A failed `accept` (for example, the process ran out of file descriptors)
/// is logged and the loop goes on: one bad moment must not end the server.
pub fn serve(listener: &TcpListener, mut handle: impl FnMut(TcpStream)) {
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(peer) => peer.to_string(),
            // The client may already have gone; that is not our problem to solve.
            Err(_) => "(unknown peer)".to_string(),
        };
        println!("connection opened: {peer}");
        handle(stream);
        println!("connection closed: {peer}");
    }
}
