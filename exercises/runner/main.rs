//! The exercises' progress runner (being built).

fn main() {
    println!("The runner is not written yet; use `cargo test -p exercises --test <name>`.");
}
