//! The application's own settings: the `[app]` table of `settings.toml`,
//! and `HTTPRS_APP_*` variables over it, read into the app's own serde type.
//!
//! Why a table of its own: the framework refuses a key it does not know (a
//! typo such as `wokers = 8` must not pass in silence), so an app cannot add
//! keys beside the framework's. Under `[app]` the framework checks nothing
//! and the app's type checks everything: its field types, and its unknown
//! keys too if it says `#[serde(deny_unknown_fields)]`. Django keeps an
//! app's settings in the same module as its own, and pays for it with
//! typos nobody sees; Rocket's figment reads an app's type from the same
//! layers, which is the model here.
//!
//! Each key remembers where it was read (the file, or the variable), so an
//! error names it: `settings.toml: key 'app.page_size': invalid type:
//! string "fifty", expected u32`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::config::settings_error::SettingsError;

/// The `[app]` table of the settings, for the app's own keys: read it with
/// [`AppSettings::parse`], or let [`App::app_settings`](crate::App::app_settings)
/// do it at start-up.
///
/// # Examples
/// ```
/// use httprs::Settings;
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Guestbook { title: String, page_size: u32 }
///
/// let mut settings = Settings::default();
/// settings.apply_toml("[app]\ntitle = \"Hello\"\npage_size = 20", "settings.toml").unwrap();
/// settings.apply_env([("HTTPRS_APP_PAGE_SIZE".to_string(), "50".to_string())]).unwrap();
/// let app: Guestbook = settings.app.parse().unwrap();
/// assert_eq!(app, Guestbook { title: "Hello".into(), page_size: 50 });
///
/// settings.apply_env([("HTTPRS_APP_PAGE_SIZE".to_string(), "fifty".to_string())]).unwrap();
/// let err = settings.app.parse::<Guestbook>().unwrap_err();
/// assert_eq!(err.key, "app.page_size");
/// assert_eq!(err.source, "environment variable HTTPRS_APP_PAGE_SIZE");
/// ```
///
#[doc = include_str!("../../docs/app-settings.md")]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppSettings {
    table: toml::Table,
    /// Where each top-level key was last set: a file's path or a variable's name.
    origins: BTreeMap<String, String>,
    /// The last file with an `[app]` table: where a missing key was to be.
    file: Option<String>,
}

impl AppSettings {
    /// Whether no `[app]` key was set anywhere.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The `[app]` table of a file: each key replaces the one set before.
    pub(crate) fn merge(&mut self, table: &toml::Table, source: &str) {
        self.file = Some(source.to_string());
        for (key, value) in table {
            self.table.insert(key.clone(), value.clone());
            self.origins.insert(key.clone(), source.to_string());
        }
    }

    /// `HTTPRS_APP_PAGE_SIZE=50`: `key` is what follows `HTTPRS_APP_`, in
    /// lower case; a double underscore goes one table down
    /// (`HTTPRS_APP_SMTP__HOST` is `smtp.host`). The value is read as a
    /// TOML value when it is one (`50`, `true`, `"quoted"`, `[1, 2]`), else
    /// as a string, so a string that looks like a number needs its quotes.
    pub(crate) fn set_from_env(&mut self, key: &str, value: &str, variable: &str) {
        let value = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
        self.origins.insert(path[0].clone(), variable.to_string());
        let mut table = &mut self.table;
        for step in &path[..path.len() - 1] {
            let entry = table
                .entry(step.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            table = match entry {
                toml::Value::Table(inner) => inner,
                _ => unreachable!("made a table just above"),
            };
        }
        table.insert(path[path.len() - 1].clone(), value);
    }

    /// The `[app]` table read into the app's own type `T`.
    ///
    /// # Errors
    /// A [`SettingsError`] naming where the key was set (the file or the
    /// variable), the key as `app.NAME`, and what `T` expected, for a
    /// value of the wrong type, a missing key `T` requires, or (with
    /// `#[serde(deny_unknown_fields)]`) a key `T` does not have.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, SettingsError> {
        // Through TOML text, not the value tree: the text's spans say
        // which line, and so which key, the error is about.
        let text = toml::to_string(&self.table).unwrap_or_default();
        toml::from_str(&text).map_err(|err| {
            let message = err.message().trim().to_string();
            let key = key_in_error(&text, &message, err.span());
            let top = key.split('.').next().unwrap_or("");
            SettingsError {
                // A missing key was set nowhere: name the file it belongs in.
                source: self
                    .origins
                    .get(top)
                    .or(self.file.as_ref())
                    .cloned()
                    .unwrap_or_else(|| "settings".to_string()),
                key: if key.is_empty() {
                    "app".to_string()
                } else {
                    format!("app.{key}")
                },
                problem: message,
            }
        })
    }
}

/// The key an error from `toml::from_str` is about: named in the message
/// (`missing field `x``, `unknown field `x``), else the key on the line the
/// error's span starts in, under the nearest `[table]` header above it.
fn key_in_error(text: &str, message: &str, span: Option<std::ops::Range<usize>>) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|start| message.strip_prefix(start)?.split('`').next());
    let start = span.map_or(0, |s| s.start).min(text.len());
    let before = &text[..start];
    let section = before
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix('[')?.strip_suffix(']'))
        .map(|s| s.trim().to_string());
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let on_line = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_string());
    let key = match named {
        Some(name) => Some(name.to_string()),
        None => on_line,
    };
    match (section, key) {
        (Some(section), Some(key)) => format!("{section}.{key}"),
        (Some(section), None) => section,
        (None, Some(key)) => key,
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Config {
        title: String,
        page_size: u32,
        #[serde(default)]
        smtp: Smtp,
    }

    #[derive(serde::Deserialize, Debug, PartialEq, Default)]
    #[serde(deny_unknown_fields)]
    struct Smtp {
        host: String,
        port: u16,
    }

    fn from_file(text: &str) -> AppSettings {
        let mut app = AppSettings::default();
        app.merge(&text.parse().unwrap(), "settings.toml");
        app
    }

    #[test]
    fn file_and_environment_values_reach_the_app_s_type() {
        let mut app =
            from_file("title = \"Guests\"\npage_size = 20\n[smtp]\nhost = \"a\"\nport = 25");
        app.set_from_env("SMTP__PORT", "2525", "HTTPRS_APP_SMTP__PORT");
        app.set_from_env("TITLE", "Visitors' book", "HTTPRS_APP_TITLE");
        let config: Config = app.parse().unwrap();
        assert_eq!(config.title, "Visitors' book");
        assert_eq!(config.page_size, 20);
        assert_eq!(
            config.smtp,
            Smtp {
                host: "a".into(),
                port: 2525
            }
        );
    }

    #[test]
    fn errors_name_the_key_and_where_it_was_set() {
        let app = from_file("title = \"t\"\npage_size = \"many\"");
        let err = app.parse::<Config>().unwrap_err();
        assert_eq!(
            (err.source.as_str(), err.key.as_str()),
            ("settings.toml", "app.page_size")
        );
        assert!(err.problem.contains("expected u32"), "{}", err.problem);

        let err = from_file("title = \"t\"").parse::<Config>().unwrap_err();
        assert_eq!(err.key, "app.page_size");
        assert!(err.problem.contains("missing field"), "{}", err.problem);

        let err = from_file("title = \"t\"\npage_size = 1\npage_sise = 2")
            .parse::<Config>()
            .unwrap_err();
        assert_eq!(err.key, "app.page_sise");

        let mut app = from_file("title = \"t\"\npage_size = 1\n[smtp]\nhost = \"a\"\nport = 25");
        app.set_from_env("SMTP__PORT", "99999", "HTTPRS_APP_SMTP__PORT");
        let err = app.parse::<Config>().unwrap_err();
        assert_eq!(err.key, "app.smtp.port");
        assert_eq!(err.source, "HTTPRS_APP_SMTP__PORT");
    }
}
