//! # Step 01: a raw TCP echo server
//!
//! Before HTTP there is a socket. This crate is the bottom layer of httprs: it
//! listens on a TCP port with nothing but `std::net`, accepts one client at a
//! time, and sends every byte it receives straight back.
//!
//! What it deliberately leaves out: HTTP (step 02 parses it), responses
//! (step 03), concurrency (step 04: while one client is connected, the next
//! waits in the kernel's accept queue, and that is the lesson).
//!
//! Modules:
//! - [`cli`]: the `--addr HOST:PORT` flag every server binary in the workspace takes.
//! - [`server`]: the accept loop, one connection at a time, logging each open and close.
//! - [`echo`]: **the layer this step teaches**: read bytes, write them back, until EOF.
//! - [`testing`]: helpers for the workspace's integration tests (start a server, talk to it).
//!
//! Every later step depends on this crate and re-exports what it still uses,
//! so `step05::server` is this `server`, unchanged.
#![warn(missing_docs)]

pub mod cli;
pub mod echo;
pub mod server;
pub mod testing;
