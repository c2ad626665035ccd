//! The echo server over real sockets: in-process through the library, and as the built binary.

use std::io::{Read, Write};
use std::process::Command;
use std::thread;

use step01::testing::{self, ChildServer};

fn echo_server() -> std::net::SocketAddr {
    testing::spawn_server(|mut stream| {
        let _ = step01::echo::echo(&mut stream);
    })
}

/// Writes `payload` from a second thread while this one reads the echo:
/// with a large payload, writing everything first would fill both socket
/// buffers and deadlock.
fn round_trip(addr: std::net::SocketAddr, payload: Vec<u8>) -> Vec<u8> {
    let mut stream = testing::connect(addr);
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || {
        writer.write_all(&payload).unwrap();
        // Half-close: tell the server we are done sending; it then closes too.
        writer.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    sender.join().unwrap();
    echoed
}

#[test]
fn binary_data_with_zero_bytes_comes_back_unchanged() {
    let addr = echo_server();
    let payload = vec![0, 1, 2, 0, 0, 255, 254, b'\r', b'\n', 0];
    assert_eq!(round_trip(addr, payload.clone()), payload);
}

#[test]
fn a_large_payload_comes_back_unchanged() {
    let addr = echo_server();
    let payload: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let echoed = round_trip(addr, payload.clone());
    assert_eq!(echoed.len(), payload.len());
    assert!(echoed == payload, "echoed bytes differ from the payload");
}

#[test]
fn clients_are_served_one_after_another() {
    let addr = echo_server();
    for i in 0..5u8 {
        assert_eq!(round_trip(addr, vec![i; 100]), vec![i; 100]);
    }
}

#[test]
fn the_binary_prints_its_address_and_echoes() {
    let server = ChildServer::spawn(env!("CARGO_BIN_EXE_step01"), &[]);
    assert_eq!(round_trip(server.addr, b"hello\n".to_vec()), b"hello\n");
}

#[test]
fn the_binary_rejects_an_unknown_flag_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_step01"))
        .arg("--adr")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown flag '--adr'"), "stderr: {stderr}");
}

#[test]
fn the_binary_explains_an_address_it_cannot_use() {
    let out = Command::new(env!("CARGO_BIN_EXE_step01"))
        .args(["--addr", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot listen on not-an-address"),
        "stderr: {stderr}"
    );
}
