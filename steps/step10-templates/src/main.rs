//! `cargo run -p step10`: the guestbook, its page rendered by step 10's own
//! template engine, its entries kept in memory.

use step10::app::AccessLog;
use step10::cli;

fn main() {
    let usage = step10::usage("step10");
    let flags = cli::flags_or_exit(&usage, &["addr", "templates"]);
    let settings = step10::load_settings(&flags, std::env::vars()).unwrap_or_else(|err| {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    });
    // Every template is read and parsed now: a mistake in one stops the
    // server here, with the template, line and column, before anyone visits.
    let folder = settings.text("templates").expect("a default is set");
    let templates = step10::load_templates(folder).unwrap_or_else(|err| {
        eprintln!("error: template {err}");
        std::process::exit(2);
    });
    let static_dir = step08::shown(&step10::static_dir());
    let app = step10::guestbook(templates, &static_dir).unwrap_or_else(|err| {
        eprintln!(
            "error: cannot serve the folder {}: {err}",
            static_dir.display()
        );
        std::process::exit(2);
    });
    let app = match settings.access_log().expect("checked") {
        true => app.wrap(AccessLog::stdout()),
        false => app,
    };
    let (listener, local, shutdown) = step08::listen_or_exit(settings.addr().expect("checked"));

    println!("step10: guestbook listening on {local}");
    println!(
        "templates from {folder}, style sheet and script from {}",
        static_dir.display()
    );
    println!("try it:  open http://{local}/ in a browser and sign it, or sign with curl:");
    println!("         curl -i -d name=Ada --data-urlencode 'message=<b>hi</b>' http://{local}/");
    println!("stop it: Ctrl-C");
    if let Err(err) = app.serve(listener, &shutdown, &settings) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
    println!("step10: stopped");
}
