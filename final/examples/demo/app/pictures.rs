//! The pictures visitors add to their entries: which files count as a
//! picture, where they are kept, and how they are served back.
//!
//! A picture is checked by its first bytes (its "magic number"), never by
//! the name or the type the browser sent, which the visitor controls: a
//! file called `cat.png` that is really HTML must not be served back as a
//! page. Only PNG, JPEG, GIF and WebP are taken, and each is stored under
//! a random name with the extension of what it really is, in the media
//! folder (the `[app]` setting `media_dir`, relative to `settings.toml`'s
//! folder; `media/` by default). The name the visitor gave is not kept:
//! it may be a path, or say more than they meant.
//!
//! The size limit is the route's (`urls.rs`: `Route::max_body`): a larger
//! upload is refused with 413 while it arrives, before any of this runs.

use std::path::{Path, PathBuf};

use httprs::{Request, Response, Status, UploadedFile, ViewError};

use super::Config;

/// The largest picture taken, in bytes; the sign route's body limit
/// allows this and the form's text around it.
pub const MAX_PICTURE: usize = 2 * 1024 * 1024;

/// The kinds of picture taken: the magic number each file starts with, its
/// extension, and its media type.
const KINDS: &[(&[u8], &str, &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
];

/// The extension for `head`, the first bytes of a file, if it is a picture we take.
pub fn kind_of(head: &[u8]) -> Option<&'static str> {
    // WebP: "RIFF", four bytes of size, then "WEBP".
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("webp");
    }
    KINDS
        .iter()
        .find(|(magic, _, _)| head.starts_with(magic))
        .map(|(_, ext, _)| *ext)
}

/// The media type for a stored picture's extension.
fn media_type(ext: &str) -> &'static str {
    match ext {
        "webp" => "image/webp",
        _ => KINDS
            .iter()
            .find(|(_, e, _)| *e == ext)
            .map_or("application/octet-stream", |(_, _, t)| *t),
    }
}

/// The folder pictures are kept in: `media_dir` joined to the settings
/// file's folder (an absolute `media_dir` is kept as it is).
fn folder(req: &Request) -> PathBuf {
    let media_dir = req
        .state::<Config>()
        .map_or(Path::new("media"), |config| config.media_dir.as_path());
    Path::new(crate::SETTINGS)
        .parent()
        .unwrap_or(Path::new("."))
        .join(media_dir)
}

/// Why an uploaded file was not taken, in words for the form.
pub fn check(file: &UploadedFile) -> Result<&'static str, String> {
    if file.len() > MAX_PICTURE as u64 {
        return Err(format!("At most {} MiB, please.", MAX_PICTURE >> 20));
    }
    let head = file
        .first_bytes(12)
        .map_err(|_| "We could not read that file.".to_string())?;
    kind_of(&head).ok_or_else(|| "Please choose a PNG, JPEG, GIF or WebP picture.".to_string())
}

/// Stores `file` (a picture of kind `ext`, see [`check`]) under a random
/// name, and returns that name.
pub fn save(req: &Request, file: &UploadedFile, ext: &str) -> std::io::Result<String> {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).map_err(|err| std::io::Error::other(err.to_string()))?;
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{name}.{ext}");
    let folder = folder(req);
    std::fs::create_dir_all(&folder)?;
    file.save_as(folder.join(&name))?;
    Ok(name)
}

/// Removes a stored picture (its entry could not be saved after all).
pub fn remove(req: &Request, name: &str) {
    let _ = std::fs::remove_file(folder(req).join(name));
}

/// Whether `name` is one [`save`] could have made: 32 hex digits and one
/// of our extensions. Nothing else is ever read from the folder, so a
/// request for `../guestbook.sqlite3` finds nothing.
fn is_stored_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    stem.len() == 32
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && ["png", "jpg", "gif", "webp"].contains(&ext)
}

/// `GET /media/{name}`: a stored picture with its media type, cached for
/// good (a name is never reused), or 404.
pub fn serve(req: &Request) -> Result<Response, ViewError> {
    let name = req.param("name").unwrap_or_default();
    if !is_stored_name(name) {
        return Ok(Response::error(Status::NOT_FOUND));
    }
    let Ok(bytes) = std::fs::read(folder(req).join(name)) else {
        return Ok(Response::error(Status::NOT_FOUND));
    };
    let ext = name.rsplit('.').next().unwrap_or_default();
    Ok(Response::new(Status::OK)
        .with_header("Content-Type", media_type(ext))
        .with_header("Cache-Control", "public, max-age=31536000, immutable")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_known_by_their_first_bytes_not_their_names() {
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("png"));
        assert_eq!(kind_of(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some("jpg"));
        assert_eq!(kind_of(b"GIF89a\x01\0\x01\0"), Some("gif"));
        assert_eq!(kind_of(b"RIFF\x24\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(kind_of(b"<html><script>"), None);
        assert_eq!(kind_of(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(kind_of(b""), None);
    }

    #[test]
    fn only_names_we_made_are_served() {
        assert!(is_stored_name("0123456789abcdef0123456789abcdef.png"));
        assert!(!is_stored_name("../guestbook.sqlite3"));
        assert!(!is_stored_name("0123456789ABCDEF0123456789abcdef.png"));
        assert!(!is_stored_name("0123456789abcdef0123456789abcdef.html"));
        assert!(!is_stored_name("0123456789abcdef0123456789abcdef.png.png"));
    }
}
