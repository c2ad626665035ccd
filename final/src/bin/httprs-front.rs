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
//! Everything is in [`httprs::FrontOptions`] and [`httprs::Proxy`]; this
//! `main` only decides how the process ends: 0 after `--help` or a
//! graceful stop, 2 for a mistake on the command line (with the usage), and
//! the [`httprs::StartError`]'s own status when the front cannot start.

use std::process::ExitCode;

use httprs::{FrontOptions, Parsed};

fn main() -> ExitCode {
    let backends = std::env::var("HTTPRS_BACKENDS").ok();
    let split_key = std::env::var("HTTPRS_SPLIT_KEY").ok();
    let command = FrontOptions::parse(std::env::args().skip(1), backends.as_deref());
    let options = match command {
        Ok(Parsed::Run(options)) => options.split_key_from_env(split_key.as_deref()),
        Ok(Parsed::Help(usage)) => {
            println!("{usage}");
            return ExitCode::SUCCESS;
        }
        Err(err) => Err(err),
    };
    let options = match options {
        Ok(options) => options,
        Err(err) => {
            eprintln!("error: {err}\n\n{}", FrontOptions::USAGE);
            return ExitCode::from(2);
        }
    };
    match options.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
