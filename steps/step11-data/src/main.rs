//! `cargo run -p step11`: step 10's guestbook with its entries in SQLite.
//! Sign it, stop the server, start it again: the entries are still there.

use step11::app::{AccessLog, Source};
use step11::cli;
use step11::data::Model;
use step11::{Entry, Guestbook};

const USAGE: &str = "usage: step11 [--addr HOST:PORT] [--database FILE]\n\n  \
    --addr HOST:PORT   where to listen (default 127.0.0.1:7878)\n  \
    --database FILE    the SQLite file (default steps/step11-data/guestbook.sqlite3)\n\n\
    Each setting can be overridden by an environment variable: STEP11_DATABASE=/tmp/g.sqlite3, ...";

fn main() {
    let flags = cli::flags_or_exit(USAGE, &["addr", "database"]);
    let given = [
        ("addr", flags.get("addr")),
        ("database", flags.get("database")),
    ];
    let settings = step11::load_settings(&given, std::env::vars()).unwrap_or_else(|err| {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    });
    // A database that cannot be opened, or a migration that fails, stops
    // the program here, before it listens: exit status 2, one clear line.
    let (db, applied) =
        step11::open_database(&settings, step11::MIGRATIONS).unwrap_or_else(|err| {
            eprintln!("error: {err}");
            std::process::exit(2);
        });
    let templates = step11::load_templates().unwrap_or_else(|err| {
        eprintln!("error: template {err}");
        std::process::exit(2);
    });
    let entries = Entry::all(&db.lock()).map_or(0, |all| all.len());
    let path = step08::shown(db.path());

    let (listener, local, shutdown) =
        step08::listen_or_exit(settings.addr().expect("checked by load_settings"));

    println!("step11: guestbook listening on {local}");
    for name in &applied {
        println!("  applied migration {name}");
    }
    println!("  database {} (entries: {entries})", path.display());
    for (key, value, source) in settings.iter() {
        if *source != Source::Default {
            println!("  setting {key} = {value} (from {source})");
        }
    }
    println!(
        "try it:  open http://{local}/ and sign; stop with Ctrl-C, start again: the entries stay"
    );
    println!("stop it: Ctrl-C");
    let app = step11::guestbook_app(Guestbook { db, templates }).unwrap_or_else(|err| {
        eprintln!("error: the static files: {err}");
        std::process::exit(2);
    });
    let app = match settings.access_log().expect("checked") {
        true => app.wrap(AccessLog::stdout()),
        false => app,
    };
    if let Err(err) = app.serve(listener, &shutdown, &settings) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
    println!("step11: stopped");
}
