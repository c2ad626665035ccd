//! App state: values the app owns and every handler can reach through its
//! request. Why a type map and not globals: `final/docs/state.md` (in the
//! documentation of [`App::state`](crate::App::state)).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// What a request can reach of its app: the state map and the debug flag.
///
/// Cloning is cheap (the values are behind `Arc`s); each event loop gives
/// its requests an `Arc<AppState>` of its own (`AppCore::state_copy`).
#[derive(Clone, Default)]
pub(crate) struct AppState {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    /// The `debug` setting: show error details (panics, template errors) in responses.
    pub(crate) debug: bool,
    /// `Settings::root`, the folder relative paths are read from (empty
    /// until the app starts, which reads them from the working directory).
    pub(crate) root: std::path::PathBuf,
    /// How uploads are kept (the `upload_*` settings), for a form parsed
    /// from a body in memory as for one the connection streamed.
    pub(crate) uploads: Arc<crate::http::upload::UploadConfig>,
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
