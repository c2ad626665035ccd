//! `cargo run -p step09`: the guestbook's page, style sheet and script,
//! served as static files. Open http://127.0.0.1:7878/ in a browser.

use std::path::PathBuf;

use step09::cli;

const USAGE: &str = "usage: step09 [--addr HOST:PORT] [--root FOLDER]\n\n  \
    --addr HOST:PORT   where to listen (default 127.0.0.1:7878)\n  \
    --root FOLDER      the folder to serve (default: the guestbook's, steps/step09-static/guestbook)\n\n\
    Each setting of step 08 can be overridden by an environment variable: STEP09_WORKERS=2, ...";

fn main() {
    let flags = cli::flags_or_exit(USAGE, &["addr", "root"]);
    let settings =
        step09::load_settings(flags.get("addr"), std::env::vars()).unwrap_or_else(|err| {
            eprintln!("error: {err}");
            std::process::exit(err.exit_code());
        });
    let root = flags.get("root").map_or_else(
        || step08::shown(step09::GUESTBOOK_DIR.as_ref()),
        PathBuf::from,
    );
    // `load_settings` checked every value, so these cannot fail.
    let access_log = settings.access_log().expect("checked");
    let app = step09::demo_app(&root, access_log).unwrap_or_else(|err| {
        eprintln!("error: cannot serve the folder {}: {err}", root.display());
        std::process::exit(2);
    });
    let (listener, local, shutdown) = step08::listen_or_exit(settings.addr().expect("checked"));

    println!("step09: static files listening on {local}");
    println!("serving the folder {}", root.display());
    println!("open http://{local}/ in a browser, or try:");
    println!("  curl -I http://{local}/static/style.css");
    println!("stop it: Ctrl-C");
    if let Err(err) = app.serve(listener, &shutdown, &settings) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
    println!("step09: stopped");
}
