//! Templates over real sockets: inheritance, loops and filters through a
//! route; escaping; an edited template re-read in debug and not in
//! production; every error a 500 that explains itself only in debug; and
//! names that try to leave the folder. Plus `Templates::render` without a
//! server, for what a missing variable does, and a template compiled with
//! the app (`Response::page`) served as one would be.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use httprs::{App, Request, Response, Server, Settings, TemplateErrorKind, Templates, context};
use serde::Serialize;
use support::{Reply, TempDir, request};

const SECRET: &str = "TOP SECRET: outside the templates folder";

const BASE: &str = "<!doctype html>
<title>{% block title %}Guestbook{% endblock %}</title>
<main>{% block content %}{% endblock %}</main>
";

const INDEX: &str = r#"{% extends "base.html" %}
{% block title %}{{ title }} - {{ super() }}{% endblock %}
{% block content %}
{%- for entry in entries %}
<p>{{ loop.index }}. {{ entry.name|upper }}: {{ entry.message }}</p>
{%- endfor %}
{% endblock %}
"#;

/// A scratch folder: `templates/` is served, `outside/secret.txt` must never be.
struct Site {
    dir: TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = TempDir::new("templates");
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("outside/secret.txt"), SECRET).unwrap();
        let site = Site { dir };
        site.write("base.html", BASE);
        site.write("index.html", INDEX);
        site.write(
            "comment.html",
            "<p>{{ comment }}</p>\n<p>{{ \"<script>\" }}</p>",
        );
        site.write("page.html", "version one");
        site.write(
            "broken.html",
            "line one\nline two\n{% for x in xs %}\nno end",
        );
        site.write("filter.html", "fine\n{{ 3|no_such_filter }}");
        site.write("orphan.html", "{% extends \"missing-base.html\" %}");
        site
    }

    fn templates(&self) -> PathBuf {
        self.dir.join("templates")
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.templates().join(name), text).unwrap();
    }

    /// An app whose one route renders the template named by `?t=`, with
    /// `?comment=` and two guestbook entries as its variables.
    fn app(&self, folder: Option<PathBuf>) -> App {
        let app = App::new().get("/render", |req: &Request| {
            let entries = [
                Entry {
                    name: "ada",
                    message: "Hello!",
                },
                Entry {
                    name: "linus",
                    message: "Nice site.",
                },
            ];
            let name = req.query("t").unwrap_or_default();
            let comment = req.query("comment").unwrap_or_default();
            Response::render(
                req,
                &name,
                context! { title => "Welcome", entries, comment },
            )
        });
        match folder {
            Some(folder) => app.templates(folder),
            None => app,
        }
    }

    fn serve(&self, debug: bool) -> Server {
        self.app(Some(self.templates()))
            .start(Settings {
                debug,
                ..support::settings()
            })
            .expect("start template server")
    }
}

#[derive(Serialize)]
struct Entry {
    name: &'static str,
    message: &'static str,
}

#[track_caller]
fn get(addr: SocketAddr, target: &str) -> Reply {
    request(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
    )
}

#[test]
fn a_page_extends_its_layout_loops_and_filters() {
    let site = Site::new();
    let server = site.serve(false);
    let reply = get(server.addr(), "/render?t=index.html");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        reply.text(),
        "<!doctype html>\n\
         <title>Welcome - Guestbook</title>\n\
         <main>\n\
         <p>1. ADA: Hello!</p>\n\
         <p>2. LINUS: Nice site.</p>\n\
         </main>"
    );
}

#[test]
fn values_are_html_escaped_in_html_templates() {
    let site = Site::new();
    let server = site.serve(false);
    let reply = get(
        server.addr(),
        "/render?t=comment.html&comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.text(),
        "<p>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</p>\n<p>&lt;script&gt;</p>"
    );
}

#[test]
fn debug_rereads_an_edited_template_and_production_keeps_the_cached_one() {
    let site = Site::new();
    let debug = site.serve(true);
    let production = site.serve(false);
    for server in [&debug, &production] {
        assert_eq!(
            get(server.addr(), "/render?t=page.html").text(),
            "version one"
        );
    }
    // A different length as well as new text: the reload check compares
    // modification time *and* size, and a coarse file-system clock may give
    // the edit the same modification time as the original.
    site.write("page.html", "version two, edited");
    assert_eq!(
        get(debug.addr(), "/render?t=page.html").text(),
        "version two, edited"
    );
    assert_eq!(
        get(production.addr(), "/render?t=page.html").text(),
        "version one"
    );
}

#[test]
fn a_syntax_error_is_a_500_that_names_template_and_line_only_in_debug() {
    let site = Site::new();
    let debug = get(site.serve(true).addr(), "/render?t=broken.html");
    assert_eq!(debug.status, 500);
    assert_eq!(
        debug.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let body = debug.text();
    assert!(
        body.starts_with(
            "500 Internal Server Error\n\ntemplate error: broken.html, line 3: syntax error"
        ),
        "{body}"
    );
    assert!(body.contains("{% for x in xs %}"), "the excerpt: {body}");

    let production = get(site.serve(false).addr(), "/render?t=broken.html");
    assert_eq!(production.status, 500);
    assert_eq!(production.text(), "500 Internal Server Error\n");
}

#[test]
fn unknown_filters_and_missing_templates_are_500s() {
    let site = Site::new();
    let server = site.serve(true);
    let cases = [
        ("filter.html", "filter.html, line 2: unknown filter"),
        ("nope.html", "nope.html: template not found"),
        (
            "orphan.html",
            "orphan.html, line 1: template not found: template \"missing-base.html\"",
        ),
    ];
    for (name, expected) in cases {
        let reply = get(server.addr(), &format!("/render?t={name}"));
        assert_eq!(reply.status, 500, "{name}");
        assert!(reply.text().contains(expected), "{name}: {}", reply.text());
    }
}

#[test]
fn no_templates_folder_is_a_500_that_says_to_call_app_templates() {
    let site = Site::new();
    let settings = |debug| Settings {
        debug,
        ..support::settings()
    };
    let debug = site.app(None).start(settings(true)).unwrap();
    let reply = get(debug.addr(), "/render?t=index.html");
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("call App::templates"),
        "{}",
        reply.text()
    );

    let production = site.app(None).start(settings(false)).unwrap();
    let reply = get(production.addr(), "/render?t=index.html");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), "500 Internal Server Error\n");
}

#[test]
fn names_leading_out_of_the_folder_are_not_found() {
    let site = Site::new();
    let server = site.serve(true);
    let absolute = site.dir.join("outside/secret.txt");
    let names = [
        "../outside/secret.txt".to_string(),
        "..%2Foutside%2Fsecret.txt".to_string(),
        "./../outside/secret.txt".to_string(),
        absolute.display().to_string(),
    ];
    for name in &names {
        let reply = get(server.addr(), &format!("/render?t={name}"));
        assert_eq!(reply.status, 500, "{name}");
        assert!(reply.text().contains("template not found"), "{name}");
        assert!(!reply.text().contains(SECRET), "{name} leaked the secret");
    }
    let reply = get(server.addr(), "/render?t=../outside/secret.txt");
    assert!(reply.text().contains("such as '..'"), "{}", reply.text());
}

#[test]
fn a_relative_folder_is_found_beside_the_settings_file() {
    let site = Site::new();
    let server = site
        .app(Some(PathBuf::from("templates")))
        .start(Settings {
            root: site.dir.path().to_path_buf(),
            ..support::settings()
        })
        .unwrap();
    let reply = get(server.addr(), "/render?t=page.html");
    assert_eq!((reply.status, reply.text().as_str()), (200, "version one"));
}

#[test]
fn a_missing_variable_renders_empty_but_reaching_into_one_is_an_error() {
    let site = Site::new();
    site.write(
        "lenient.txt",
        "[{{ nobody }}]{% for x in nothing %}x{% endfor %}{% if nobody %}yes{% endif %}",
    );
    site.write("strict.txt", "{{ nobody.name }}");
    let templates = Templates::new(site.templates());
    assert_eq!(templates.render("lenient.txt", ()).unwrap(), "[]");
    let err = templates.render("strict.txt", ()).unwrap_err();
    assert_eq!(err.kind(), TemplateErrorKind::Render);
    assert_eq!((err.name(), err.line()), ("strict.txt", Some(1)));
    assert!(err.message().contains("`nobody` is undefined"), "{err}");
}

#[test]
fn only_html_and_xml_templates_escape() {
    let site = Site::new();
    site.write("note.txt", "{{ text }}");
    site.write("feed.xml", "<t>{{ text }}</t>");
    let templates = Templates::new(site.templates());
    let text = "<b>&</b>";
    assert_eq!(
        templates.render("note.txt", context! { text }).unwrap(),
        "<b>&</b>"
    );
    assert_eq!(
        templates.render("feed.xml", context! { text }).unwrap(),
        "<t>&lt;b&gt;&amp;&lt;&#x2f;b&gt;</t>"
    );
}

#[test]
fn a_missing_folder_is_named_in_the_error() {
    let site = Site::new();
    let err = Templates::new(site.dir.join("no-such"))
        .render("index.html", ())
        .unwrap_err();
    assert_eq!(err.kind(), TemplateErrorKind::NotFound);
    assert!(err.message().ends_with("no-such (no such folder)"), "{err}");
}

/// A template compiled with this test, through httprs's re-export of
/// askama, as an app's would be (final/docs/templates.md, "Compiled templates").
#[derive(httprs::askama::Template)]
#[template(
    ext = "html",
    source = "<ul>{% for entry in entries %}<li>{{ entry.name }}: {{ entry.message }}</li>{% endfor %}</ul><p>{{ comment }}</p>",
    askama = httprs::askama
)]
struct Compiled<'a> {
    entries: &'a [Entry],
    comment: &'a str,
}

#[test]
fn a_compiled_template_is_an_escaped_html_page_with_the_secure_headers() {
    let server = App::new()
        .get("/compiled", |req: &Request| {
            let entries = [Entry {
                name: "ada",
                message: "Tom & Jerry",
            }];
            let comment = req.query("comment").unwrap_or_default();
            Response::page(&Compiled {
                entries: &entries,
                comment: &comment,
            })
        })
        .start(support::settings())
        .expect("start compiled-template server");
    let reply = get(
        server.addr(),
        "/compiled?comment=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // An HTML page like any other: the framework's secure headers are added.
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        reply.text(),
        "<ul><li>ada: Tom &#38; Jerry</li></ul>\
         <p>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</p>"
    );
}
