//! `cargo run -p step08`: httppy's hello world as an App, on step 07's
//! event loop, with settings and an access log.

use step08::app::Source;
use step08::cli;

fn main() {
    let usage = step08::usage("step08");
    let flags = cli::flags_or_exit(&usage, &["addr", "settings"]);
    let settings =
        step08::load_settings(flags.get("settings"), flags.get("addr"), std::env::vars())
            .unwrap_or_else(|err| {
                eprintln!("error: {err}");
                std::process::exit(err.exit_code());
            });
    // `load_settings` checked every value, so these cannot fail.
    let addr = settings.addr().expect("checked");
    let access_log = settings.access_log().expect("checked");
    let (listener, local, shutdown) = step08::listen_or_exit(addr);

    println!("step08: app listening on {local}");
    // The settings that are not at their default, and who set them.
    for (key, value, source) in settings.iter() {
        if *source != Source::Default {
            println!("  {key} = {value} (from {source})");
        }
    }
    println!("try it:  curl -i http://{local}/index/");
    println!("stop it: Ctrl-C");
    let app = step08::demo_app(access_log);
    if let Err(err) = app.serve(listener, &shutdown, &settings) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
    println!("step08: stopped");
}
