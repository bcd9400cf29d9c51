//! The HTTP trigger's `route`: an exact path, or a prefix ending in `/...`
//! that matches the prefix itself and everything below it (`/...` is every
//! path). Spin's `:name` segments are not needed by the edge component.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Exact(String),
    /// The prefix without its trailing `/...`; empty for `/...`.
    Prefix(String),
}

impl Route {
    pub fn parse(route: &str) -> Result<Route, String> {
        if !route.starts_with('/') {
            return Err(format!("route {route:?} does not start with '/'"));
        }
        if route.split('/').any(|segment| segment.starts_with(':')) {
            return Err(format!(
                "route {route:?}: parameter segments are not supported"
            ));
        }
        Ok(match route.strip_suffix("/...") {
            Some(prefix) => Route::Prefix(prefix.to_owned()),
            None => Route::Exact(route.to_owned()),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        match self {
            Route::Exact(exact) => path == exact,
            Route::Prefix(prefix) => match path.strip_prefix(prefix.as_str()) {
                Some(rest) => rest.is_empty() || rest.starts_with('/'),
                None => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn wildcard_prefixes_match_themselves_and_below() {
        let all = Route::parse("/...").unwrap();
        assert!(all.matches("/") && all.matches("/api/items/1"));
        let api = Route::parse("/api/...").unwrap();
        assert!(api.matches("/api") && api.matches("/api/items"));
        assert!(!api.matches("/apix") && !api.matches("/"));
        let exact = Route::parse("/healthz").unwrap();
        assert!(exact.matches("/healthz") && !exact.matches("/healthz/x"));
    }

    #[test]
    fn unsupported_routes_are_named() {
        assert!(Route::parse("api").unwrap_err().contains("\"api\""));
        assert!(
            Route::parse("/items/:id")
                .unwrap_err()
                .contains("parameter")
        );
    }
}
