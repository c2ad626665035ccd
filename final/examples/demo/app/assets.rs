//! `--compress-static`: the style sheet and the script compressed once, at
//! the highest levels, into `style.css.br` and `style.css.gz` beside them
//! (what Django's WhiteNoise does at `collectstatic`).
//!
//! httprs serves such a copy to a client that takes it, with the file's
//! type and an ETag of its own, and serves the file itself when the copy is
//! older than it; static files are never compressed per request, since
//! they are streamed from disk (see `final/docs/compression.md`).
//!
//! ```text
//! cargo run -p httprs --example demo -- --compress-static
//! ```
//!
//! `final/tests/compression.rs` checks that the committed copies decode to
//! the committed files, so an edit without a new run fails there.

use httprs::{CommandError, Flags, Settings, StaticFiles};

/// The flag that runs [`compress_static`].
pub const COMPRESS_STATIC: &str = "--compress-static";

/// Writes `NAME.br` and `NAME.gz` beside each text file of `static/`.
pub fn compress_static(settings: &Settings, _: &Flags) -> Result<(), CommandError> {
    for file in StaticFiles::precompress(settings.root.join("static"))? {
        println!("compressed {} into .br and .gz", file.display());
    }
    Ok(())
}
