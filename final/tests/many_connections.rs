//! Hundreds of keep-alive connections open at once, each served repeatedly:
//! the event loops hold them all without a thread per connection.

mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;

use httprs::Settings;
use support::{connect, read_reply};

const CONNECTIONS: usize = 600;

#[test]
fn six_hundred_keep_alive_connections_are_served_concurrently() {
    let (server, _gate) = support::start_with(Settings {
        // Long enough that no connection idles out while the others are served.
        idle_timeout: std::time::Duration::from_secs(30),
        header_timeout: std::time::Duration::from_secs(30),
        ..support::settings()
    });
    let mut conns: Vec<(BufReader<TcpStream>, TcpStream)> = (0..CONNECTIONS)
        .map(|_| {
            let s = connect(server.addr());
            (BufReader::new(s.try_clone().unwrap()), s)
        })
        .collect();
    for round in 0..3 {
        // Every connection sends before any reads: all requests are in flight together.
        for (i, (_, writer)) in conns.iter_mut().enumerate() {
            let request = format!("GET /hello/{round}-{i} HTTP/1.1\r\nHost: a\r\n\r\n");
            writer.write_all(request.as_bytes()).unwrap();
        }
        for (i, (reader, _)) in conns.iter_mut().enumerate() {
            let reply = read_reply(reader, false);
            assert_eq!(reply.text(), format!("Hello, {round}-{i}!"));
        }
    }
    let stats = server.stats();
    assert_eq!(stats.accepted, CONNECTIONS as u64);
    assert_eq!(stats.open, CONNECTIONS as u64, "all still open at once");
    assert_eq!(stats.served, CONNECTIONS as u64);
    assert_eq!(stats.responses, 3 * CONNECTIONS as u64);
}
