//! Chapter 12 of TUTORIAL.md quotes what the guestbook answers to forged
//! and real posts, a login and a delete; these tests send the same requests
//! to the real program and fail when the quotes and the program part ways.

#[path = "../../step11-data/tests/support/mod.rs"]
mod support;

use std::process::Command;

use step12::testing::Answer;
use support::{Program, TempDir, quoted_output, start};

const EXE: &str = env!("CARGO_BIN_EXE_step12");
const FILE: &str = "steps/step12-sessions/tests/tutorial.rs";

fn guestbook(dir: &TempDir) -> Program {
    let db = dir.join("guestbook.sqlite3");
    start(
        EXE,
        &["--database", db.to_str().unwrap()],
        &[],
        &dir.join("log"),
    )
    .unwrap_or_else(|(status, log)| panic!("step12 exited with {status}: {log}"))
}

/// `Cookie: name=value` for the answer's `Set-Cookie`, as curl's `-c` and `-b` keep it.
fn cookie_jar(answer: &Answer) -> String {
    let set = answer.header("set-cookie").expect("a Set-Cookie");
    format!("Cookie: {}\r\n", set.split(';').next().unwrap())
}

/// `grep -o '[0-9a-f]\{64\}' | head -1` of a page.
fn first_token(answer: &Answer) -> String {
    let text = answer.text();
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(63))
        .find(|&i| {
            bytes[i..i + 64]
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
        .map(|i| text[i..i + 64].to_string())
        .expect("a 64-digit token in the page")
}

#[test]
fn the_forged_and_real_posts_of_chapter_12_answer_as_quoted() {
    let dir = TempDir::new("tutorial-csrf");
    let program = guestbook(&dir);
    let forged = program.post("/", "name=Eve&message=Forged", "");
    let page = program.get("/", "");
    let (jar, token) = (cookie_jar(&page), first_token(&page));
    let evil = format!("{jar}Origin: http://evil.example\r\n");
    let cross = program.post(
        "/",
        &format!("csrf_token={token}&name=Eve&message=Forged"),
        &evil,
    );
    let real = program.post(
        "/",
        &format!("csrf_token={token}&name=Ada&message=Hello"),
        &jar,
    );
    let answered: Vec<String> = [forged, cross, real]
        .into_iter()
        .map(|a| a.status_line)
        .collect();
    assert_eq!(
        quoted_output(
            FILE,
            "the_forged_and_real_posts_of_chapter_12_answer_as_quoted"
        ),
        answered
    );
}

#[test]
fn a_made_up_cookie_in_chapter_12_still_gets_the_page() {
    let dir = TempDir::new("tutorial-cookie");
    let program = guestbook(&dir);
    let answer = program.get("/", "Cookie: step12_session=0123.4567\r\n");
    assert_eq!(
        quoted_output(FILE, "a_made_up_cookie_in_chapter_12_still_gets_the_page"),
        [answer.status_line]
    );
}

#[test]
fn the_login_and_delete_of_chapter_12_answer_as_quoted() {
    let dir = TempDir::new("tutorial-login");
    let db = dir.join("guestbook.sqlite3");
    // GUESTBOOK_ADMIN_PASSWORD='correct horse' cargo run -p step12 -- --create-admin ada
    let made = Command::new(EXE)
        .args(["--database", db.to_str().unwrap(), "--create-admin", "ada"])
        .env("GUESTBOOK_ADMIN_PASSWORD", "correct horse")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let program = guestbook(&dir);
    // Entry 1, for the delete.
    let page = program.get("/", "");
    let (jar, token) = (cookie_jar(&page), first_token(&page));
    let form = format!("csrf_token={token}&name=Ada&message=Hello");
    assert_eq!(program.post("/", &form, &jar).status, 303);

    let login_page = program.get("/login", "");
    let (jar, token) = (cookie_jar(&login_page), first_token(&login_page));
    let form = format!("csrf_token={token}&name=ada&password=correct+horse");
    let login = program.post("/login", &form, &jar);
    let jar = cookie_jar(&login);
    let token = first_token(&program.get("/", &jar));
    let delete = program.post("/entries/1/delete", &format!("csrf_token={token}"), &jar);
    assert_eq!(
        quoted_output(FILE, "the_login_and_delete_of_chapter_12_answer_as_quoted"),
        [login.status_line, delete.status_line]
    );
}
