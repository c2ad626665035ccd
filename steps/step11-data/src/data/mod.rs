//! The data layer: structs stored in SQLite, through SQL that never holds
//! a visitor's text.
//!
//! - [`connection`]: opening the file for a server (WAL, a busy timeout) and
//!   sharing one connection between the workers;
//! - [`migrate`]: the schema's history, each change applied once, in a
//!   transaction with its record;
//! - [`model`]: the [`Model`] trait, from a struct to a table and back, with
//!   `insert`, `all`, `find` and `delete`, every value a bound parameter;
//! - [`error`]: [`DataError`], which tells a missing row from a refused value
//!   from a failing engine.
//!
//! rusqlite does the talking to SQLite (the lesson is the mapping, not the
//! file format); `final/` puts the same ideas behind a pool, on SQLite or
//! PostgreSQL.

pub mod connection;
pub mod error;
pub mod migrate;
pub mod model;

pub use connection::Database;
pub use error::DataError;
pub use migrate::Migration;
pub use model::Model;

/// A folder for a test's database files, removed when dropped.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub struct TempDir(PathBuf);

    impl TempDir {
        /// `step11-{label}-{pid}-{n}` under the system's temp folder: tests
        /// running side by side never share a file.
        pub fn new(label: &str) -> TempDir {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "step11-{label}-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
