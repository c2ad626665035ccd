//! A small template engine: HTML pages from text files with holes in them.
//!
//! ```text
//! {% extends "base.html" %}
//! {% block content %}
//!   {% for entry in entries %}<p>{{ entry.name }}: {{ entry.message }}</p>{% endfor %}
//!   {% if not entries %}<p>No entries yet.</p>{% endif %}
//! {% endblock %}
//! ```
//!
//! Three stages, one file each, every one tested on its own:
//!
//! 1. `lexer.rs`: the source cut into tokens: text, `{{ expression }}`,
//!    `{% tag %}` (comments `{# #}` dropped), each with its line and column;
//! 2. `parser.rs`: tokens into a tree, where an `if` owns its branches;
//!    every structural mistake is found here, when the templates are loaded;
//! 3. `render.rs`: the tree and the page's values (a `serde_json::Value`)
//!    into text, escaping every value for HTML.
//!
//! [`Templates`] ties them together: it loads a folder once at start-up,
//! checks that every `{% extends %}` names a loaded template (and that no
//! two extend each other), and renders a page by name. Errors of every stage
//! are one [`TemplateError`], which names the template, the line and the
//! column.
//!
//! What it deliberately leaves out, all of which minijinja (used by
//! `final/`) has: filters (`|upper`), expressions (`a + 1`, `a == b`,
//! `and`/`or`), `{% include %}`, macros, `{% elif %}`, whitespace control
//! (`{%-`), `loop.index`, and a way to print unescaped HTML.

mod error;
mod lexer;
mod parser;
mod render;

pub use error::{ErrorKind, Position, TemplateError};
pub use render::escape_html;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use parser::Template;

/// A set of parsed templates, by name, ready to render.
///
/// # Examples
/// ```
/// use step10::templates::Templates;
/// use serde_json::json;
///
/// let templates = Templates::from_sources([
///     ("base.html", "<h1>{% block title %}{% endblock %}</h1>"),
///     ("page.html", r#"{% extends "base.html" %}{% block title %}Hi {{ name }}{% endblock %}"#),
/// ])?;
/// let page = templates.render("page.html", &json!({ "name": "<you>" }))?;
/// assert_eq!(page, "<h1>Hi &lt;you&gt;</h1>");
/// # Ok::<(), step10::templates::TemplateError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Templates {
    by_name: BTreeMap<String, Template>,
    /// Where [`Templates::load`] read them, for "not found" messages.
    folder: Option<String>,
}

impl Templates {
    /// Parses every `*.html` file directly in `folder` (not in subfolders),
    /// named by its file name, and checks their `{% extends %}`.
    ///
    /// # Errors
    /// The first problem found: a folder or file that cannot be read (the
    /// error's template is then the path), or any parse error or
    /// inheritance error of [`Templates::from_sources`].
    pub fn load(folder: impl AsRef<Path>) -> Result<Templates, TemplateError> {
        let folder = folder.as_ref();
        let unreadable = |path: &Path, err: std::io::Error| {
            let kind = ErrorKind::Unreadable(err.to_string());
            TemplateError::new(&path.display().to_string(), None, kind)
        };
        let mut sources = Vec::new();
        for entry in fs::read_dir(folder).map_err(|err| unreadable(folder, err))? {
            let path = entry.map_err(|err| unreadable(folder, err))?.path();
            if path.extension().is_some_and(|ext| ext == "html") && path.is_file() {
                let source = fs::read_to_string(&path).map_err(|err| unreadable(&path, err))?;
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                sources.push((name.into_owned(), source));
            }
        }
        // The folder's order is the file system's; sorting makes the first
        // error reported the same on every machine.
        sources.sort();
        let sources = sources.iter().map(|(n, s)| (n.as_str(), s.as_str()));
        let mut templates = Templates::parse_all(sources)?;
        templates.folder = Some(folder.display().to_string());
        templates.check_extends()?;
        Ok(templates)
    }

    /// Parses each `(name, source)` and checks their `{% extends %}`.
    ///
    /// # Errors
    /// A lexer or parser error of one template, or an `{% extends %}`
    /// naming a template that is not among them ([`ErrorKind::NotFound`])
    /// or leading back to itself ([`ErrorKind::ExtendsLoop`]), at the tag.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Templates, TemplateError> {
        let templates = Templates::parse_all(sources)?;
        templates.check_extends()?;
        Ok(templates)
    }

    /// Stages 1 and 2 for every source.
    fn parse_all<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Templates, TemplateError> {
        let mut by_name = BTreeMap::new();
        for (name, source) in sources {
            let tokens = lexer::tokenize(name, source)?;
            by_name.insert(name.to_string(), parser::parse(name, tokens)?);
        }
        Ok(Templates {
            by_name,
            folder: None,
        })
    }

    /// Every chain is checked now, so that rendering never meets a missing
    /// base: that is a start-up error, not a 500 later.
    fn check_extends(&self) -> Result<(), TemplateError> {
        self.by_name
            .keys()
            .try_for_each(|name| self.chain(name).map(drop))
    }

    /// The names of the loaded templates, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Checks that a template called `name` was loaded (and so, that every
    /// template it extends was too): for a program to call at start-up for
    /// each page it will render.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`].
    pub fn require(&self, name: &str) -> Result<(), TemplateError> {
        self.chain(name).map(drop)
    }

    /// Renders template `name` with `values` (usually a JSON object, whose
    /// keys are the page's variables).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for a name not loaded; otherwise what the
    /// renderer finds: a variable that is not defined, a list printed, a
    /// `for` over something that is not a list.
    pub fn render(&self, name: &str, values: &Value) -> Result<String, TemplateError> {
        render::render(&self.chain(name)?, values)
    }

    /// `name`, the template it extends, and so on up to the base.
    fn chain(&self, name: &str) -> Result<Vec<&Template>, TemplateError> {
        let not_found = |name: &str| ErrorKind::NotFound {
            name: name.to_string(),
            folder: self.folder.clone(),
        };
        let mut template = self
            .by_name
            .get(name)
            .ok_or_else(|| TemplateError::new(name, None, not_found(name)))?;
        let mut chain = vec![template];
        while let Some((parent, at)) = &template.parent {
            let error = |kind| TemplateError::new(&template.name, Some(*at), kind);
            if chain.iter().any(|t| t.name == *parent) {
                let mut names: Vec<String> = chain.iter().map(|t| t.name.clone()).collect();
                names.push(parent.clone());
                return Err(error(ErrorKind::ExtendsLoop(names)));
            }
            template = self
                .by_name
                .get(parent)
                .ok_or_else(|| error(not_found(parent)))?;
            chain.push(template);
        }
        Ok(chain)
    }
}

#[cfg(test)]
mod tests;
