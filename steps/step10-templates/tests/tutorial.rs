//! Chapter 10 of TUTORIAL.md quotes what this step prints; these tests
//! produce the same output from the real server and fail when the quote
//! and the program part ways (the page's markup, a message, a line number).

mod support;

use step10::testing::{assert_block_shows, one_response, tutorial_block};
use support::{Server, TemplateCopy, refused_start};

/// This file, as the tutorial's markers name it.
const FILE: &str = "steps/step10-templates/tests/tutorial.rs";

/// The block after `<!-- output-from-test: FILE::test -->`, without its
/// `$ ` command lines.
#[track_caller]
fn block(test: &str) -> Vec<String> {
    tutorial_block(FILE, test)
        .into_iter()
        .filter(|line| !line.starts_with("$ "))
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
fn signing_with_curl_as_chapter_10_shows_is_a_303() {
    let server = Server::start(&[]);
    // What `curl -i -d name=Ada --data-urlencode 'message=<b>hi</b>'` sends.
    let body = "name=Ada&message=%3Cb%3Ehi%3C%2Fb%3E";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\
         Content-Length: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n{body}",
        body.len()
    );
    let response = one_response(server.addr, request.as_bytes());
    let block = tutorial_block(FILE, "signing_with_curl_as_chapter_10_shows_is_a_303");
    assert_block_shows(&block, &response, &["Date"]);
}

#[test]
fn the_signed_entry_quoted_in_chapter_10_is_what_the_page_shows() {
    let server = Server::start(&[]);
    // `curl -d name=Ada --data-urlencode 'message=<b>hi</b>'`
    assert_eq!(
        server.sign("name=Ada&message=%3Cb%3Ehi%3C%2Fb%3E").status,
        303
    );
    let page = server.get("/").text();
    let shown = grep_after(&page, "<li>", 2);
    // `curl -s http://127.0.0.1:7878/ | grep -A2 '<li>'`
    let quoted = block("the_signed_entry_quoted_in_chapter_10_is_what_the_page_shows");
    assert_eq!(quoted, shown);
}

#[test]
fn the_refused_form_quoted_in_chapter_10_is_what_the_server_sends() {
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
    // `... | grep -E 'HTTP|class="error"|required>'`
    let quoted = block("the_refused_form_quoted_in_chapter_10_is_what_the_server_sends");
    assert_eq!(quoted, shown);
}

#[test]
fn the_start_up_error_quoted_in_chapter_10_is_what_the_program_prints() {
    // The chapter's `sed -i 's/{% for entry/{% foreach entry/'`.
    let copy = TemplateCopy::with_change(
        "tutorial-start",
        "index.html",
        "{% for entry",
        "{% foreach entry",
    );
    let (status, stderr) = refused_start(&["--templates", copy.path()]);
    assert_eq!(status.code(), Some(2));
    let quoted = block("the_start_up_error_quoted_in_chapter_10_is_what_the_program_prints");
    assert_eq!(quoted, [stderr.trim_end()]);
}

#[test]
fn the_render_error_quoted_in_chapter_10_is_what_the_log_says() {
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
    let quoted = block("the_render_error_quoted_in_chapter_10_is_what_the_log_says");
    let [line] = &quoted[..] else {
        panic!("the block should be the one log line, not {quoted:?}");
    };
    let log = server.stderr_containing(line);
    assert!(
        log.lines().any(|l| l == line),
        "quoted: {line}\nlogged: {log}"
    );
}
