//! Running: what turns an [`App`](crate::App) into a server, at the top,
//! because it is the one floor that builds a [`Server`](crate::Server).
//!
//! | file | concept |
//! |---|---|
//! | `start.rs` | [`App::start`](crate::App::start), [`App::run`](crate::App::run), [`App::run_with`](crate::App::run_with): settings loaded and checked, the database opened, the server started |
//! | `front.rs` | `httprs-front`: its flags, and the app around the forwarding route: [`FrontOptions`](crate::FrontOptions) |

pub(crate) mod front;
pub(crate) mod start;
