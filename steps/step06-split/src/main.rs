//! `cargo run -p step06`: the front and its backend (being written: see the split module).

fn main() {
    eprintln!("step06: the front and the backend are not written yet; see PROTOCOL.md");
}
