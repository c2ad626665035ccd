//! The output blocks of chapter 8 that a test can reproduce: each test
//! reads its block from TUTORIAL.md (the marker above it names the test)
//! and compares it with what the `step08` binary really does.

use std::process::Command;

use step08::testing::{ChildServer, assert_block_shows, one_response, tutorial_block};

const STEP08: &str = env!("CARGO_BIN_EXE_step08");
const FILE: &str = "steps/step08-app/tests/tutorial.rs";

#[test]
fn chapter_8s_curl_of_index_is_what_the_server_sends() {
    let block = tutorial_block(FILE, "chapter_8s_curl_of_index_is_what_the_server_sends");
    let server = ChildServer::spawn(STEP08, &[]);
    // What `curl -i http://.../index/` sends: HTTP/1.1, kept alive.
    let request =
        b"GET /index/ HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl\r\nAccept: */*\r\n\r\n";
    assert_block_shows(&block, &one_response(server.addr, request), &["Date"]);
}

#[test]
fn chapter_8s_405_is_what_the_server_sends() {
    let block = tutorial_block(FILE, "chapter_8s_405_is_what_the_server_sends");
    let server = ChildServer::spawn(STEP08, &[]);
    let request = b"POST /index/ HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nAccept: */*\r\n\r\n";
    assert_block_shows(&block, &one_response(server.addr, request), &["Date"]);
}

#[test]
fn chapter_8s_bad_setting_is_what_the_binary_prints() {
    let block = tutorial_block(FILE, "chapter_8s_bad_setting_is_what_the_binary_prints");
    let output = Command::new(STEP08)
        .env("STEP08_WORKERS", "many")
        .output()
        .expect("run step08");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut printed: Vec<String> = stderr.lines().map(str::to_string).collect();
    // `echo $?` prints the exit status.
    printed.push(output.status.code().expect("an exit status").to_string());
    let shown: Vec<&String> = block.iter().filter(|l| !l.starts_with("$ ")).collect();
    assert_eq!(shown, printed.iter().collect::<Vec<_>>());
}
