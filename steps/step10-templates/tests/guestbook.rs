//! The guestbook over real sockets, as a browser or curl uses it: the page,
//! signing (303), the entry shown escaped, refused forms (422), bodies that
//! are not a sign form (413, 400), and template errors at start-up (exit 2)
//! and while answering (500, the server still up).

mod support;

use support::{Server, TemplateCopy, position_in, refused_start, refused_start_with};

#[test]
fn the_empty_guestbook_shows_the_form_and_no_entries() {
    let server = Server::start(&[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    // base.html's frame around index.html's block.
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(
        html.contains("<title>Guestbook · httprs step 10</title>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<form class="sign" method="post" action="/">"#),
        "{html}"
    );
    assert!(html.contains(r#"maxlength="60""#), "{html}");
    assert!(
        html.contains("No entries yet. Be the first to sign."),
        "{html}"
    );
    assert!(!html.contains("{{") && !html.contains("{%"), "{html}");
}

#[test]
fn signing_redirects_with_303_and_the_entry_is_shown_escaped() {
    let server = Server::start(&[]);
    let signed = server.sign("name=Ada+%3Ci%3E&message=%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E");
    assert_eq!(signed.status_line, "HTTP/1.1 303 See Other");
    assert_eq!(signed.header("Location"), Some("/"));
    assert!(signed.body.is_empty());

    let html = server.get("/").text();
    assert!(
        html.contains(r#"<span class="who">Ada &lt;i&gt;</span>"#),
        "{html}"
    );
    assert!(
        html.contains("<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("No entries yet"), "{html}");
}

#[test]
fn entries_are_listed_newest_first_and_trimmed() {
    let server = Server::start(&[]);
    assert_eq!(server.sign("name=First&message=one").status, 303);
    assert_eq!(server.sign("name=++Second++&message=two%0A").status, 303);
    let html = server.get("/").text();
    let second = html
        .find(r#"<span class="who">Second</span>"#)
        .expect(&html);
    let first = html.find(r#"<span class="who">First</span>"#).expect(&html);
    assert!(second < first, "newest first: {html}");
    assert!(html.contains("<p>two</p>"), "{html}");
}

#[test]
fn signatures_from_many_clients_at_once_are_all_kept() {
    let server = Server::start(&[]);
    std::thread::scope(|scope| {
        for client in 0..8 {
            let server = &server;
            scope.spawn(move || {
                for n in 0..5 {
                    let signed = server.sign(&format!("name=c{client}n{n}&message=hi"));
                    assert_eq!(signed.status, 303);
                }
            });
        }
    });
    let html = server.get("/").text();
    assert_eq!(html.matches(r#"<span class="who">"#).count(), 40, "{html}");
    for client in 0..8 {
        for n in 0..5 {
            let who = format!(r#"<span class="who">c{client}n{n}</span>"#);
            assert!(html.contains(&who), "{who} is missing");
        }
    }
}

#[test]
fn a_refused_form_comes_back_with_422_its_errors_and_the_input_escaped() {
    let server = Server::start(&[]);
    let refused = server.sign("name=&message=%22%3E%3Cb%3Ebold%3C%2Fb%3E");
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(
        html.contains(r#"<p class="error">Please write your name.</p>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"class="invalid" aria-invalid="true""#),
        "{html}"
    );
    // What the visitor typed is kept, escaped, so nothing is lost and nothing runs.
    assert!(
        html.contains("required>&quot;&gt;&lt;b&gt;bold&lt;/b&gt;</textarea>"),
        "{html}"
    );
    assert!(!html.contains("<b>bold"), "{html}");
    // Nothing was signed.
    assert!(server.get("/").text().contains("No entries yet"));

    let long = "x".repeat(61);
    let refused = server.sign(&format!("name={long}&message=hi"));
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(
        html.contains("Your name is 61 characters long; at most 60, please."),
        "{html}"
    );
    assert!(html.contains(&format!(r#"value="{long}""#)), "{html}");
    assert!(!html.contains("Please write your message."), "{html}");

    let refused = server.sign("name=Ada");
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("Please write your message."));
}

#[test]
fn a_body_that_is_not_a_sign_form_is_refused_with_413_or_400() {
    let server = Server::start(&[]);
    let form = "application/x-www-form-urlencoded";
    let too_large = server.post(form, &vec![b'a'; step10::FORM_LIMIT + 1]);
    assert_eq!(too_large.status, 413);
    assert!(
        too_large.text().contains("at most 16384 bytes"),
        "{}",
        too_large.text()
    );

    let cases: [(&str, &[u8], &str); 3] = [
        (
            "application/json",
            b"{\"name\":\"Ada\"}",
            "not application/json",
        ),
        ("text/plain", b"name=Ada&message=hi", "not text/plain"),
        (form, b"name=Ada&message=\xff\xfe", "the form is not UTF-8"),
    ];
    for (content_type, body, says) in cases {
        let answer = server.post(content_type, body);
        assert_eq!(answer.status, 400, "{content_type}");
        assert!(answer.text().contains(says), "{}", answer.text());
    }
    let no_type =
        server.send(b"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 3\r\n\r\na=b");
    assert_eq!(no_type.status, 400);
    assert!(no_type.text().contains("not none"), "{}", no_type.text());
    // None of them signed anything, and the server still answers.
    assert!(server.get("/").text().contains("No entries yet"));
}

#[test]
fn the_style_sheet_and_script_are_step_09s_files() {
    let server = Server::start(&[]);
    for (path, content_type, file) in [
        ("/static/style.css", "text/css; charset=utf-8", "style.css"),
        (
            "/static/guestbook.js",
            "text/javascript; charset=utf-8",
            "guestbook.js",
        ),
    ] {
        let answer = server.get(path);
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.header("Content-Type"), Some(content_type), "{path}");
        let on_disk = std::fs::read(step10::static_dir().join(file)).unwrap();
        assert_eq!(answer.body, on_disk, "{path}");
        assert!(answer.header("ETag").is_some(), "{path}");
    }
    assert_eq!(server.get("/static/../Cargo.toml").status, 400);
    assert_eq!(server.get("/static/nope.css").status, 404);
}

#[test]
fn other_methods_get_405_with_allow() {
    let server = Server::start(&[]);
    let answer = server.send(b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(answer.status, 405);
    let allow = answer.header("Allow").expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[test]
fn a_broken_template_stops_the_start_with_its_name_line_and_column() {
    let (line, column) = position_in("index.html", "{% for entry in entries %}");
    let (else_line, else_column) = position_in("index.html", "{% else %}");
    let (block_line, block_column) = position_in("index.html", "{% block content %}");
    let cases = [
        (
            "unknown-tag",
            "index.html",
            "{% for entry in entries %}",
            "{% foreach entry in entries %}",
            format!(
                "error: template index.html, line {line}, column {column}: unknown tag `foreach` \
                 (known: if, else, endif, for, endfor, block, endblock, extends)"
            ),
        ),
        (
            "mismatched",
            "index.html",
            "{% endfor %}",
            "",
            format!(
                "error: template index.html, line {else_line}, column {else_column}: \
                 `{{% else %}}` cannot close the `{{% for %}}` opened at line {line}, column {column}"
            ),
        ),
        (
            "unclosed",
            "index.html",
            "{% endblock %}",
            "",
            format!(
                "error: template index.html, line {block_line}, column {block_column}: \
                 `{{% block %}}` is never closed: expected `{{% endblock %}}`"
            ),
        ),
        (
            "missing-base",
            "index.html",
            "{% extends \"base.html\" %}",
            "{% extends \"layout.html\" %}",
            "error: template index.html, line 1, column 1: no template named \"layout.html\" in FOLDER"
                .into(),
        ),
        (
            "no-base",
            "base.html",
            "",
            "",
            "error: template index.html, line 1, column 1: no template named \"base.html\" in FOLDER".into(),
        ),
        (
            "no-page",
            "index.html",
            "",
            "",
            "error: template index.html: no template named \"index.html\" in FOLDER".into(),
        ),
    ];
    for (test, file, from, to, expected) in cases {
        let copy = TemplateCopy::with_change(test, file, from, to);
        let (status, stderr) = refused_start(&["--templates", copy.path()]);
        assert_eq!(status.code(), Some(2), "{test}: {stderr}");
        // A missing template is looked for in the folder the error names.
        let expected = expected.replace("FOLDER", copy.path());
        assert_eq!(stderr.trim_end(), expected, "{test}");
    }
}

#[test]
fn a_bad_setting_is_a_clear_message_at_start() {
    let (status, stderr) = refused_start_with(&[], &[("STEP10_WORKERS", "many")]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    let expected =
        "error: setting `workers` is \"many\" (from the environment variable STEP10_WORKERS)";
    assert!(stderr.starts_with(expected), "{stderr}");
}

#[test]
fn a_missing_templates_folder_is_a_clear_message_at_start() {
    let (status, stderr) = refused_start(&["--templates", "/no/such/folder"]);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: template /no/such/folder: cannot be read: "),
        "{stderr}"
    );
}

#[test]
fn a_template_error_while_answering_is_a_500_in_the_log_and_the_server_lives_on() {
    // The typo is only reached once there is an entry to show.
    let copy = TemplateCopy::with_change(
        "render",
        "index.html",
        "{{ entry.name }}",
        "{{ entry.nmae }}",
    );
    let (line, column) = position_in("index.html", "{{ entry.name }}");
    let server = Server::start(&["--templates", copy.path()]);
    assert_eq!(
        server.get("/").status,
        200,
        "no entries: the loop body is never rendered"
    );
    assert_eq!(server.sign("name=Ada&message=hi").status, 303);

    let failed = server.get("/");
    assert_eq!(failed.status, 500);
    assert_eq!(
        failed.text(),
        "500 Internal Server Error: the page could not be rendered\n"
    );
    let expected = format!(
        "error: GET /: template error: index.html, line {line}, column {column}: \
         `entry.nmae` is not defined (`entry` has no `nmae`)"
    );
    let log = server.stderr_containing(&expected);
    assert!(log.contains(&expected), "{log}");
    // The message is in the log, not in the page a visitor sees.
    assert!(!failed.text().contains("nmae"));

    // One request failed; the server did not.
    assert_eq!(server.get("/").status, 500);
    assert_eq!(server.sign("name=&message=").status, 500);
    assert_eq!(
        server
            .send(b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .status,
        405
    );
}
