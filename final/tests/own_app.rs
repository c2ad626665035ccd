//! The tutorial's recipe for an app of your own (chapter 13, "Your own app
//! on final/"), followed to the letter: a new package outside this
//! workspace, the `[dependencies]` block of TUTORIAL.md, the demo's files
//! copied into the layout the text gives, the one line of `main.rs` it says
//! to change, and `cargo check` (it compiles). A dependency the demo needs and the recipe
//! lacks (as `argon2` once was) fails here, not on a reader's machine.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::TempDir;

/// `main.rs`'s settings line in the demo, and what the recipe makes of it.
const DEMO_SETTINGS: &str = r#"const SETTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo/settings.toml");"#;
const OWN_SETTINGS: &str = r#"concat!(env!("CARGO_MANIFEST_DIR"), "/settings.toml")"#;

fn final_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_tutorials_own_app_recipe_builds_the_demo_as_a_package_of_its_own() {
    let recipe = step01::testing::tutorial_block(
        "final/tests/own_app.rs",
        "the_tutorials_own_app_recipe_builds_the_demo_as_a_package_of_its_own",
    )
    .join("\n");
    assert!(recipe.starts_with("[dependencies]"), "{recipe}");
    // The reader writes where their clone is; the test writes where ours is.
    let reader_path = r#"path = "../httprs/final""#;
    assert!(recipe.contains(reader_path), "{recipe}");
    let recipe = recipe.replace(
        reader_path,
        &format!("path = {:?}", final_dir().display().to_string()),
    );

    let dir = TempDir::new("own-app");
    let demo = final_dir().join("examples/demo");
    // `cargo new guestbook`, then the recipe's lines.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"guestbook\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{recipe}\n"
        ),
    )
    .unwrap();
    // The workspace's lock file: the same versions as the tests, which also
    // lets `--offline` find every crate in cargo's cache.
    std::fs::copy(final_dir().join("../Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    // main.rs, urls.rs and app/ into src/; the rest beside Cargo.toml.
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for file in ["main.rs", "urls.rs"] {
        std::fs::copy(demo.join(file), dir.join("src").join(file)).unwrap();
    }
    copy_tree(&demo.join("app"), &dir.join("src/app"));
    copy_tree(&demo.join("templates"), &dir.join("templates"));
    copy_tree(&demo.join("static"), &dir.join("static"));
    std::fs::copy(demo.join("settings.toml"), dir.join("settings.toml")).unwrap();
    // The one line the text says to change.
    let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert!(
        main.contains(DEMO_SETTINGS),
        "the demo's SETTINGS line moved"
    );
    let tutorial = std::fs::read_to_string(final_dir().join("../TUTORIAL.md")).unwrap();
    assert!(
        tutorial.contains(OWN_SETTINGS),
        "the text no longer says how"
    );
    let main = main.replace(
        DEMO_SETTINGS,
        &format!("const SETTINGS: &str = {OWN_SETTINGS};"),
    );
    std::fs::write(dir.join("src/main.rs"), main).unwrap();

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| final_dir().join("../target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        // `check` type-checks everything, which is what can go wrong in a
        // recipe (a missing dependency, a path that moved), without spending
        // minutes on code generation and linking.
        .args(["check", "--offline", "--quiet"])
        .current_dir(dir.path())
        // A folder of its own: built as a dependency of another package,
        // httprs would otherwise replace the workspace's own artifacts, and
        // the next `cargo test` would compile it again.
        .env("CARGO_TARGET_DIR", target.join("own-app-recipe"))
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "the recipe's package does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
