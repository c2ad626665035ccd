//! App state: values the app owns and every handler can reach through its request.
//!
//! A handler is called with a [`Request`](crate::Request) and nothing else, yet
//! real handlers need things that live as long as the app: the template
//! folder, the database pool, a client for another service, a counter.
//! httppy, the Python framework httprs descends from, kept such things in
//! module globals; a global cannot hold two apps in one test run, and it
//! hides what a handler depends on.
//!
//! Instead the app keeps a small map from a type to one value of that type.
//! [`App::state`](crate::App::state) puts a value in; a handler asks for it by
//! type with [`Request::state`](crate::Request::state):
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use httprs::{App, Request, Response};
//!
//! struct Visits(AtomicU64);
//!
//! let app = App::new()
//!     .state(Visits(AtomicU64::new(0)))
//!     .get("/", |req: &Request| {
//!         let visits = req.state::<Visits>().expect("added in main");
//!         let n = visits.0.fetch_add(1, Ordering::Relaxed) + 1;
//!         Response::text(format!("visit number {n}"))
//!     });
//! app.handle(Request::new("GET", "/"));
//! assert_eq!(app.handle(Request::new("GET", "/")).body_text(), "visit number 2");
//! ```
//!
//! Keyed by type, so the compiler checks what a handler gets back; shared
//! between threads, so a value must be `Send + Sync` (use atomics or a
//! `Mutex` inside it to change it). The framework's own services, templates
//! and the database, live in the same map.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// What a request can reach of its app: the state map and the debug flag.
///
/// Cloning is cheap (the values are behind `Arc`s); the server shares one
/// `Arc<AppState>` among all requests.
#[derive(Clone, Default)]
pub(crate) struct AppState {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    /// The `debug` setting: show error details (panics, template errors) in responses.
    pub(crate) debug: bool,
    /// `Settings::root`, the folder relative paths are read from (empty
    /// until the app starts, which reads them from the working directory).
    pub(crate) root: std::path::PathBuf,
}

impl AppState {
    /// Stores `value`, replacing any earlier value of the same type.
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, if one was stored.
    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("values", &self.values.len())
            .field("debug", &self.debug)
            .field("root", &self.root)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_type_and_replaced_by_type() {
        let mut state = AppState::default();
        assert!(state.get::<u32>().is_none());
        state.insert(7_u32);
        state.insert(String::from("seven"));
        state.insert(8_u32);
        assert_eq!(state.get::<u32>(), Some(&8));
        assert_eq!(state.get::<String>().map(String::as_str), Some("seven"));
        assert!(state.get::<u64>().is_none(), "u64 is not u32");
    }
}
