//! The engine end to end: sources and values in, a page or an error out.
//! Each table row is one behaviour; the stages' own tests sit in their files.

use serde_json::{Value, json};

use super::*;

/// Renders `source` as the only template, `t.html`.
fn render_one(source: &str, values: Value) -> Result<String, TemplateError> {
    Templates::from_sources([("t.html", source)])?.render("t.html", &values)
}

#[test]
fn templates_render_as_expected() {
    let values = json!({
        "name": "Ada",
        "count": 3,
        "ratio": 0.5,
        "yes": true,
        "no": false,
        "nothing": null,
        "empty": "",
        "entries": [
            { "name": "Ada", "message": "hi" },
            { "name": "Bob", "message": "yo" },
        ],
        "none": [],
        "form": { "name": "Al", "errors": {} },
        "grid": [[1, 2], [3]],
    });
    let cases = [
        ("plain text", "plain text"),
        ("Hi {{ name }}!", "Hi Ada!"),
        ("{{name}}{{ name }}", "AdaAda"),
        (
            "{{ count }} {{ ratio }} {{ yes }} {{ no }}",
            "3 0.5 true false",
        ),
        ("[{{ nothing }}]", "[]"),
        ("{{ form.name }}", "Al"),
        ("{{ entries.1.name }}", "Bob"),
        ("{% if yes %}y{% endif %}", "y"),
        ("{% if no %}y{% else %}n{% endif %}", "n"),
        ("{% if not no %}y{% endif %}", "y"),
        ("{% if not entries %}empty{% else %}full{% endif %}", "full"),
        // Falsy: false, null, 0, "", [], {}; and, in `if` only, missing.
        ("{% if nothing %}y{% endif %}{% if empty %}y{% endif %}", ""),
        (
            "{% if none %}y{% endif %}{% if form.errors %}y{% endif %}",
            "",
        ),
        ("{% if missing %}y{% else %}n{% endif %}", "n"),
        ("{% if form.errors.name %}y{% else %}n{% endif %}", "n"),
        ("{% if missing.deeper %}y{% endif %}", ""),
        (
            "{% for e in entries %}<{{ e.name }}:{{ e.message }}>{% endfor %}",
            "<Ada:hi><Bob:yo>",
        ),
        ("{% for e in none %}x{% endfor %}", ""),
        // A loop variable hides a page value of the same name, then is gone.
        (
            "{% for name in entries %}{{ name.name }}{% endfor %} {{ name }}",
            "AdaBob Ada",
        ),
        (
            "{% for row in grid %}[{% for n in row %}{{ n }}{% endfor %}]{% endfor %}",
            "[12][3]",
        ),
        (
            "{% for e in entries %}{% if e.message %}{{ e.name }}{% endif %}{% endfor %}",
            "AdaBob",
        ),
        ("a{# a comment #}b", "ab"),
        ("{% block x %}in a block{% endblock %}", "in a block"),
        ("<p class=\"x\">{{ name }}</p>", "<p class=\"x\">Ada</p>"),
    ];
    for (source, expected) in cases {
        assert_eq!(
            render_one(source, values.clone()).unwrap(),
            expected,
            "{source:?}"
        );
    }
}

#[test]
fn every_printed_value_is_escaped_and_the_template_text_is_not() {
    let values = json!({
        "script": "<script>alert('x')</script>",
        "attr": "\" onmouseover=\"steal()",
        "amp": "Tom & Jerry",
        "entries": [{ "name": "<b>" }],
    });
    let cases = [
        (
            "<b>{{ script }}</b>",
            "<b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</b>",
        ),
        (
            "<input value=\"{{ attr }}\">",
            "<input value=\"&quot; onmouseover=&quot;steal()\">",
        ),
        ("{{ amp }}", "Tom &amp; Jerry"),
        (
            "{% for e in entries %}{{ e.name }}{% endfor %}",
            "&lt;b&gt;",
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(
            render_one(source, values.clone()).unwrap(),
            expected,
            "{source:?}"
        );
    }
}

#[test]
fn a_child_fills_the_blocks_of_the_template_it_extends() {
    let templates = Templates::from_sources([
        (
            "base.html",
            "<title>{% block title %}Guestbook{% endblock %}</title>\n\
             <main>{% block content %}nothing{% endblock %}</main>",
        ),
        (
            "index.html",
            "{% extends \"base.html\" %}\n\
             {% block content %}{% for e in entries %}[{{ e }}]{% endfor %}{% endblock %}\n",
        ),
        (
            "about.html",
            "{% extends \"index.html\" %}{% block title %}About {{ who }}{% endblock %}",
        ),
    ])
    .unwrap();
    let values = json!({ "entries": ["a", "<b>"], "who": "us" });
    let cases = [
        // A block the child leaves alone keeps the base's text.
        (
            "index.html",
            "<title>Guestbook</title>\n<main>[a][&lt;b&gt;]</main>",
        ),
        (
            "base.html",
            "<title>Guestbook</title>\n<main>nothing</main>",
        ),
        // Three levels: each block from the most derived template that has it.
        (
            "about.html",
            "<title>About us</title>\n<main>[a][&lt;b&gt;]</main>",
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(templates.render(name, &values).unwrap(), expected, "{name}");
    }
}

#[test]
fn a_block_nested_in_an_overridden_block_can_be_overridden_too() {
    let templates = Templates::from_sources([
        ("base.html", "{% block outer %}<{% block inner %}i{% endblock %}>{% endblock %}"),
        ("mid.html", "{% extends \"base.html\" %}{% block outer %}({% block inner %}m{% endblock %}){% endblock %}"),
        ("leaf.html", "{% extends \"mid.html\" %}{% block inner %}L{% endblock %}"),
    ])
    .unwrap();
    assert_eq!(templates.render("base.html", &json!({})).unwrap(), "<i>");
    assert_eq!(templates.render("mid.html", &json!({})).unwrap(), "(m)");
    assert_eq!(templates.render("leaf.html", &json!({})).unwrap(), "(L)");
}

/// `(source, the error's display)`, for a template `t.html` rendered with `values`.
#[track_caller]
fn assert_errors(cases: &[(&str, &str)], values: Value) {
    for (source, expected) in cases {
        let err = render_one(source, values.clone()).unwrap_err();
        assert_eq!(err.to_string(), *expected, "{source:?}");
    }
}

#[test]
fn structural_mistakes_are_named_with_line_and_column() {
    assert_errors(
        &[
            (
                "<p>\n  {% iff x %}",
                "t.html, line 2, column 3: unknown tag `iff` (known: if, else, endif, for, endfor, block, endblock, extends)",
            ),
            (
                "a\n{% if x %}\nb",
                "t.html, line 2, column 1: `{% if %}` is never closed: expected `{% endif %}`",
            ),
            (
                "{% for e in es %}{% if e %}x{% endfor %}",
                "t.html, line 1, column 29: `{% endfor %}` cannot close the `{% if %}` opened at line 1, column 18",
            ),
            (
                "{% if x %}{% else %}{% else %}{% endif %}",
                "t.html, line 1, column 21: `{% else %}` cannot close the `{% if %}` opened at line 1, column 1",
            ),
            (
                "x {% endif %}",
                "t.html, line 1, column 3: `{% endif %}` without a tag it could close",
            ),
            (
                "{% block a %}{% endblock b %}",
                "t.html, line 1, column 14: `{% endblock b %}` cannot close block `a`",
            ),
            (
                "{% block a %}{% endblock %}{% block a %}{% endblock %}",
                "t.html, line 1, column 28: block `a` is defined twice",
            ),
            (
                "{% block a %}{% block a %}{% endblock %}{% endblock %}",
                "t.html, line 1, column 1: block `a` is defined twice",
            ),
            (
                "{% for e of es %}{% endfor %}",
                "t.html, line 1, column 1: `{% for e of es %}`: write `{% for item in list %}`, such as `{% for entry in entries %}`",
            ),
            (
                "{% if a b %}{% endif %}",
                "t.html, line 1, column 1: `{% if a b %}`: `if` takes a name, or `not` and a name, such as `{% if entries %}` or `{% if not entries %}`",
            ),
            (
                "{% if a %}{% endif a %}",
                "t.html, line 1, column 11: `{% endif %}` takes no words after `endif`, found `endif a`",
            ),
            (
                "{%  %}",
                "t.html, line 1, column 1: an empty tag `{% %}`: write a tag such as `{% if name %}`",
            ),
            (
                "{{ }}",
                "t.html, line 1, column 1: nothing to print: write a name inside, such as `{{ name }}`",
            ),
            (
                "{{ name|upper }}",
                "t.html, line 1, column 1: `name|upper`: filters (`|`) are not supported; values are always printed escaped",
            ),
            (
                "{{ a + b }}",
                "t.html, line 1, column 1: `a + b` is not a name: write a name or a dotted name, such as `entry.name`",
            ),
            (
                "{{ a..b }}",
                "t.html, line 1, column 1: `a..b` is not a name: write a name or a dotted name, such as `entry.name`",
            ),
            (
                "{{ name",
                "t.html, line 1, column 1: `{{` is never closed: expected `}}`",
            ),
            (
                "x\n{% extends \"base.html\" %}",
                "t.html, line 2, column 1: `{% extends %}` must come first, before any other tag or text",
            ),
            (
                "{% extends base.html %}",
                "t.html, line 1, column 1: `{% extends base.html %}`: write `{% extends \"base.html\" %}`, the name in double quotes",
            ),
        ],
        json!({}),
    );
}

#[test]
fn tags_nested_too_deep_are_refused_rather_than_overflowing_the_stack() {
    let deep = "{% if x %}".repeat(parser::MAX_NESTING + 1);
    let err = render_one(&deep, json!({})).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooDeep { limit: 32 });
    assert_eq!(
        err.to_string(),
        "t.html, line 1, column 321: tags nested more than 32 deep"
    );
    let ok = format!(
        "{}y{}",
        "{% if x %}".repeat(parser::MAX_NESTING),
        "{% endif %}".repeat(parser::MAX_NESTING)
    );
    assert_eq!(render_one(&ok, json!({ "x": 1 })).unwrap(), "y");
}

#[test]
fn values_that_are_missing_or_of_the_wrong_kind_are_errors_at_their_place() {
    assert_errors(
        &[
            (
                "Hi\n  {{ nmae }}",
                "t.html, line 2, column 3: `nmae` is not defined",
            ),
            (
                "{{ form.nmae }}",
                "t.html, line 1, column 1: `form.nmae` is not defined (`form` has no `nmae`)",
            ),
            (
                "{% for e in entries %}{{ e.nmae }}{% endfor %}",
                "t.html, line 1, column 23: `e.nmae` is not defined (`e` has no `nmae`)",
            ),
            (
                "{% for e in entrys %}{% endfor %}",
                "t.html, line 1, column 1: `entrys` is not defined",
            ),
            (
                "{{ entries.5 }}",
                "t.html, line 1, column 1: `entries.5` is not defined (`entries` has no `5`)",
            ),
            (
                "{{ entries }}",
                "t.html, line 1, column 1: `entries` is a list, which cannot be printed",
            ),
            (
                "{{ form }}",
                "t.html, line 1, column 1: `form` is a map, which cannot be printed",
            ),
            (
                "{% for c in form.name %}{% endfor %}",
                "t.html, line 1, column 1: `form.name` is a string, not a list: `for` needs a list",
            ),
        ],
        json!({ "form": { "name": "Al" }, "entries": [{ "name": "Ada" }] }),
    );
}

#[test]
fn a_render_error_in_an_overriding_block_names_the_child() {
    let templates = Templates::from_sources([
        (
            "base.html",
            "<main>\n{% block content %}{% endblock %}</main>",
        ),
        (
            "index.html",
            "{% extends \"base.html\" %}\n{% block content %}\n  {{ missing }}{% endblock %}",
        ),
    ])
    .unwrap();
    let err = templates.render("index.html", &json!({})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "index.html, line 3, column 3: `missing` is not defined"
    );
}

#[test]
fn inheritance_mistakes_are_found_when_the_templates_are_loaded() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("index.html", "\n{% extends \"base.htm\" %}")],
            "index.html, line 2, column 1: no template named \"base.htm\"",
        ),
        (
            &[
                ("a.html", "{% extends \"b.html\" %}"),
                ("b.html", "{% extends \"a.html\" %}"),
            ],
            "b.html, line 1, column 1: templates extend each other in a loop: a.html -> b.html -> a.html",
        ),
        (
            &[("a.html", "{% extends \"a.html\" %}")],
            "a.html, line 1, column 1: templates extend each other in a loop: a.html -> a.html",
        ),
        (
            &[
                ("base.html", ""),
                ("index.html", "{% extends \"base.html\" %}\n\n  oops"),
            ],
            "index.html, line 3, column 3: a template that extends another shows only its blocks: this would never be shown (put it inside a `{% block %}`)",
        ),
        (
            &[
                ("base.html", ""),
                (
                    "index.html",
                    "{% extends \"base.html\" %}{% if x %}{% endif %}",
                ),
            ],
            "index.html, line 1, column 26: a template that extends another shows only its blocks: this would never be shown (put it inside a `{% block %}`)",
        ),
    ];
    for (sources, expected) in cases {
        let err = Templates::from_sources(sources.iter().copied()).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn an_unknown_template_is_an_error_without_a_position() {
    let templates = Templates::from_sources([("index.html", "x")]).unwrap();
    let err = templates.render("nope.html", &json!({})).unwrap_err();
    let name = "nope.html".to_string();
    assert_eq!(err.kind(), &ErrorKind::NotFound { name, folder: None });
    assert_eq!(err.position(), None);
    assert_eq!(
        err.to_string(),
        "nope.html: no template named \"nope.html\""
    );
}

#[test]
fn a_folder_is_loaded_by_file_name_and_its_errors_name_the_file() {
    let folder = std::env::temp_dir().join(format!("step10-templates-{}", std::process::id()));
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(folder.join("sub")).unwrap();
    fs::write(
        folder.join("base.html"),
        "<b>{% block x %}{% endblock %}</b>",
    )
    .unwrap();
    fs::write(
        folder.join("page.html"),
        "{% extends \"base.html\" %}{% block x %}{{ v }}{% endblock %}",
    )
    .unwrap();
    fs::write(folder.join("notes.txt"), "{% not a template %}").unwrap();
    fs::write(folder.join("sub").join("skipped.html"), "{% if %}").unwrap();
    let templates = Templates::load(&folder).unwrap();
    assert_eq!(
        templates.names().collect::<Vec<_>>(),
        ["base.html", "page.html"]
    );
    assert_eq!(
        templates.render("page.html", &json!({ "v": 1 })).unwrap(),
        "<b>1</b>"
    );

    fs::write(folder.join("broken.html"), "line one\n{% for x in xs %}").unwrap();
    let err = Templates::load(&folder).unwrap_err();
    assert_eq!(
        err.to_string(),
        "broken.html, line 2, column 1: `{% for %}` is never closed: expected `{% endfor %}`"
    );
    fs::remove_dir_all(&folder).unwrap();

    let err = Templates::load(&folder).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unreadable(_)), "{err}");
    assert!(
        err.to_string().starts_with(&folder.display().to_string()),
        "{err}"
    );
}
