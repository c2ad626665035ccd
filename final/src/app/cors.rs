//! CORS: which other sites' scripts may call this app, per URL prefix.
//! The rules, and why each, are in `final/docs/cors.md` ([`Cors`](crate::Cors)'s documentation).
//!
//! A browser lets a page's script read a response from another origin only
//! if the response says so (`Access-Control-Allow-Origin`), and before a
//! request a plain form could not send (a `DELETE`, a JSON body, a custom
//! header) it asks first with an `OPTIONS` "preflight". The rules live in
//! the app's state ([`CorsRules`]), so that the CSRF check (`csrf.rs`) asks
//! the same question of the same rules: an origin allowed here is the one
//! cross-site caller it lets through.

use std::sync::Arc;

use crate::app::middleware::{Middleware, Next};
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::status::Status;

/// What other origins may do under one URL prefix; see below.
///
#[doc = include_str!("../../docs/cors.md")]
#[derive(Debug, Clone, Default)]
pub struct Cors {
    /// Exact origins, `https://app.example.com` (scheme, host, port).
    origins: Vec<String>,
    any_origin: bool,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    credentials: bool,
    max_age: Option<u32>,
}

impl Cors {
    /// No origin allowed yet; `GET`, `HEAD` and `POST` once one is.
    pub fn new() -> Cors {
        Cors {
            methods: vec!["GET".into(), "HEAD".into(), "POST".into()],
            ..Cors::default()
        }
    }

    /// Allows scripts from `origin`, written as a browser sends it:
    /// `https://app.example.com`, or with a port, `http://localhost:3000`.
    pub fn allow_origin(mut self, origin: &str) -> Cors {
        self.origins
            .push(origin.trim().trim_end_matches('/').to_ascii_lowercase());
        self
    }

    /// Allows scripts from every origin (`Access-Control-Allow-Origin: *`),
    /// for a public API that needs no cookie.
    ///
    /// # Panics
    /// With [`Cors::allow_credentials`]: see there.
    pub fn allow_any_origin(mut self) -> Cors {
        assert!(
            !self.credentials,
            "CORS: credentials need explicit origins, never any origin"
        );
        self.any_origin = true;
        self
    }

    /// The methods a script may use (replacing `GET, HEAD, POST`).
    pub fn allow_methods<'a>(mut self, methods: impl IntoIterator<Item = &'a str>) -> Cors {
        self.methods = methods.into_iter().map(str::to_string).collect();
        self
    }

    /// The request headers a script may send beyond the CORS-safelisted
    /// ones (`Content-Type: application/json` needs `Content-Type` here).
    pub fn allow_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Cors {
        self.headers = headers.into_iter().map(str::to_string).collect();
        self
    }

    /// Response headers a script may read beyond the safelisted ones (`Location`).
    pub fn expose_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Cors {
        self.expose = headers.into_iter().map(str::to_string).collect();
        self
    }

    /// Lets the browser send cookies with the allowed origins' requests
    /// and let their scripts read the answers.
    ///
    /// # Panics
    /// With [`Cors::allow_any_origin`]: every site in the world could then
    /// act as the signed-in user, which is why browsers refuse `*` with
    /// credentials and why this refuses it when the app is built.
    pub fn allow_credentials(mut self) -> Cors {
        assert!(
            !self.any_origin,
            "CORS: credentials need explicit origins, never any origin"
        );
        self.credentials = true;
        self
    }

    /// How long a browser may keep a preflight's answer (`Access-Control-Max-Age`).
    pub fn max_age(mut self, seconds: u32) -> Cors {
        self.max_age = Some(seconds);
        self
    }

    /// Whether scripts from `origin` may call.
    pub(crate) fn allows_origin(&self, origin: &str) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        origin != "null" && (self.any_origin || self.origins.contains(&origin))
    }

    /// `Access-Control-Allow-Origin`: the origin itself, or `*` for any
    /// origin without credentials.
    fn allow_origin_value(&self, origin: &str) -> String {
        if self.any_origin && !self.credentials {
            "*".to_string()
        } else {
            origin.trim().to_string()
        }
    }

    /// The answer to a preflight from an allowed origin, or `None` when
    /// the method or a header asked for is not allowed.
    fn preflight(&self, req: &Request, origin: &str, method: &str) -> Option<Response> {
        if !self.methods.iter().any(|m| m == method.trim()) {
            return None;
        }
        let asked = req.header("access-control-request-headers").unwrap_or("");
        for header in asked.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            if !self.headers.iter().any(|h| h.eq_ignore_ascii_case(header)) {
                return None;
            }
        }
        let mut res = Response::new(Status::NO_CONTENT)
            .with_header(
                "Access-Control-Allow-Origin",
                self.allow_origin_value(origin),
            )
            .with_header("Access-Control-Allow-Methods", self.methods.join(", "));
        if !self.headers.is_empty() {
            res = res.with_header("Access-Control-Allow-Headers", self.headers.join(", "));
        }
        if self.credentials {
            res = res.with_header("Access-Control-Allow-Credentials", "true");
        }
        if let Some(seconds) = self.max_age {
            res = res.with_header("Access-Control-Max-Age", seconds.to_string());
        }
        Some(res)
    }

    /// An allowed origin's actual request answered: who may read it.
    fn allow(&self, res: Response, origin: &str) -> Response {
        let mut res = res.with_header(
            "Access-Control-Allow-Origin",
            self.allow_origin_value(origin),
        );
        if self.credentials {
            res = res.with_header("Access-Control-Allow-Credentials", "true");
        }
        if !self.expose.is_empty() {
            res = res.with_header("Access-Control-Expose-Headers", self.expose.join(", "));
        }
        res
    }
}

/// Every [`Cors`] of the app, by URL prefix; in the app's state.
#[derive(Debug, Default, Clone)]
pub(crate) struct CorsRules {
    rules: Vec<(String, Arc<Cors>)>,
}

impl CorsRules {
    pub(crate) fn add(&mut self, prefix: &str, cors: Cors) {
        self.rules
            .push((prefix.trim_end_matches('/').to_string(), Arc::new(cors)));
    }

    /// The rule for `path`: the longest prefix that covers it, whole segments only
    /// (`/api` covers `/api` and `/api/x`, not `/apix`).
    pub(crate) fn for_path(&self, path: &str) -> Option<&Cors> {
        self.rules
            .iter()
            .filter(|(prefix, _)| {
                prefix.is_empty()
                    || path == prefix
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, cors)| cors.as_ref())
    }
}

/// Whether `req` comes from an origin the CORS rules allow, with
/// credentials, for its path: what the CSRF check accepts as a cross-site
/// caller. Only a rule with [`Cors::allow_credentials`] counts (and it
/// names its origins): a rule without credentials says the app expects no
/// cookie-bearing calls from other origins, so the CSRF check keeps
/// refusing them there.
pub(crate) fn origin_allowed(req: &Request) -> bool {
    let Some(origin) = req.header("origin") else {
        return false;
    };
    req.state::<CorsRules>()
        .and_then(|rules| rules.for_path(req.path()))
        .is_some_and(|cors| cors.credentials && cors.allows_origin(origin))
}

/// The middleware that answers preflights and marks allowed responses.
pub(crate) struct CorsMiddleware;

impl Middleware for CorsMiddleware {
    fn call(&self, req: &Request, next: Next<'_>) -> Response {
        let Some(cors) = req
            .state::<CorsRules>()
            .and_then(|rules| rules.for_path(req.path()))
        else {
            return next.run(req);
        };
        // The answer depends on `Origin` whatever it is: caches must keep one per origin.
        let vary = |res: Response| res.append_header("Vary", "Origin");
        let Some(origin) = req.header("origin").filter(|o| cors.allows_origin(o)) else {
            // No CORS headers at all: the browser keeps the answer from the script.
            return vary(next.run(req));
        };
        if req.method() == "OPTIONS" {
            if let Some(method) = req.header("access-control-request-method") {
                return match cors.preflight(req, origin, method) {
                    Some(res) => vary(res),
                    // A method or header not allowed: no permission given.
                    None => vary(Response::new(Status::NO_CONTENT)),
                };
            }
        }
        vary(cors.allow(next.run(req), origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_of_whole_segments_decides() {
        let mut rules = CorsRules::default();
        rules.add("/api", Cors::new().allow_origin("https://a.test"));
        rules.add("/api/admin/", Cors::new());
        let origin = |path: &str| {
            rules
                .for_path(path)
                .map(|c| c.allows_origin("https://A.test"))
        };
        assert_eq!(origin("/api"), Some(true));
        assert_eq!(origin("/api/entries"), Some(true));
        assert_eq!(origin("/api/admin/users"), Some(false));
        assert_eq!(origin("/apix"), None);
        assert_eq!(origin("/"), None);
    }

    #[test]
    #[should_panic(expected = "credentials need explicit origins")]
    fn credentials_with_any_origin_are_refused_when_built() {
        let _ = Cors::new().allow_any_origin().allow_credentials();
    }

    #[test]
    #[should_panic(expected = "credentials need explicit origins")]
    fn any_origin_after_credentials_is_refused_too() {
        let _ = Cors::new().allow_credentials().allow_any_origin();
    }

    #[test]
    fn the_null_origin_is_never_allowed() {
        assert!(!Cors::new().allow_any_origin().allows_origin("null"));
    }
}
