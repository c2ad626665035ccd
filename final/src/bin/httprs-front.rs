//! `httprs-front`: the HTTP front of split mode. Browsers talk HTTP to it;
//! it forwards each request to one of its backends (httprs apps started
//! with `--backend`), in turn, over step 06's protocol, and serves any
//! `--static` folders itself.
//!
//! ```text
//! cargo run -p httprs --example split -- --backend --addr 127.0.0.1:7001
//! cargo run -p httprs --example split -- --backend --addr 127.0.0.1:7002
//! cargo run -p httprs --bin httprs-front -- --backend 127.0.0.1:7001 --backend 127.0.0.1:7002
//! ```
//!
//! Everything is in [`httprs::FrontOptions`] and [`httprs::Proxy`].

use httprs::{FlagError, FrontOptions};

fn main() -> std::io::Result<()> {
    let backends = std::env::var("HTTPRS_BACKENDS").ok();
    let split_key = std::env::var("HTTPRS_SPLIT_KEY").ok();
    let options = FrontOptions::parse(std::env::args().skip(1), backends.as_deref())
        .and_then(|options| options.split_key_from_env(split_key.as_deref()));
    match options {
        Ok(options) => options.run(),
        Err(FlagError::Help) => {
            println!("{}", FrontOptions::USAGE);
            Ok(())
        }
        Err(err) => {
            eprintln!("error: {err}\n\n{}", FrontOptions::USAGE);
            std::process::exit(2);
        }
    }
}
