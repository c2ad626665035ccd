//! The guestbook with sessions over real sockets: the real program, a
//! database of its own, a client that keeps its cookie as a browser does.

#[path = "../../step11-data/tests/support/mod.rs"]
mod support;

use std::process::Command;

use step12::testing::Answer;
use support::{Program, TempDir, form_encode, start};

const EXE: &str = env!("CARGO_BIN_EXE_step12");
const KEY: &str = "a secret key for the tests, 32 bytes or more";

fn database(dir: &TempDir) -> String {
    dir.join("guestbook.sqlite3").to_str().unwrap().to_string()
}

fn guestbook(dir: &TempDir, envs: &[(&str, &str)]) -> Program {
    let mut all = vec![("STEP12_SECRET_KEY", KEY)];
    all.extend_from_slice(envs);
    start(
        EXE,
        &["--database", &database(dir)],
        &all,
        &dir.join("stderr.log"),
    )
    .unwrap_or_else(|(status, log)| panic!("step12 exited with {status}: {log}"))
}

/// `--create-admin ada` with the password in the variable; its exit code.
fn create_admin(dir: &TempDir, name: &str, password: &str) -> Option<i32> {
    let status = Command::new(EXE)
        .args(["--database", &database(dir), "--create-admin", name])
        .env("GUESTBOOK_ADMIN_PASSWORD", password)
        .output()
        .unwrap()
        .status;
    status.code()
}

/// The `name=value` of the answer's session cookie.
#[track_caller]
fn cookie(answer: &Answer) -> String {
    let set = answer
        .header("set-cookie")
        .unwrap_or_else(|| panic!("no Set-Cookie in {:?}", answer.headers));
    set.split(';').next().unwrap().to_string()
}

/// The CSRF token in a page's hidden field.
#[track_caller]
fn token(page: &Answer) -> String {
    let text = page.text();
    let at = text
        .find("name=\"csrf_token\" value=\"")
        .unwrap_or_else(|| panic!("no token field in {text}"));
    text[at + 25..at + 25 + 64].to_string()
}

/// A browser's first visit: its cookie header line and the form's token.
fn visit(program: &Program) -> (String, String) {
    let page = program.get("/", "");
    assert_eq!(page.status, 200);
    (format!("Cookie: {}\r\n", cookie(&page)), token(&page))
}

fn sign_form(token: &str, name: &str, message: &str) -> String {
    format!(
        "csrf_token={token}&name={}&message={}",
        form_encode(name),
        form_encode(message)
    )
}

#[test]
fn a_page_sets_a_signed_httponly_lax_cookie_and_the_secure_headers() {
    let dir = TempDir::new("cookie");
    let program = guestbook(&dir, &[]);
    let page = program.get("/", "");
    let set = page.header("set-cookie").unwrap();
    assert!(set.starts_with("step12_session="), "{set}");
    assert!(
        set.ends_with("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"),
        "{set}"
    );
    let value = cookie(&page);
    let (id, tag) = value["step12_session=".len()..].split_once('.').unwrap();
    assert_eq!((id.len(), tag.len()), (64, 64));
    for (name, value) in [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "frame-ancestors 'none'"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ] {
        assert_eq!(page.header(name), Some(value), "{name}");
    }
    // The same browser coming back keeps its session: no new cookie.
    let again = program.get("/", &format!("Cookie: {value}\r\n"));
    assert_eq!(again.header("set-cookie"), None);
    assert_eq!(token(&again), token(&page));
    drop(program);
    let secure = guestbook(&dir, &[("STEP12_COOKIE_SECURE", "true")]);
    let set = secure
        .get("/", "")
        .header("set-cookie")
        .unwrap()
        .to_string();
    assert!(set.ends_with("; SameSite=Lax; Secure"), "{set}");
}

#[test]
fn a_post_without_the_right_token_is_403_and_stores_nothing() {
    let dir = TempDir::new("csrf");
    let program = guestbook(&dir, &[]);
    let (cookie, token) = visit(&program);
    let other = visit(&program).1;
    let no_token = "name=Eve&message=Forged";
    for (form, headers) in [
        (no_token.to_string(), String::new()),
        (no_token.to_string(), cookie.clone()),
        (sign_form(&"0".repeat(64), "Eve", "Forged"), cookie.clone()),
        (sign_form(&other, "Eve", "Forged"), cookie.clone()),
        (sign_form(&token, "Eve", "Forged"), String::new()),
        (
            sign_form(&token, "Eve", "Forged"),
            format!("{cookie}Origin: http://evil.example\r\n"),
        ),
    ] {
        let answer = program.post("/", &form, &headers);
        assert_eq!(answer.status, 403, "{form} {headers:?}");
        assert!(answer.text().contains("(CSRF)"), "{}", answer.text());
    }
    assert!(!program.get("/", &cookie).text().contains("Forged"));
    let signed = program.post("/", &sign_form(&token, "Ada", "Welcome"), &cookie);
    assert_eq!(signed.status, 303);
    let same_origin = format!("{cookie}Origin: http://{}\r\n", program.addr);
    let signed = program.post("/", &sign_form(&token, "Bo", "Also"), &same_origin);
    assert_eq!(signed.status, 303);
    let page = program.get("/", &cookie).text();
    assert!(page.contains("Welcome") && page.contains("Also"), "{page}");
}

#[test]
fn a_tampered_cookie_is_no_session_and_never_a_500() {
    let dir = TempDir::new("tampered");
    let program = guestbook(&dir, &[]);
    let page = program.get("/", "");
    let value = cookie(&page);
    let real_token = token(&page);
    let flip = |s: &str, at: usize| {
        let digit = if &s[at..=at] == "0" { "1" } else { "0" };
        format!("{}{digit}{}", &s[..at], &s[at + 1..])
    };
    let start = "step12_session=".len();
    for forged in [
        flip(&value, start),                  // the id changed
        flip(&value, value.len() - 1),        // the tag changed
        value[..value.len() - 2].to_string(), // the tag shortened
        value[..start + 64].to_string(),      // the tag removed
        "step12_session=garbage".to_string(),
        "step12_session=\"unterminated".to_string(),
    ] {
        let headers = format!("Cookie: {forged}\r\n");
        let answer = program.get("/", &headers);
        assert_eq!(answer.status, 200, "{forged}");
        // A new session, with a token of its own.
        assert_ne!(cookie(&answer), value, "{forged}");
        assert_ne!(token(&answer), real_token);
        // And the stolen token does not pass with the forged cookie.
        let post = program.post("/", &sign_form(&real_token, "Eve", "x"), &headers);
        assert_eq!(post.status, 403, "{forged}");
    }
    assert!(!program.log().contains("error"), "{}", program.log());
}

#[test]
fn a_wrong_login_is_403_with_the_form_and_a_right_one_rotates_the_session() {
    let dir = TempDir::new("login");
    assert_eq!(create_admin(&dir, "ada", "correct horse"), Some(0));
    assert_eq!(create_admin(&dir, "bob", "short"), Some(1));
    let program = guestbook(&dir, &[]);
    let (before, token) = visit(&program);
    let wrong_password = format!("csrf_token={token}&name=ada&password=wrong+horse");
    let wrong_name = format!("csrf_token={token}&name=nobody&password=correct+horse");
    for form in [&wrong_password, &wrong_name] {
        let answer = program.post("/login", form, &before);
        assert_eq!(answer.status, 403, "{form}");
        // The same words either way: no hint which part was wrong.
        assert!(answer.text().contains("Wrong name or password."));
        assert!(
            answer.text().contains("type=\"password\""),
            "the form again"
        );
    }
    let right = format!("csrf_token={token}&name=ada&password=correct+horse");
    let answer = program.post("/login", &right, &before);
    assert_eq!(answer.status, 303, "{}", answer.text());
    let after = format!("Cookie: {}\r\n", cookie(&answer));
    assert_ne!(after, before, "a new session id at login");
    assert!(
        program
            .get("/", &after)
            .text()
            .contains("Signed in as ada.")
    );
    // The cookie from before the login (planted, say) is worth nothing now.
    let old = program.get("/", &before);
    assert!(!old.text().contains("Signed in"));
    assert!(
        old.header("set-cookie").is_some(),
        "a new anonymous session"
    );
}

#[test]
fn only_the_admin_can_delete_and_only_with_the_token() {
    let dir = TempDir::new("delete");
    assert_eq!(create_admin(&dir, "ada", "correct horse"), Some(0));
    let program = guestbook(&dir, &[]);
    let (visitor, visitor_token) = visit(&program);
    let signed = program.post("/", &sign_form(&visitor_token, "Spam", "Buy now"), &visitor);
    assert_eq!(signed.status, 303);
    // A visitor with a perfectly good token: not an admin.
    let anonymous = program.post(
        "/entries/1/delete",
        &format!("csrf_token={visitor_token}"),
        &visitor,
    );
    assert_eq!(anonymous.status, 403);
    assert!(program.get("/", &visitor).text().contains("Buy now"));

    let (admin, login_token) = visit(&program);
    let login = format!("csrf_token={login_token}&name=ada&password=correct+horse");
    let admin = format!(
        "Cookie: {}\r\n",
        cookie(&program.post("/login", &login, &admin))
    );
    let page = program.get("/", &admin);
    let token = token(&page);
    assert!(page.text().contains("action=\"/entries/1/delete\""));
    // Even the admin needs the token.
    assert_eq!(program.post("/entries/1/delete", "", &admin).status, 403);
    let deleted = program.post("/entries/1/delete", &format!("csrf_token={token}"), &admin);
    assert_eq!(deleted.status, 303);
    assert!(!program.get("/", &admin).text().contains("Buy now"));
    let again = program.post("/entries/1/delete", &format!("csrf_token={token}"), &admin);
    assert_eq!(again.status, 404);

    // Logging out ends the session: the same cookie deletes nothing now.
    let out = program.post("/logout", &format!("csrf_token={token}"), &admin);
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        program
            .post("/entries/2/delete", &format!("csrf_token={token}"), &admin)
            .status,
        403
    );
}

#[test]
fn a_secret_key_that_is_too_short_stops_the_start_with_exit_2() {
    let dir = TempDir::new("key");
    let Err((status, log)) = start(
        EXE,
        &["--database", &database(&dir)],
        &[("STEP12_SECRET_KEY", "short")],
        &dir.join("stderr.log"),
    ) else {
        panic!("step12 started with a 5-byte key");
    };
    assert_eq!(status.code(), Some(2), "{log}");
    assert_eq!(
        log,
        "error: the secret key has 5 bytes; it needs at least 32\n"
    );
}
