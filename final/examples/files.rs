//! A folder served over HTTP: the static-files handler on its own.
//!
//! ```text
//! FILES_DIR=path/to/site cargo run -p httprs --example files   # http://127.0.0.1:7777/
//! curl -i http://127.0.0.1:7777/index.html
//! curl -i -H 'Range: bytes=0-99' http://127.0.0.1:7777/big.bin
//! ```
//!
//! The folder is `FILES_DIR` (not `HTTPRS_...`: those name settings), or
//! the current folder if unset; the usual flags (`--addr`, ...) apply.

use httprs::App;

fn main() {
    let folder = std::env::var_os("FILES_DIR").unwrap_or_else(|| ".".into());
    App::new()
        .static_files("/", folder)
        .bind("127.0.0.1:7777")
        .run();
}
