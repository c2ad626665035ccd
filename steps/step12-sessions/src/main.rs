//! `cargo run -p step12`: step 11's guestbook with sessions, CSRF tokens,
//! an admin login and delete. `cargo run -p step12 -- --create-admin NAME`
//! makes an admin (the password from GUESTBOOK_ADMIN_PASSWORD or a line of
//! standard input) and exits.

use std::io::BufRead;

use step12::app::{AccessLog, Source};
use step12::cli;
use step12::{Guestbook, PASSWORD_VARIABLE};

const USAGE: &str = "usage: step12 [--addr HOST:PORT] [--database FILE] [--create-admin NAME]\n\n  \
    --addr HOST:PORT     where to listen (default 127.0.0.1:7878)\n  \
    --database FILE      the SQLite file (default steps/step12-sessions/guestbook.sqlite3)\n  \
    --create-admin NAME  save an admin (password from GUESTBOOK_ADMIN_PASSWORD or standard input) and exit\n\n\
    Each setting can be overridden by an environment variable: STEP12_SECRET_KEY=..., \
    STEP12_COOKIE_SECURE=true, STEP12_DATABASE=..., ...";

fn main() {
    let flags = cli::flags_or_exit(USAGE, &["addr", "database", "create-admin"]);
    let flag_values = [
        ("addr", flags.get("addr")),
        ("database", flags.get("database")),
    ];
    let settings = step12::load_settings(&flag_values, std::env::vars()).unwrap_or_else(|err| {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    });
    let exit_2 = |err: &dyn std::fmt::Display| -> ! {
        eprintln!("error: {err}");
        std::process::exit(2);
    };
    let (db, applied) =
        step11::open_database(&settings, &step12::migrations()).unwrap_or_else(|err| exit_2(&err));
    if let Some(name) = flags.get("create-admin") {
        create_admin(&db, name);
    }
    let (store, random_key) = step12::session_store(&settings).unwrap_or_else(|err| exit_2(&err));
    let templates = step12::load_templates().unwrap_or_else(|err| exit_2(&err));
    let admins = step12::admins(&db).unwrap_or_else(|err| exit_2(&err));

    let (listener, local, shutdown) =
        step08::listen_or_exit(settings.addr().expect("checked by load_settings"));

    println!("step12: guestbook with sessions listening on {local}");
    for name in &applied {
        println!("  applied migration {name}");
    }
    println!("  database {}", step08::shown(db.path()).display());
    for (key, value, source) in settings.iter() {
        if *source != Source::Default {
            let value = if key == "secret_key" {
                "(hidden)"
            } else {
                value
            };
            println!("  setting {key} = {value} (from {source})");
        }
    }
    if random_key {
        println!(
            "  no secret_key: a random key for this run, so sessions end when it stops (STEP12_SECRET_KEY sets one)"
        );
    }
    if admins.is_empty() {
        println!(
            "  no admin yet: stop it and run GUESTBOOK_ADMIN_PASSWORD='correct horse' cargo run -p step12 -- --create-admin ada"
        );
    } else {
        println!(
            "  admins: {} (log in at http://{local}/login)",
            admins.join(", ")
        );
    }
    println!("try it:  open http://{local}/ and sign; a post without the form's token gets 403");
    println!("stop it: Ctrl-C");
    let app = step12::guestbook_app(Guestbook { db, templates }, store)
        .unwrap_or_else(|err| exit_2(&format!("the static files: {err}")));
    let app = match settings.access_log().expect("checked") {
        true => app.wrap(AccessLog::stdout()),
        false => app,
    };
    if let Err(err) = app.serve(listener, &shutdown, &settings) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
    println!("step12: stopped");
}

/// Saves the admin `name` and exits: 0 when saved, 1 when not. The password
/// comes from a variable or standard input, never from the command line,
/// where `ps` and the shell's history would show it.
fn create_admin(db: &step12::data::Database, name: &str) -> ! {
    let password = match std::env::var(PASSWORD_VARIABLE) {
        Ok(password) => password,
        Err(_) => {
            eprint!("password for {name} (the text shows as you type): ");
            let mut line = String::new();
            if let Err(err) = std::io::stdin().lock().read_line(&mut line) {
                eprintln!("error: cannot read the password: {err}");
                std::process::exit(1);
            }
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    match step12::create_admin(db, name, &password) {
        Ok(()) => {
            println!("admin {} saved: log in at /login", name.trim());
            std::process::exit(0);
        }
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}
