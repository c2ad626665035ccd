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
//!
//! ## 中文说明
//!
//! ### 练习 01：回显字节流
//!
//! `TUTORIAL.zh-CN.md` 第 1 章（step01）打开一个 TCP 套接字（socket），
//! 把收到的每个字节原样发回去。这个循环就是整个服务器，而它由你来写。
//!
//! 实现 [`echo`]：读出已经到达的字节，把它们全部写回，如此反复，
//! 直到对方关闭它那一半连接（一次读到零字节）。返回一共回显了多少字节。
//!
//! 它对 `Read + Write` 是泛型的，所以同一个函数既能用在 `TcpStream` 上，
//! 也能用在测试里的假流上。
//!
//! 测试（`tests/ex01_echo.rs`）检查：
//! - 每个字节都会回来，包括二进制数据和零字节，而且计数正确；
//! - 一个每次 read 只给一个字节的流，也能把全部内容回显出来；
//! - 一个每次调用只收下缓冲区一部分的写入端，最终也能拿到全部内容；
//! - 被信号中断的 read（`ErrorKind::Interrupted`）会重试；
//! - 其他任何 I/O 错误都返回给调用者，既不吞掉，也不 unwrap；
//! - 在回环（loopback）TCP 连接上真的能回显。
//!
//! 用 `cargo run -p exercises -- check ex01_echo` 检查。

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
