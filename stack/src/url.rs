//! Splitting the configuration's http(s) URLs: one way for the Kubernetes
//! renderer (receiver Service, NetworkPolicy ports) and the local stack
//! (listen address, webhook path, port flags).

/// A URL's parts, split without decoding anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Before `://`; `None` when the URL has none.
    pub scheme: Option<&'a str>,
    /// Up to the first `/` after the scheme.
    pub authority: &'a str,
    /// From that `/` on, query included; empty when there is none.
    pub path: &'a str,
}

pub fn split(url: &str) -> UrlParts<'_> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    UrlParts {
        scheme,
        authority,
        path,
    }
}

impl<'a> UrlParts<'a> {
    /// `host[:port]`: the authority without user info, query or fragment.
    pub fn host_port(&self) -> &'a str {
        let authority = self.authority.split(['?', '#']).next().unwrap_or_default();
        authority.rsplit('@').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_urls() {
        let parts = split("http://user@alert-receiver:9095/alerts?x");
        assert_eq!(parts.scheme, Some("http"));
        assert_eq!(parts.authority, "user@alert-receiver:9095");
        assert_eq!(parts.path, "/alerts?x");
        assert_eq!(parts.host_port(), "alert-receiver:9095");
        let bare = split("localhost:9095");
        assert_eq!(
            (bare.scheme, bare.authority, bare.path),
            (None, "localhost:9095", "")
        );
    }
}
