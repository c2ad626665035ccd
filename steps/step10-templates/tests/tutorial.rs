//! Chapter 10 of TUTORIAL.md quotes what this step prints; these tests
//! produce the same output from the real server and fail when the quote
//! and the program part ways (the page's markup, a message, a line number).

mod support;

use std::path::Path;

use support::{Server, TemplateCopy, refused_start};

/// Chapter 10's text, from its heading to the next chapter's.
fn chapter_10() -> String {
    let tutorial = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../TUTORIAL.md");
    let text = std::fs::read_to_string(tutorial).expect("TUTORIAL.md");
    let start = text
        .find("## Chapter 10: step10")
        .expect("chapter 10's heading");
    let end = text[start + 3..]
        .find("\n## ")
        .map_or(text.len(), |i| start + 3 + i);
    text[start..end].to_string()
}

/// The lines of the block that starts with the line `command`, up to its fence.
#[track_caller]
fn quoted_after(chapter: &str, command: &str) -> Vec<String> {
    let at = chapter
        .find(&format!("{command}\n"))
        .unwrap_or_else(|| panic!("chapter 10 no longer shows `{command}`"));
    chapter[at..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("```"))
        .map(str::to_string)
        .collect()
}

/// `grep -A after pattern`, for a fixed string pattern.
fn grep_after(text: &str, pattern: &str, after: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.contains(pattern) {
            out.extend(
                lines[i..(i + 1 + after).min(lines.len())]
                    .iter()
                    .map(|l| l.to_string()),
            );
        }
    }
    out
}

/// A whole response as `curl -i` prints it: the head, a blank line, the body.
fn as_curl_i(answer: &step10::testing::Answer) -> String {
    let mut text = format!("{}\n", answer.status_line);
    for (name, value) in &answer.headers {
        text.push_str(&format!("{name}: {value}\n"));
    }
    format!("{text}\n{}", answer.text())
}

#[test]
fn the_signed_entry_quoted_in_chapter_10_is_what_the_page_shows() {
    let chapter = chapter_10();
    let server = Server::start(&[]);
    // `curl -d name=Ada --data-urlencode 'message=<b>hi</b>'`
    assert_eq!(
        server.sign("name=Ada&message=%3Cb%3Ehi%3C%2Fb%3E").status,
        303
    );
    let page = server.get("/").text();
    let shown = grep_after(&page, "<li>", 2);
    let quoted = quoted_after(
        &chapter,
        "$ curl -s http://127.0.0.1:7878/ | grep -A2 '<li>'",
    );
    assert_eq!(quoted, shown);
}

#[test]
fn the_refused_form_quoted_in_chapter_10_is_what_the_server_sends() {
    let chapter = chapter_10();
    let server = Server::start(&[]);
    // `curl -s -i -d name= -d 'message=<script>'`
    let answer = as_curl_i(&server.sign("name=&message=%3Cscript%3E"));
    let shown: Vec<String> = answer
        .lines()
        .filter(|l| {
            ["HTTP", "class=\"error\"", "required>"]
                .iter()
                .any(|p| l.contains(p))
        })
        .map(str::to_string)
        .collect();
    let quoted = quoted_after(
        &chapter,
        "$ curl -s -i -d name= -d 'message=<script>' http://127.0.0.1:7878/ | grep -E 'HTTP|class=\"error\"|required>'",
    );
    assert_eq!(quoted, shown);
}

#[test]
fn the_template_errors_quoted_in_chapter_10_are_what_the_program_prints() {
    let chapter = chapter_10();
    // The chapter's `sed -i 's/{% for entry/{% foreach entry/'`.
    let copy = TemplateCopy::with_change(
        "tutorial-start",
        "index.html",
        "{% for entry",
        "{% foreach entry",
    );
    let (status, stderr) = refused_start(&["--templates", copy.path()]);
    assert_eq!(status.code(), Some(2));
    let quoted = quoted_after(&chapter, "$ cargo run -p step10 -- --templates /tmp/mine");
    assert_eq!(quoted, [stderr.trim_end()]);

    // The chapter's `{{ entry.nmae }}`, reached once an entry is shown.
    let copy = TemplateCopy::with_change(
        "tutorial-render",
        "index.html",
        "{{ entry.name }}",
        "{{ entry.nmae }}",
    );
    let server = Server::start(&["--templates", copy.path()]);
    assert_eq!(server.sign("name=Ada&message=hi").status, 303);
    assert_eq!(server.get("/").status, 500);
    let quoted_line = chapter
        .lines()
        .find(|l| l.starts_with("error: GET /: template error:"))
        .expect("chapter 10 quotes the render error");
    let log = server.stderr_containing(quoted_line);
    assert!(
        log.lines().any(|l| l == quoted_line),
        "quoted: {quoted_line}\nlogged: {log}"
    );
}
