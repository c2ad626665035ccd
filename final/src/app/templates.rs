//! Templates: HTML pages rendered from files with minijinja, escaped by
//! default, re-read on change in debug. The syntax, inheritance and errors
//! are in `final/docs/templates.md` ([`Templates`](crate::Templates)'s documentation).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, ErrorKind};
use serde::Serialize;

use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// A folder of templates, compiled on first use. The app keeps one in its
/// state ([`crate::App::templates`]); build your own to render outside a request.
///
/// # Examples
/// ```
/// use httprs::{Templates, context};
/// # let folder = std::env::temp_dir().join(format!("httprs-doc-templates-{}", std::process::id()));
/// # std::fs::create_dir_all(&folder).unwrap();
/// # std::fs::write(folder.join("hello.html"), "Hello {{ name }}!").unwrap();
/// let templates = Templates::new(&folder);
/// let page = templates.render("hello.html", context! { name => "<you>" }).unwrap();
/// assert_eq!(page, "Hello &lt;you&gt;!");
/// # std::fs::remove_dir_all(&folder).unwrap();
/// ```
///
#[doc = include_str!("../../docs/templates.md")]
pub struct Templates {
    /// Where the templates are, as the loader sees it.
    folder: PathBuf,
    /// minijinja's engine: the loader, the cache of compiled templates, the
    /// filters. `'static` because it borrows nothing: sources are owned.
    env: Environment<'static>,
}

impl Templates {
    /// Templates read from `folder`, each compiled once and cached
    /// (production behaviour; see [`Templates::with_debug`]). The folder is
    /// not read yet, so it may be created after this.
    pub fn new(folder: impl Into<PathBuf>) -> Templates {
        let folder = folder.into();
        let mut env = Environment::new();
        env.set_loader(minijinja::path_loader(&folder));
        // minijinja's own "debug" is not ours: it makes errors precise
        // ("`user` is undefined", not just "undefined value") and keeps the
        // lines around them. Production logs deserve the precise message;
        // the lines are shown only by the debug page.
        env.set_debug(true);
        Templates { folder, env }.with_debug(false)
    }

    /// What the `debug` setting changes: re-read a template whose file
    /// changed since it was compiled, instead of compiling each only once.
    pub fn with_debug(mut self, debug: bool) -> Templates {
        // Auto-reload is minijinja's: each cached template carries a check
        // of its file's modification time and size, run at each lookup.
        self.env.set_auto_reload(debug);
        self
    }

    /// The folder templates are read from.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Renders template `name` with `context`'s fields (or keys) as its
    /// variables. To answer a request, use [`Response::render`] instead.
    ///
    /// # Errors
    /// A [`TemplateError`] if the template (or one it extends or includes)
    /// is missing or has a syntax error, or if rendering fails (an unknown
    /// filter, a missing value reached into).
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, TemplateError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|err| self.error(name, &err))?;
        template
            .render(Value::from(Serde(context)))
            .map_err(|err| self.error(name, &err))
    }

    /// Our error from minijinja's, for template `requested`.
    fn error(&self, requested: &str, err: &minijinja::Error) -> TemplateError {
        // An error inside `{% include %}` arrives wrapped in "could not
        // render include"; the innermost error says what and where.
        let mut err = err;
        while let Some(inner) =
            std::error::Error::source(err).and_then(|e| e.downcast_ref::<minijinja::Error>())
        {
            err = inner;
        }
        let kind = match err.kind() {
            ErrorKind::TemplateNotFound => TemplateErrorKind::NotFound,
            ErrorKind::SyntaxError => TemplateErrorKind::Syntax,
            _ => TemplateErrorKind::Render,
        };
        let mut message = match err.detail() {
            Some(detail) => format!("{}: {detail}", err.kind()),
            None => err.kind().to_string(),
        };
        if kind == TemplateErrorKind::NotFound {
            // The most common cause is the wrong folder: say which one.
            message.push_str(&format!(" in {}", self.folder.display()));
            if !self.folder.is_dir() {
                message.push_str(" (no such folder)");
            }
            if leaves_folder(requested) {
                message.push_str(NAME_RULE);
            }
        }
        TemplateError {
            kind,
            name: err.name().unwrap_or(requested).to_string(),
            line: err.line(),
            message,
            excerpt: err.display_debug_info().to_string(),
        }
    }
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("folder", &self.folder)
            .field("debug", &self.env.auto_reload())
            .finish()
    }
}

const NAME_RULE: &str =
    "; names with a segment starting with '.' (such as '..') or holding '\\' are refused";

/// Whether minijinja's `path_loader` refuses `name`: its rule, restated
/// here only to explain a "not found" better.
fn leaves_folder(name: &str) -> bool {
    name.split('/')
        .any(|segment| segment.starts_with('.') || segment.contains('\\'))
}

/// What went wrong, broadly; the message says exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateErrorKind {
    /// No templates folder: [`crate::App::templates`] was never called.
    NotConfigured,
    /// The template, or one it extends or includes, is not in the folder
    /// (or its name was refused).
    NotFound,
    /// The template cannot be compiled: an unclosed tag, a stray `%}`.
    Syntax,
    /// Rendering failed: an unknown filter, a missing value reached into.
    Render,
}

/// A template that could not be rendered: which template, which line, what.
///
/// # Examples
/// ```
/// use httprs::{Templates, TemplateErrorKind};
/// let err = Templates::new("no-such-folder").render("page.html", ()).unwrap_err();
/// assert_eq!(err.kind(), TemplateErrorKind::NotFound);
/// assert!(err.to_string().starts_with("page.html: template not found"), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct TemplateError {
    kind: TemplateErrorKind,
    name: String,
    line: Option<usize>,
    message: String,
    /// The lines around the error, marked, and the variables it used: for
    /// the debug page only, as the variables may hold visitors' data.
    excerpt: String,
}

impl TemplateError {
    fn not_configured(name: &str) -> TemplateError {
        TemplateError {
            kind: TemplateErrorKind::NotConfigured,
            name: name.to_string(),
            line: None,
            message:
                "no templates folder: call App::templates(\"templates\") when building the app"
                    .to_string(),
            excerpt: String::new(),
        }
    }

    /// What went wrong, broadly.
    pub fn kind(&self) -> TemplateErrorKind {
        self.kind
    }

    /// The template at fault: the one rendered, or the one it extends or
    /// includes where the error is.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The line in [`TemplateError::name`], when known (from 1).
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What is wrong, such as `syntax error: unexpected end of input, expected end of block`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.name, self.message),
            None => write!(f, "{}: {}", self.name, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

impl Response {
    /// Renders template `name` from the app's folder ([`crate::App::templates`])
    /// with `context`'s fields as variables: 200 with the page, or a 500.
    ///
    /// The content type follows the name, by the same rule as escaping:
    /// `text/html; charset=utf-8` for `.html` and `.htm`, `application/xml`
    /// for `.xml`, `text/plain; charset=utf-8` for anything else (change it
    /// with [`Response::with_header`] if you trust the output).
    ///
    /// Any error is logged with template, line and message and answered
    /// with a 500, which shows the message only when `debug` is on.
    ///
    /// # Examples
    /// ```
    /// use httprs::{App, Request, Response, context};
    /// # let folder = std::env::temp_dir().join(format!("httprs-doc-render-{}", std::process::id()));
    /// # std::fs::create_dir_all(&folder).unwrap();
    /// # std::fs::write(folder.join("hello.html"), "<h1>Hello {{ name }}!</h1>").unwrap();
    /// let app = App::new().templates(&folder).get("/hello/{name}", |req: &Request| {
    ///     Response::render(req, "hello.html", context! { name => req.param("name") })
    /// });
    /// let res = app.handle(Request::new("GET", "/hello/you"));
    /// assert_eq!(res.body_text(), "<h1>Hello you!</h1>");
    /// assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    /// # std::fs::remove_dir_all(&folder).unwrap();
    /// ```
    pub fn render(req: &Request, name: &str, context: impl Serialize) -> Response {
        let rendered = match req.state::<Templates>() {
            // With sessions on, `csrf_field()` and `csrf_token()` too (the app's own names win).
            Some(templates) => {
                // `url_for()` with named routes; `csrf_field()` and `csrf_token()`
                // with sessions. The app's own names win over both.
                let helpers: Vec<Value> = [
                    crate::app::urls::template_helper(req),
                    crate::app::csrf::template_helpers(req),
                ]
                .into_iter()
                .flatten()
                .collect();
                if helpers.is_empty() {
                    templates.render(name, context)
                } else {
                    let maps = std::iter::once(Value::from(Serde(context))).chain(helpers);
                    templates.render(name, minijinja::value::merge_maps(maps))
                }
            }
            None => Err(TemplateError::not_configured(name)),
        };
        match rendered {
            Ok(page) => Response::new(Status::OK)
                .with_header("Content-Type", content_type(name))
                .with_body(page),
            Err(err) => render_failed(req, &err),
        }
    }
}

/// The 500 for a template error: logged always, explained only in debug.
fn render_failed(req: &Request, err: &TemplateError) -> Response {
    log::error!("template error on {} {}: {err}", req.method(), req.path());
    let res = Response::error(Status::INTERNAL_SERVER_ERROR);
    if !req.debug() {
        return res;
    }
    // `Response::error` is text/plain: the excerpt quotes the template, and
    // values from the request, which must not run as HTML.
    let mut page = format!("500 Internal Server Error\n\ntemplate error: {err}\n");
    if !err.excerpt.is_empty() {
        page.push_str(&err.excerpt);
        page.push('\n');
    }
    res.with_body(page)
}

/// The content type of a rendered template, from the same rule as escaping:
/// only a template whose values were escaped is sent as a markup type.
fn content_type(name: &str) -> &'static str {
    match minijinja::default_auto_escape_callback(name) {
        AutoEscape::Html => {
            let stem = [".j2", ".jinja", ".jinja2"]
                .iter()
                .find_map(|ext| name.strip_suffix(ext))
                .unwrap_or(name);
            if stem.ends_with(".xml") {
                "application/xml; charset=utf-8"
            } else {
                "text/html; charset=utf-8"
            }
        }
        _ => "text/plain; charset=utf-8",
    }
}

/// A template's variables, by name: what [`context!`](crate::context!) builds.
/// Any `Serialize` value works as a context too; this one is for variables
/// that do not already sit together in a struct.
#[derive(Debug, Clone, Default)]
pub struct Context {
    values: BTreeMap<String, Value>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets variable `name` to `value`, replacing any earlier one.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Serialize) {
        self.values.insert(name.into(), Value::from(Serde(value)));
    }
}

impl Serialize for Context {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values.serialize(serializer)
    }
}

/// Builds a [`Context`]: `context! { title => "Guestbook", entries }`, where
/// `entries` alone means `entries => entries`. Values are borrowed, and may
/// be anything `Serialize`, such as a `Vec` of your own structs.
///
/// minijinja has a `context!` of its own, but from version 3 it takes only
/// values that convert into its `Value` type, which a struct of yours does
/// not; this one goes through serde.
///
/// # Examples
/// ```
/// use httprs::context;
///
/// #[derive(serde::Serialize)]
/// struct Entry { name: String }
///
/// let entries = vec![Entry { name: "Ada".into() }];
/// let context = context! { title => "Guestbook", entries };
/// # let folder = std::env::temp_dir().join(format!("httprs-doc-context-{}", std::process::id()));
/// # std::fs::create_dir_all(&folder).unwrap();
/// # std::fs::write(folder.join("list.txt"), "{{ title }}:{% for e in entries %} {{ e.name }}{% endfor %}").unwrap();
/// let text = httprs::Templates::new(&folder).render("list.txt", context).unwrap();
/// assert_eq!(text, "Guestbook: Ada");
/// assert_eq!(entries.len(), 1, "still ours: the macro borrows");
/// # std::fs::remove_dir_all(&folder).unwrap();
/// ```
#[macro_export]
macro_rules! context {
    (@insert $context:ident, $name:ident) => {
        $context.insert(stringify!($name), &$name)
    };
    (@insert $context:ident, $name:ident => $value:expr) => {
        $context.insert(stringify!($name), &$value)
    };
    ($($name:ident $(=> $value:expr)?),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut context = $crate::Context::new();
        $( $crate::context!(@insert context, $name $(=> $value)?); )*
        context
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_follows_the_escaping_rule() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("old.htm", "text/html; charset=utf-8"),
            ("partials/row.html.j2", "text/html; charset=utf-8"),
            ("feed.xml", "application/xml; charset=utf-8"),
            ("feed.xml.jinja", "application/xml; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            // Not escaped, so never sent as something a browser would run.
            ("page.xhtml", "text/plain; charset=utf-8"),
            ("page.shtml", "text/plain; charset=utf-8"),
            ("README", "text/plain; charset=utf-8"),
        ];
        for (name, expected) in cases {
            assert_eq!(content_type(name), expected, "{name}");
        }
    }

    #[test]
    fn names_leaving_the_folder_are_recognized() {
        for name in [
            "../secret.txt",
            "a/../../b",
            ".env",
            "a/.git/config",
            "a\\b",
        ] {
            assert!(leaves_folder(name), "{name}");
        }
        for name in ["index.html", "partials/row.html", "a..b.html"] {
            assert!(!leaves_folder(name), "{name}");
        }
    }

    #[test]
    fn errors_display_name_line_and_message() {
        let mut err = TemplateError::not_configured("page.html");
        assert!(
            err.to_string()
                .starts_with("page.html: no templates folder")
        );
        err.line = Some(3);
        assert!(
            err.to_string()
                .starts_with("page.html, line 3: no templates")
        );
    }

    #[test]
    fn context_holds_any_serializable_value_by_name() {
        #[derive(Serialize)]
        struct Entry {
            name: &'static str,
        }
        let entries = vec![Entry { name: "Ada" }];
        let mut context = context! { title => "Guestbook", entries };
        context.insert("count", entries.len());
        let json = serde_json::to_string(&context).unwrap();
        assert_eq!(
            json,
            r#"{"count":1,"entries":[{"name":"Ada"}],"title":"Guestbook"}"#
        );
    }
}
