//! Chapter 11 of TUTORIAL.md quotes what the guestbook answers; these tests
//! send the same requests to the real program and fail when the quote and
//! the program part ways.

mod support;

use support::{TempDir, quoted_output, start};

const EXE: &str = env!("CARGO_BIN_EXE_step11");

#[test]
fn the_sign_quoted_in_chapter_11_is_a_303_to_the_page() {
    let dir = TempDir::new("tutorial");
    let db = dir.join("guestbook.sqlite3");
    let program = start(
        EXE,
        &["--database", db.to_str().unwrap()],
        &[],
        &dir.join("log"),
    )
    .unwrap_or_else(|(status, log)| panic!("step11 exited with {status}: {log}"));
    // curl -si -d name=Ada --data-urlencode 'message=Hello from step 11' ... | head -2
    let answer = program.post("/", "name=Ada&message=Hello+from+step+11", "");
    let (name, value) = &answer.headers[0];
    let head_2 = vec![answer.status_line.clone(), format!("{name}: {value}")];
    assert_eq!(
        quoted_output(
            "steps/step11-data/tests/tutorial.rs",
            "the_sign_quoted_in_chapter_11_is_a_303_to_the_page"
        ),
        head_2
    );
}
