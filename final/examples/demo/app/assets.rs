//! `--compress-static`: the style sheet and the script compressed once, at
//! the highest levels, into `style.css.br` and `style.css.gz` beside them
//! (Django's `compress` command, a front-end build's last step).
//!
//! httprs serves such a copy to a client that takes it, with the file's
//! type and an ETag of its own, and serves the file itself when the copy is
//! older than it (see `final/docs/compression.md`); it never compresses a
//! static file on the fly, since those are streamed from disk. Compressing
//! once lets the copy use brotli's quality 11, fifty times slower than the
//! quality 5 used per response and about a tenth smaller.
//!
//! ```text
//! cargo run -p httprs --example demo -- --compress-static
//! ```
//!
//! `final/tests/compression.rs` checks that the committed copies decode to
//! the committed files, so an edit without a new run fails there.

use std::io::Write;
use std::path::Path;

use httprs::{CommandError, Flags, Settings};

/// The flag that runs [`compress_static`].
pub const COMPRESS_STATIC: &str = "--compress-static";

/// The files compressed: text that shrinks; images are compressed already.
const SUFFIXES: &[&str] = &[".css", ".js", ".svg", ".html", ".txt"];

/// Writes `NAME.br` and `NAME.gz` beside each text file of `static/`.
pub fn compress_static(settings: &Settings, _: &Flags) -> Result<(), CommandError> {
    let folder = settings.root.join("static");
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        let name = path.to_string_lossy().into_owned();
        if path.is_file() && SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) {
            compress_one(&path)?;
            println!("compressed {name} into .br and .gz");
        }
    }
    Ok(())
}

fn compress_one(path: &Path) -> Result<(), CommandError> {
    let original = std::fs::read(path)?;
    let mut br = Vec::new();
    // Quality 11, a 4 MiB window: the smallest brotli makes.
    brotli::CompressorWriter::new(&mut br, 4096, 11, 22).write_all(&original)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&original)?;
    // Written after the original was read: the copies are not older than it.
    std::fs::write(format!("{}.br", path.display()), br)?;
    std::fs::write(format!("{}.gz", path.display()), gz.finish()?)?;
    Ok(())
}
